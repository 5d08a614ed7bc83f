"""A taught bundle's teaching set: every clip it was taught from, kept inside the bundle.

A few-shot bundle taught by ``models.teach.train_bundle`` or ``kinesight train`` holds

    teaching.json   which clips taught it: label, the clip's file in clips/, its sha256, where it came
                    from (source file and the stretch start-end cut from it), the person or session
                    (the group teaching held out), and its origin ("taught" or "correction")
    clips/          the clips themselves (copies, so the bundle is self-contained: a recording the
                    user deletes or moves later does not stop a correction)

``teaching.json`` is one of the files the manifest lists with its sha256 (the loader checks it on
every load), and it lists the sha256 of each clip, which :meth:`TeachingSet.load` checks before a
re-teach: every file of the bundle stays checksummed. A correction (models/correct.py) appends a
clip cut from the file the user corrected and re-teaches from the whole set.
"""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from engine.bundles import sha256_of
from engine.core.errors import BundleError
from engine.io.sources import open_source
from models.data import DatasetError, VideoItem

TEACHING_FILE = "teaching.json"
CLIPS_DIR = "clips"
FORMAT = "kinesight-teaching-set"
FORMAT_VERSION = 1
TAUGHT, CORRECTION = "taught", "correction"
MAX_CLIP_S = 120.0  # a correction is a stretch of seconds; minutes of video would slow every re-teach


@dataclass(frozen=True)
class TeachingClip:
    """One clip of a teaching set; ``file`` is relative to the bundle (``clips/NNNN-name.mp4``)."""

    label: str
    file: str
    sha256: str
    group: str
    origin: str = TAUGHT
    source: str = ""  # the file it was copied or cut from, as the user named it
    start_s: float | None = None  # the stretch of ``source`` (None: the whole file)
    end_s: float | None = None


@dataclass
class TeachingSet:
    """The clips (and labels, in teaching order) a bundle was taught from."""

    labels: list[str]
    clips: list[TeachingClip] = field(default_factory=list)

    # -- reading ------------------------------------------------------------------------------
    @classmethod
    def load(cls, bundle_dir: str | Path) -> "TeachingSet":
        """The teaching set of the bundle folder ``bundle_dir``, every clip's checksum checked;
        :class:`BundleError` when the bundle has none (taught before bundles kept their clips) or
        a clip is missing or changed."""
        root = Path(bundle_dir)
        path = root / TEACHING_FILE
        if not path.is_file():
            raise BundleError(f"{root.name} does not keep the clips it was taught from (it was taught before "
                              "bundles kept them, or it is not a taught bundle), so it cannot be corrected; "
                              "teach it again in the Teach dialog or with `kinesight train`")
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("format") != FORMAT:
                raise ValueError(f"format is {data.get('format')!r}")
            ts = cls(labels=[str(x) for x in data["labels"]],
                     clips=[TeachingClip(**{k: c.get(k) for k in TeachingClip.__dataclass_fields__ if k in c})
                            for c in data["clips"]])
            ts.clips = [c if isinstance(c.group, str) and c.group else replace(c, group=str(c.file))
                        for c in ts.clips]  # a clip without a person is its own group
            strays = sorted({c.label for c in ts.clips} - set(ts.labels))
            if strays or not all(isinstance(c.file, str) and isinstance(c.sha256, str) for c in ts.clips):
                raise ValueError(f"clips of labels it does not list ({', '.join(map(str, strays))}) or without "
                                 "a file and checksum")
        except (ValueError, KeyError, TypeError) as exc:
            raise BundleError(f"{path} is damaged ({exc}); teach the bundle again") from exc
        for c in ts.clips:
            f = root / c.file
            if Path(c.file).parts[:1] != (CLIPS_DIR,) or ".." in Path(c.file).parts or not f.is_file() \
                    or f.is_symlink():
                raise BundleError(f"{root.name}: teaching clip {c.file} is missing or not a plain file in "
                                  f"{CLIPS_DIR}/; the bundle is damaged")
            if sha256_of(f) != c.sha256:
                raise BundleError(f"{root.name}: teaching clip {c.file} fails its checksum (it was changed); "
                                  "undo the last correction or teach the bundle again")
        return ts

    def items(self, root: str | Path) -> tuple[list[VideoItem], list[str]]:
        """(VideoItems with paths inside ``root``, display names) for ``teach_from_items``."""
        index = {lab: i for i, lab in enumerate(self.labels)}
        items = [VideoItem(Path(root) / c.file, index[c.label], c.group) for c in self.clips]
        return items, [Path(c.file).name for c in self.clips]

    def counts(self) -> dict[str, int]:
        """Clips per label, in teaching order."""
        return {lab: sum(c.label == lab for c in self.clips) for lab in self.labels}

    # -- writing ------------------------------------------------------------------------------
    def stage(self, staging: Path, sources: Sequence[Path]) -> tuple[Path, Path]:
        """Copy ``sources`` (one per clip, in order) to ``staging/clips/`` under their ``file`` names
        and write ``staging/teaching.json``; returns (json path, clips folder)."""
        clips_dir = staging / CLIPS_DIR
        clips_dir.mkdir(parents=True, exist_ok=True)
        for c, src in zip(self.clips, sources):
            dst = staging / c.file
            if Path(src).resolve() != dst.resolve():
                shutil.copyfile(src, dst)
        data = {"format": FORMAT, "format_version": FORMAT_VERSION, "labels": self.labels,
                "clips": [asdict(c) for c in self.clips]}
        path = staging / TEACHING_FILE
        path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        return path, clips_dir

    def with_clip(self, clip: TeachingClip) -> "TeachingSet":
        """A copy with ``clip`` appended (its label added to the labels if new)."""
        labels = self.labels + ([clip.label] if clip.label not in self.labels else [])
        return replace(self, labels=labels, clips=[*self.clips, clip])

    def next_file(self, name: str, suffix: str = ".mp4") -> str:
        """A fresh ``clips/NNNN-name.ext`` for a clip called ``name``."""
        return f"{CLIPS_DIR}/{len(self.clips) + 1:04d}-{safe_name(name)}{suffix.lower()}"


def safe_name(text: str) -> str:
    """``text`` as a short file-name part (letters, digits, - and _)."""
    return re.sub(r"[^A-Za-z0-9_-]+", "-", text).strip("-")[:40] or "clip"


def from_items(items: Sequence[VideoItem], labels: Sequence[str]) -> tuple[TeachingSet, list[Path]]:
    """The teaching set of a first teach (every clip whole, origin "taught") and its sources."""
    ts = TeachingSet(labels=list(labels))
    for it in items:
        f = ts.next_file(f"{labels[it.label]}-{Path(it.path).stem}", Path(it.path).suffix or ".mp4")
        ts.clips.append(TeachingClip(label=labels[it.label], file=f, sha256=sha256_of(Path(it.path)),
                                     group=it.group, source=str(it.path)))
    return ts, [Path(it.path) for it in items]


def cut_clip(src: str | Path, dst: Path, start_s: float | None, end_s: float | None) -> tuple[float, float]:
    """Write frames [start_s, end_s) of the video ``src`` to ``dst`` (mp4); returns the stretch cut
    (seconds, clamped to the video). :class:`DatasetError` when the file cannot be read or the
    stretch holds no frames."""
    from models.synthetic import write_clip

    start = float(start_s or 0.0)
    end = float("inf") if end_s is None else float(end_s)
    if not end > start:
        raise DatasetError(f"the stretch {start:.2f}-{end:.2f} s is empty; give START-END with END after START")
    if end - start > MAX_CLIP_S and end != float("inf"):
        raise DatasetError(f"the stretch is {end - start:.0f} s long; correct stretches of at most {MAX_CLIP_S:.0f} s")
    frames: list[np.ndarray] = []
    first = last = None
    try:
        with open_source(src) as s:
            fps = float(getattr(s, "fps", 0.0) or 25.0)
            for f in s.frames():
                if f.pts_s < start:
                    continue
                if f.pts_s >= end or (first is not None and f.pts_s - first > MAX_CLIP_S):
                    break
                first = f.pts_s if first is None else first
                last = f.pts_s
                frames.append(f.image)
    except DatasetError:
        raise
    except Exception as exc:  # noqa: BLE001 - a source raises its own typed errors; all mean "unreadable"
        raise DatasetError(f"{src} cannot be read as a video ({exc})") from exc
    if not frames:
        raise DatasetError(f"{src} has no frames between {start:.2f} and "
                           f"{'the end' if end == float('inf') else f'{end:.2f} s'}")
    write_clip(dst, frames, fps)
    return round(first, 3), round(last + 1.0 / fps, 3)


def parse_stretch(spec: str) -> tuple[str, float | None, float | None]:
    """``FILE[:START-END]`` -> (file, start_s, end_s); seconds, either side may be empty."""
    m = re.fullmatch(r"(.+?):(\d*\.?\d*)-(\d*\.?\d*)", spec)
    if not m or Path(spec).exists():
        return spec, None, None
    start = float(m.group(2)) if m.group(2) not in ("", ".") else None
    end = float(m.group(3)) if m.group(3) not in ("", ".") else None
    return m.group(1), start, end


def teaching_record(ts: TeachingSet) -> dict[str, Any]:
    """What the manifest's ``training`` section says of the teaching set."""
    return {"teaching_set": {"file": TEACHING_FILE, "clips": len(ts.clips),
                             "corrections": sum(c.origin == CORRECTION for c in ts.clips)}}
