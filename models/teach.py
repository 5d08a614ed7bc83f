"""Teach new actions from a few clips per label (the GUI's teach dialog calls this on a worker thread).

The clips are linked into a temporary dataset folder (one sub-folder per label, each clip its
own group) and trained like ``kinesight train``, with settings for tiny datasets: more augmented
views per clip, a small head, and a held-out clip per label only when a label has enough clips.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
from pathlib import Path
from typing import Callable

from models.data import Cancelled, DatasetError
from models.train import TrainConfig, TrainResult, train_from_folder

__all__ = ["Cancelled", "TrainResult", "train_bundle"]


def _link(src: Path, dst: Path) -> None:
    try:
        os.symlink(src.resolve(), dst)
    except OSError:  # no symlinks (Windows without developer mode): copy instead
        shutil.copyfile(src, dst)


def train_bundle(
    clips: dict[str, list[Path]],
    out: Path,
    *,
    backbone: str = "efficientnet_lite0",
    head: str = "gru",
    progress: Callable[[str, float], None] | None = None,
    cancel: threading.Event | None = None,
    cache_dir: str | Path | None = None,
    **options,
) -> TrainResult:
    """Train a bundle from ``{label: [clip paths]}`` and write it to ``out``.

    ``progress(stage, fraction)`` is called on this (the worker) thread; setting ``cancel``
    stops the run at the next clip or epoch with :class:`Cancelled`. ``options`` override
    :class:`TrainConfig` fields (window, sample_fps, epochs...). Works with 2+ clips per label
    (with only 1, nothing is held out and the result has no test figures).
    """
    labels = [lab for lab, paths in clips.items() if paths]
    if len(labels) < 2:
        raise DatasetError("teaching needs at least two labels with at least one clip each")
    bad = [lab for lab in labels if not lab.strip() or any(c in lab for c in '/\\:*?"<>|') or lab.startswith(".")]
    if bad:
        raise DatasetError(f"label names {bad} cannot be folder names; use letters, digits, spaces, - and _")
    fewest = min(len(clips[lab]) for lab in labels)
    cfg = TrainConfig(
        backbone=backbone, head=head, hidden=64, variants=6, epochs=40, patience=10,
        # Hold out one clip per label for test once there are 3+, and one for validation at 4+.
        test_frac=0.25 if fewest >= 3 else 0.0, val_frac=0.2 if fewest >= 4 else 0.0,
        name=Path(out).name, description="taught in the Kinesight app from " + ", ".join(
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
                if not clip.is_file():
                    raise DatasetError(f"clip {clip} of '{lab}' does not exist (was it moved or deleted?)")
                # "<group>__name": every clip is its own group, so a held-out clip is never trained on
                _link(clip, root / lab / f"l{li}c{n:03d}__{clip.stem}{clip.suffix.lower()}")
        if cancel is not None and cancel.is_set():
            raise Cancelled("training cancelled before it started")
        return train_from_folder(root, Path(out), cfg, cache_dir=cache_dir, progress=progress, cancel=cancel,
                                 show_bar=False)
