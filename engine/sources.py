"""Frame sources: webcam, video file, stream URL, image folder, and a fake for tests.

Every source is an iterable of :class:`~engine.frames.Frame` records (index, pts_s, RGB image)
behind one small interface, :class:`FrameSource`. Files and URLs are read with PyAV (real
presentation timestamps, any container FFmpeg reads); webcams with OpenCV.

Errors are typed (see ``engine/errors.py``):
    SourceNotFound   the path / camera does not exist
    SourceOpenError  it exists but is not a readable video
    DecodeError      decoding failed before any frame came out
A file that breaks part-way yields the frames that decode and adds a line to ``warnings``.
"""

from __future__ import annotations

import os
import re
import sys
import threading
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Callable, Iterator

import numpy as np

from engine.errors import DecodeError, SourceError, SourceNotFound, SourceOpenError
from engine.frames import Frame

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp")
VIDEO_SUFFIXES = (".mp4", ".avi", ".mkv", ".mov", ".mpg", ".mpeg", ".webm", ".m4v", ".wmv", ".flv", ".ts")
_URL = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://")

# Decides, from (index, pts_s), whether a frame's pixels are needed; the others are decoded
# (codecs need them) but never converted to RGB, which is most of a decoder's cost.
FrameFilter = Callable[[int, float], bool]


@dataclass(frozen=True, slots=True)
class CameraInfo:
    """A camera that opened: its OpenCV index and a display name."""

    index: int
    name: str


class FrameSource(ABC):
    """Anything that yields frames: iterate it for :class:`Frame` records, then ``close()``.

    fps is nominal (0 if unknown), duration_s/frame_count are None when unknown or live.
    ``warnings`` collects problems that did not stop the source (e.g. a file that ended early).
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


# --------------------------------------------------------------------------- video files (PyAV)


def usable_cores() -> int:
    """CPU cores this process may run on (its affinity mask, not the machine's total)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def _quiet_av() -> None:
    # FFmpeg's own log lines would interleave with the CLI's output; errors reach users as
    # typed exceptions and warnings instead.
    try:
        import av.logging

        av.logging.set_level(None)
    except Exception:  # noqa: BLE001 - logging control is cosmetic
        pass


class VideoFileSource(FrameSource):
    """A video file or network stream decoded by PyAV (FFmpeg), with real timestamps.

    pts_s counts from the stream's start time. For URLs (``is_live``) pts_s counts from the
    first frame received and seeking is refused.
    """

    def __init__(self, spec: str | Path, *, live: bool | None = None, open_timeout_s: float = 10.0) -> None:
        super().__init__()
        import av

        _quiet_av()
        self._spec = str(spec)
        is_url = bool(_URL.match(self._spec))
        self.is_live = is_url if live is None else live
        self.name = self._spec if is_url else Path(self._spec).name
        if not is_url:
            path = Path(self._spec).expanduser()
            if not path.exists():
                raise SourceNotFound(f"video file not found: {path}")
            if path.is_dir():
                raise SourceOpenError(f"{path} is a folder, not a video file")
            self._spec = str(path)
        options = {}
        if is_url:
            # Microseconds: fail instead of hanging forever on a dead server.
            options = {"rw_timeout": str(int(open_timeout_s * 1e6)), "timeout": str(int(open_timeout_s * 1e6))}
        try:
            self._container = av.open(self._spec, options=options, timeout=open_timeout_s if is_url else None)
        except FileNotFoundError as exc:
            raise SourceNotFound(f"video not found: {self._spec}") from exc
        except (av.error.FFmpegError, OSError, ValueError) as exc:
            what = "stream" if is_url else "file"
            raise SourceOpenError(
                f"cannot open {self.name} as video: {_av_reason(exc)}. Is the {what} a video FFmpeg can read "
                "(mp4, avi, mkv, mov, mpg...) and complete?"
            ) from exc
        if not self._container.streams.video:
            self._container.close()
            raise SourceOpenError(f"{self.name} has no video stream")
        self._stream = self._container.streams.video[0]
        # Frame threading only pays where cores are left over beside ONNX Runtime's threads;
        # on small machines its extra threads slowed offline analysis and add frames of latency.
        self._stream.thread_type = "AUTO" if usable_cores() > 4 else "NONE"
        s = self._stream
        rate = s.average_rate or s.guessed_rate or s.base_rate
        self.fps = float(rate) if rate else 0.0
        self.size = (int(s.codec_context.width), int(s.codec_context.height))
        self._time_base = s.time_base or Fraction(1, 1000000)
        self._start_pts = s.start_time if s.start_time is not None else 0
        if self.is_live:
            self.duration_s = None
            self.frame_count = None
        else:
            if s.duration is not None:
                self.duration_s = float(s.duration * self._time_base)
            elif self._container.duration is not None:
                self.duration_s = self._container.duration / 1e6
            self.frame_count = int(s.frames) if s.frames else (
                round(self.duration_s * self.fps) if self.duration_s and self.fps else None
            )
        # AVI stores no presentation times: with B-frames FFmpeg's pts come out in decode
        # order while dts count frames in display order, so trust dts there.
        self._dts_first = "avi" in (self._container.format.name or "").split(",")
        self._reset_timestamps()
        self._seek_to: float | None = None
        self._iterated = False
        self._lock = threading.Lock()
        self._closed = False

    def seek(self, t_s: float) -> None:
        if self.is_live:
            raise SourceError(f"{self.name} is a live stream and cannot seek")
        with self._lock:
            self._seek_to = max(0.0, float(t_s))

    def _reset_timestamps(self) -> None:
        self._faulty_pts = self._faulty_dts = 0
        self._last_pts = self._last_dts = None

    def _pts_s(self, frame, index: int) -> float:
        # FFmpeg's guess_correct_pts: decoders emit frames in presentation order, so whichever
        # of pts / dts has gone backwards less often is the real clock. AVI files with B-frames
        # carry pts in decode order (1, 2, 4, 3, ...) but monotonic dts.
        pts, dts = frame.pts, frame.dts
        if pts is not None:
            self._faulty_pts += self._last_pts is not None and pts <= self._last_pts
            self._last_pts = pts
        if dts is not None:
            self._faulty_dts += self._last_dts is not None and dts <= self._last_dts
            self._last_dts = dts
        if pts is not None and (dts is None or (not self._dts_first and self._faulty_pts <= self._faulty_dts)):
            ts = pts
        elif dts is not None:
            ts = dts
        else:
            return index / self.fps if self.fps else 0.0
        return float((ts - self._start_pts) * self._time_base)

    def _take_seek_s(self) -> float | None:
        with self._lock:
            pending, self._seek_to = self._seek_to, None
        return pending

    def __iter__(self) -> Iterator[Frame]:
        return self.frames()

    def frames(self, want: FrameFilter | None = None) -> Iterator[Frame]:
        import av

        if self._closed:
            raise SourceError(f"{self.name} was closed")
        delivered = 0
        index = 0
        last_pts = -1.0
        live_origin: float | None = None
        skip_until: float | None = None
        self._reset_timestamps()
        pending = self._take_seek_s()
        if pending is None and self._iterated and not self.is_live:
            pending = 0.0  # a new pass starts at the beginning, like the other file-like sources
        self._iterated = True
        if pending is not None:
            skip_until, index = self._do_seek(pending)
        decoder = self._container.decode(self._stream)
        while True:
            try:
                frame = next(decoder)
            except StopIteration:
                break
            except (av.error.FFmpegError, OSError, ValueError) as exc:
                if delivered == 0 and index == 0:
                    raise DecodeError(
                        f"could not decode any frame of {self.name}: {_av_reason(exc)}", frames_decoded=0
                    ) from exc
                # Count every decoded frame, not only those ``want`` kept: the analysis header and
                # this warning must give the same number.
                self.frames_decoded = index
                self._warn_stopped(last_pts, index, _av_reason(exc))
                return
            pts = self._pts_s(frame, index)
            if self.is_live:
                live_origin = pts if live_origin is None else live_origin
                pts -= live_origin
            if skip_until is not None:
                if pts < skip_until - 1e-3:
                    continue  # decoding forward from the key frame before the target
                skip_until = None
                index = round(pts * self.fps) if self.fps else index
            if not want or want(index, pts):
                # FFmpeg pads rows to an aligned stride: copy only when that made a non-contiguous view.
                image = np.ascontiguousarray(frame.to_ndarray(format="rgb24"))
                yield Frame(index=index, pts_s=pts, image=image)
                delivered += 1
            last_pts = pts
            index += 1
            pending = self._take_seek_s()
            if pending is not None:
                skip_until, index = self._do_seek(pending)
                decoder = self._container.decode(self._stream)
        self.frames_decoded = index
        if index == 0 and skip_until is None:
            raise DecodeError(f"{self.name} contains no decodable video frames", frames_decoded=0)
        self._check_complete(index, last_pts)

    def _do_seek(self, t_s: float) -> tuple[float, int]:
        offset = int(t_s / self._time_base) + self._start_pts
        try:
            self._container.seek(offset, stream=self._stream, backward=True, any_frame=False)
        except Exception as exc:  # noqa: BLE001 - FFmpeg refuses seeks in some containers
            raise SourceError(f"cannot seek {self.name} to {t_s:.2f} s: {_av_reason(exc)}") from exc
        self._reset_timestamps()
        return t_s, round(t_s * self.fps) if self.fps else 0

    def _check_complete(self, frames_seen: int, last_pts: float) -> None:
        # FFmpeg often just stops at a truncated or damaged file without an error: compare what
        # came out with what the header promised.
        if self.is_live or not self.frame_count or not self.fps:
            return
        expected_last = (self.frame_count - 1) / self.fps
        missing = self.frame_count - frames_seen
        if missing > max(2, 0.02 * self.frame_count) and last_pts < expected_last - max(0.5, 3 / self.fps):
            self._warn_stopped(last_pts, frames_seen, f"the file ends early (its header promises {self.frame_count} frames)")

    def _warn_stopped(self, last_pts: float, frames: int, reason: str) -> None:
        msg = stopped_warning(self.name, last_pts, frames, self.duration_s, reason)
        # Only collected, never logged: callers show ``warnings`` themselves (logging it too
        # printed every warning twice in the CLI, once without its "kinesight: warning:" prefix).
        self.warnings.append(msg)

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            try:
                self._container.close()
            except Exception:  # noqa: BLE001 - closing a broken container must not raise
                pass


def stopped_warning(name: str, last_pts: float, frames: int, duration_s: float | None, reason: str) -> str:
    """The warning of a file that stopped decoding part-way (``frames``: every frame decoded)."""
    total = f" of {duration_s:.1f} s" if duration_s else ""
    return (f"{name}: decoding stopped at {max(last_pts, 0):.2f} s{total}: {reason}; "
            f"{frames} frames decoded. The file is probably truncated or damaged.")


def _av_reason(exc: BaseException) -> str:
    msg = getattr(exc, "strerror", None) or str(exc)
    return str(msg).strip().rstrip(".") or type(exc).__name__


# --------------------------------------------------------------------------- webcams (OpenCV)


def _quiet_cv2():
    import cv2

    # OpenCV logs a warning per index it fails to open; the typed error says it better.
    try:
        cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_ERROR)
    except Exception:  # noqa: BLE001
        pass
    return cv2


def _linux_without_cameras() -> bool:
    # Probing indices with OpenCV is slow and noisy; on Linux no /dev/video* means no camera.
    return sys.platform.startswith("linux") and Path("/dev").is_dir() and not any(Path("/dev").glob("video*"))


CAMERA_RETRIES = 10  # failed reads in a row (about 0.1 s) before a camera counts as lost


class CameraReadFailures:
    """How a camera's failed reads end; the one failure path of :class:`CameraSource`, shared
    by :class:`FakeSource` (``fail_after``) so tests fail the way a real camera does.

    A few failed reads in a row are retried (drivers hiccup); then the camera is lost and
    :class:`DecodeError` is raised: a camera never "ends", so stopping is a failure the user
    must hear about (the GUI shows its "Camera lost" dialog for a DecodeError from a live source).
    """

    def __init__(self, name: str, retries: int = CAMERA_RETRIES) -> None:
        self.name = name
        self.retries = retries
        self._count = 0

    def succeeded(self) -> None:
        """A frame came: the run of failures is over."""
        self._count = 0

    def failed(self, frames_delivered: int) -> None:
        """One more failed read: wait a little to retry, or raise once the camera is lost."""
        self._count += 1
        if self._count < self.retries:
            time.sleep(0.01)
            return
        if frames_delivered == 0:
            raise DecodeError(f"{self.name} opened but delivers no frames", frames_decoded=0)
        raise DecodeError(
            f"{self.name} stopped delivering frames after {frames_delivered} frames "
            "(unplugged, or taken by another program)", frames_decoded=frames_delivered,
        )


class CameraSource(FrameSource):
    """A webcam opened by index with OpenCV; pts_s is wall time since the first frame.

    Losing the camera mid-stream raises :class:`DecodeError` (see :class:`CameraReadFailures`).
    """

    is_live = True

    def __init__(self, index: int, *, width: int | None = None, height: int | None = None) -> None:
        super().__init__()
        self.index = int(index)
        self.name = f"camera {self.index}"
        if self.index < 0:
            raise SourceNotFound(f"camera index must be 0 or more, not {self.index}")
        if _linux_without_cameras():
            raise SourceNotFound(f"no camera at index {self.index}: this machine has no video devices (/dev/video*)")
        cv2 = _quiet_cv2()
        cap = cv2.VideoCapture(self.index)
        if not cap.isOpened():
            cap.release()
            raise SourceNotFound(
                f"no camera at index {self.index} (it does not exist or is in use); "
                "try another index, see `kinesight info` for the cameras found"
            )
        if width and height:
            cap.set(cv2.CAP_PROP_FRAME_WIDTH, width)
            cap.set(cv2.CAP_PROP_FRAME_HEIGHT, height)
        self._cap = cap
        self.fps = float(cap.get(cv2.CAP_PROP_FPS) or 0.0)
        self.size = (int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)), int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT)))
        self._closed = False

    def __iter__(self) -> Iterator[Frame]:
        cv2 = _quiet_cv2()
        origin: float | None = None
        index = 0
        failures = CameraReadFailures(self.name)
        while not self._closed:
            ok, bgr = self._cap.read()
            now = time.monotonic()
            if not ok or bgr is None:
                if self._closed:
                    return  # closed under the read: a stop, not a lost camera
                failures.failed(index)
                continue
            failures.succeeded()
            origin = now if origin is None else origin
            yield Frame(index=index, pts_s=now - origin, image=cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
            index += 1

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._cap.release()


def list_cameras(max_index: int = 6) -> list[CameraInfo]:
    """Cameras that open, by probing indices 0..max_index-1; [] if none."""
    if _linux_without_cameras():
        return []
    cv2 = _quiet_cv2()
    cameras: list[CameraInfo] = []
    for i in range(max_index):
        cap = cv2.VideoCapture(i)
        try:
            if cap.isOpened():
                name = f"Camera {i}"
                sys_name = Path(f"/sys/class/video4linux/video{i}/name")
                if sys_name.is_file():
                    name = sys_name.read_text(errors="replace").strip() or name
                cameras.append(CameraInfo(i, name))
        finally:
            cap.release()
    return cameras


# --------------------------------------------------------------------------- image folders


class ImageFolderSource(FrameSource):
    """Images in a folder, in name order, played at ``fps`` (pts_s = i / fps)."""

    def __init__(self, folder: str | Path, fps: float = 25.0) -> None:
        super().__init__()
        folder = Path(folder).expanduser()
        if not folder.exists():
            raise SourceNotFound(f"image folder not found: {folder}")
        self._files = sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
        if not self._files:
            raise SourceOpenError(f"{folder} holds no images ({', '.join(IMAGE_SUFFIXES)})")
        self.name = folder.name
        self.fps = float(fps)
        self.frame_count = len(self._files)
        self.duration_s = self.frame_count / self.fps
        first = self._read(self._files[0])
        if first is None:
            raise SourceOpenError(f"cannot read {self._files[0]} as an image")
        self.size = (first.shape[1], first.shape[0])

    @staticmethod
    def _read(path: Path) -> np.ndarray | None:
        import cv2

        bgr = cv2.imread(str(path), cv2.IMREAD_COLOR)
        return None if bgr is None else cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)

    def seek(self, t_s: float) -> None:
        self._pending_seek = min(max(0, int(np.ceil(t_s * self.fps - 1e-6))), len(self._files))

    def __iter__(self) -> Iterator[Frame]:
        return self.frames()

    def frames(self, want: FrameFilter | None = None) -> Iterator[Frame]:
        i = self._take_seek(0)
        while i < len(self._files):
            pts = i / self.fps
            if not want or want(i, pts):
                image = self._read(self._files[i])
                if image is None:
                    self.warnings.append(f"{self._files[i].name} is not a readable image; skipped")
                else:
                    yield Frame(index=i, pts_s=pts, image=image)
            i = self._take_seek(i + 1)


# --------------------------------------------------------------------------- fake frames


class FakeSource(FrameSource):
    """Synthetic frames (a bright square moving over a gradient) for tests and demos.

    ``live=True`` makes it behave like a camera: frames come at ``fps`` in real time and
    seeking is refused. Otherwise it is a file-like source of ``n`` frames (``n=None``: endless).
    ``fail_after=N`` breaks it after N frames the way the real thing breaks: a live fake then
    fails its reads and is lost through :class:`CameraReadFailures`, the code path of a real
    unplugged :class:`CameraSource` (DecodeError); a file-like fake stops early with the
    "decoding stopped" warning of a truncated file.
    """

    def __init__(self, fps: float = 30.0, n: int | None = 300, size: tuple[int, int] = (320, 240), *,
                 live: bool = False, seed: int = 0, fail_after: int | None = None) -> None:
        super().__init__()
        if fail_after is not None and fail_after < 0:
            raise ValueError("fail_after must be >= 0")
        self.fail_after = fail_after
        self.fps = float(fps)
        self.frame_count = n
        self.duration_s = None if (live or n is None) else n / self.fps
        self.size = (int(size[0]), int(size[1]))
        self.is_live = live
        self.name = "fake"
        self._seed = seed
        self._closed = False
        w, h = self.size
        yy, xx = np.mgrid[0:h, 0:w]
        self._background = np.stack(
            [(xx * 255 // max(w - 1, 1)), (yy * 255 // max(h - 1, 1)), np.full_like(xx, 96)], axis=-1
        ).astype(np.uint8)

    def render(self, index: int) -> np.ndarray:
        """The RGB image of frame ``index`` (deterministic)."""
        w, h = self.size
        img = self._background.copy()
        side = max(4, min(w, h) // 5)
        x = int((index * 7 + self._seed * 13) % max(w - side, 1))
        y = int((index * 3 + self._seed * 5) % max(h - side, 1))
        img[y : y + side, x : x + side] = (255, 255 - (index * 5) % 256, (index * 11) % 256)
        return img

    def seek(self, t_s: float) -> None:
        if self.is_live:
            super().seek(t_s)
        self._pending_seek = max(0, int(np.ceil(t_s * self.fps - 1e-6)))

    def __iter__(self) -> Iterator[Frame]:
        return self.frames()

    def frames(self, want: FrameFilter | None = None) -> Iterator[Frame]:
        i = self._take_seek(0)
        origin = time.monotonic()
        failures = CameraReadFailures(f"camera {self.name}")
        while not self._closed and (self.frame_count is None or i < self.frame_count):
            if self.fail_after is not None and i >= self.fail_after:
                if self.is_live:
                    while not self._closed:
                        failures.failed(i)  # the reads a lost camera fails, then its DecodeError
                    return
                self.warnings.append(stopped_warning(self.name, max(i - 1, 0) / self.fps, i, self.duration_s,
                                                     "simulated damage"))
                return
            pts = i / self.fps
            if self.is_live:
                delay = origin + pts - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
            if not want or want(i, pts):
                yield Frame(index=i, pts_s=pts, image=self.render(i))
            i = self._take_seek(i + 1)

    def close(self) -> None:
        self._closed = True


# --------------------------------------------------------------------------- dispatch


def open_source(spec: str | int | Path, *, fps: float | None = None) -> FrameSource:
    """Open a webcam ("0" or 0), a video file, a folder of images or a stream URL."""
    if isinstance(spec, FrameSource):
        return spec
    if isinstance(spec, int) or (isinstance(spec, str) and spec.strip().isdigit()):
        return CameraSource(int(spec))
    text = str(spec).strip()
    if not text:
        raise SourceNotFound("no source given: pass a camera index, a video file, an image folder or a URL")
    if _URL.match(text) and not text.lower().startswith("file://"):
        return VideoFileSource(text, live=True)
    if text.lower().startswith("file://"):
        text = text[7:]
    path = Path(text).expanduser()
    if not path.exists():
        raise SourceNotFound(f"source not found: {path} (no such file or folder)")
    if path.is_dir():
        return ImageFolderSource(path, fps=fps or 25.0)
    return VideoFileSource(path)
