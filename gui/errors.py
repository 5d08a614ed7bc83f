"""Turning the engine's typed errors into what the user reads and what to do about it.

A dialog says, in the UI language, one sentence of what happened and one of what to do; the
library's own message (English, technical) goes under "Show details". The error's type decides
the wording, never its English text.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QGridLayout, QMessageBox, QSizePolicy, QSpacerItem, QWidget

from engine.core.errors import (
    BundleError, DecodeError, EngineError, InferenceError, KinesightError, SourceError, SourceNotFound,
    SourceOpenError,
)


@dataclass(frozen=True)
class ErrorText:
    """What an error dialog shows: a title, what happened, what to do, and the technical detail."""

    title: str
    what: str
    todo: str
    detail: str

    @property
    def message(self) -> str:
        """The dialog's main text: what happened, then what to do."""
        return f"{self.what}\n\n{self.todo}"

    def __iter__(self):
        """``title, message = describe_error(...)`` for callers that show a plain message box."""
        return iter((self.title, self.message))


def onnxruntime_import_problem(error: BaseException) -> str | None:
    """"missing" when ``error`` (or what caused it) is ONNX Runtime not being installed, "broken"
    when the installed package failed to import (a half-removed build, a missing system
    library), None otherwise. A plain ``pip install kinesight`` has no ONNX Runtime: it comes
    from the [cpu] or [gpu] extra, and the engine imports it only when it builds a session."""
    seen: set[int] = set()
    exc: BaseException | None = error
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, ImportError):
            if (exc.name or "").split(".")[0] == "onnxruntime":
                return "missing" if isinstance(exc, ModuleNotFoundError) else "broken"
            # Raised inside the package's own import (its native library would not load).
            tb = exc.__traceback__
            while tb is not None:
                if "onnxruntime" in Path(tb.tb_frame.f_code.co_filename).parts:
                    return "broken"
                tb = tb.tb_next
        exc = exc.__cause__ or exc.__context__
    return None


def _onnxruntime_text(problem: str, detail: str) -> ErrorText:
    """What to say when ONNX Runtime is missing or broken: nothing can run without it."""
    if problem == "missing":
        title = QCoreApplication.translate("errors", "ONNX Runtime is not installed")
        what = QCoreApplication.translate("errors", "Kinesight cannot run its models: the ONNX Runtime package is missing.")
        todo = QCoreApplication.translate(
            "errors", 'Install it with pip install "kinesight[cpu]" (or "kinesight[gpu]" for NVIDIA GPUs), '
            "then start Kinesight again.")
    else:
        title = QCoreApplication.translate("errors", "ONNX Runtime cannot be loaded")
        what = QCoreApplication.translate(
            "errors", "Kinesight cannot run its models: the ONNX Runtime package is installed but does not load.")
        todo = QCoreApplication.translate(
            "errors", 'Reinstall it with pip install --force-reinstall "kinesight[cpu]" (or "kinesight[gpu]"), '
            "then start Kinesight again.")
    if getattr(sys, "frozen", False):
        # The packaged app carries its own ONNX Runtime and takes no pip packages.
        todo = QCoreApplication.translate("errors", "Reinstall Kinesight: this installation is incomplete.")
    return ErrorText(title, what, todo, detail)


def describe_error(error: BaseException, *, live: bool = False, source: str = "") -> ErrorText:
    """The dialog text for ``error``; ``source`` names what was being opened (a file name,
    "camera 0") and ``live`` says it was a camera or stream."""
    detail = str(error) or type(error).__name__
    name = source or QCoreApplication.translate("errors", "the source")
    ort_problem = onnxruntime_import_problem(error)
    if ort_problem is not None:
        return _onnxruntime_text(ort_problem, detail)
    if isinstance(error, SourceNotFound):
        if live:
            what = QCoreApplication.translate("errors", "Kinesight cannot find %1: it does not exist or another program is using it.")
            todo = QCoreApplication.translate("errors", "Connect the camera or close the program using it, then pick it from Source ▸ Camera.")
        else:
            what = QCoreApplication.translate("errors", "Kinesight cannot find %1.")
            todo = QCoreApplication.translate("errors", "Check that the file is where you left it, or open another one.")
        title = QCoreApplication.translate("errors", "Source not found")
    elif isinstance(error, DecodeError) and live:
        title = QCoreApplication.translate("errors", "Camera lost")
        what = QCoreApplication.translate("errors", "%1 stopped sending frames.")
        todo = QCoreApplication.translate("errors", "Reconnect it, then pick it again from Source ▸ Camera.")
    elif isinstance(error, DecodeError):
        title = QCoreApplication.translate("errors", "Video could not be decoded")
        what = QCoreApplication.translate("errors", "%1 is damaged part-way; the frames before the damage were shown.")
        todo = QCoreApplication.translate("errors", "Play another copy of the file, or open another one.")
    elif isinstance(error, SourceOpenError):
        title = QCoreApplication.translate("errors", "Cannot open the video")
        what = QCoreApplication.translate("errors", "Kinesight cannot read %1 as a video.")
        todo = QCoreApplication.translate("errors", "Try another file, or convert this one to MP4 (H.264).")
    elif isinstance(error, SourceError):
        title = QCoreApplication.translate("errors", "Video source failed")
        what = QCoreApplication.translate("errors", "%1 stopped working.")
        todo = QCoreApplication.translate("errors", "Open it again, or choose another source from the Source menu.")
    elif isinstance(error, BundleError):
        title = QCoreApplication.translate("errors", "Cannot load the model bundle")
        what = QCoreApplication.translate("errors", "The model bundle is missing, damaged or incomplete.")
        todo = QCoreApplication.translate("errors", "Pick another bundle from the Model menu, or export or download this one again.")
    elif isinstance(error, InferenceError):
        title = QCoreApplication.translate("errors", "Inference failed")
        what = QCoreApplication.translate("errors", "The model could not run on this computer.")
        todo = QCoreApplication.translate("errors", "Try another model bundle; if you use a GPU, update its driver.")
    elif isinstance(error, EngineError):
        title = QCoreApplication.translate("errors", "Engine failure")
        what = QCoreApplication.translate("errors", "Recognition stopped because of an internal error.")
        todo = QCoreApplication.translate("errors", "Open the source again; if it keeps failing, restart Kinesight.")
    elif isinstance(error, KinesightError):
        title = QCoreApplication.translate("errors", "Kinesight error")
        what = QCoreApplication.translate("errors", "Recognition stopped.")
        todo = QCoreApplication.translate("errors", "Open the source again.")
    else:
        title = QCoreApplication.translate("errors", "Unexpected error")
        what = QCoreApplication.translate("errors", "Recognition stopped because of an unexpected error; the app keeps running.")
        todo = QCoreApplication.translate("errors", "Open the source again.")
    return ErrorText(title, what.replace("%1", name), todo, detail)


def camera_lost(source: str, detail: str) -> ErrorText:
    """The text for a live source that ended: a camera never ends on its own, so it was lost."""
    title = QCoreApplication.translate("errors", "Camera lost")
    what = QCoreApplication.translate("errors", "%1 stopped sending frames.").replace("%1", source)
    todo = QCoreApplication.translate("errors", "Reconnect it, then pick it again from Source ▸ Camera.")
    return ErrorText(title, what, todo, detail)


def error_dialog(parent: QWidget, text: ErrorText) -> QMessageBox:
    """A warning box: what happened (bold), what to do, and the technical detail folded away."""
    box = QMessageBox(QMessageBox.Icon.Warning, text.title, text.what, QMessageBox.StandardButton.Ok, parent)
    box.setInformativeText(text.todo)
    if text.detail:
        box.setDetailedText(text.detail)
    # QMessageBox sizes itself to its shortest line and wraps the advice early ("MP4 / (H.264)");
    # a spacer across its grid gives the two sentences room.
    grid = box.layout()
    if isinstance(grid, QGridLayout):
        grid.addItem(QSpacerItem(460, 0, QSizePolicy.Policy.Minimum, QSizePolicy.Policy.Expanding),
                     grid.rowCount(), 0, 1, grid.columnCount())
    return box
