"""The model clock, the feature window and post-processing: pure logic, checked exactly."""

from __future__ import annotations

import numpy as np
import pytest

from engine.core.postprocess import PostProcessor, softmax
from engine.core.window import FeatureWindow, ModelClock


def _ticks(fps: float, seconds: float, sample_fps: float, start: float = 0.0) -> dict[int, float]:
    """tick -> pts of the frame that fills it, for a source at ``fps``."""
    clock = ModelClock(sample_fps)
    out = {}
    for i in range(int(seconds * fps)):
        pts = start + i / fps
        for t in clock.ticks_for(pts):
            out[t] = pts
    return out


@pytest.mark.parametrize("sample_fps", [10.0, 12.5, 15.0])
def test_25_30_60_fps_inputs_give_the_same_ticks(sample_fps):
    runs = {fps: _ticks(fps, 4.0, sample_fps) for fps in (25.0, 30.0, 60.0)}
    ticks = [sorted(r) for r in runs.values()]
    assert ticks[0] == ticks[1] == ticks[2]
    n = len(ticks[0])
    assert n == pytest.approx(4.0 * sample_fps, abs=1)
    for fps, r in runs.items():
        for t, pts in r.items():
            # each tick takes the first frame at or after its time (within one input frame)
            assert t / sample_fps - 1e-3 <= pts < t / sample_fps + 1 / fps + 1e-9


def test_only_sampled_frames_pass_and_slow_inputs_repeat_frames():
    clock = ModelClock(10.0)
    passed = [i for i in range(30) if clock.ticks_for(i / 30)]
    assert passed == list(range(0, 30, 3))  # 30 fps input, 10 fps model: every third frame
    slow = ModelClock(10.0)
    assert [len(slow.ticks_for(i / 5)) for i in range(4)] == [1, 2, 2, 2]  # 5 fps fills two ticks each


def test_a_long_gap_refills_at_most_one_window():
    clock = ModelClock(10.0, max_fill=8)
    assert list(clock.ticks_for(0.0)) == [0]
    assert list(clock.ticks_for(5.0)) == list(range(43, 51))


def test_clock_restarts_at_a_seek_position():
    clock = ModelClock(10.0)
    clock.reset(2.0)
    assert not clock.ticks_for(1.95)
    assert list(clock.ticks_for(2.0)) == [20]


def test_feature_window_keeps_the_newest_in_order_without_copying():
    w = FeatureWindow(4, 2)
    for i in range(3):
        w.append(np.full(2, i, np.float32))
    assert not w.full and w.window()[:, 0].tolist() == [0, 1, 2]
    for i in range(3, 10):
        w.append(np.full(2, i, np.float32))
        view = w.window()
        assert view[:, 0].tolist() == [i - 3, i - 2, i - 1, i]
        assert view.base is not None  # a view into the buffer, not a fresh copy
    bigger = w.resized(6)
    assert bigger.window()[:, 0].tolist() == [6, 7, 8, 9] and not bigger.full
    smaller = w.resized(2)
    assert smaller.window()[:, 0].tolist() == [8, 9] and smaller.full


def test_smoothing_averages_past_probabilities():
    pp = PostProcessor(smoothing=0.5, hold_s=0.0, threshold=0.0)
    pp.update(np.array([1.0, 0.0]), 0.0)
    d = pp.update(np.array([0.0, 1.0]), 0.1)
    assert d.probs.tolist() == pytest.approx([0.5, 0.5])
    none = PostProcessor(smoothing=0.0, hold_s=0.0, threshold=0.0)
    none.update(np.array([1.0, 0.0]), 0.0)
    assert none.update(np.array([0.2, 0.8]), 0.1).probs.tolist() == pytest.approx([0.2, 0.8])


def test_hysteresis_changes_the_label_only_after_it_wins_for_hold_s():
    pp = PostProcessor(smoothing=0.0, hold_s=0.3, threshold=0.0)
    a, b = np.array([0.9, 0.1]), np.array([0.1, 0.9])
    assert pp.update(a, 0.0).label_index == 0
    assert pp.update(b, 0.1).label_index == 0  # b wins since 0.1
    assert pp.update(b, 0.2).label_index == 0
    assert pp.update(a, 0.3).label_index == 0  # a brief flicker never shows
    assert pp.update(b, 0.4).label_index == 0  # b wins again from 0.4
    assert pp.update(b, 0.6).label_index == 0
    assert pp.update(b, 0.7).label_index == 1  # 0.3 s of winning: switch


def test_below_threshold_the_state_is_uncertain():
    pp = PostProcessor(smoothing=0.0, hold_s=0.0, threshold=0.6)
    d = pp.update(np.array([0.5, 0.3, 0.2]), 0.0)
    assert d.label_index is None and d.confidence == pytest.approx(0.5)
    d = pp.update(np.array([0.7, 0.2, 0.1]), 0.1)
    assert d.label_index == 0 and d.confidence == pytest.approx(0.7)


def test_softmax_is_stable_for_large_logits():
    p = softmax(np.array([1000.0, 999.0, -1000.0]))
    assert p.sum() == pytest.approx(1.0) and p[0] > p[1] > p[2] >= 0
