"""Where an analysis was least sure: the stretches worth asking the user about ("ask where it is
unsure", issue 22). A correction of such a stretch teaches the model more than a clip picked at
random (bench/bench_correct.py measures how much).

Each prediction after warm-up gets an unsureness score: one minus the margin between its two most
likely labels, plus a bonus when the app said "unknown" or "uncertain" there, and when the head's
novelty was close to the bundle's unknown threshold (either side). Stretches of ``span_s`` seconds
are scored by their mean, and the most unsure ones that do not overlap are returned, most unsure
first.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from engine.core.prediction import Prediction, PredictionState

UNKNOWN_BONUS = 0.6
UNCERTAIN_BONUS = 0.3
NEAR_THRESHOLD_BONUS = 0.3
NEAR = 0.25  # novelty within 25 % of the threshold counts as "close"


@dataclass(frozen=True)
class UnsureStretch:
    """A stretch [start_s, end_s) the analysis was unsure of: its most likely label there (``guess``,
    None when nothing was), why (``reason``: "unknown", "uncertain", "near threshold" or "close call")
    and its score (higher = less sure)."""

    start_s: float
    end_s: float
    guess: str | None
    reason: str
    score: float


def _score(p: Prediction, threshold: float | None) -> tuple[float, str]:
    probs = sorted(p.probs, reverse=True)
    margin = probs[0] - (probs[1] if len(probs) > 1 else 0.0) if probs else 0.0
    score, reason = 1.0 - margin, "close call"
    if p.novelty is not None and threshold:
        near = 1.0 - abs(p.novelty / threshold - 1.0) / NEAR
        if near > 0:
            score, reason = score + NEAR_THRESHOLD_BONUS * near, "near threshold"
    if p.state == PredictionState.UNCERTAIN:
        score, reason = score + UNCERTAIN_BONUS, "uncertain"
    elif p.state == PredictionState.UNKNOWN:
        score, reason = score + UNKNOWN_BONUS, "unknown"
    return score, reason


def unsure_stretches(predictions: Sequence[Prediction], *, threshold: float | None = None, span_s: float = 2.0,
                     count: int = 5, skip: int = 0) -> list[UnsureStretch]:
    """The ``count`` least sure, non-overlapping stretches of ``span_s`` seconds (after the ``skip``
    least sure ones: "a few at a time"); ``threshold``: the bundle's unknown threshold (novelty)."""
    preds = [p for p in predictions if p.state != PredictionState.WARMING_UP and p.probs]
    if not preds:
        return []
    scored = [(p.pts_s, *_score(p, threshold), p) for p in preds]
    candidates = []
    i = 0
    for k, (t, _, _, _) in enumerate(scored):
        # predictions whose window [t - span_s, t] ends here: the stretch the model saw
        while scored[i][0] < t - span_s + 1e-9:
            i += 1
        group = scored[i:k + 1]
        mean = sum(s for _, s, _, _ in group) / len(group)
        reasons = [r for _, _, r, _ in group]
        reason = max(set(reasons), key=lambda r: (reasons.count(r), r))
        labels = [q.top_k[0][0] for _, _, _, q in group if q.top_k]
        guess = max(set(labels), key=labels.count) if labels else None
        candidates.append(UnsureStretch(round(max(0.0, t - span_s), 3), round(t, 3), guess, reason, round(mean, 4)))
    candidates.sort(key=lambda c: -c.score)
    chosen: list[UnsureStretch] = []
    for c in candidates:
        if all(c.end_s <= o.start_s or c.start_s >= o.end_s for o in chosen):
            chosen.append(c)
        if len(chosen) >= count + skip:
            break
    return chosen[skip:]
