"""The model's own clock (ModelClock) and the window of cached per-frame features (FeatureWindow).

The model was trained on frames sampled at ``sample_fps``. Tick k of the model clock is at
k / sample_fps seconds; it takes the first frame whose timestamp is at or after that time. So
25, 30 and 60 fps inputs give the same ticks (the same windows in time), and a frame that is
not sampled never reaches the backbone.
"""

from __future__ import annotations

import math

import numpy as np

# Timestamps come from rational time bases (e.g. 1/15360): allow for rounding when a frame
# lands exactly on a tick.
TICK_TOLERANCE_S = 1e-3


class ModelClock:
    """Maps frame timestamps to model-clock ticks; pure bookkeeping, no images.

    ``ticks_for(pts_s)`` returns the ticks a frame fills (usually 0 or 1; more when the input is
    slower than the model clock or frames were lost, so the window keeps its length in time).
    """

    def __init__(self, sample_fps: float, max_fill: int = 64) -> None:
        if sample_fps <= 0:
            raise ValueError("sample_fps must be positive")
        self.sample_fps = float(sample_fps)
        self.max_fill = max(1, int(max_fill))
        self.next_tick = 0

    def reset(self, start_s: float = 0.0) -> None:
        """Start again at the first tick at or after ``start_s`` (0 for a fresh source)."""
        self.next_tick = max(0, math.ceil(start_s * self.sample_fps - TICK_TOLERANCE_S * self.sample_fps))

    def tick_time(self, tick: int) -> float:
        """Model-clock time of ``tick`` in seconds."""
        return tick / self.sample_fps

    def ticks_for(self, pts_s: float) -> range:
        """The ticks the frame at ``pts_s`` fills (empty if none); advances the clock."""
        last = math.floor((pts_s + TICK_TOLERANCE_S) * self.sample_fps)
        if last < self.next_tick:
            return range(0)
        first = max(self.next_tick, last - self.max_fill + 1)  # a long gap refills at most a window
        self.next_tick = last + 1
        return range(first, last + 1)

    def peek(self, pts_s: float) -> bool:
        """Whether the frame at ``pts_s`` would fill a tick (does not advance the clock)."""
        return math.floor((pts_s + TICK_TOLERANCE_S) * self.sample_fps) >= self.next_tick


class FeatureWindow:
    """The last ``window_length`` (T) features, kept once and reused by every window that contains them.

    Stored twice in a buffer of 2 x length so the window is always one contiguous slice:
    appending and reading are O(1) (no copy of the window per prediction).
    """

    def __init__(self, window_length: int, dim: int) -> None:
        if window_length < 1 or dim < 1:
            raise ValueError("FeatureWindow needs window_length >= 1 and dim >= 1")
        self.window_length = window_length
        self.dim = dim
        self._buf = np.zeros((2 * window_length, dim), dtype=np.float32)
        self._next = 0  # slot the next feature goes to
        self._count = 0

    def __len__(self) -> int:
        return min(self._count, self.window_length)

    @property
    def full(self) -> bool:
        """True once ``window_length`` features are in (the end of warm-up)."""
        return self._count >= self.window_length

    def clear(self) -> None:
        """Forget every feature (after a seek or a new source)."""
        self._next = 0
        self._count = 0

    def append(self, feature: np.ndarray) -> None:
        """Add the newest (D,) feature; the oldest falls out once the window is full."""
        self._buf[self._next] = feature
        self._buf[self._next + self.window_length] = feature
        self._next = (self._next + 1) % self.window_length
        self._count += 1

    def window(self) -> np.ndarray:
        """(T, D) features, oldest first (a view: copy it if you keep it)."""
        n = len(self)
        if n < self.window_length:
            return self._buf[:n]
        return self._buf[self._next : self._next + self.window_length]

    def resized(self, window_length: int) -> "FeatureWindow":
        """A new window of ``window_length`` holding as many of the newest features as fit."""
        new = FeatureWindow(window_length, self.dim)
        kept = self.window()[-window_length:]
        for f in kept:
            new.append(f)
        return new
