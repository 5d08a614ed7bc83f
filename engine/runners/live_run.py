"""The state of one live run (engine/runners/live.py): its frame ring, control flags, seek epochs
and rate meters, shared by its capture thread and its engine worker; and the engine's counters."""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass

from engine.core.frames import Frame, FrameRing
from engine.io.sources import FrameSource


@dataclass(frozen=True)
class EngineStats:
    """A snapshot of the live engine's counters."""

    input_fps: float = 0.0
    model_fps: float = 0.0
    dropped_frames: int = 0
    frames_seen: int = 0
    running: bool = False
    predictions: int = 0
    paused: bool = False


class RateMeter:
    """Events per second over the last ``span`` seconds of wall time."""

    def __init__(self, span: float = 2.0) -> None:
        self.span = span
        self._times: deque[float] = deque()
        self._lock = threading.Lock()  # written by one thread, read by others (stats)

    def add(self, n: int = 1, now: float | None = None) -> None:
        """Count ``n`` events at ``now`` (default: this moment)."""
        now = time.perf_counter() if now is None else now
        with self._lock:
            for _ in range(n):
                self._times.append(now)
            while self._times and now - self._times[0] > self.span:
                self._times.popleft()

    @property
    def rate(self) -> float:
        """Events per second over the span (0 until two events are in)."""
        with self._lock:
            if len(self._times) < 2:
                return 0.0
            dt = self._times[-1] - self._times[0]
            return (len(self._times) - 1) / dt if dt > 0 else 0.0


@dataclass(slots=True)
class CapturedFrame:
    """A frame in the live ring, with when it was captured and which seek epoch it belongs to."""

    frame: Frame
    epoch: int
    captured_at: float
    decode_ms: float


HANDOVER_TIMEOUT_S = 2.0  # how long a new run waits for a busy old worker (see Engine._launch)


class LiveRun:
    """The state of one started source: its threads, ring and control flags."""

    def __init__(self, source: FrameSource, owned: bool, capacity: int) -> None:
        self.source = source
        self.owned = owned
        self.ring: FrameRing[CapturedFrame] = FrameRing(capacity)
        self.stop = threading.Event()
        self.running = threading.Event()
        self.running.set()  # cleared while paused
        self.lock = threading.Lock()
        self.seek_to: float | None = None
        self.epoch = 0
        self.epoch_start: dict[int, float] = {0: 0.0}
        self.error: BaseException | None = None
        self.frames_seen = 0
        self.input_rate = RateMeter()  # frames captured per second
        self.model_rate = RateMeter()  # model-clock ticks through the backbone per second
        self.predictions = 0
        # Sequence tasks: words delivered since the recognizer's last reset, and the newest
        # record, so the end of a file can deliver the words still held by the decoder.
        self.tokens_delivered = 0
        self.last_record = None
        self.capture: threading.Thread | None = None
        self.worker: threading.Thread | None = None
        self.finished = threading.Event()
