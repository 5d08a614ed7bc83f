"""Which stretches "Ask where unsure" lists: unknown and close calls before confident stretches,
never two overlapping, a few at a time."""

from __future__ import annotations

from engine.actions.unsure import unsure_stretches
from engine.core.prediction import Prediction, PredictionState

LABELS = ("squat", "punch")


def _pred(t: float, probs: tuple[float, float], state: PredictionState, novelty: float | None = None) -> Prediction:
    order = sorted(zip(LABELS, probs), key=lambda x: -x[1])
    label = order[0][0] if state == PredictionState.CONFIDENT else None
    return Prediction(pts_s=t, tick=round(t * 8), frame_index=round(t * 25), top_k=tuple(order), probs=probs,
                      label=label, confidence=order[0][1], state=state, novelty=novelty)


def _timeline() -> list[Prediction]:
    """10 s at 8 ticks a second: warm-up, sure squats, an unknown stretch at 4-5 s, a close call at 7-8 s."""
    preds = []
    for k in range(80):
        t = k / 8
        if t < 1:
            preds.append(_pred(t, (0.5, 0.5), PredictionState.WARMING_UP))
        elif 4 <= t < 5:
            preds.append(_pred(t, (0.7, 0.3), PredictionState.UNKNOWN, novelty=3.0))
        elif 7 <= t < 8:
            preds.append(_pred(t, (0.48, 0.52), PredictionState.UNCERTAIN, novelty=0.9))
        else:
            preds.append(_pred(t, (0.97, 0.03), PredictionState.CONFIDENT, novelty=0.2))
    return preds


def test_the_least_sure_stretches_come_first_and_do_not_overlap():
    first = unsure_stretches(_timeline(), threshold=1.0, span_s=1.0, count=3)
    assert len(first) == 3
    assert [(s.reason, s.guess) for s in first[:2]] == [("uncertain", "punch"), ("unknown", "squat")]
    assert 7.0 <= first[0].end_s <= 8.0 and 4.0 <= first[1].end_s <= 5.0
    assert first[0].score > first[1].score > first[2].score
    spans = sorted((s.start_s, s.end_s) for s in first)
    assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:]))
    assert first[2].reason == "close call"  # only sure stretches were left


def test_a_few_at_a_time():
    everything = unsure_stretches(_timeline(), threshold=1.0, span_s=1.0, count=6)
    page2 = unsure_stretches(_timeline(), threshold=1.0, span_s=1.0, count=3, skip=3)
    assert page2 == everything[3:6]
    assert unsure_stretches([p for p in _timeline() if p.state == PredictionState.WARMING_UP]) == []
