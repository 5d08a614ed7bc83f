"""Frames and the bounded ring that carries them from capture to inference."""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass
from typing import Generic, TypeVar

import numpy as np

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Frame:
    """One decoded video frame.

    index: position in the source, counting from 0 (frames the source skipped still count).
    pts_s: presentation time in seconds from the start of the source.
    image: RGB, uint8, shape (H, W, 3), C-contiguous.
    """

    index: int
    pts_s: float
    image: np.ndarray


class FrameRing(Generic[T]):
    """A bounded, thread-safe FIFO between a capture thread and the engine worker.

    It usually carries :class:`Frame` records; the engine carries frames wrapped with their
    capture time (``FrameRing[CapturedFrame]``), so the ring is generic in its item type.

    When full, ``put`` drops the oldest frame and counts it, so capture never blocks on
    inference and latency stays bounded. ``close`` wakes every waiting reader.
    """

    def __init__(self, capacity: int = 8) -> None:
        if capacity < 1:
            raise ValueError("FrameRing capacity must be at least 1")
        self._frames: deque[T] = deque()
        self._capacity = capacity
        self._cond = threading.Condition()
        self._dropped = 0
        self._closed = False

    @property
    def capacity(self) -> int:
        return self._capacity

    @property
    def dropped(self) -> int:
        """Frames thrown away because the reader fell behind."""
        with self._cond:
            return self._dropped

    @property
    def closed(self) -> bool:
        with self._cond:
            return self._closed

    def __len__(self) -> int:
        with self._cond:
            return len(self._frames)

    def put(self, frame: T) -> bool:
        """Append a frame; returns False if an old frame had to be dropped to make room."""
        with self._cond:
            if self._closed:
                return True
            kept_all = True
            while len(self._frames) >= self._capacity:
                self._frames.popleft()
                self._dropped += 1
                kept_all = False
            self._frames.append(frame)
            self._cond.notify_all()
            return kept_all

    def drain(self, timeout: float | None = None) -> list[T]:
        """Take every queued frame, oldest first, waiting up to ``timeout`` s for at least one.

        Returns an empty list on timeout or once the ring is closed and empty.
        """
        with self._cond:
            if not self._frames and not self._closed:
                self._cond.wait(timeout)
            frames = list(self._frames)
            self._frames.clear()
            return frames

    def clear(self) -> int:
        """Throw away every queued item without counting it as dropped (e.g. after a seek)."""
        with self._cond:
            n = len(self._frames)
            self._frames.clear()
            return n

    def close(self) -> None:
        """Mark the end of the stream and wake readers; later puts are ignored."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()
