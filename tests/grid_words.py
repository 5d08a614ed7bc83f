"""Word clips cut from real GRID sentences by the corpus' own alignment (for the lip-words tests).

``align/<id>.align`` gives ``start end word`` in 1/1000 frame at 25 fps (sil/sp = silence); a
word's frames plus ``margin`` frames each side are re-encoded as H.264 (PyAV, crf 18) to a new
file, as a user's short recording of one silent word would be.
"""

from __future__ import annotations

import math
from pathlib import Path

import av
import numpy as np

FPS = 25


def word_spans(grid: Path, stem: str) -> list[tuple[float, float, str]]:
    """(start_frame, end_frame, word) of one sentence, silences included."""
    rows = [line.split() for line in (grid / "align" / f"{stem}.align").read_text().splitlines() if line.strip()]
    return [(int(a) / 1000, int(b) / 1000, w) for a, b, w in rows]


def sentences_with(grid: Path, word: str, slot: int) -> list[str]:
    """Sentence ids whose ``slot``-th spoken word (0 = command, 1 = colour...) is ``word``, sorted."""
    out = []
    for p in sorted((grid / "align").glob("*.align")):
        spoken = [w for _, _, w in word_spans(grid, p.stem) if w not in ("sil", "sp")]
        if len(spoken) > slot and spoken[slot] == word:
            out.append(p.stem)
    return out


def cut_word(grid: Path, stem: str, word: str, dst: Path, margin: int = 3) -> Path:
    """The frames of ``word`` in sentence ``stem`` (and ``margin`` frames each side) as an mp4."""
    start, end = next((a, b) for a, b, w in word_spans(grid, stem) if w == word)
    with av.open(str(grid / "video" / f"{stem}.mp4")) as container:
        frames = [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]
    lo, hi = max(0, math.floor(start) - margin), min(len(frames), math.ceil(end) + margin)
    dst.parent.mkdir(parents=True, exist_ok=True)
    with av.open(str(dst), "w") as out:
        stream = out.add_stream("libx264", rate=FPS)
        stream.height, stream.width = frames[0].shape[:2]
        stream.pix_fmt = "yuv420p"
        stream.options = {"crf": "18"}
        # x264's output depends on its thread count, which it takes from the CPUs this process may
        # use: one thread makes the clips byte-identical on every machine and under any load.
        stream.codec_context.thread_count = 1
        for image in frames[lo:hi]:
            for packet in stream.encode(av.VideoFrame.from_ndarray(np.ascontiguousarray(image), format="rgb24")):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return dst


def word_clips(grid: Path, words: list[str], slot: int, per_word: int, folder: Path, every: int = 7) -> dict[str, list[Path]]:
    """``per_word`` clips of each word, from sentences spread over the corpus (every ``every``-th)."""
    return {w: [cut_word(grid, s, w, folder / f"{w}_{s}.mp4") for s in sentences_with(grid, w, slot)[::every][:per_word]]
            for w in words}
