"""Output decoders: from the head's outputs at one tick to the record the task reports.

    ActionDecoder      logits (C,) -> softmax -> smoothing -> hysteresis -> threshold -> top-k
                       -> Prediction; a ``novelty`` output above the threshold -> "unknown"
                       (every task that reports one label per window: actions, taught lip words)

The interface every decoder follows is :class:`OutputDecoder`; task-specific decoders live in
their task's subpackage (lips: ``engine/lips/transcript.py``, ``engine/lips/reading.py``).

Which decoder a bundle gets is its task's choice (``engine/tasks.py``). A decoder is stateful
(smoothing, hysteresis, the token being read) and driven by the thread that runs the head.
Time is model-clock time (tick / sample_fps), so live and offline give the same records.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from engine.core.postprocess import PostProcessor, softmax
from engine.core.prediction import (
    Prediction,
    PredictionState,
    Region,
    StageTimings,
    StreamStats,
)
from engine.core.settings import EngineSettings


@dataclass(frozen=True, slots=True)
class HeadOutput:
    """The head's answer for one predicting tick.

    logits: (C,) for class heads, (S, V) per step for sequence heads (newest step last).
    novelty: the optional ``novelty`` output (larger = less like the training data), else None.
    valid: None for a full window; while the window is still warming up, for a decoder that
    reads padded windows (``reads_padded_windows``), the number of real steps at its end (the
    steps before them repeat the first feature).
    """

    logits: np.ndarray
    novelty: float | None = None
    valid: int | None = None


@dataclass(frozen=True, slots=True)
class TickContext:
    """Everything about a predicting tick except the head's answer."""

    tick: int
    tick_s: float  # model-clock time of the tick
    pts_s: float  # timestamp of the frame that filled it
    frame_index: int
    timings: StageTimings
    stats: StreamStats
    regions: tuple[Region, ...] = ()
    feature: np.ndarray | None = None  # the tick's backbone feature (D,) (lip: the speaker check)


class OutputDecoder(Protocol):
    """Turns head outputs into a task's records; ``head=None`` means the window is warming up."""

    def decode(self, ctx: TickContext, head: HeadOutput | None):
        """The record for this tick."""
        ...

    def configure(self, settings: EngineSettings) -> None:
        """Apply new user settings (kept state stays)."""
        ...

    def reset(self) -> None:
        """Forget everything carried between ticks (a new source or a seek)."""
        ...

    def finish(self, end_s: float) -> list:
        """The stream ended at ``end_s``: the decoder's timeline items (sequence tasks: every
        timed token, the one being read included; actions: none)."""
        ...


class ActionDecoder:
    """Class logits -> :class:`Prediction`, as the action task reports it.

    ``open_set_threshold`` is the bundle's novelty threshold (manifest ``open_set``);
    ``settings.unknown_threshold`` overrides it. A window whose novelty is above it is
    UNKNOWN before hysteresis picks a label; after it the next label is taken at once.
    """

    def __init__(self, labels: tuple[str, ...], settings: EngineSettings,
                 open_set_threshold: float | None = None) -> None:
        self.labels = labels
        self._bundle_threshold = open_set_threshold
        self.post = PostProcessor(settings.smoothing, settings.hold_s, settings.threshold)
        self.configure(settings)

    def configure(self, settings: EngineSettings) -> None:
        """Smoothing, hold, threshold, top-k and the unknown threshold from ``settings``."""
        self.post.configure(settings.smoothing, settings.hold_s, settings.threshold)
        self.top_k = min(settings.top_k, len(self.labels))
        ut = settings.unknown_threshold
        self.unknown_threshold = ut if ut is not None else self._bundle_threshold

    def reset(self) -> None:
        """Forget the smoothed probabilities and the stable label."""
        self.post.reset()

    def finish(self, end_s: float) -> list:
        """Actions keep nothing for the end of a stream."""
        return []

    def decode(self, ctx: TickContext, head: HeadOutput | None) -> Prediction:
        """The Prediction for this tick (warming up while ``head`` is None)."""
        novelty = None if head is None else head.novelty
        if head is None:
            probs = np.zeros(len(self.labels))
            state, label, conf, top = PredictionState.WARMING_UP, None, 0.0, ()
        else:
            probs_now = softmax(head.logits)
            unknown = (novelty is not None and self.unknown_threshold is not None
                       and novelty > self.unknown_threshold)
            if unknown:
                probs = self.post.smooth(probs_now)
                self.post.forget_label()
                state, label, conf = PredictionState.UNKNOWN, None, float(probs.max())
            else:
                decision = self.post.update(probs_now, ctx.tick_s)
                probs, conf = decision.probs, decision.confidence
                if decision.label_index is None:
                    state, label = PredictionState.UNCERTAIN, None
                else:
                    state, label = PredictionState.CONFIDENT, self.labels[decision.label_index]
            order = np.argsort(-probs, kind="stable")[: self.top_k]
            top = tuple((self.labels[i], float(probs[i])) for i in order)
        return Prediction(
            pts_s=ctx.pts_s, tick=ctx.tick, frame_index=ctx.frame_index, top_k=top,
            probs=tuple(float(p) for p in probs), label=label, confidence=float(conf), state=state,
            timings=ctx.timings, input_fps=ctx.stats.input_fps, model_fps=ctx.stats.model_fps,
            dropped_frames=ctx.stats.dropped_frames, regions=ctx.regions, novelty=novelty,
        )
