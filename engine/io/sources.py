"""Frame sources: webcam, image folder and a fake for tests here; files and URLs in
``video_file.py``; :func:`open_source` picks one for a spec (index, path, folder, URL).

Every source is an iterable of :class:`~engine.core.frames.Frame` records (index, pts_s, RGB image)
behind one small interface, :class:`~engine.core.frames.FrameSource`. Files and URLs are read with
PyAV (real presentation timestamps, any container FFmpeg reads); webcams with OpenCV.

Errors are typed (see ``engine/core/errors.py``):
    SourceNotFound   the path / camera does not exist
    SourceOpenError  it exists but is not a readable video
    DecodeError      decoding failed before any frame came out
A file that breaks part-way yields the frames that decode and adds a line to ``warnings``.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import numpy as np

from engine.core.errors import DecodeError, SourceNotFound, SourceOpenError
from engine.core.frames import Frame, FrameFilter, FrameSource
from engine.io.video_file import URL_PATTERN, VideoFileSource, stopped_warning

__all__ = [  # FrameSource and VideoFileSource live in frames.py / video_file.py; callers find them here too
    "CameraInfo", "CameraReadFailures", "CameraSource", "FakeSource", "FrameSource", "ImageFolderSource",
    "IMAGE_SUFFIXES", "VIDEO_SUFFIXES", "VideoFileSource", "is_video_file", "list_cameras", "open_source",
]

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp")
# The one list of video suffixes (folder expansion in the CLI, dataset scans in models/).
VIDEO_SUFFIXES = (".mp4", ".avi", ".mkv", ".mov", ".mpg", ".mpeg", ".webm", ".m4v", ".wmv", ".flv", ".ts")


def is_video_file(path: Path) -> bool:
    """Whether ``path`` names a video by its suffix (any case)."""
    return path.suffix.lower() in VIDEO_SUFFIXES


@dataclass(frozen=True, slots=True)
class CameraInfo:
    """A camera that opened: its OpenCV index and a display name."""

    index: int
    name: str


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
                self.stopped_at_s = max(i - 1, 0) / self.fps
                self.warnings.append(stopped_warning(self.name, self.stopped_at_s, i, self.duration_s,
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
    if URL_PATTERN.match(text) and not text.lower().startswith("file://"):
        return VideoFileSource(text, live=True)
    if text.lower().startswith("file://"):
        text = text[7:]
    path = Path(text).expanduser()
    if not path.exists():
        raise SourceNotFound(f"source not found: {path} (no such file or folder)")
    if path.is_dir():
        return ImageFolderSource(path, fps=fps or 25.0)
    return VideoFileSource(path)
