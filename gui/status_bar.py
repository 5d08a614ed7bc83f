"""The status bar: what a user needs to trust the numbers on screen."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Qt, QTimer
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QLabel, QSizePolicy, QStatusBar, QWidget

from engine.core.prediction import Prediction
from gui.engine_texts import cuda_reason_text

# What the fps field calls the source: a camera, a video file or a network stream.
SOURCE_KINDS = ("camera", "video", "stream")


def elide_words(text: str, metrics: QFontMetrics, width: int) -> str:
    """``text`` if it fits in ``width`` pixels, else as many whole words as fit, then "…"."""
    if metrics.horizontalAdvance(text) <= width:
        return text
    words = text.split(" ")
    while len(words) > 1:
        words.pop()
        candidate = " ".join(words).rstrip(",;:—-– ") + "…"
        if metrics.horizontalAdvance(candidate) <= width:
            return candidate
    # A single word (a long path, or Chinese text without spaces) is cut at a character.
    return metrics.elidedText(text, Qt.TextElideMode.ElideRight, width)


def provider_text(report) -> str:
    """"CUDA (device)" or "CPU — CUDA unavailable: <reason>" from an engine ProviderReport."""
    if report is None:
        return "—"
    provider = getattr(report, "provider", str(report))
    device = getattr(report, "device", "") or ""
    reason = getattr(report, "reason", "") or ""
    if provider.upper() == "CPU":
        text = "CPU"
        if reason:
            text += " — " + QCoreApplication.translate("StatusPanel", "CUDA unavailable: %1").replace(
                "%1", cuda_reason_text(reason))
        return text
    return f"{provider} ({device})" if device and device.lower() != provider.lower() else provider


class ElidedLabel(QLabel):
    """A one-line label that shortens its text at a word boundary ("…") instead of cutting it
    mid-word when the status bar is narrow; the full text is in its tooltip."""

    def __init__(self, text: str = "", parent: QWidget | None = None, *, min_width: int = 40) -> None:
        super().__init__(parent)
        self._full = ""
        self._min_width = min_width
        self._tooltip = ""
        self.setText(text)

    def setText(self, text: str) -> None:  # noqa: N802 - Qt API
        """Show ``text`` (shortened to the width available)."""
        self._full = text or ""
        self.updateGeometry()
        self._refit()

    def setToolTip(self, text: str) -> None:  # noqa: N802 - Qt API
        """An explicit tooltip; without one the full text is the tooltip while shortened."""
        self._tooltip = text
        self._refit()

    def full_text(self) -> str:
        """The whole text, as set."""
        return self._full

    def shown_text(self) -> str:
        """The text as drawn now (maybe shortened)."""
        return super().text()

    def sizeHint(self):  # noqa: N802 - Qt API
        hint = super().sizeHint()
        hint.setWidth(QFontMetrics(self.font()).horizontalAdvance(self._full) + 2 * self.margin() + 4)
        return hint

    def minimumSizeHint(self):  # noqa: N802 - Qt API
        hint = super().minimumSizeHint()
        hint.setWidth(min(self._min_width, self.sizeHint().width()))
        return hint

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt API
        super().resizeEvent(event)
        self._refit()

    def _refit(self) -> None:
        width = max(0, self.contentsRect().width() - 2 * self.margin())
        shown = elide_words(self._full, QFontMetrics(self.font()), width) if self._full else ""
        QLabel.setText(self, shown)
        QLabel.setToolTip(self, self._tooltip or (self._full if shown != self._full else ""))


class StatusPanel(QStatusBar):
    """Messages on the left (shortened cleanly when long), then the permanent fields:
    provider/device, source fps, model fps, latency, dropped frames."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        # QStatusBar draws its own temporary message clipped under the permanent widgets; a label
        # of ours that takes the space left and shortens at a word boundary reads cleanly.
        self.message = ElidedLabel(min_width=0)
        self.message.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.addWidget(self.message, 1)
        self._message_timer = QTimer(self, singleShot=True)
        self._message_timer.timeout.connect(self.clearMessage)
        # Lip mode: whether the face locator has a face ("no face" when it has none); hidden for
        # tasks without a mouth region.
        self.face = QLabel()
        self.face.setVisible(False)
        self._face_state: str | None = None
        self.addPermanentWidget(self.face)
        self.provider = ElidedLabel("—", min_width=140)
        self._report = None
        self._prediction: Prediction | None = None
        self._kind = "video"
        self.camera_fps = QLabel()  # the source's fps ("Camera", "Video" or "Stream")
        self.model_fps = QLabel()
        self.latency = QLabel()
        self.dropped = QLabel()
        for w in (self.provider, self.camera_fps, self.model_fps, self.latency, self.dropped):
            self.addPermanentWidget(w)
        # A missing font for the interface's script (gui.translations.missing_font), in English,
        # until the language changes.
        self.font_warning = QLabel()
        self.font_warning.setStyleSheet("color: #b00020; font-weight: bold;")
        self.font_warning.setVisible(False)
        self.insertPermanentWidget(0, self.font_warning)
        self.retranslate()

    def show_font_warning(self, text: str | None) -> None:
        """Show (or with None hide) the missing-font warning; the full text is its tooltip."""
        self.font_warning.setVisible(bool(text))
        self.font_warning.setText("No Chinese font installed: text shows as boxes (hover for help)" if text else "")
        self.font_warning.setToolTip(text or "")

    # QStatusBar's own message API, routed to the label (the window and tests use these).
    def showMessage(self, text: str, timeout: int = 0) -> None:  # noqa: N802 - Qt API
        """Show ``text`` until replaced, or for ``timeout`` ms."""
        self.message.setText(text)
        if timeout > 0:
            self._message_timer.start(timeout)
        else:
            self._message_timer.stop()

    def clearMessage(self) -> None:  # noqa: N802 - Qt API
        """Remove the message."""
        self._message_timer.stop()
        self.message.setText("")

    def currentMessage(self) -> str:  # noqa: N802 - Qt API
        """The message shown now, in full."""
        return self.message.full_text()

    def retranslate(self) -> None:
        """Re-read the user-visible texts after a language switch."""
        self.camera_fps.setToolTip(self.tr("Frames per second arriving from the source"))
        self.model_fps.setToolTip(self.tr("Predictions per second the model produces"))
        self.latency.setToolTip(self.tr("Capture of a frame to its prediction being ready"))
        self.dropped.setToolTip(self.tr("Frames skipped because inference fell behind (latest frame wins)"))
        self.face.setToolTip(self.tr("Whether the face locator finds a face, and whether the mouth moves as in speech"))
        self.show_provider(self._report)
        self.show_numbers(self._prediction)
        self.show_face(self._face_state)

    def show_face(self, state: str | None) -> None:
        """Lip mode's face field: "face", "speaking", "no_face", or None to hide it."""
        self._face_state = state
        self.face.setVisible(state is not None)
        if state is None:
            return
        text = {"no_face": self.tr("no face"), "speaking": self.tr("face: speaking")}.get(state, self.tr("face found"))
        self.face.setText(text)
        # "no face" stands out: nothing can be read until a face is in view.
        self.face.setStyleSheet("color: #d9534f; font-weight: bold" if state == "no_face" else "")

    def face_text(self) -> str:
        """The face field as shown ("" when hidden)."""
        return self.face.text() if self._face_state is not None else ""

    def show_provider(self, report) -> None:
        """Show the execution provider the engine really uses (None: not known yet)."""
        self._report = report
        text = provider_text(report)
        self.provider.setText(self.tr("Device: %1").replace("%1", text))
        reason = getattr(report, "reason", "") or ""
        # The engine's own wording stays reachable (for a bug report) as the tooltip's second line.
        self.provider.setToolTip(text + (f"\n{reason}" if reason and cuda_reason_text(reason) != reason else ""))

    def set_source_kind(self, kind: str) -> None:
        """What the fps field calls the source: "camera", "video" or "stream"."""
        self._kind = kind if kind in SOURCE_KINDS else "video"
        self.show_numbers(self._prediction)

    def show_numbers(self, prediction: Prediction | None) -> None:
        """Refresh fps / latency / drops from the newest prediction (None: dashes)."""
        self._prediction = prediction
        if prediction is None:
            cam = model = lat = "—"
            dropped = "—"
        else:
            cam = f"{prediction.input_fps:.1f}"
            model = f"{prediction.model_fps:.1f}"
            lat = f"{prediction.timings.latency_ms:.0f}"
            dropped = str(prediction.dropped_frames)
        source = {"camera": self.tr("Camera %1 fps"), "stream": self.tr("Stream %1 fps")}.get(
            self._kind, self.tr("Video %1 fps"))
        self.camera_fps.setText(source.replace("%1", cam))
        self.model_fps.setText(self.tr("Model %1 fps").replace("%1", model))
        self.latency.setText(self.tr("Latency %1 ms").replace("%1", lat))
        self.dropped.setText(self.tr("Dropped %1").replace("%1", dropped))
