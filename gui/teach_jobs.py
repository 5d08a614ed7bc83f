"""The Teach dialog's background work: recording a clip from a camera and training a bundle, each on
a thread of its own that reports through callbacks (never on the GUI thread); and where taught
bundles and recorded clips are kept."""

from __future__ import annotations

import re
import threading
import time
from pathlib import Path

from engine.bundles import user_data_dir


def data_dir() -> Path:
    """Where taught bundles (``bundles/``) and recorded clips (``clips/``) live, per user: the
    engine's user folder (``~/.local/share/kinesight``), so that ``kinesight --bundle NAME`` finds
    what the app taught. (Qt's AppDataLocation doubled the name: ``Kinesight/Kinesight``.)"""
    return user_data_dir()


def safe_name(text: str) -> str:
    """A file-system-safe version of a user-typed name."""
    return re.sub(r"[^\w.-]+", "_", text.strip(), flags=re.UNICODE).strip("._") or "unnamed"


class RecordJob(threading.Thread):
    """Records one clip from a camera: ``countdown_s`` of preview, then ``seconds`` to ``out``.

    Calls ``on_frame(rgb, phase, remaining_s)`` (latest-wins in the dialog), then
    ``on_done(path)`` or ``on_failed(exc)``; ``cancel()`` stops it early without a clip.
    """

    def __init__(self, camera: int | str, out: Path, seconds: float, countdown_s: float,
                 on_frame, on_done, on_failed) -> None:
        super().__init__(name="kinesight-gui-recorder", daemon=True)
        self.camera, self.out, self.seconds, self.countdown_s = camera, Path(out), seconds, countdown_s
        self._on_frame, self._on_done, self._on_failed = on_frame, on_done, on_failed
        self._cancel = threading.Event()

    def cancel(self) -> None:
        """Stop recording; no clip is saved."""
        self._cancel.set()

    def run(self) -> None:
        import cv2  # only the recorder writes video

        from engine.io.sources import open_source

        writer = None
        try:
            source = open_source(self.camera)
        except Exception as exc:  # noqa: BLE001 - reported in the dialog
            self._on_failed(exc)
            return
        try:
            started = time.monotonic()
            fps = source.fps or 25.0
            written = 0
            for frame in source:
                if self._cancel.is_set():
                    return
                elapsed = time.monotonic() - started
                if elapsed < self.countdown_s:
                    self._on_frame(frame.image, "countdown", self.countdown_s - elapsed)
                    continue
                if writer is None:
                    self.out.parent.mkdir(parents=True, exist_ok=True)
                    h, w = frame.image.shape[:2]
                    writer = cv2.VideoWriter(str(self.out), cv2.VideoWriter_fourcc(*"mp4v"), fps, (w, h))
                    if not writer.isOpened():
                        raise OSError(f"cannot write {self.out}")
                writer.write(cv2.cvtColor(frame.image, cv2.COLOR_RGB2BGR))
                written += 1
                remaining = self.countdown_s + self.seconds - elapsed
                self._on_frame(frame.image, "recording", max(0.0, remaining))
                if remaining <= 0:
                    break
            if writer is None or written == 0:
                raise OSError("the camera delivered no frames; check that it is connected and not in use")
        except Exception as exc:  # noqa: BLE001 - reported in the dialog
            self._on_failed(exc)
            return
        finally:
            if writer is not None:
                writer.release()
                if self._cancel.is_set():
                    self.out.unlink(missing_ok=True)  # cancelled part-way: no clip is kept
            source.close()
        if not self._cancel.is_set():
            self._on_done(self.out)


class TrainJob(threading.Thread):
    """Runs ``models.teach.train_bundle`` (imported here, lazily) and reports through callbacks."""

    def __init__(self, clips: dict[str, list[Path]], out: Path, options: dict, on_progress, on_done, on_failed) -> None:
        super().__init__(name="kinesight-gui-trainer", daemon=True)
        self.clips, self.out, self.options = clips, Path(out), dict(options)
        self._on_progress, self._on_done, self._on_failed = on_progress, on_done, on_failed
        self.cancel_event = threading.Event()

    def run(self) -> None:
        try:
            from models.teach import train_bundle  # imported on this thread, only when teaching (no torch)

            result = train_bundle(self.clips, self.out, progress=self._on_progress, cancel=self.cancel_event,
                                  **self.options)
        except BaseException as exc:  # noqa: BLE001 - including cancellation: the dialog says what happened
            self._on_failed(exc)
            return
        self._on_done(result)
