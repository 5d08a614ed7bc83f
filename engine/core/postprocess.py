"""Smoothing, hysteresis and "uncertain": the label logic of the action decoder, and softmax.

Time here is model-clock time (tick / sample_fps), never wall time, so a file gives the same
labels whether it is watched live or analysed offline.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def softmax(logits: np.ndarray) -> np.ndarray:
    """(..., C) logits -> probabilities over the last axis (float64), numerically stable; the
    one softmax of the engine and the trainer."""
    z = np.asarray(logits, dtype=np.float64)
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


@dataclass
class Decision:
    """What the post-processor concluded for one prediction."""

    probs: np.ndarray  # smoothed probabilities, (C,)
    label_index: int | None  # stable label, None if uncertain
    confidence: float  # smoothed probability of the stable label (top-1 when uncertain)


class PostProcessor:
    """Exponential smoothing of probabilities, then hysteresis, then a confidence threshold.

    smoothing: weight of the past in the moving average (0 = none, 0.9 = very smooth).
    hold_s: a new label must be top-1 for this long (model-clock seconds) before it replaces
      the current one; the first label is taken at once.
    threshold: below this smoothed probability the state is "uncertain".
    """

    def __init__(self, smoothing: float = 0.5, hold_s: float = 0.4, threshold: float = 0.4) -> None:
        self.configure(smoothing, hold_s, threshold)
        self.reset()

    def configure(self, smoothing: float, hold_s: float, threshold: float) -> None:
        """Change the three knobs; the smoothed state is kept."""
        if not 0.0 <= smoothing < 1.0:
            raise ValueError("smoothing must be in [0, 1)")
        if hold_s < 0 or not 0.0 <= threshold <= 1.0:
            raise ValueError("hold_s must be >= 0 and threshold in [0, 1]")
        self.smoothing, self.hold_s, self.threshold = float(smoothing), float(hold_s), float(threshold)

    def reset(self) -> None:
        """Forget the average and the stable label (a new source or a seek)."""
        self._avg: np.ndarray | None = None
        self._stable: int | None = None
        self._candidate: int | None = None
        self._candidate_since = 0.0

    def smooth(self, probs: np.ndarray) -> np.ndarray:
        """Fold ``probs`` into the moving average only (no label decision); returns the average."""
        probs = np.asarray(probs, dtype=np.float64)
        if self._avg is None or self._avg.shape != probs.shape:
            self._avg = probs.copy()
        else:
            self._avg = self.smoothing * self._avg + (1.0 - self.smoothing) * probs
        return self._avg

    def forget_label(self) -> None:
        """Drop the stable label and any candidate (the average stays): the next decision takes
        its top label at once, as after a reset (used after an "unknown" stretch)."""
        self._stable = None
        self._candidate = None

    def update(self, probs: np.ndarray, t_s: float) -> Decision:
        """Fold in the head's probabilities at model time ``t_s``."""
        self.smooth(probs)
        top = int(np.argmax(self._avg))
        if self._stable is None:
            self._stable = top
            self._candidate = None
        elif top == self._stable:
            self._candidate = None
        else:
            if top != self._candidate:
                self._candidate, self._candidate_since = top, t_s
            # A small epsilon: hold_s is a multiple of the tick period and must count as met.
            if t_s - self._candidate_since >= self.hold_s - 1e-9:
                self._stable, self._candidate = top, None
        conf = float(self._avg[self._stable])
        if conf < self.threshold:
            return Decision(self._avg, None, float(self._avg[top]))
        return Decision(self._avg, self._stable, conf)
