"""The probability timeline on its own: what a long live session draws."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from engine.core.prediction import PredictionState


def _preds(times, n_classes=4):
    rng = np.random.default_rng(0)
    # Every tenth record uncertain: the timeline draws both states (grey and coloured stretches).
    return [SimpleNamespace(pts_s=float(t), probs=tuple(rng.random(n_classes).tolist()),
                            state=PredictionState.UNCERTAIN if k % 10 == 0 else PredictionState.CONFIDENT)
            for k, t in enumerate(times)]


def test_a_long_live_session_draws_the_same_as_its_recent_span(qtbot):
    from gui.timeline import TimelineWidget

    labels = ("a", "b", "c", "d")
    times = np.arange(20000) / 30.0  # eleven minutes at 30 predictions a second
    preds = _preds(times)
    long_run, recent = TimelineWidget(), TimelineWidget()
    for w in (long_run, recent):
        qtbot.addWidget(w)
        w.resize(600, 200)
        w.reset(labels, None)
    long_run.add_predictions(preds)
    # Only the last two spans can reach the screen; the rest of the history must not matter.
    recent.add_predictions([p for p in preds if p.pts_s >= times[-1] - 2 * recent.live_span_s])
    assert long_run._time_range() == recent._time_range()
    assert len(long_run._series()[0]) <= 2 * long_run.live_span_s * 30 + 2
    assert long_run.grab().toImage() == recent.grab().toImage()
