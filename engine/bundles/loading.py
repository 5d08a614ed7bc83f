"""Loading a bundle, of any task: parse and check its manifest against the task registry, its
files' checksums and its ONNX graphs; find the bundles shipped with the app and the user's own
(``~/.local/share/kinesight/bundles``), so that every command takes a bundle's name for its path. A task that reads
no frames (time series) parses its own manifest section and checks its head through its
registry entry; everything else (safety, checksums, the zip) is the same for every bundle.

Loading reads JSON and ONNX protobufs only; it never executes code (no pickle). The manifest's
``task`` must be one of ``engine.tasks.TASKS``; anything else is refused.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

from engine.bundles.format import (
    FORMAT,
    FORMAT_VERSION,
    MANIFEST,
    Bundle,
    HeadSpec,
    InputSpec,
    Manifest,
    StateSpec,
    WindowSpec,
    sha256_of,
)
from engine.bundles.safety import (
    MAX_FEATURE_DIM,
    MAX_INPUT_SIDE,
    MAX_LABEL_CHARS,
    MAX_LABELS,
    MAX_STATE_VALUES,
    MAX_WINDOW_LENGTH,
    load_folder_or_zip,
    onnx_io,
    plain_file,
    read_manifest,
)
from engine.core.errors import BundleError
from engine.tasks import TASKS, unknown_task_message


def _req(d: dict, key: str, where: str) -> Any:
    if key not in d:
        raise BundleError(f"{where} is missing '{key}'; the bundle is incomplete. Re-export it.")
    return d[key]


def parse_manifest(data: dict[str, Any], where: str = "manifest.json") -> Manifest:
    """Turn manifest JSON into a :class:`Manifest`, refusing anything malformed."""
    if not isinstance(data, dict):
        raise BundleError(f"{where} is not a JSON object")
    if data.get("format") != FORMAT:
        raise BundleError(f"{where} is not a Kinesight bundle manifest (format={data.get('format')!r})")
    if int(data.get("format_version", 0)) > FORMAT_VERSION:
        raise BundleError(
            f"{where} has format_version {data['format_version']}, newer than this Kinesight "
            f"understands ({FORMAT_VERSION}); upgrade Kinesight."
        )
    spec = TASKS.get(data.get("task")) if isinstance(data.get("task"), str) else None
    if spec is not None and not spec.reads_frames:
        return _parse_without_frames(data, where, spec)
    try:
        w = _req(data, "window", where)
        i = _req(data, "input", where)
        h = _req(data, "head", where)
        manifest = Manifest(
            name=str(_req(data, "name", where)),
            version=str(data.get("version", "0")),
            task=_req(data, "task", where),
            labels=tuple(str(x) for x in _req(data, "labels", where)),
            window=WindowSpec(int(w["length"]), float(w["sample_fps"]), int(w.get("stride", 1))),
            input=InputSpec(
                size=(int(i["size"][0]), int(i["size"][1])),
                resize=int(i.get("resize", max(i["size"]))),
                crop=i.get("crop", "center"),
                colour=i.get("colour", "RGB"),
                mean=tuple(float(x) for x in i.get("mean", (0.485, 0.456, 0.406))),
                std=tuple(float(x) for x in i.get("std", (0.229, 0.224, 0.225))),
                roi=i.get("roi", "full"),
                layout=i.get("layout", "NCHW"),
            ),
            backbone=str(_req(data, "backbone", where)),
            feature_dim=int(_req(data, "feature_dim", where)),
            head=HeadSpec(
                kind=h["kind"],
                arch=str(h.get("arch", "")),
                state=tuple(StateSpec(str(s["name"]), tuple(int(d) for d in s["shape"])) for s in h.get("state", ())),
            ),
            files=dict(_req(data, "files", where)),
            description=str(data.get("description", "")),
            attribution=str(data.get("attribution", "")),
            training=dict(data.get("training", {})),
            created_by=str(data.get("created_by", "")),
            open_set=dict(data.get("open_set") or {}),
        )
    except BundleError:
        raise
    except (KeyError, TypeError, ValueError, IndexError) as exc:
        raise BundleError(f"{where} is malformed ({type(exc).__name__}: {exc}); re-export the bundle.") from exc

    if manifest.task not in TASKS:
        raise BundleError(f"{where}: {unknown_task_message(manifest.task)}")
    problems = []
    rois = TASKS[manifest.task].rois
    if manifest.input.roi not in rois:
        problems.append(f"input.roi must be {' or '.join(map(repr, rois))} for task {manifest.task!r}")
    elif manifest.input.views and (manifest.feature_dim - _keypoint_dim(manifest)) % manifest.input.views:
        problems.append(f"feature_dim {manifest.feature_dim} must be {manifest.input.views} x the backbone's "
                        f"feature size for input.roi {manifest.input.roi!r}"
                        + (f" plus {_keypoint_dim(manifest)} body features" if manifest.input.pose else ""))
    elif not manifest.input.views and manifest.feature_dim != _keypoint_dim(manifest):
        what = "hand" if manifest.input.hands else "body"
        problems.append(f"feature_dim must be {_keypoint_dim(manifest)} (the {what} features) for input.roi "
                        f"{manifest.input.roi!r}, not {manifest.feature_dim}")
    threshold = manifest.open_set.get("threshold") if manifest.open_set else None
    if manifest.open_set and (isinstance(threshold, bool) or not isinstance(threshold, (int, float))
                              or not math.isfinite(threshold)):
        problems.append(f"open_set.threshold must be a finite number, not {threshold!r}")
    if len(manifest.labels) < 2 or len(set(manifest.labels)) != len(manifest.labels):
        problems.append("labels must list at least two distinct names")
    if len(manifest.labels) > MAX_LABELS or any(len(x) > MAX_LABEL_CHARS for x in manifest.labels):
        problems.append(f"at most {MAX_LABELS} labels of at most {MAX_LABEL_CHARS} characters each "
                        f"(it lists {len(manifest.labels)})")
    if manifest.window.window_length > MAX_WINDOW_LENGTH or not 0 < manifest.feature_dim <= MAX_FEATURE_DIM:
        problems.append(f"window.length must be at most {MAX_WINDOW_LENGTH} and feature_dim 1..{MAX_FEATURE_DIM}")
    if not math.isfinite(manifest.window.sample_fps) or manifest.window.sample_fps > 1000:
        problems.append("window.sample_fps must be a finite rate of at most 1000")
    if min(manifest.input.size) < 1 or max(manifest.input.size) > MAX_INPUT_SIDE or manifest.input.resize > 4 * MAX_INPUT_SIDE:
        problems.append(f"input.size must be 1..{MAX_INPUT_SIDE} pixels a side")
    for st in manifest.head.state:
        if not st.shape or min(st.shape) < 1 or math.prod(st.shape) > MAX_STATE_VALUES:
            problems.append(f"state '{st.name}' needs a positive shape of at most {MAX_STATE_VALUES} values")
    w = manifest.window
    if w.window_length < 1 or w.sample_fps <= 0 or w.prediction_stride < 1:
        problems.append("window needs length >= 1, sample_fps > 0 and stride >= 1")
    if manifest.head.kind not in ("window", "streaming"):
        problems.append(f"head.kind must be 'window' or 'streaming', not {manifest.head.kind!r}")
    if manifest.head.kind == "streaming" and not manifest.head.state:
        problems.append("a streaming head must declare its state tensors")
    if manifest.input.crop not in ("center", "squash") or manifest.input.colour not in ("RGB", "BGR"):
        problems.append("input.crop must be center|squash and input.colour RGB|BGR")
    if len(manifest.input.mean) != 3 or len(manifest.input.std) != 3 or min(manifest.input.std) <= 0:
        problems.append("input.mean and input.std need three values, std > 0")
    if problems:
        raise BundleError(f"{where} is invalid: " + "; ".join(problems))
    return manifest


def _parse_without_frames(data: dict[str, Any], where: str, spec) -> Manifest:
    """A manifest whose task reads no frames (time series): the common fields, and the task's own
    section parsed by the task (``TaskSpec.parse_section``)."""
    section = spec.parse_section(data, where)
    try:
        h = data.get("head") or {}
        return Manifest(
            name=str(data["name"]), version=str(data.get("version", "0")), task=spec.name,
            labels=tuple(str(x) for x in data.get("labels", ())),
            head=HeadSpec(kind=h.get("kind", "window"), arch=str(h.get("arch", ""))), files=dict(data["files"]),
            description=str(data.get("description", "")), attribution=str(data.get("attribution", "")),
            training=dict(data.get("training", {})), created_by=str(data.get("created_by", "")), sequence=section,
        )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise BundleError(f"{where} is malformed ({type(exc).__name__}: {exc}); re-export the bundle.") from exc


def _check_dim(actual, expected: int, what: str, problems: list[str]) -> None:
    if isinstance(actual, int) and actual > 0 and actual != expected:
        problems.append(f"{what} is {actual} in the graph but {expected} in the manifest")


def check_graphs(bundle: Bundle) -> None:
    """Check that the ONNX graphs take and give what the manifest says."""
    m = bundle.manifest
    spec = TASKS[m.task]
    if not spec.reads_frames:  # the head alone, checked by its task
        ins, outs = onnx_io(bundle.head_path)
        problems = spec.check_head(m, ins, outs)
        if problems:
            raise BundleError(f"bundle {bundle.root} does not match its graph: " + "; ".join(problems))
        return
    problems: list[str] = []
    if m.input.views:
        _check_backbone(bundle, problems)
    _check_head(bundle, spec, problems)


def _keypoint_dim(m: Manifest) -> int:
    """How many of a tick's features come from a keypoint stage (pose or hands; 0 without one)."""
    if m.input.hands:
        from engine.hands.features import FEATURE_DIM as HANDS_DIM

        return HANDS_DIM
    if not m.input.pose:
        return 0
    from engine.pose.features import FEATURE_DIM

    return FEATURE_DIM


def _check_backbone(bundle: Bundle, problems: list[str]) -> None:
    for path in (bundle.backbone_path, bundle.backbone_int8_path):
        if path is not None:  # the int8 twin (optional) must fit exactly where the float one does
            _check_backbone_file(bundle, path, problems)


def _check_backbone_file(bundle: Bundle, path, problems: list[str]) -> None:
    m = bundle.manifest
    b_in, b_out = onnx_io(path)
    if "frames" not in b_in or "features" not in b_out:
        problems.append(f"{path.name} must have input 'frames' and output 'features' (has {list(b_in)} -> {list(b_out)})")
    else:
        shape = b_in["frames"]
        if len(shape) != 4:
            problems.append(f"backbone input 'frames' must be 4-D (N,3,H,W), not {shape}")
        else:
            _check_dim(shape[1], 3, "backbone input channels", problems)
            _check_dim(shape[2], m.input.size[0], "backbone input height", problems)
            _check_dim(shape[3], m.input.size[1], "backbone input width", problems)
        if len(b_out["features"]) != 2:
            problems.append(f"backbone output 'features' must be 2-D (N,D), not {b_out['features']}")
        else:
            # "full+motion": the backbone runs on each view; the head sees their features side by
            # side (then the body features, for the pose rois)
            _check_dim(b_out["features"][1], (m.feature_dim - _keypoint_dim(m)) // m.input.views,
                       "backbone feature size", problems)


def _check_head(bundle: Bundle, spec, problems: list[str]) -> None:
    m = bundle.manifest
    h_in, h_out = onnx_io(bundle.head_path)
    if "features" not in h_in or "logits" not in h_out:
        problems.append(f"head.onnx must have input 'features' and output 'logits' (has {list(h_in)} -> {list(h_out)})")
    else:
        if len(h_in["features"]) != 3:
            problems.append(f"head input 'features' must be 3-D (N,T,D), not {h_in['features']}")
        else:
            _check_dim(h_in["features"][2], m.feature_dim, "head feature size", problems)
            if m.head.kind == "window":
                _check_dim(h_in["features"][1], m.window.window_length, "head window length", problems)
        ranks = spec.logits_ranks
        logits = h_out["logits"]
        if len(logits) in ranks:
            _check_dim(logits[-1], len(m.labels), "head output classes", problems)
        else:
            shapes = " or ".join({2: "(N,C)", 3: "(N,S,V) per step"}[r] for r in ranks)
            problems.append(f"head output 'logits' must be {shapes} for task {m.task!r}, not {logits}")
        if "novelty" in h_out and len(h_out["novelty"]) != 1:
            problems.append(f"head output 'novelty' must be 1-D (N,), not {h_out['novelty']}")
    for s in m.head.state:
        if f"{s.name}_in" not in h_in or f"{s.name}_out" not in h_out:
            problems.append(f"streaming state '{s.name}' needs graph input '{s.name}_in' and output '{s.name}_out'")
        elif len(h_in[f"{s.name}_in"]) != len(s.shape):
            problems.append(f"state '{s.name}' has rank {len(h_in[s.name + '_in'])} in the graph, {len(s.shape)} in the manifest")
        else:
            for k, (a, e) in enumerate(zip(h_in[f"{s.name}_in"], s.shape)):
                if k != 1:  # axis 1 is batch
                    _check_dim(a, e, f"state '{s.name}' dim {k}", problems)
    if problems:
        raise BundleError(f"bundle {bundle.root} does not match its graphs: " + "; ".join(problems))


def load_bundle(path: str | Path, *, check: bool = True, frames: bool = True) -> Bundle:
    """Load and check a bundle folder or .zip of any task; raises :class:`BundleError` saying what
    is wrong. ``frames``: the caller runs video (False: time series, ``kinesight analyze-seq``);
    a bundle of the other kind is refused with a line saying which command runs it."""
    try:
        path = resolve_bundle(path)
    except BundleError:
        if not frames:
            raise BundleError(f"sequence bundle not found: {path}. Pass the folder (or .zip) `kinesight train-seq` "
                              "wrote.") from None
        raise
    return load_folder_or_zip(path, lambda root: _load_folder(root, path, check, frames))


def _check_kind(data: Any, where: str, frames: bool) -> None:
    """Refuse a bundle of the other kind (video vs time series) before anything else is read."""
    task = data.get("task") if isinstance(data, dict) else None
    spec = TASKS.get(task) if isinstance(task, str) else None
    if spec is None or spec.reads_frames == frames:
        return
    if frames:
        raise BundleError(f"{where} is a {spec.name} bundle (time series, no video), which this command does not run; "
                          "use `kinesight analyze-seq BUNDLE FILE`")
    raise BundleError(f"{where} is a {spec.name!r} bundle, not a sequence bundle; use it with `kinesight analyze`/`run`, "
                      "or pass a bundle made by `kinesight train-seq`")


def _load_folder(root: Path, path: Path, check: bool, frames: bool = True) -> Bundle:
    """Load the bundle in folder ``root`` (``path``: what the user named, for messages)."""
    mpath, data = read_manifest(root, path)
    _check_kind(data, str(mpath), frames)
    manifest = parse_manifest(data, str(mpath))
    # Every file the manifest lists is checked, not only the graphs: a stage's face locator, a
    # grammar, the lip reader's speaker statistics are read from the bundle too.
    for name in dict.fromkeys((*manifest.model_files, *manifest.files)):
        if not _plain_name(name):
            raise BundleError(f"{mpath} lists {name!r}, which is not a file name inside the bundle folder; "
                              "the bundle is damaged or hostile.")
        f = root / name
        plain_file(f, path)
        want = manifest.files.get(name)
        if not want or not isinstance(want, str):
            raise BundleError(f"{mpath} lists no sha256 for {name}; re-export the bundle.")
        got = sha256_of(f)
        if got != want:
            raise BundleError(
                f"{name} in bundle {path} fails its checksum (sha256 {got[:12]}..., manifest says "
                f"{want[:12]}...): the file is damaged or was changed. Re-download or re-export it."
            )
    bundle = Bundle(root=root, manifest=manifest)
    if check:
        check_graphs(bundle)
        spec = TASKS[manifest.task]
        if spec.check_bundle is not None:
            spec.check_bundle(bundle)  # the task's own files (lip: lip_novelty.npz)
    return bundle


def _plain_name(name: object) -> bool:
    """A bundle file is named by one path component inside its folder: no separator, no '..'."""
    return (isinstance(name, str) and bool(name) and name not in (".", "..") and "/" not in name
            and "\\" not in name and "\0" not in name and ":" not in name)


def shipped_bundles_dir() -> Path:
    """Folder of the bundles shipped with the app (``resources/bundles``)."""
    here = Path(__file__).resolve().parents[1]
    for cand in (here.parent / "resources" / "bundles", here / "resources" / "bundles"):
        if cand.is_dir():
            return cand
    return here.parent / "resources" / "bundles"


def list_shipped_bundles() -> list[Path]:
    """The bundle folders shipped with the app, by name."""
    return _bundles_in(shipped_bundles_dir())


def user_data_dir() -> Path:
    """The user's Kinesight folder: ``$XDG_DATA_HOME/kinesight`` (``~/.local/share/kinesight``).
    Taught bundles go to its ``bundles/``, recorded teaching clips to its ``clips/``."""
    base = os.environ.get("XDG_DATA_HOME", "").strip()
    # The XDG spec: a relative XDG_DATA_HOME is invalid and must be ignored.
    root = Path(base) if base and Path(base).is_absolute() else Path.home() / ".local" / "share"
    return root / "kinesight"


def user_bundles_dir() -> Path:
    """Where the user's own bundles live (the app's Teach dialog saves there); may not exist yet."""
    return user_data_dir() / "bundles"


def list_user_bundles() -> list[Path]:
    """The user's bundles (folders with a manifest, or .zip files), by name."""
    return _bundles_in(user_bundles_dir())


def _bundles_in(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir()
                  if (p.is_dir() and (p / MANIFEST).is_file()) or (p.is_file() and p.suffix.lower() == ".zip"))


def bundle_name(path: Path) -> str:
    """The name a bundle is called by (``--bundle NAME``): its folder's name, a .zip's stem."""
    return path.stem if path.suffix.lower() == ".zip" else path.name


def known_bundles() -> dict[str, Path]:
    """Every bundle that can be named instead of a path: the shipped ones, then the user's (a
    user bundle with a shipped bundle's name is reached by its path only)."""
    found: dict[str, Path] = {}
    for path in (*list_shipped_bundles(), *list_user_bundles()):
        found.setdefault(bundle_name(path), path)
    return found


def resolve_bundle(spec: str | Path) -> Path:
    """The bundle ``spec`` names: a path to a folder or .zip when one exists, else the name of a
    shipped or user bundle (``grid-lips``); a BundleError listing the known names otherwise."""
    path = Path(spec).expanduser()
    if path.exists():
        return path
    known = known_bundles()
    if str(spec) in known:
        return known[str(spec)]
    names = ", ".join(known) or "none"
    raise BundleError(
        f"model bundle not found: {spec}. Pass a bundle folder or .zip, or the name of one of the known bundles "
        f"({names}: shipped in {shipped_bundles_dir()}, yours in {user_bundles_dir()})."
    )


#: the bundle a new user gets: everyday actions of real people, read from body keypoints
DEFAULT_BUNDLE = "everyday-actions"
#: the stick-figure demo (reads pixels through a CNN backbone); shipped beside the default
DEMO_BUNDLE = "default-actions"


def default_bundle_path() -> Path:
    """The shipped default action bundle (:data:`DEFAULT_BUNDLE`, else the demo, else the first
    shipped one); raises BundleError if the install has none."""
    bundles = list_shipped_bundles()
    if not bundles:
        raise BundleError(
            f"no shipped model bundle in {shipped_bundles_dir()}; pass --bundle PATH or reinstall Kinesight."
        )
    for name in (DEFAULT_BUNDLE, DEMO_BUNDLE):
        found = [b for b in bundles if b.name == name]
        if found:
            return found[0]
    return bundles[0]


def demo_bundle_path() -> Path:
    """The shipped stick-figure demo bundle (the one with a CNN backbone); BundleError if absent."""
    path = shipped_bundles_dir() / DEMO_BUNDLE
    if not path.is_dir():
        raise BundleError(f"the demo bundle {DEMO_BUNDLE} is not installed in {shipped_bundles_dir()}; "
                          "reinstall Kinesight.")
    return path
