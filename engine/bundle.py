"""Model bundles: the one place that defines and checks ``manifest.json``.

A bundle is a folder (or a .zip of one) holding everything needed to run a model, the way
torchvision's weights carry their transforms and categories:

    manifest.json   what the model is, how to feed it, what it outputs (schema below)
    backbone.onnx   frames (N, 3, H, W) float32 -> features (N, D)
    head.onnx       features (N, S, D) [+ state] -> logits (N, C) [+ state]

Loading reads JSON and ONNX protobufs only; it never executes code (no pickle). Bundles come
from anywhere, so loading is bounded (see "Limits" below and the README's security section):
a .zip is checked entry by entry before anything is written (count, sizes, compression ratio,
no links or special files, no path outside the folder); the files read are regular files, not
links; ONNX external data is refused; the manifest's size, label count and numbers are capped.
``models/`` writes bundles through :func:`write_manifest`, so there is one schema in one place.

ONNX input/output names (fixed, so the engine never guesses):
    backbone: input ``frames`` -> output ``features``
    window head: input ``features`` (N, T, D) -> output ``logits`` (N, C)
    streaming head: inputs ``features`` (N, S, D) and ``<state>_in`` for each state entry
        -> outputs ``logits`` (N, C) (for the last step) and ``<state>_out``
    sequence tasks (lip): ``logits`` may be per step, (N, T, V) over the token vocabulary
    optional: output ``novelty`` (N,), larger = less like the training data (with the
        manifest's ``open_set.threshold``, it makes the action decoder say "unknown")

The manifest's ``task`` must be one of ``engine.tasks.TASKS``; anything else is refused.
Task ``sequence`` (multichannel time series: no backbone, the head takes the channels) has its
own schema, loader and runner in ``engine/sequence.py`` (``kinesight analyze-seq``).
"""

from __future__ import annotations

import atexit
import hashlib
import json
import math
import os
import shutil
import stat
import tempfile
import zipfile
from dataclasses import asdict, dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, Callable, Literal, TypeVar

from engine.errors import BundleError

FORMAT = "kinesight-bundle"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
BACKBONE_FILE = "backbone.onnx"
HEAD_FILE = "head.onnx"

# Limits. A real bundle is three files of at most a few hundred MB (the shipped ones: 16 MB and
# 8 MB); ONNX protobufs cannot exceed 2 GiB anyway. The limits only stop hostile or broken files.
MAX_ZIP_ENTRIES = 64  # files and folders in a bundle .zip
MAX_ENTRY_BYTES = 1 << 30  # uncompressed size of one file: 1 GiB
MAX_TOTAL_BYTES = 3 << 29  # uncompressed size of the whole .zip: 1.5 GiB
MAX_RATIO = 100  # uncompressed / compressed; ONNX weights compress ~1.1:1, a zip bomb ~1000:1
RATIO_FLOOR_BYTES = 1 << 20  # small files (JSON) may compress well; the ratio applies above 1 MiB
MAX_MANIFEST_BYTES = 1 << 20  # manifest.json: labels, figures and notes, never 1 MiB
MAX_LABELS = 10_000  # classes, or a sequence task's tokens
MAX_LABEL_CHARS = 200
MAX_WINDOW_LENGTH = 10_000  # T: features per window (the window buffer is T x D floats)
MAX_FEATURE_DIM = 65_536
MAX_INPUT_SIDE = 4096  # pixels of the backbone input
MAX_STATE_VALUES = 1 << 24  # floats in one streaming state tensor


@dataclass(frozen=True)
class WindowSpec:
    """The model's own clock: windows of ``window_length`` (T) features sampled at
    ``sample_fps``; a prediction every ``prediction_stride`` ticks. (The spacing of training
    windows is a training setting, not part of the bundle.) In manifest.json: ``length``,
    ``sample_fps``, ``stride``."""

    window_length: int
    sample_fps: float
    prediction_stride: int = 1

    @property
    def length(self) -> int:
        """Deprecated alias of ``window_length`` (models/ and gui/ still read it)."""
        return self.window_length

    def to_json(self) -> dict[str, Any]:
        """The manifest's ``window`` object."""
        return {"length": self.window_length, "sample_fps": self.sample_fps, "stride": self.prediction_stride}


@dataclass(frozen=True)
class InputSpec:
    """How a frame becomes the backbone's input tensor.

    size: (H, W) fed to the backbone.
    resize: shorter side before the crop (``crop == "center"``); ignored for ``"squash"``.
    colour: channel order the network expects ("RGB" or "BGR").
    mean/std: per channel, applied to pixel values scaled to [0, 1].
    roi: "full" frame; "mouth" (lip mode crops the mouth region first); "full+motion" (taught
    actions: the whole frame and a crop around what moves, two backbone passes whose features are
    concatenated, see engine/motion.py).
    """

    size: tuple[int, int]
    resize: int
    crop: Literal["center", "squash"] = "center"
    colour: Literal["RGB", "BGR"] = "RGB"
    mean: tuple[float, float, float] = (0.485, 0.456, 0.406)
    std: tuple[float, float, float] = (0.229, 0.224, 0.225)
    roi: Literal["full", "mouth", "full+motion"] = "full"
    layout: Literal["NCHW"] = "NCHW"

    @property
    def views(self) -> int:
        """Backbone passes per frame (their features are concatenated): 2 for "full+motion"."""
        return 2 if self.roi == "full+motion" else 1


@dataclass(frozen=True)
class StateSpec:
    """One recurrent state tensor of a streaming head; batch is the second axis (dims[1])."""

    name: str
    shape: tuple[int, ...]  # e.g. (layers * directions, 1, hidden) for batch 1


@dataclass(frozen=True)
class HeadSpec:
    """The head: "window" (runs over T features) or "streaming" (one step, state in and out)."""

    kind: Literal["window", "streaming"]
    arch: str  # gru, lstm, rnn, tcn, transformer, ...
    state: tuple[StateSpec, ...] = ()


@dataclass(frozen=True)
class Manifest:
    """Everything ``manifest.json`` says about a bundle."""

    name: str
    version: str
    task: str  # a key of engine.tasks.TASKS: "action", "lip"
    labels: tuple[str, ...]  # classes; for sequence tasks the token vocabulary, blank first
    window: WindowSpec
    input: InputSpec
    backbone: str  # backbone architecture name, e.g. "efficientnet_lite0"
    feature_dim: int
    head: HeadSpec
    files: dict[str, str]  # file name -> sha256 hex
    description: str = ""
    attribution: str = ""
    training: dict[str, Any] = field(default_factory=dict)  # metrics, dataset, date...
    created_by: str = ""
    # Optional: {"threshold": float, "method": str, ...calibration figures}; a window whose head
    # ``novelty`` output is above the threshold is reported as "unknown".
    open_set: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """The manifest as JSON data (what :func:`write_manifest` writes)."""
        data = asdict(self)
        data["window"] = self.window.to_json()
        if not self.open_set:
            del data["open_set"]
        return {"format": FORMAT, "format_version": FORMAT_VERSION, **data}

    def summary(self) -> str:
        """A few human-readable lines (for ``kinesight info`` and the GUI)."""
        w = self.window
        acc = self.training.get("test_accuracy")
        lines = [
            f"{self.name} {self.version} ({self.task}): {len(self.labels)} labels",
            f"  labels: {', '.join(self.labels)}",
            f"  backbone: {self.backbone} {self.input.size[1]}x{self.input.size[0]} -> {self.feature_dim}-d",
            f"  head: {self.head.arch} ({self.head.kind}), window T={w.window_length} at {w.sample_fps:g} fps"
            f" = {w.window_length / w.sample_fps:.2f} s, a prediction every {w.prediction_stride} tick(s)",
        ]
        if acc is not None:
            lines.append(f"  test accuracy: {acc:.3f}")
        if self.description:
            lines.append(f"  {self.description}")
        return "\n".join(lines)


@dataclass(frozen=True)
class Bundle:
    """A loaded, checked bundle: its manifest and the paths of its ONNX files."""

    root: Path
    manifest: Manifest

    @property
    def backbone_path(self) -> Path:
        """The backbone graph (frames -> features)."""
        return self.root / BACKBONE_FILE

    @property
    def head_path(self) -> Path:
        """The head graph (features -> logits [, novelty] [, state])."""
        return self.root / HEAD_FILE

    @property
    def labels(self) -> tuple[str, ...]:
        """The manifest's labels (classes, or a sequence task's tokens)."""
        return self.manifest.labels


def sha256_of(path: Path) -> str:
    """The sha256 hex digest of a file (read in 1 MiB chunks)."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def write_manifest(folder: Path, manifest: Manifest) -> Path:
    """Write ``manifest.json`` into ``folder``, filling ``files`` with fresh sha256 sums."""
    folder = Path(folder)
    files = {name: sha256_of(folder / name) for name in (BACKBONE_FILE, HEAD_FILE)}
    data = manifest.to_json()
    data["files"] = files
    path = folder / MANIFEST
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


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
    from engine.sequence import SEQUENCE_TASK

    if data.get("task") == SEQUENCE_TASK:
        raise BundleError(f"{where} is a sequence bundle (time series, no video), which this command does not run; "
                          "use `kinesight analyze-seq BUNDLE FILE`")
    if int(data.get("format_version", 0)) > FORMAT_VERSION:
        raise BundleError(
            f"{where} has format_version {data['format_version']}, newer than this Kinesight "
            f"understands ({FORMAT_VERSION}); upgrade Kinesight."
        )
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

    from engine.tasks import TASKS, unknown_task_message

    if manifest.task not in TASKS:
        raise BundleError(f"{where}: {unknown_task_message(manifest.task)}")
    problems = []
    rois = TASKS[manifest.task].rois
    if manifest.input.roi not in rois:
        problems.append(f"input.roi must be {' or '.join(map(repr, rois))} for task {manifest.task!r}")
    elif manifest.feature_dim % manifest.input.views:
        problems.append(f"feature_dim {manifest.feature_dim} must be {manifest.input.views} x the backbone's "
                        f"feature size for input.roi {manifest.input.roi!r}")
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


def _refuse(zip_path: Path, why: str) -> BundleError:
    return BundleError(f"{zip_path.name} is refused as a model bundle: {why}. "
                       "Only open bundles from a source you trust; re-export or re-download it.")


def _check_zip_entries(zip_path: Path, infos: list[zipfile.ZipInfo]) -> int:
    """Refuse a bundle .zip from its central directory alone, before anything is written:
    too many entries, too large, a suspicious compression ratio, links or special files, names
    that leave the folder. Returns the total uncompressed size."""
    if len(infos) > MAX_ZIP_ENTRIES:
        raise _refuse(zip_path, f"it holds {len(infos)} entries, more than the {MAX_ZIP_ENTRIES} a bundle may have")
    total = 0
    seen: set[str] = set()
    for info in infos:
        name = info.filename
        p = PurePosixPath(name.replace("\\", "/"))
        if p.is_absolute() or ".." in p.parts or (p.parts and ":" in p.parts[0]) or "\0" in name:
            raise _refuse(zip_path, f"the entry {name!r} points outside the bundle folder")
        key = str(p).rstrip("/").casefold()
        if key in seen:
            raise _refuse(zip_path, f"the entry {name!r} appears twice")
        seen.add(key)
        mode = info.external_attr >> 16
        # Unix modes ride in the high 16 bits (0 from Windows tools): links, devices, FIFOs and
        # sockets are never part of a bundle, and extracting one could point outside the folder.
        if mode and not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
            kind = "a symbolic link" if stat.S_ISLNK(mode) else "a special file"
            raise _refuse(zip_path, f"the entry {name!r} is {kind}, not a plain file")
        if info.flag_bits & 0x1:
            raise _refuse(zip_path, f"the entry {name!r} is encrypted")
        if info.file_size > RATIO_FLOOR_BYTES and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise _refuse(zip_path, f"the entry {name!r} unpacks to {info.file_size / 2**20:.0f} MiB from "
                                    f"{info.compress_size / 2**20:.1f} MiB (a ratio over {MAX_RATIO}:1, like a zip bomb)")
        if info.file_size > MAX_ENTRY_BYTES:
            raise _refuse(zip_path, f"the entry {name!r} unpacks to {info.file_size / 2**20:.0f} MiB, more than "
                                    f"the {MAX_ENTRY_BYTES >> 20} MiB limit")
        total += info.file_size
    if total > MAX_TOTAL_BYTES:
        raise _refuse(zip_path, f"it unpacks to {total / 2**20:.0f} MiB, more than the {MAX_TOTAL_BYTES >> 20} MiB limit")
    return total


def _copy_bounded(zf: zipfile.ZipFile, info: zipfile.ZipInfo, dest: Path) -> None:
    """Write one entry, never more bytes than its header declared (a header that lies is caught
    here, not after the disk is full)."""
    left = info.file_size
    with zf.open(info) as src, open(dest, "xb") as out:
        while chunk := src.read(min(1 << 20, left + 1)):
            left -= len(chunk)
            if left < 0:
                raise BundleError(f"the entry {info.filename!r} holds more data than its header declares")
            out.write(chunk)


def safe_extract(zip_path: Path) -> Path:
    """Extract a bundle .zip into a fresh temp folder after :func:`_check_zip_entries`; returns
    the folder holding its manifest. Every kind of bundle .zip goes through here."""
    try:
        zf = zipfile.ZipFile(zip_path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise BundleError(f"{zip_path} is not a valid .zip file: {exc}") from exc
    with zf:
        infos = zf.infolist()
        total = _check_zip_entries(zip_path, infos)
        tmp_root = Path(tempfile.gettempdir())
        free = shutil.disk_usage(tmp_root).free
        if total + (64 << 20) > free:
            raise BundleError(f"{zip_path.name} unpacks to {total / 2**20:.0f} MiB but {tmp_root} has only "
                              f"{free / 2**20:.0f} MiB free; free some space or unpack the bundle into a folder yourself.")
        dest = Path(tempfile.mkdtemp(prefix="kinesight-bundle-"))
        # Sessions re-read the ONNX files (on a device change), so the folder lives as long as
        # the process; without this every .zip opened left its extracted copy in the temp dir.
        atexit.register(shutil.rmtree, dest, ignore_errors=True)
        try:
            for info in infos:
                target = dest.joinpath(*PurePosixPath(info.filename.replace("\\", "/")).parts)
                if info.is_dir():
                    target.mkdir(parents=True, exist_ok=True)
                    continue
                target.parent.mkdir(parents=True, exist_ok=True)
                _copy_bounded(zf, info, target)
        except BundleError:
            shutil.rmtree(dest, ignore_errors=True)
            raise
        except Exception as exc:  # noqa: BLE001 - any extraction failure means a damaged zip
            shutil.rmtree(dest, ignore_errors=True)
            raise BundleError(f"{zip_path} could not be extracted: {exc}") from exc
    # Accept both a zip of the files and a zip of a folder holding them.
    if (dest / MANIFEST).is_file():
        return dest
    subdirs = [p for p in dest.iterdir() if p.is_dir() and (p / MANIFEST).is_file()]
    if len(subdirs) == 1:
        return subdirs[0]
    shutil.rmtree(dest, ignore_errors=True)
    raise BundleError(f"{zip_path} has no {MANIFEST} at its top level or in a single folder")


def plain_file(path: Path, bundle: Path) -> None:
    """Refuse a bundle file that is a link or not a regular file: a link could make Kinesight
    read (and hash) any file on the machine, a FIFO or device would block or never end.
    ``bundle`` is what the user named, for the message. Every file a loader reads passes here."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        raise BundleError(f"bundle {bundle} is missing {path.name}; re-export or re-download it.") from None
    except OSError as exc:
        raise BundleError(f"cannot read {path.name} of bundle {bundle}: {exc.strerror or exc}") from exc
    if stat.S_ISLNK(st.st_mode):
        raise BundleError(f"{path.name} in bundle {bundle} is a symbolic link; a bundle's files must be plain "
                          "files inside its folder. Copy the real file there.")
    if not stat.S_ISREG(st.st_mode):
        raise BundleError(f"{path.name} in bundle {bundle} is not a regular file (a device, pipe or folder).")


def _tensors_with_external_data(graph) -> list[str]:
    """Names of tensors (initializers, constants, also in subgraphs) stored outside the .onnx file."""
    import onnx

    found = [t.name for t in graph.initializer if t.data_location == onnx.TensorProto.EXTERNAL or t.external_data]
    for node in graph.node:
        for attr in node.attribute:
            tensors = ([attr.t] if attr.HasField("t") else []) + list(attr.tensors)
            found += [t.name or node.name for t in tensors
                      if t.data_location == onnx.TensorProto.EXTERNAL or t.external_data]
            for sub in ([attr.g] if attr.HasField("g") else []) + list(attr.graphs):
                found += _tensors_with_external_data(sub)
    return found


def onnx_io(path: Path) -> tuple[dict[str, list], dict[str, list]]:
    """Input and output shapes of an ONNX graph, dims as int or str (symbolic) or None; refuses
    a graph that keeps tensors in external data files (they could name any file)."""
    import onnx  # parsing a protobuf executes no code from the file

    try:
        model = onnx.load(str(path), load_external_data=False)
    except Exception as exc:  # noqa: BLE001 - onnx raises several types for bad files
        raise BundleError(f"{path.name} is not a readable ONNX model ({exc}); re-export the bundle.") from exc
    external = _tensors_with_external_data(model.graph)
    if external:
        # ONNX Runtime would open the files these name, relative to the bundle or not; a bundle
        # must be self-contained, so nothing outside its three files is ever read.
        raise BundleError(f"{path.name} keeps tensors in external data files ({', '.join(external[:3])}); "
                          "bundles must hold their weights inside the .onnx file. Re-export the bundle.")
    init = {t.name for t in model.graph.initializer}

    def dims(vi) -> list:
        out = []
        for d in vi.type.tensor_type.shape.dim:
            out.append(d.dim_value if d.HasField("dim_value") else (d.dim_param or None))
        return out

    ins = {vi.name: dims(vi) for vi in model.graph.input if vi.name not in init}
    outs = {vi.name: dims(vi) for vi in model.graph.output}
    return ins, outs


def _check_dim(actual, expected: int, what: str, problems: list[str]) -> None:
    if isinstance(actual, int) and actual > 0 and actual != expected:
        problems.append(f"{what} is {actual} in the graph but {expected} in the manifest")


def check_graphs(bundle: Bundle) -> None:
    """Check that the ONNX graphs take and give what the manifest says."""
    m = bundle.manifest
    problems: list[str] = []
    b_in, b_out = onnx_io(bundle.backbone_path)
    if "frames" not in b_in or "features" not in b_out:
        problems.append(f"backbone.onnx must have input 'frames' and output 'features' (has {list(b_in)} -> {list(b_out)})")
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
            # "full+motion": the backbone runs on each view; the head sees their features side by side
            _check_dim(b_out["features"][1], m.feature_dim // m.input.views, "backbone feature size", problems)
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
        from engine.tasks import TASKS

        ranks = TASKS[m.task].logits_ranks
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


def load_bundle(path: str | Path, *, check: bool = True) -> Bundle:
    """Load and check a bundle folder or .zip; raises :class:`BundleError` saying what is wrong."""
    path = Path(path).expanduser()
    if not path.exists():
        raise BundleError(f"model bundle not found: {path}. Pass a bundle folder or .zip (see `kinesight info`).")
    return load_folder_or_zip(path, lambda root: _load_folder(root, path, check))


_T = TypeVar("_T")


def load_folder_or_zip(path: Path, load: Callable[[Path], _T]) -> _T:
    """``load(root)`` on the bundle folder ``path``, or on a .zip ``path`` extracted by
    :func:`safe_extract`; a .zip whose contents ``load`` refuses leaves nothing behind."""
    if path.is_file():
        root = safe_extract(path)
        extracted = root if root.name.startswith("kinesight-bundle-") else root.parent
        try:
            return load(root)
        except BaseException:
            shutil.rmtree(extracted, ignore_errors=True)  # a refused bundle leaves nothing behind
            raise
    return load(path)


def read_manifest(root: Path, path: Path) -> tuple[Path, Any]:
    """The JSON of ``root``'s manifest and its path, read with every bundle's checks: a plain
    file (no link, FIFO or device), at most :data:`MAX_MANIFEST_BYTES`, not nested so deeply
    that parsing it blows the stack. ``path``: what the user named, for messages."""
    mpath = root / MANIFEST
    if not os.path.lexists(mpath):  # a link, FIFO or device is there: plain_file says which
        raise BundleError(f"{path} is not a model bundle: it has no {MANIFEST}.")
    plain_file(mpath, path)
    if mpath.stat().st_size > MAX_MANIFEST_BYTES:
        raise BundleError(f"{mpath} is {mpath.stat().st_size >> 10} KiB, more than a manifest may be "
                          f"({MAX_MANIFEST_BYTES >> 10} KiB); the bundle is damaged or hostile.")
    try:
        return mpath, json.loads(mpath.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        reason = "nested too deeply" if isinstance(exc, RecursionError) else exc
        raise BundleError(f"{mpath} cannot be read as JSON ({reason}); the bundle is damaged, re-export it.") from exc


def _load_folder(root: Path, path: Path, check: bool) -> Bundle:
    """Load the bundle in folder ``root`` (``path``: what the user named, for messages)."""
    mpath, data = read_manifest(root, path)
    manifest = parse_manifest(data, str(mpath))
    for name in (BACKBONE_FILE, HEAD_FILE):
        f = root / name
        plain_file(f, path)
        want = manifest.files.get(name)
        if not want:
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
    return bundle


def shipped_bundles_dir() -> Path:
    """Folder of the bundles shipped with the app (``resources/bundles``)."""
    here = Path(__file__).resolve().parent
    for cand in (here.parent / "resources" / "bundles", here / "resources" / "bundles"):
        if cand.is_dir():
            return cand
    return here.parent / "resources" / "bundles"


def list_shipped_bundles() -> list[Path]:
    """The bundle folders shipped with the app, by name."""
    d = shipped_bundles_dir()
    return sorted(p for p in d.iterdir() if (p / MANIFEST).is_file()) if d.is_dir() else []


def default_bundle_path() -> Path:
    """The shipped default action bundle; raises BundleError if the install has none."""
    bundles = list_shipped_bundles()
    if not bundles:
        raise BundleError(
            f"no shipped model bundle in {shipped_bundles_dir()}; pass --bundle PATH or reinstall Kinesight."
        )
    preferred = [b for b in bundles if b.name.startswith("default")]
    return (preferred or bundles)[0]
