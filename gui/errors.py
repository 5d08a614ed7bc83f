"""Turning the engine's typed errors into what the user reads and what to do about it."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

from engine.errors import (
    BundleError, DecodeError, EngineError, InferenceError, KinesightError, SourceError, SourceNotFound,
    SourceOpenError,
)


def describe_error(error: BaseException, *, live: bool = False) -> tuple[str, str]:
    """(title, message) for a dialog: what happened, the library's own detail, what to do."""
    detail = str(error) or type(error).__name__
    if isinstance(error, SourceNotFound):
        title = QCoreApplication.translate("errors", "Source not found")
        advice = QCoreApplication.translate("errors", "Check the path or pick another camera from Source ▸ Camera.")
    elif isinstance(error, DecodeError) and live:
        title = QCoreApplication.translate("errors", "Camera lost")
        advice = QCoreApplication.translate("errors", "The camera stopped sending frames. Reconnect it, then pick it again from Source ▸ Camera.")
    elif isinstance(error, DecodeError):
        title = QCoreApplication.translate("errors", "Video could not be decoded")
        advice = QCoreApplication.translate("errors", "The file is damaged part-way. The frames before the damage were shown; try another file.")
    elif isinstance(error, SourceOpenError):
        title = QCoreApplication.translate("errors", "Cannot open the video")
        advice = QCoreApplication.translate("errors", "The file or stream is not a video Kinesight can read. Try another file, or convert it to MP4 (H.264).")
    elif isinstance(error, SourceError):
        title = QCoreApplication.translate("errors", "Video source failed")
        advice = QCoreApplication.translate("errors", "Open the source again, or choose another one from the Source menu.")
    elif isinstance(error, BundleError):
        title = QCoreApplication.translate("errors", "Cannot load the model bundle")
        advice = QCoreApplication.translate("errors", "Pick another bundle from Model, or re-export / re-download this one.")
    elif isinstance(error, InferenceError):
        title = QCoreApplication.translate("errors", "Inference failed")
        advice = QCoreApplication.translate("errors", "The model could not run. Try another model bundle; if you use a GPU, update its driver.")
    elif isinstance(error, EngineError):
        title = QCoreApplication.translate("errors", "Engine failure")
        advice = QCoreApplication.translate("errors", "Recognition stopped. Open the source again; if it keeps failing, restart Kinesight.")
    elif isinstance(error, KinesightError):
        title = QCoreApplication.translate("errors", "Kinesight error")
        advice = QCoreApplication.translate("errors", "Open the source again.")
    else:
        title = QCoreApplication.translate("errors", "Unexpected error")
        advice = QCoreApplication.translate("errors", "Recognition stopped; the app keeps running. Open the source again.")
    return title, f"{detail}\n\n{advice}"
