"""Lip reading's simplest decoder: per-step token logits -> timed tokens and a running transcript.

    TranscriptDecoder  per-step token logits (S, V) -> newest step -> greedy token changes
                       -> TimedToken records and a running transcript (TranscriptUpdate)

The grammar-aware decoder of bundles that ship their grammar is :mod:`engine.lips.reading`.
"""

from __future__ import annotations

import math

import numpy as np

from engine.core.decoders import HeadOutput, TickContext
from engine.core.postprocess import softmax
from engine.core.prediction import PredictionState, TimedToken, TranscriptUpdate
from engine.core.settings import EngineSettings


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
