"""From clips to a few-shot bundle: features through the shipped backbone (cached), the fit, and the
bundle written with its manifest (teaching warnings included)."""

from __future__ import annotations

import json
import math
import shutil
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from engine.bundles import (
    BACKBONE_FILE,
    BACKBONE_INT8_FILE,
    HEAD_FILE,
    MANIFEST,
    HeadSpec,
    InputSpec,
    Manifest,
    WindowSpec,
    load_bundle,
    sha256_of,
    write_manifest,
)
from engine.hands.features import FEATURE_DIM as HANDS_FEATURE_DIM
from engine.pose.features import FEATURE_DIM as POSE_FEATURE_DIM
from models.data import (
    Cancelled,
    DatasetError,
    ExtractStats,
    FeatureCache,
    FeatureExtractor,
    VideoItem,
    augmentations,
    default_cache_dir,
    extract_features,
)
from models.fewshot.background import MOTIONS, generated_background, record as background_record
from models.fewshot.fit import CVReport, ClipFeatures, FewShotConfig, fit_fewshot
from models.fewshot.model import (
    DEFAULT_BACKGROUND_LABEL,
    FewShotModel,
    HEAD_ARCH,
    NOVELTY_METHOD,
    Progress,
    is_background,
    shipped_backbone,
)

#: what a taught action bundle may look at (engine/tasks.py lists the same for the action task)
ACTION_ROIS = ("full+motion", "full", "pose", "pose+full", "pose+person", "hands")


def pose_model_record() -> dict[str, str]:
    """Which pose models made a bundle's body features (file name -> sha256): its provenance."""
    from engine.pose.stage import model_paths

    return {p.name: sha256_of(p) for p in model_paths()}


def hand_model_record() -> dict[str, str]:
    """Which hand models made a gesture bundle's hand features (file name -> sha256)."""
    from engine.hands.stage import model_paths

    return {p.name: sha256_of(p) for p in model_paths()}


# --- from clips to a bundle ------------------------------------------------------------------------

def extract_clip_features(items: Sequence[VideoItem], backbone: Path, spec: InputSpec, cfg: FewShotConfig, *,
                          cache_dir: str | Path | None = None, progress: Progress | None = None,
                          cancel: threading.Event | None = None, stats: ExtractStats | None = None,
                          names: Sequence[str] | None = None) -> list[ClipFeatures]:
    """Backbone features of every clip under every appearance view (cached on disk)."""
    extractor = FeatureExtractor(backbone, spec, threads=cfg.threads)
    cache = FeatureCache(Path(cache_dir).expanduser() if cache_dir else default_cache_dir())
    augs = augmentations(cfg.views, flip=cfg.flip, seed=cfg.seed)
    feats = extract_features(items, extractor, cache, cfg.sample_fps, augs, progress=progress, cancel=cancel,
                             show_bar=False, stats=stats)
    return [ClipFeatures(f, it.label, it.group, (names[i] if names else it.path.name))
            for i, (f, it) in enumerate(zip(feats, items))]


def write_fewshot_bundle(out: str | Path, model: FewShotModel, *, backbone: Path | None, spec: InputSpec, feature_dim: int,
                         backbone_name: str, cfg: FewShotConfig, name: str, description: str = "",
                         training: dict[str, Any] | None = None, open_set: dict[str, Any] | None = None,
                         task: str = "action", extra_files: dict[str, Path] | None = None,
                         attribution: str = "", created_by: str = "kinesight models.fewshot",
                         extra_dirs: dict[str, Path] | None = None) -> Path:
    """Write a complete, checked bundle (backbone.onnx copied, head.onnx from numpy) to ``out``;
    ``backbone`` is None for a bundle that reads the body's keypoints alone (``spec.views`` 0).

    ``extra_files`` (bundle name -> source path) are copied too and listed with their checksums
    (e.g. the face locator's graphs of a lip-words bundle); copies, not links, so a rebuilt
    source bundle never changes a taught one. ``extra_dirs`` (folder name -> source folder) are copied
    too, unlisted: their files are checked by a listed file (the teaching clips by teaching.json)."""
    out = Path(out).expanduser()
    out.parent.mkdir(parents=True, exist_ok=True)
    if spec.views and backbone is not None and (twin := int8_twin(backbone)) is not None:
        # the backbone's int8 twin travels with it: the taught bundle runs int8 on CPU too
        extra_files = {**(extra_files or {}), BACKBONE_INT8_FILE: twin}
    tmp = Path(tempfile.mkdtemp(prefix=".bundle-", dir=out.parent))
    tmp.chmod(0o755)
    try:
        if spec.views:  # "pose" bundles read the keypoints alone: no backbone
            if backbone is None:
                raise ValueError(f"input.roi {spec.roi!r} needs a backbone to copy")
            shutil.copyfile(backbone, tmp / BACKBONE_FILE)
        for f, src in (extra_files or {}).items():
            shutil.copyfile(src, tmp / f)
        for d, src in (extra_dirs or {}).items():
            shutil.copytree(src, tmp / d)
        model.to_onnx(tmp / HEAD_FILE)
        open_set = {"threshold": round(model.threshold, 4), "method": NOVELTY_METHOD, "output": "novelty",
                    **({"background_labels": [lab for lab in model.train_labels if is_background(lab)]}
                       if model.background_index is not None else {}),
                    **(open_set or {})}
        manifest = Manifest(
            name=name, version="1.0", task=task, labels=tuple(model.labels),
            window=WindowSpec(cfg.window, cfg.sample_fps, 1), input=spec, backbone=backbone_name,
            feature_dim=feature_dim, head=HeadSpec(kind="window", arch=HEAD_ARCH), files={},
            description=description, attribution=attribution, training=dict(training or {}),
            created_by=created_by, open_set=open_set,
        )
        write_manifest(tmp, manifest)
        if extra_files:
            # write_manifest hashes the two graphs; the extra files are listed and checked too.
            data = json.loads((tmp / MANIFEST).read_text(encoding="utf-8"))
            data["files"].update({f: sha256_of(tmp / f) for f in extra_files})
            (tmp / MANIFEST).write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        load_bundle(tmp)  # the checks a user's load makes
        if out.exists():
            shutil.rmtree(out)
        shutil.move(str(tmp), str(out))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return out


def int8_twin(backbone: Path) -> Path | None:
    """The int8 twin beside a bundle's ``backbone.onnx`` (models/int8_backbone.py), if that
    bundle's manifest lists it with the checksum it has; else None."""
    twin = Path(backbone).parent / BACKBONE_INT8_FILE
    try:
        files = json.loads((twin.parent / MANIFEST).read_text(encoding="utf-8")).get("files", {})
    except (OSError, ValueError):
        return None
    return twin if twin.is_file() and files.get(BACKBONE_INT8_FILE) == sha256_of(twin) else None


@dataclass
class FewShotResult:
    """What teaching produced: the bundle, its cross-validated figures and the time it took."""

    bundle_path: Path
    cv: CVReport
    open_set: dict[str, Any]
    seconds: dict[str, float]
    clips: int
    warnings: list[str] = field(default_factory=list)


def teaching_warnings(counts: dict[str, int], cv: CVReport, min_clips: int = 3) -> list[str]:
    """Plain-language warnings: too few clips for an action, pairs of actions the CV confused."""
    out = [f"'{lab}' has only {n} clip(s); record at least {min_clips} (5 or more is better)."
           for lab, n in counts.items() if n < min_clips]
    for a, b, share in cv.confusable:
        out.append(f"'{a}' and '{b}' look alike: {share:.0%} of the '{a}' clips held out were taken for '{b}'. "
                   "Make them more different or add clips.")
    return out


NO_PERSON_SHARE = 0.5  # a clip with a person in fewer of its ticks than this is named in a warning


def no_person_warnings(clips: Sequence[ClipFeatures], labels: Sequence[str]) -> list[str]:
    """For bundles that read the body: the actions with clips in which the pose stage found nobody
    most of the time (the body features' last column is "a person was found")."""
    missing: dict[str, list[str]] = {}
    for c in clips:
        if not c.generated and float(np.mean(c.views[0][:, -1] > 0.5)) < NO_PERSON_SHARE:
            missing.setdefault(labels[c.label], []).append(c.name)
    return [f"'{lab}': no person was found in most of {len(names)} clip(s) ({', '.join(names[:3])}"
            f"{', ...' if len(names) > 3 else ''}); body movements need the whole person in view. Film the "
            "person from further away, or teach these actions on the whole frame (roi full+motion)."
            for lab, names in missing.items()]


def _with_background(labels: Sequence[str]) -> tuple[list[str], int]:
    """The labels with a background ("none of these") label, and its index (the user's, if taught)."""
    labels = list(labels)
    for i, lab in enumerate(labels):
        if is_background(lab):
            return labels, i
    return labels + [DEFAULT_BACKGROUND_LABEL], len(labels)


def teach_from_items(items: Sequence[VideoItem], labels: Sequence[str], out: str | Path, *,
                     cfg: FewShotConfig | None = None, name: str = "", description: str = "",
                     backbone: tuple[Path, InputSpec, int] | None = None, backbone_name: str = "efficientnet_lite0",
                     cache_dir: str | Path | None = None, progress: Progress | None = None,
                     cancel: threading.Event | None = None, names: Sequence[str] | None = None,
                     extra_training: dict[str, Any] | None = None, roi: str = "full+motion",
                     keep_clips: bool | tuple[Any, list[Path]] = False,
                     base: str | Path | dict[str, Any] | None = None) -> FewShotResult:
    """Features -> CV-chosen few-shot head -> bundle at ``out``. ``labels[item.label]`` names each item's action.

    ``roi``: what the backbone sees of each frame. "full+motion" (default) adds a crop that follows
    the moving region (engine/actions/motion.py) to the whole frame, so a person taught small or off-centre
    is recognised elsewhere in the frame too; "full" is the whole frame alone (half the work).
    "pose" reads the person's body keypoints alone (engine/pose/: no backbone), "pose+full" and
    "pose+person" put them after the backbone's features of the whole frame / the person's region;
    "hands" reads hand gestures from up to two hands' keypoints alone (engine/hands/).
    ``keep_clips``: copy the clips into the bundle with its teaching set (teaching.json, clips/), so
    that corrections can re-teach it (models/correct.py); a re-teach passes (TeachingSet, source of
    each clip) instead.
    ``base``: a bundle learned from generated body motion (the shipped everyday-actions) to teach
    on top of: the new bundle knows its actions and the user's (models/fewshot/base.py); a re-teach
    passes the record a bundle taught on top of one keeps (``training.base``)."""
    cfg = cfg or FewShotConfig()
    t0 = time.perf_counter()
    counts = {lab: sum(1 for it in items if it.label == i) for i, lab in enumerate(labels)}
    user_labels = list(labels)  # the teaching set's (a generated background is no clip of the user's)
    empty = [lab for lab, n in counts.items() if n == 0]
    if empty:
        raise DatasetError(f"no clips for {', '.join(empty)}; give every action at least one clip")
    bb_path, spec, dim = backbone or shipped_backbone()
    if roi not in ACTION_ROIS:
        raise DatasetError(f"roi must be one of {', '.join(map(repr, ACTION_ROIS))} for actions, not {roi!r}")
    spec = replace(spec, roi=roi)

    def stage(nm: str, lo: float, hi: float):
        return (lambda _s, f: progress(nm, lo + (hi - lo) * f)) if progress else None

    stats = ExtractStats()
    record = None
    if base is not None:
        from models.fewshot.base import base_record

        if spec.roi != "pose":
            raise DatasetError("teaching on top of a model's actions reads the body: choose body movements "
                               "(keypoints), or teach without them")
        record = base if isinstance(base, dict) else base_record(base)
    clips = extract_clip_features(items, bb_path, spec, cfg, cache_dir=cache_dir, progress=stage("features", 0, 1),
                                  cancel=cancel, stats=stats, names=names)
    generated: dict[str, Any] = {}
    if spec.roi == "pose":  # the body alone: generated everyday motion stands for "none of these"
        cfg = replace(cfg, sessions_by_look=False)  # keypoints do not show which recording a clip is from
        motions = MOTIONS
        if record is not None:  # the base's actions, made again by its generator, beside the user's
            from models.fewshot.base import base_clips, base_config, base_motions, merged_labels

            labels = merged_labels(labels, record)
            clips += base_clips(record, labels, cfg.sample_fps)
            motions = base_motions(record, MOTIONS)
            cfg = base_config(cfg)
            generated["base"] = record
        labels, bg = _with_background(labels)
        clips += generated_background(bg, cfg.sample_fps, motions=motions)
        generated["generated_background"] = background_record(cfg.sample_fps, motions)
    t1 = time.perf_counter()
    model, cv, calib = fit_fewshot(clips, labels, cfg, progress=stage("training", 0, 1), cancel=cancel)
    t2 = time.perf_counter()
    if cancel is not None and cancel.is_set():
        raise Cancelled("teaching cancelled before the bundle was written")
    warnings = teaching_warnings(counts, cv) + (no_person_warnings(clips, labels) if spec.pose else [])
    training = {
        "recipe": "fewshot", "config": {k: (list(v) if isinstance(v, tuple) else v) for k, v in asdict(cfg).items()},
        "clips": counts, "cv": cv.to_json(),
        "test_accuracy": None if math.isnan(cv.window_accuracy) else round(cv.window_accuracy, 4),
        "clip_accuracy": None if math.isnan(cv.clip_accuracy) else round(cv.clip_accuracy, 4),
        "new_person_clip_accuracy": cv.new_person_clip_accuracy,
        "evaluation": f"leave-one-{cv.method.split('-')[0]}-out cross-validation; test_accuracy counts live labels "
                      "(2 s windows, one per tick), clip_accuracy clips",
        "warnings": warnings, "feature_extraction": asdict(stats), **generated,
        **(extra_training or {}),
    }
    if progress:
        progress("export", 0.0)
    if spec.pose:
        training["pose_models"] = pose_model_record()
    if spec.hands:
        training["hand_models"] = hand_model_record()
    keypoint_dim = POSE_FEATURE_DIM if spec.pose else HANDS_FEATURE_DIM if spec.hands else 0
    with tempfile.TemporaryDirectory(prefix="kinesight-teaching-set-") as staging:
        extra_files, extra_dirs = None, None
        if keep_clips:
            from models.fewshot.teaching_set import from_items, teaching_record

            ts, sources = from_items(items, user_labels) if not isinstance(keep_clips, tuple) else keep_clips
            tjson, tclips = ts.stage(Path(staging), sources)
            extra_files, extra_dirs = {tjson.name: tjson}, {tclips.name: tclips}
            training.update(teaching_record(ts))
        out = _write(out, model, bb_path, spec, dim * spec.views + keypoint_dim, backbone_name, cfg, name,
                     description, training, calib, extra_files, extra_dirs)
    t3 = time.perf_counter()
    if progress:
        progress("done", 1.0)
    return FewShotResult(out, cv, load_bundle(out).manifest.open_set, {"features": round(t1 - t0, 2), "fit": round(t2 - t1, 2),
                                                       "export": round(t3 - t2, 2), "total": round(t3 - t0, 2)},
                         len(items), warnings)


def _write(out, model, bb_path, spec, feature_dim, backbone_name, cfg, name, description, training, calib,
           extra_files, extra_dirs) -> Path:
    return write_fewshot_bundle(out, model, backbone=bb_path, spec=spec, feature_dim=feature_dim,
                               backbone_name=backbone_name if spec.views else "",
                               cfg=cfg, name=name or Path(out).name, description=description, training=training,
                               open_set={"calibration": calib}, extra_files=extra_files, extra_dirs=extra_dirs)
