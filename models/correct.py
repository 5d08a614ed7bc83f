"""Correct a taught bundle: "this stretch was <action>" (or "none of these") becomes a new teaching
clip, the bundle is re-taught from its whole teaching set with the few-shot recipe, and the new
version replaces the old one in place, with one-step undo.

    add_correction(bundle, label, file, start_s, end_s)   cut, re-teach, swap (worker thread)
    undo_correction(bundle)                               the previous version back, byte for byte
    can_undo(bundle)

The previous version is kept inside the new one as ``.previous/`` (a whole bundle folder, its own
``.previous`` dropped: one step). The new version is written beside the bundle first (a hidden
sibling folder, as teaching already does) and only then swapped in by two renames, so a failed or
cancelled re-teach, or a file that cannot be read, leaves the bundle as it was. Re-teaching reads
features from the teaching feature cache (models/data.py), so only the new clip goes through the
backbone: seconds, not minutes.
"""

from __future__ import annotations

import shutil
import tempfile
import threading
import time
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Callable

from engine.bundles import load_bundle
from engine.core.errors import BundleError
from models.data import DatasetError, VideoItem, named_group
from models.fewshot.model import DEFAULT_BACKGROUND_LABEL, is_background
from models.fewshot.teaching_set import CORRECTION, TeachingClip, TeachingSet, cut_clip, safe_name
from models.train import TrainResult

__all__ = ["PREVIOUS", "Correction", "add_correction", "undo_correction", "can_undo", "correction_label"]

PREVIOUS = ".previous"  # the version before the last correction, inside the bundle folder
NONE_WORDS = ("none", "none of these", "background")


@dataclass
class Correction:
    """What a correction did: the re-taught bundle's figures, the clip added and the time it took."""

    result: TrainResult
    clip: TeachingClip
    seconds: float
    clips: int  # clips in the teaching set now


def correction_label(label: str, labels: list[str] | tuple[str, ...]) -> str:
    """The teaching label a user's word means: an action of the bundle (any case), or "none of these"
    for none / background; :class:`DatasetError` naming the choices otherwise."""
    text = label.strip()
    if text.lower() in NONE_WORDS or is_background(text):
        return next((lab for lab in labels if is_background(lab)), DEFAULT_BACKGROUND_LABEL)
    for lab in labels:
        if lab.lower() == text.lower() and not is_background(lab):
            return lab
    actions = [lab for lab in labels if not is_background(lab)]
    raise DatasetError(f"{label!r} is not an action of this bundle; say one of {', '.join(map(repr, actions))} "
                       f"or 'none' (none of these)")


def _folder(bundle: str | Path) -> Path:
    root = Path(bundle).expanduser()
    if not root.is_dir():
        raise BundleError(f"{root} is not a bundle folder; corrections change a taught bundle's folder in place "
                          "(a .zip cannot be corrected: unzip it first)")
    return root


def _config(training: dict):
    from models.fewshot.fit import FewShotConfig

    cfg = FewShotConfig()
    saved = training.get("config") or {}
    for f in fields(cfg):
        if f.name in saved:
            value = saved[f.name]
            setattr(cfg, f.name, tuple(value) if isinstance(getattr(cfg, f.name), tuple) else value)
    return cfg


def add_correction(bundle: str | Path, label: str, file: str | Path, start_s: float | None = None,
                   end_s: float | None = None, *, group: str | None = None, threads: int | None = None,
                   cache_dir: str | Path | None = None, progress: Callable[[str, float], None] | None = None,
                   cancel: threading.Event | None = None) -> Correction:
    """Add the stretch [start_s, end_s) of ``file`` to the bundle's teaching set as ``label`` (an action
    of the bundle, or "none"), re-teach and replace the bundle in place (the old version kept for
    :func:`undo_correction`). Runs on the caller's (worker) thread; nothing changes on an error."""
    from models.fewshot.bundle import teach_from_items
    from models.teach import fewshot_result

    t0 = time.perf_counter()
    root = _folder(bundle)
    manifest = load_bundle(root).manifest
    if manifest.task != "action" or manifest.training.get("recipe") != "fewshot":
        raise BundleError(f"{root.name} was not taught with the few-shot recipe (actions), so it cannot be "
                          "corrected; teach one in the Teach dialog or with `kinesight train`")
    ts = TeachingSet.load(root)
    base = manifest.training.get("base")  # taught on top of a model's actions: they stay (models/fewshot/base.py)
    base = base if isinstance(base, dict) and base.get("generator") else None
    label = correction_label(label, ts.labels + [lab for lab in (base or {}).get("labels", []) if lab not in ts.labels])
    src = Path(file).expanduser()
    if not src.is_file():
        raise DatasetError(f"{src} does not exist or is not a file; nothing was changed")
    cfg = _config(manifest.training)
    if threads is not None:
        cfg.threads = threads
    with tempfile.TemporaryDirectory(prefix=".correct-", dir=root.parent) as tmp:
        work = Path(tmp)
        name = f"{label}-{src.stem}"
        rel = ts.next_file(name)
        cut = work / Path(rel).name
        start, end = cut_clip(src, cut, start_s, end_s)
        clip = TeachingClip(label=label, file=rel, sha256=_sha(cut), group=group or named_group(src)
                            or f"correction:{src.resolve()}", origin=CORRECTION, source=str(src), start_s=start,
                            end_s=end)
        new = ts.with_clip(clip)
        sources = [root / c.file for c in ts.clips] + [cut]
        items = [VideoItem(p, new.labels.index(c.label), c.group) for p, c in zip(sources, new.clips)]
        staged = work / safe_name(root.name)
        res = teach_from_items(
            items, new.labels, staged, cfg=cfg, name=manifest.name, description=_description(manifest.description,
                                                                                                 new),
            cache_dir=cache_dir, progress=progress, cancel=cancel, names=[Path(c.file).name for c in new.clips],
            roi=manifest.input.roi, keep_clips=(new, sources), base=base,
            extra_training={k: v for k, v in manifest.training.items() if k in ("dataset",)},
        )
        result = fewshot_result(res, new.labels, staged)
        _swap(root, staged)
    result.bundle_path = root
    result.report_dir = root / "report"
    return Correction(result=result, clip=clip, seconds=round(time.perf_counter() - t0, 2), clips=len(new.clips))


def _sha(path: Path) -> str:
    from engine.bundles import sha256_of

    return sha256_of(path)


def _description(old: str, ts: TeachingSet) -> str:
    fixes = sum(c.origin == CORRECTION for c in ts.clips)
    base = old.split(" (corrected ")[0]
    return f"{base} (corrected {fixes} time{'s' if fixes != 1 else ''})"


def _swap(root: Path, staged: Path) -> None:
    """Replace ``root`` by ``staged``, keeping ``root`` (minus its own previous) as the new ``.previous``."""
    shutil.rmtree(root / PREVIOUS, ignore_errors=True)
    root.rename(staged / PREVIOUS)
    try:
        staged.rename(root)
    except OSError:
        (staged / PREVIOUS).rename(root)  # put the old version back
        raise


def can_undo(bundle: str | Path) -> bool:
    """Whether the bundle folder keeps the version before its last correction."""
    return (Path(bundle).expanduser() / PREVIOUS / "manifest.json").is_file()


def undo_correction(bundle: str | Path) -> Path:
    """Put back the version before the last correction (one step: the undone version is discarded)."""
    root = _folder(bundle)
    prev = root / PREVIOUS
    if not can_undo(root):
        raise BundleError(f"{root.name} has no earlier version to go back to (no correction to undo)")
    tmp = Path(tempfile.mkdtemp(prefix=".undo-", dir=root.parent))
    try:
        back = tmp / "previous"
        prev.rename(back)
        root.rename(tmp / "undone")
        try:
            back.rename(root)
        except OSError:
            (tmp / "undone").rename(root)
            back.rename(root / PREVIOUS)
            raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return root
