"""Lip reading while the person speaks, and recordings shorter than the reader's window (issue #23
part 5), on real GRID sentences the shipped reader never trained on: the words of a 1.5 s cut
are read (not "it can only warm up"), words show while the sentence is spoken, and the final
words equal the offline analysis'."""

from __future__ import annotations

import sys
from pathlib import Path

import av
import numpy as np
import pytest

from engine.core.settings import EngineSettings
from engine.io.sources import open_source
from engine.pipeline import Recognizer
from engine.runners.offline import analyze_file

ROOT = Path(__file__).resolve().parents[3]
LIPS = ROOT / "resources" / "bundles" / "grid-lips"
STEM = "bbal6n"  # "bin blue at l six now", one of the 20 held-out sentences (also MPEG-1)
sys.path.insert(0, str(ROOT / "tests"))
from grid_words import word_spans  # noqa: E402


def _cut(src: Path, lo: int, hi: int, dst: Path) -> Path:
    """Frames [lo, hi) of ``src`` as an H.264 file (one x264 thread: the same bytes anywhere)."""
    with av.open(str(src)) as c:
        frames = [f.to_ndarray(format="rgb24") for f in c.decode(video=0)][lo:hi]
    with av.open(str(dst), "w") as out:
        s = out.add_stream("libx264", rate=25)
        s.height, s.width = frames[0].shape[:2]
        s.pix_fmt, s.options = "yuv420p", {"crf": "18"}
        s.codec_context.thread_count = 1
        for im in frames:
            for p in s.encode(av.VideoFrame.from_ndarray(np.ascontiguousarray(im), format="rgb24")):
                out.mux(p)
        for p in s.encode():
            out.mux(p)
    return dst


@pytest.fixture(scope="module")
def grid(shared_data) -> Path:
    return shared_data / "grid" / "s1"


def test_a_recording_shorter_than_the_window_is_read(grid, tmp_path):
    settings = EngineSettings(device="cpu", threads=1)
    # 1.5 s (38 frames; the window is 74): from inside "l" to the end of "now".
    end_of_sentence = _cut(grid / "video" / f"{STEM}.mp4", 30, 68, tmp_path / "end.mp4")
    result = analyze_file(end_of_sentence, LIPS, settings)
    assert [t.text for t in result.tokens] == ["six", "now"]  # cut mid-sentence: no words made up before
    assert not any("shorter than the model's window" in w for w in result.warnings)
    # 1.5 s with the whole sentence: as the full clip reads it.
    whole = _cut(grid / "video" / f"{STEM}.mp4", 10, 48, tmp_path / "whole.mp4")
    spoken = [w for _, _, w in word_spans(grid, STEM) if w not in ("sil", "sp")]
    words = [t.text for t in analyze_file(whole, LIPS, settings).tokens]
    assert len(words) == 6 and sum(a == b for a, b in zip(words, spoken)) >= 5, words


def test_words_show_while_the_sentence_is_spoken_and_the_final_words_are_the_offline_ones(grid):
    clip = grid / "video" / f"{STEM}.mp4"
    rec = Recognizer(LIPS, EngineSettings(device="cpu", threads=2))
    with open_source(clip) as src:
        frames = list(src)
    first_shown: dict[tuple[int, str], int] = {}
    tokens_during = []
    for f in frames:  # the live path: one frame at a time, in time
        for r in rec.push(f):
            for i, w in enumerate(r.partial):
                first_shown.setdefault((i, w), r.tick)
            if r.token is not None:
                tokens_during.append(r.token.text)
    final = [t.text for t in rec.finish(frames[-1].pts_s)]
    offline = analyze_file(clip, LIPS, EngineSettings(device="cpu", threads=1))
    assert final == [t.text for t in offline.tokens]
    spoken = [(b, w) for a, b, w in word_spans(grid, STEM) if w not in ("sil", "sp")]
    # The sentence closes only after a pause (after this 3 s clip ends), yet every word it ends
    # with showed while it was spoken: each within 0.4 s (10 frames) of the end of the word.
    assert not tokens_during
    for i, (end, w) in enumerate(spoken):
        if final[i] == w:
            assert first_shown.get((i, w), 10**9) <= end + 10, (w, end, first_shown)
