"""Settings: what a user can tune in recognition, with their defaults in one place.

The CLI's option defaults, the GUI's and the engine's all come from :class:`EngineSettings`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields

from engine.core.errors import EngineError

DEVICES = ("auto", "cpu", "cuda")
LIP_LANDMARKS = ("off", "points", "crop")


@dataclass(frozen=True)
class EngineSettings:
    """What a user can tune. ``smoothing`` is the EMA weight of the past (0 = none);
    ``hold_s`` the hysteresis time; ``threshold`` the confidence under which the state is
    "uncertain"; ``window_length`` overrides T for window heads; ``realtime`` paces file
    sources at their own fps in the live engine (offline analysis ignores it);
    ``ring_capacity`` applies from the next ``start``; ``unknown_threshold`` overrides the
    bundle's novelty threshold (bundles whose head has a ``novelty`` output);
    ``lip_landmarks`` (lip bundles, from the next ``start``): "points" runs the face mesh on the
    located face and publishes the lips' points and shape, "crop" also places the mouth crop by
    the lip corners (not what the shipped reader was trained on), "off" neither."""

    top_k: int = 5
    smoothing: float = 0.5
    hold_s: float = 0.4
    threshold: float = 0.4
    window_length: int | None = None
    device: str = "auto"
    ring_capacity: int = 8
    realtime: bool = True
    threads: int | None = None  # ORT intra-op threads (None: the usable cores, at most 4)
    unknown_threshold: float | None = None  # novelty above it is "unknown" (None: the bundle's open_set threshold)
    lip_landmarks: str = "off"

    def validated(self) -> "EngineSettings":
        """Self, or an :class:`EngineError` naming the bad value."""
        problems = []
        if self.top_k < 1:
            problems.append("top_k must be at least 1")
        if not 0.0 <= self.smoothing < 1.0:
            problems.append("smoothing must be in [0, 1)")
        if self.hold_s < 0:
            problems.append("hold_s must be >= 0")
        if not 0.0 <= self.threshold <= 1.0:
            problems.append("threshold must be in [0, 1]")
        if self.window_length is not None and self.window_length < 1:
            problems.append("window_length must be >= 1")
        if self.device not in DEVICES:
            problems.append("device must be auto, cpu or cuda")
        if self.unknown_threshold is not None and not math.isfinite(self.unknown_threshold):
            problems.append("unknown_threshold must be a finite number")
        if self.lip_landmarks not in LIP_LANDMARKS:
            problems.append("lip_landmarks must be off, points or crop")
        if self.ring_capacity < 1:
            problems.append("ring_capacity must be >= 1")
        if problems:
            raise EngineError("invalid engine settings: " + "; ".join(problems))
        return self


def default_of(name: str):
    """The default value of one :class:`EngineSettings` field (for CLI/GUI option defaults)."""
    return next(f.default for f in fields(EngineSettings) if f.name == name)
