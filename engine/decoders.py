"""Output decoders: from the head's outputs at one tick to the record the task reports.

    ActionDecoder      logits (C,) -> softmax -> smoothing -> hysteresis -> threshold -> top-k
                       -> Prediction; a ``novelty`` output above the threshold -> "unknown"
    TranscriptDecoder  per-step token logits (S, V) -> newest step -> greedy token changes
                       -> TimedToken records and a running transcript (TranscriptUpdate)

Which decoder a bundle gets is its task's choice (``engine/tasks.py``). A decoder is stateful
(smoothing, hysteresis, the token being read) and driven by the thread that runs the head.
Time is model-clock time (tick / sample_fps), so live and offline give the same records.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from engine.postprocess import PostProcessor, softmax
from engine.prediction import (
    Prediction,
    PredictionState,
    Region,
    StageTimings,
    StreamStats,
    TimedToken,
    TranscriptUpdate,
)
from engine.settings import EngineSettings


@dataclass(frozen=True, slots=True)
class HeadOutput:
    """The head's answer for one predicting tick.

    logits: (C,) for class heads, (S, V) per step for sequence heads (newest step last).
    novelty: the optional ``novelty`` output (larger = less like the training data), else None.
    """

    logits: np.ndarray
    novelty: float | None = None


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


class TranscriptDecoder:
    """Per-step token logits -> timed tokens and a running transcript.

    ``labels`` is the token vocabulary; its first entry is the blank (silence / no token).
    Greedy decoding on the model clock: each tick takes the newest step's most likely token;
    a run of the same non-blank token is one :class:`TimedToken` from the tick it began to the
    tick it ended, reported on the tick it ends (so its times are final). Below the settings'
    threshold the state is "uncertain" (the token is still tracked).
    """

    BLANK = 0

    def __init__(self, labels: tuple[str, ...], settings: EngineSettings, sample_fps: float) -> None:
        self.labels = labels
        self.period_s = 1.0 / sample_fps
        self.configure(settings)
        self.reset()

    def configure(self, settings: EngineSettings) -> None:
        """The confidence under which a step is "uncertain"."""
        self.threshold = settings.threshold

    def reset(self) -> None:
        """Forget every token and the one being read."""
        self.tokens: list[TimedToken] = []
        self._current: int | None = None
        self._start_s = 0.0
        self._confs: list[float] = []

    @property
    def transcript(self) -> str:
        """Every completed token so far, joined by spaces."""
        return " ".join(t.text for t in self.tokens)

    def _complete(self, end_s: float) -> TimedToken | None:
        if self._current in (None, self.BLANK):
            return None
        token = TimedToken(self.labels[self._current], self._start_s, end_s, float(np.mean(self._confs)))
        self.tokens.append(token)
        return token

    def decode(self, ctx: TickContext, head: HeadOutput | None) -> TranscriptUpdate:
        """The TranscriptUpdate for this tick; completes the previous token when the best changes."""
        token = None
        if head is None:
            state, current = PredictionState.WARMING_UP, None
        else:
            step = head.logits[-1] if head.logits.ndim == 2 else head.logits
            probs = softmax(step)
            best = int(np.argmax(probs))
            conf = float(probs[best])
            if best != self._current:
                token = self._complete(ctx.tick_s)
                self._current, self._start_s, self._confs = best, ctx.tick_s, []
            self._confs.append(conf)
            state = PredictionState.CONFIDENT if conf >= self.threshold else PredictionState.UNCERTAIN
            current = None if best == self.BLANK else self.labels[best]
        return TranscriptUpdate(
            pts_s=ctx.pts_s, tick=ctx.tick, frame_index=ctx.frame_index, state=state, token=token,
            current=current, transcript=self.transcript, timings=ctx.timings, input_fps=ctx.stats.input_fps,
            model_fps=ctx.stats.model_fps, dropped_frames=ctx.stats.dropped_frames, regions=ctx.regions,
        )

    def finish(self, end_s: float) -> list[TimedToken]:
        """Every timed token of the stream, the one still being read ending at ``end_s``."""
        self._complete(max(end_s, self._start_s + self.period_s) if math.isfinite(end_s) else end_s)
        self._current = None
        return list(self.tokens)
