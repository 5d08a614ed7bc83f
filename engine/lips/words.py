"""The lip-words task's decoder: taught words or phrases, said only while the mouth moves.

A lip-words bundle (taught by ``models/teach_lips.py``) labels each window of mouth features like
an action bundle does (:class:`~engine.core.decoders.ActionDecoder`: smoothing, hysteresis,
"uncertain", "unknown" from the head's novelty). Its head has only seen words being said, so a
still mouth gets a confident word too (measured on GRID s1 with three taught commands: 128 of
130 ticks of silence around 10 sentences). When the bundle asks for it (manifest
``open_set.requires_speaking``), a window in which the mouth stage never reported "speaking"
(the visual speech-activity signal of ``engine/lips/mouth.py``) is "unknown" instead: 18 of those
130 ticks stayed a word (the signal trails the lips by about 0.1 s), and held-out clips of the
words were named as often as without the gate (10 of 12).
"""

from __future__ import annotations

from collections import deque
from dataclasses import replace

from engine.core.decoders import ActionDecoder, HeadOutput, TickContext
from engine.core.prediction import Prediction, PredictionState
from engine.core.settings import EngineSettings

SPEAKING = "speaking"  # the Region the mouth stage publishes while the mouth moves as in speech


class LipWordsDecoder(ActionDecoder):
    """An :class:`ActionDecoder` that says "unknown" for a window without speech.

    ``window_ticks``: how many of the latest ticks (the head's window) count; with
    ``requires_speaking`` False it decodes exactly as an ActionDecoder.
    """

    def __init__(self, labels: tuple[str, ...], settings: EngineSettings, open_set_threshold: float | None = None,
                 *, window_ticks: int, requires_speaking: bool = True) -> None:
        self.requires_speaking = requires_speaking
        self._spoken: deque[bool] = deque(maxlen=max(1, int(window_ticks)))
        super().__init__(labels, settings, open_set_threshold)

    @classmethod
    def for_bundle(cls, bundle, settings: EngineSettings) -> "LipWordsDecoder":
        """The decoder a lip-words bundle asks for (its open_set threshold and speech gate)."""
        open_set = bundle.manifest.open_set or {}
        return cls(bundle.labels, settings, open_set.get("threshold"), window_ticks=bundle.manifest.window.window_length,
                   requires_speaking=bool(open_set.get("requires_speaking", False)))

    def reset(self) -> None:
        """Forget the smoothed probabilities, the stable label and the recent speech."""
        super().reset()
        self._spoken.clear()

    def decode(self, ctx: TickContext, head: HeadOutput | None) -> Prediction:
        """The Prediction for this tick; "unknown" when no tick of the window showed speech."""
        self._spoken.append(any(r.name == SPEAKING for r in ctx.regions))
        pred = super().decode(ctx, head)
        if head is None or not self.requires_speaking or any(self._spoken) or pred.state is PredictionState.UNKNOWN:
            return pred
        self.post.forget_label()  # when speech starts, its word is taken at once
        return replace(pred, state=PredictionState.UNKNOWN, label=None)
