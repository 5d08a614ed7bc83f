"""The GRID corpus (speaker s1) for the lip reader: its vocabulary, word alignments, the fixed
train/validation/test split, and mouth crops made by the app's own causal cropper
(``engine.lips.mouth.MouthTracker`` over MTCNN), cached under ``~/.cache/kinesight/``."""

from __future__ import annotations

import os
import random
import time
from pathlib import Path

import numpy as np

GRID = Path(__file__).resolve().parents[2] / "shared" / "data" / "grid" / "s1"
CACHE = Path(os.environ.get("KINESIGHT_CACHE", Path.home() / ".cache" / "kinesight")) / "grid_s1_mouth"
CROP_SIZE = (48, 96)  # (H, W)


FPS = 25.0

SLOTS = (
    ("bin", "lay", "place", "set"),
    ("blue", "green", "red", "white"),
    ("at", "by", "in", "with"),
    tuple("abcdefghijklmnopqrstuvxyz"),
    ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"),
    ("again", "now", "please", "soon"),
)
WORDS = tuple(w for slot in SLOTS for w in slot)  # 51 words
BLANK = "<blank>"
TOKENS = (BLANK, *WORDS)  # the bundle's labels: index 0 is blank
SEED = 0  # the split, and the lip reader's training


def words_from_name(stem: str) -> tuple[str, ...]:
    """The sentence a GRID file name spells, one letter per slot (``prwj8a`` = "place red with j
    eight again"; digits are 1-9, z for zero); ValueError for a name that spells none."""
    if len(stem) != len(SLOTS):
        raise ValueError(f"{stem!r} is no GRID sentence name ({len(SLOTS)} letters, one per word)")
    out = []
    for ch, slot in zip(stem.lower(), SLOTS):
        if slot is SLOTS[3]:
            word = ch if ch in slot else None
        elif slot is SLOTS[4]:
            word = "zero" if ch == "z" else (slot[int(ch)] if ch.isdigit() and ch != "0" else None)
        else:
            word = next((w for w in slot if w[0] == ch), None)
        if word is None:
            raise ValueError(f"{stem!r} is no GRID sentence name ({ch!r} names no word of {'/'.join(slot[:4])}...)")
        out.append(word)
    return tuple(out)


# -- data ----------------------------------------------------------------------------------
def read_align(path: Path) -> list[tuple[int, int, str]]:
    """(start_frame, end_frame, word) of each spoken word (silence dropped)."""
    out = []
    for line in path.read_text().split("\n"):
        parts = line.split()
        if len(parts) == 3 and parts[2] not in ("sil", "sp"):
            out.append((int(parts[0]) // 1000, int(parts[1]) // 1000, parts[2]))
    return out


def split_ids() -> dict[str, list[str]]:
    """Clip ids by role: "raw" (the 20 sentences that also exist as MPEG-1, never trained on),
    "val" (40 more sentences never trained on; they choose the best checkpoint), "train"."""
    ids = sorted(p.stem for p in (GRID / "video").glob("*.mp4"))
    raw = sorted(p.stem for p in (GRID / "raw").glob("*.mpg"))
    rest = [i for i in ids if i not in set(raw)]
    rng = random.Random(SEED)
    val = sorted(rng.sample(rest, 40))
    train = [i for i in rest if i not in set(val)]
    return {"train": train, "val": val, "raw": raw}


def crop_clip(path: Path, tracker) -> tuple[np.ndarray, np.ndarray]:
    """Gray mouth crops (T, 48, 96) of one clip, decoded as the app decodes, and the per-frame
    face state (1 = face or held, 0 = no face)."""
    from engine.io.sources import VideoFileSource

    tracker.reset()
    crops, states = [], []
    with VideoFileSource(path) as src:
        for frame in src:
            crops.append(tracker.crop(frame.image, frame.pts_s))
            states.append(1 if tracker.last.has_face else 0)
    return np.stack(crops), np.asarray(states, np.uint8)


def make_tracker(face_dir: Path):
    """The cropper the app uses for the shipped bundle (same settings as engine/lips/yunet.py)."""
    from engine.lips.face import MtcnnLocator
    from engine.lips.mouth import MouthTracker

    return MouthTracker(MtcnnLocator(face_dir), out_size=CROP_SIZE, gray=True, fps=FPS)


def extract(face_dir: Path, kinds: tuple[str, ...] = ("video", "raw"), part: int = 0, parts: int = 1) -> None:
    """Crop every GRID s1 clip into ``CACHE/<kind>/<id>.npz`` (skips those already there)."""
    tracker = make_tracker(face_dir)
    for kind in kinds:
        files = sorted((GRID / kind).glob("*.mp4" if kind == "video" else "*.mpg"))[part::parts]
        out = CACHE / kind
        out.mkdir(parents=True, exist_ok=True)
        t0 = time.time()
        for k, f in enumerate(files):
            dst = out / f"{f.stem}.npz"
            if dst.exists():
                continue
            crops, states = crop_clip(f, tracker)
            np.savez(dst, crops=crops, states=states)
            if k % 50 == 0:
                print(f"{kind} {k}/{len(files)} {time.time() - t0:.0f}s missing-face frames {int((states == 0).sum())}", flush=True)


def load_crops(kind: str, ids: list[str]) -> list[np.ndarray]:
    out = []
    for i in ids:
        path = CACHE / kind / f"{i}.npz"
        if not path.exists():
            raise FileNotFoundError(f"{path} missing: run `python -m models.lipread extract` first")
        out.append(np.load(path)["crops"])
    return out


def frame_targets(clip_id: str, n_frames: int) -> tuple[list[int], np.ndarray]:
    """Token sequence and per-frame token (0 = silence/blank) of one clip."""
    align = read_align(GRID / "align" / f"{clip_id}.align")
    seq = [TOKENS.index(w) for _, _, w in align]
    frames = np.zeros(n_frames, np.int64)
    for s, e, w in align:
        frames[max(0, s) : min(n_frames, e)] = TOKENS.index(w)
    return seq, frames


# -- model ---------------------------------------------------------------------------------
