"""Turning the engine's typed errors into what the user reads and what to do about it."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

from engine.errors import (
    BundleError, DecodeError, EngineError, InferenceError, KinesightError, SourceError, SourceNotFound,
    SourceOpenError,
)


def _tr(text: str) -> str:
    return QCoreApplication.translate("errors", text)


def describe_error(error: BaseException, *, live: bool = False) -> tuple[str, str]:
    """(title, message) for a dialog: what happened, the library's own detail, what to do."""
    detail = str(error) or type(error).__name__
    if isinstance(error, SourceNotFound):
        title = _tr("Source not found")
        advice = _tr("Check the path or pick another camera from Source ▸ Camera.")
    elif isinstance(error, DecodeError) and live:
        title = _tr("Camera lost")
        advice = _tr("The camera stopped sending frames. Reconnect it, then pick it again from Source ▸ Camera.")
    elif isinstance(error, DecodeError):
        title = _tr("Video could not be decoded")
        advice = _tr("The file is damaged part-way. The frames before the damage were shown; try another file.")
    elif isinstance(error, SourceOpenError):
        title = _tr("Cannot open the video")
        advice = _tr("The file or stream is not a video Kinesight can read. Try another file, or convert it to MP4 (H.264).")
    elif isinstance(error, SourceError):
        title = _tr("Video source failed")
        advice = _tr("Open the source again, or choose another one from the Source menu.")
    elif isinstance(error, BundleError):
        title = _tr("Cannot load the model bundle")
        advice = _tr("Pick another bundle from Model, or re-export / re-download this one.")
    elif isinstance(error, InferenceError):
        title = _tr("Inference failed")
        advice = _tr("The model could not run. Try another model bundle; if you use a GPU, update its driver.")
    elif isinstance(error, EngineError):
        title = _tr("Engine failure")
        advice = _tr("Recognition stopped. Open the source again; if it keeps failing, restart Kinesight.")
    elif isinstance(error, KinesightError):
        title = _tr("Kinesight error")
        advice = _tr("Open the source again.")
    else:
        title = _tr("Unexpected error")
        advice = _tr("Recognition stopped; the app keeps running. Open the source again.")
    return title, f"{detail}\n\n{advice}"
