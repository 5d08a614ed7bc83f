"""What the engine tells its callers: one Prediction per model-clock step."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum


class PredictionState(str, Enum):
    """How much to trust the current label."""

    WARMING_UP = "warming_up"  # fewer than T features seen so far
    CONFIDENT = "confident"  # the stable label's smoothed probability is above the threshold
    UNCERTAIN = "uncertain"  # nothing is above the threshold


@dataclass(frozen=True, slots=True)
class StageTimings:
    """Milliseconds spent per stage for the prediction's newest frame."""

    decode_ms: float = 0.0
    preprocess_ms: float = 0.0
    backbone_ms: float = 0.0
    head_ms: float = 0.0
    latency_ms: float = 0.0  # capture (or decode) of the newest frame -> prediction ready


@dataclass(frozen=True, slots=True)
class Prediction:
    """The engine's answer at one model-clock tick.

    pts_s: source timestamp of the newest frame in the window (seconds).
    tick: index of that frame on the model clock (k means k / sample_fps seconds).
    top_k: (label, smoothed probability) pairs, most likely first.
    probs: smoothed probabilities of every label, in the bundle's label order.
    label/confidence: the stable (hysteresis-filtered) label and its smoothed probability;
      label is None while warming up or uncertain.
    """

    pts_s: float
    tick: int
    frame_index: int
    top_k: tuple[tuple[str, float], ...]
    probs: tuple[float, ...]
    label: str | None
    confidence: float
    state: PredictionState
    timings: StageTimings = field(default_factory=StageTimings)
    input_fps: float = 0.0
    model_fps: float = 0.0
    dropped_frames: int = 0

    def to_dict(self) -> dict:
        """A JSON-ready dict (for JSONL/CSV exports)."""
        return {
            "pts_s": round(self.pts_s, 4),
            "tick": self.tick,
            "frame_index": self.frame_index,
            "label": self.label,
            "confidence": round(self.confidence, 4),
            "state": self.state.value,
            "top_k": [[name, round(p, 4)] for name, p in self.top_k],
            "timings_ms": {
                "decode": round(self.timings.decode_ms, 3),
                "preprocess": round(self.timings.preprocess_ms, 3),
                "backbone": round(self.timings.backbone_ms, 3),
                "head": round(self.timings.head_ms, 3),
                "latency": round(self.timings.latency_ms, 3),
            },
            "input_fps": round(self.input_fps, 2),
            "model_fps": round(self.model_fps, 2),
            "dropped_frames": self.dropped_frames,
        }
