"""Teach new actions from a few clips per label (the GUI's teach dialog calls this on a worker thread).

By default the few-shot recipe of :mod:`models.fewshot` runs: no torch, the shipped EfficientNet-Lite0
backbone, pooled temporal statistics and a linear/prototype head chosen by leave-one-group-out
cross-validation (group = the person or session a clip's name gives, ``<person>__``, which clips
recorded in the app carry; else sessions found by how the clips look), with an "unknown" (novelty)
output calibrated on held-out groups and held-out actions, and a report that predicts the accuracy
on a person it was not taught by, or says plainly why it cannot (models/fewshot/report.py). A label named "none of these"
(or "background") teaches what to ignore: it is reported as unknown, never as an action.

``head="gru"`` (or any other temporal head of :mod:`models.heads`) keeps the older torch recipe:
the clips are linked into a temporary dataset folder and trained like ``kinesight train``.

Actions are read from the person's body keypoints by default (``roi="pose"``: :mod:`engine.pose`,
no backbone), with generated everyday movement taught as "none of these"
(:mod:`models.fewshot.background`). Chosen on real people (bench/bench_teach_people.py on the
development set of DEVELOPERS.md, 3 actions x 3 people from 9 recordings, 10 untaught clips): a
new person's clips right 74 % taught by two people and 70 % taught by one, against 11 % and 0 % for
the whole frame with the moving-region crop, which wins only on untaught material (96 % vs
90-93 % not a confident label). ``roi="full+motion"`` (the whole frame and a crop that follows
the moving region: :mod:`engine.actions.motion`) is for actions that are not a person's body
movement (hands at a desk, objects, a scene), ``roi="full"`` the whole frame alone (the torch
heads always use it); ``"pose+full"`` and ``"pose+person"`` add the backbone's features of the
whole frame or of the person's region to the keypoints.

``roi="mouth"`` teaches words or phrases read from the lips instead (silent commands): the same
few-shot recipe over the lip reader's mouth features, in a "lip-words" bundle
(:mod:`models.teach_lips`).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
from dataclasses import fields
from pathlib import Path
from typing import Callable

from models.data import Cancelled, DatasetError, VideoItem, named_group
from models.train import TrainConfig, TrainResult

__all__ = ["Cancelled", "TrainResult", "train_bundle", "fewshot_result", "FEWSHOT", "BACKGROUND_LABEL", "ROIS"]

FEWSHOT = "fewshot"
BACKGROUND_LABEL = "none of these"  # the optional "ignore this" action offered by the teach dialog
_BAD_CHARS = '/\\:*?"<>|'
# what a taught bundle looks at: the whole frame and the moving region, or the whole frame (actions),
# or the lips (words)
ROIS = ("full+motion", "full", "pose", "pose+full", "pose+person", "hands", "mouth")
# Hand gestures are shorter than actions and have a direction: 1 s windows, and no mirrored views
# (a mirrored swipe left is a swipe right; bench/bench_gestures.py on EgoGestAR, taught by one
# person: other people's clips 67.8 % right before the unknown gate without mirroring, 53.9 % with)
# "Unknown" at the held-out windows' 99th percentile (FewShotConfig.novelty_bound): the untaught
# bound, made of the other taught gestures' windows, rejects a new person's gestures when they share
# a hand shape (same bench: other people's clips 4.3 % right with it, 58.3 % with this bound, random
# hand movement still not named 96.8 % of the time; at the slider's far end 64.3 % and 34.8 %).
GESTURE_DEFAULTS = {"window": 8, "sample_fps": 8.0, "flip": False, "novelty_bound": "held_out"}


def _link(src: Path, dst: Path) -> None:
    try:
        os.symlink(src.resolve(), dst)
    except OSError:  # no symlinks (Windows without developer mode): copy instead
        shutil.copyfile(src, dst)


def clip_group(path: Path) -> str:
    """The person or session of a clip, by the rule ``kinesight train`` uses (``<person>__name.mp4``,
    a UCF101 ``_gNN_`` name; clips recorded in the app are named ``<session>__<time>.mp4``);
    otherwise the clip is its own group, and teaching looks for sessions by how the clips look."""
    return named_group(path) or str(Path(path).resolve())


def train_bundle(
    clips: dict[str, list[Path]],
    out: Path,
    *,
    backbone: str = "efficientnet_lite0",
    head: str = FEWSHOT,
    progress: Callable[[str, float], None] | None = None,
    cancel: threading.Event | None = None,
    cache_dir: str | Path | None = None,
    roi: str = "pose",
    base: str | Path | None = None,
    **options,
) -> TrainResult:
    """Train a bundle from ``{label: [clip paths]}`` and write it to ``out``.

    ``progress(stage, fraction)`` is called on this (the worker) thread; setting ``cancel``
    stops the run at the next clip or fold with :class:`Cancelled`. ``options`` override
    :class:`models.fewshot.FewShotConfig` fields (window, sample_fps, views...) for the default
    few-shot head, :class:`TrainConfig` fields for a torch head. Works with 1+ clips per label;
    the result's test figures are cross-validated (None with a single clip per label).
    ``roi``: "pose" (default) reads the person's body keypoints, "full+motion" looks at the whole
    frame and a crop around what moves, "full" at the whole frame alone (torch heads always do);
    "mouth" teaches words or phrases
    from the lips (few-shot only; ``backbone`` and ``head`` do not apply): a "lip-words" bundle,
    see :mod:`models.teach_lips`.
    ``base``: teach on top of a model's actions (the shipped everyday-actions, by name or folder):
    the new bundle knows them and the ones taught here (few-shot, ``roi="pose"``; one action of
    your own is then enough, see :mod:`models.fewshot.base`).
    """
    if roi not in ROIS:
        raise DatasetError(f"roi must be one of {', '.join(ROIS)}, not {roi!r}")
    labels = [lab for lab, paths in clips.items() if paths]
    actions = [lab for lab in labels if not _is_background(lab)]
    if base is not None and (roi != "pose" or head != FEWSHOT):
        raise DatasetError("teaching on top of a model's actions reads the body with the few-shot recipe: "
                           "choose body movements (keypoints), or teach without them")
    if len(actions) < (1 if base is not None else 2):
        raise DatasetError('teaching needs at least two actions (besides "none of these") with at least one clip each'
                           if base is None else "teaching on top of a model's actions needs at least one action "
                           "of your own with at least one clip")
    bad = [lab for lab in labels if not lab.strip() or any(c in lab for c in _BAD_CHARS) or lab.startswith(".")]
    if bad:
        raise DatasetError(f"label names {bad} cannot be folder names; use letters, digits, spaces, - and _")
    for lab in labels:
        for clip in clips[lab]:
            if not Path(clip).is_file():
                raise DatasetError(f"clip {clip} of '{lab}' does not exist (was it moved or deleted?)")
    if cancel is not None and cancel.is_set():
        raise Cancelled("training cancelled before it started")
    if roi == "mouth":
        return _train_lips(clips, labels, Path(out), progress=progress, cancel=cancel, options=options)
    if head == FEWSHOT:
        return _train_fewshot(clips, labels, Path(out), backbone=backbone, progress=progress, cancel=cancel,
                              cache_dir=cache_dir, options=options, roi=roi, base=base)
    return _train_torch(clips, labels, Path(out), backbone=backbone, head=head, progress=progress, cancel=cancel,
                        cache_dir=cache_dir, options=options)


def _is_background(label: str) -> bool:
    from models.fewshot.model import is_background

    return is_background(label)


def _train_fewshot(clips, labels, out: Path, *, backbone, progress, cancel, cache_dir, options, roi,
                   base=None) -> TrainResult:
    from models.fewshot.bundle import teach_from_items
    from models.fewshot.fit import FewShotConfig
    from models.fewshot.model import shipped_backbone

    if backbone != "efficientnet_lite0":
        raise DatasetError(f"teaching without torch uses the shipped efficientnet_lite0 backbone, not {backbone!r}; "
                           "use `kinesight train --backbone ...` for other backbones")
    cfg = FewShotConfig()
    names = {f.name for f in fields(cfg)}
    for key, value in {**(GESTURE_DEFAULTS if roi == "hands" else {}), **options}.items():
        if key not in names:
            raise TypeError(f"train_bundle() got an unknown option {key!r}")
        setattr(cfg, key, value)
    items, clip_names = [], []
    for li, lab in enumerate(labels):
        for clip in clips[lab]:
            items.append(VideoItem(Path(clip), li, clip_group(Path(clip))))
            clip_names.append(Path(clip).name)
    res = teach_from_items(
        items, labels, out, cfg=cfg, name=out.name, backbone=shipped_backbone(), cache_dir=cache_dir,
        progress=progress, cancel=cancel, names=clip_names, roi=roi, keep_clips=True, base=base,
        description="taught in the Kinesight app from " + ", ".join(f"{len(clips[lab])} {lab}" for lab in labels)
        + " clips" + (f", on top of the actions of {Path(str(base)).name}" if base is not None else ""),
    )
    return fewshot_result(res, list(res.cv.labels) if base is not None else labels, out, FEWSHOT)


def _train_lips(clips, labels, out: Path, *, progress, cancel, options) -> TrainResult:
    from models.teach_lips import train_lip_bundle

    groups = {str(Path(c)): clip_group(Path(c)) for lab in labels for c in clips[lab]}
    res = train_lip_bundle({lab: [Path(c) for c in clips[lab]] for lab in labels}, out, groups=groups,
                           progress=progress, cancel=cancel, **options)
    return fewshot_result(res, labels, out, "fewshot-lips")


def fewshot_result(res, labels, out: Path, recipe: str = FEWSHOT) -> TrainResult:
    """The teach dialog's figures from a few-shot result (its report written beside the bundle)."""
    from models.fewshot.report import new_person_lines

    cv = res.cv
    report = {
        "labels": labels, "recipe": recipe, "cv": cv.to_json(), "open_set": res.open_set, "timing_s": res.seconds,
        "warnings": res.warnings, "summary": new_person_lines(cv.to_json(), res.open_set),
    }
    report_dir = out / "report"
    report_dir.mkdir(parents=True, exist_ok=True)
    import json

    (report_dir / "report.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    # Per-class recall of the held-out clips (rows of the confusion matrix).
    recall = {}
    for i, lab in enumerate(cv.labels):
        row = cv.confusion[i]
        recall[lab] = row[i] / sum(row) if sum(row) else 0.0
    has_cv = cv.folds > 0
    return TrainResult(
        bundle_path=out, test_accuracy=cv.window_accuracy if has_cv else None, macro_f1=None, report_dir=report_dir,
        clip_accuracy=cv.clip_accuracy if has_cv else None, per_class_recall=recall if has_cv else {},
        train_seconds=res.seconds.get("fit", 0.0), epochs_run=0, report=report,
    )


def _train_torch(clips, labels, out: Path, *, backbone, head, progress, cancel, cache_dir, options) -> TrainResult:
    """The older recipe: a temporary dataset folder trained like ``kinesight train`` (needs torch)."""
    from models.train import train_from_folder

    fewest = min(len(clips[lab]) for lab in labels)
    cfg = TrainConfig(
        backbone=backbone, head=head, hidden=64, variants=6, epochs=40, patience=10,
        # Hold out one clip per label for test once there are 3+, and one for validation at 4+.
        test_frac=0.25 if fewest >= 3 else 0.0, val_frac=0.2 if fewest >= 4 else 0.0,
        name=out.name, description="taught in the Kinesight app from " + ", ".join(
            f"{len(clips[lab])} {lab}" for lab in labels) + " clips",
    )
    for key, value in options.items():
        if not hasattr(cfg, key):
            raise TypeError(f"train_bundle() got an unknown option {key!r}")
        setattr(cfg, key, value)
    if fewest < 3 and cfg.test_frac:
        cfg.test_frac = 0.0
    with tempfile.TemporaryDirectory(prefix="kinesight-teach-") as tmp:
        root = Path(tmp)
        for li, lab in enumerate(labels):
            (root / lab).mkdir()
            for n, clip in enumerate(clips[lab]):
                clip = Path(clip)
                # "<group>__name": every clip is its own group, so a held-out clip is never trained on
                _link(clip, root / lab / f"l{li}c{n:03d}__{clip.stem}{clip.suffix.lower()}")
        return train_from_folder(root, out, cfg, cache_dir=cache_dir, progress=progress, cancel=cancel,
                                 show_bar=False)
