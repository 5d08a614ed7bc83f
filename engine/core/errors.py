"""The exception tree of Kinesight, described once.

Library code raises these; only the entry points (CLI, GUI) turn them into exit codes or
dialogs. Every message says what went wrong and what to do about it.

    KinesightError
    ├── SourceError              a frame source could not deliver frames
    │   ├── SourceNotFound       file / folder / camera does not exist
    │   ├── SourceOpenError      it exists but cannot be opened or is not a video
    │   └── DecodeError          decoding failed mid-stream (frames before it were delivered)
    ├── BundleError              a model bundle is missing, damaged or inconsistent
    ├── InferenceError           ONNX Runtime failed to build a session or run a model
    ├── EngineError              the engine worker failed or was used wrongly
    └── RulesError               a rules file (act on what is seen) is unreadable or invalid
"""

from __future__ import annotations


class KinesightError(Exception):
    """Base class of every error Kinesight raises on purpose.

    ``stage`` names the pipeline stage that failed ("preprocess", "backbone", "head",
    "decoder", "export"), when the error came from one; None otherwise.
    """

    stage: str | None = None


def in_stage(error: KinesightError, stage: str) -> KinesightError:
    """``error`` marked as coming from pipeline ``stage`` (returned, for ``raise in_stage(...)``)."""
    error.stage = stage
    return error


class SourceError(KinesightError):
    """A frame source could not deliver frames."""


class SourceNotFound(SourceError):
    """The file, folder or camera named as a source does not exist."""


class SourceOpenError(SourceError):
    """The source exists but cannot be opened as video (wrong format, no video stream...)."""


class DecodeError(SourceError):
    """Decoding failed part-way; the frames before the failure were delivered."""

    def __init__(self, message: str, *, frames_decoded: int = 0) -> None:
        super().__init__(message)
        self.frames_decoded = frames_decoded


class BundleError(KinesightError):
    """A model bundle is missing a file, fails its checksums or disagrees with its graphs."""


class InferenceError(KinesightError):
    """ONNX Runtime could not create a session or failed while running a model."""


class EngineError(KinesightError):
    """The engine worker failed, or was used in a way it does not support."""


class RulesError(KinesightError):
    """A rules file is missing, is not JSON, or holds a bad rule; ``field`` names the bad field
    (e.g. ``rules[1].hold_s``), None when the whole file is at fault."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(f"{field}: {message}" if field else message)
        self.field = field
        self.reason = message
