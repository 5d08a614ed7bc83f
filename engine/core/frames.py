"""Frames: the Frame record, the FrameSource interface every source implements, and the
bounded FrameRing that carries frames from capture to inference."""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections import deque
from dataclasses import dataclass
from typing import Callable, Generic, Iterator, TypeVar

import numpy as np

from engine.core.errors import SourceError

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


# Decides, from (index, pts_s), whether a frame's pixels are needed; the others are decoded
# (codecs need them) but never converted to RGB, which is most of a decoder's cost.
FrameFilter = Callable[[int, float], bool]


class FrameSource(ABC):
    """Anything that yields frames: iterate it for :class:`Frame` records, then ``close()``.

    fps is nominal (0 if unknown), duration_s/frame_count are None when unknown or live.
    ``warnings`` collects problems that did not stop the source (e.g. a file that ended early);
    ``stopped_at_s`` is where such a file stopped decoding (None: it decoded to its end), so that
    callers report the duration that really decoded, not the one the container promises.
    """

    fps: float = 0.0
    duration_s: float | None = None
    frame_count: int | None = None
    is_live: bool = False
    size: tuple[int, int] = (0, 0)  # (width, height)
    name: str = ""

    def __init__(self) -> None:
        self.warnings: list[str] = []
        self.frames_decoded = 0  # frames read by the last full pass (files)
        self.stopped_at_s: float | None = None  # a damaged file: the last frame that decoded

    @abstractmethod
    def __iter__(self) -> Iterator[Frame]:
        """Yield frames in presentation order: from the start, or from where ``seek`` asked."""

    def frames(self, want: FrameFilter | None = None) -> Iterator[Frame]:
        """Like iteration, but frames for which ``want(index, pts_s)`` is False may be skipped."""
        for frame in self:
            if want is None or want(frame.index, frame.pts_s):
                yield frame

    def seek(self, t_s: float) -> None:
        """Continue from the first frame at or after ``t_s`` seconds (files and folders only).

        Safe to call from another thread while iterating: the jump happens at the next frame.
        """
        raise SourceError(f"{self.name or type(self).__name__} is live and cannot seek")

    _pending_seek: int | None = None

    def _take_seek(self, next_index: int) -> int:
        # For index-addressed sources: the next index to read, honouring a pending seek.
        pending, self._pending_seek = self._pending_seek, None
        return next_index if pending is None else pending

    def close(self) -> None:
        """Release the file / device. Safe to call twice."""

    def __enter__(self) -> "FrameSource":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        w, h = self.size
        return f"<{type(self).__name__} {self.name!r} {w}x{h} @ {self.fps:g} fps>"


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
        """Most items held before the oldest is dropped."""
        return self._capacity

    @property
    def dropped(self) -> int:
        """Frames thrown away because the reader fell behind."""
        with self._cond:
            return self._dropped

    @property
    def closed(self) -> bool:
        """True once :meth:`close` was called."""
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
