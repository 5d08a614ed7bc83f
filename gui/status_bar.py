"""The status bar: what a user needs to trust the numbers on screen."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QLabel, QStatusBar, QWidget

from engine.prediction import Prediction


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
            text += " — " + QCoreApplication.translate("StatusPanel", "CUDA unavailable: %1").replace("%1", reason)
        return text
    return f"{provider} ({device})" if device and device.lower() != provider.lower() else provider


class StatusPanel(QStatusBar):
    """Permanent fields: provider/device, camera fps, model fps, latency, dropped frames."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.provider = QLabel("—")
        self._report = None
        self._prediction: Prediction | None = None
        self.camera_fps = QLabel()
        self.model_fps = QLabel()
        self.latency = QLabel()
        self.dropped = QLabel()
        for w in (self.provider, self.camera_fps, self.model_fps, self.latency, self.dropped):
            self.addPermanentWidget(w)
        self.retranslate()

    def retranslate(self) -> None:
        """Re-read the user-visible texts after a language switch."""
        self.camera_fps.setToolTip(self.tr("Frames per second arriving from the source"))
        self.model_fps.setToolTip(self.tr("Predictions per second the model produces"))
        self.latency.setToolTip(self.tr("Capture of a frame to its prediction being ready"))
        self.dropped.setToolTip(self.tr("Frames skipped because inference fell behind (latest frame wins)"))
        self.show_provider(self._report)
        self.show_numbers(self._prediction)

    def show_provider(self, report) -> None:
        """Show the execution provider the engine really uses (None: not known yet)."""
        self._report = report
        text = provider_text(report)
        # The fallback reason can be a long library message: keep the bar short, tooltip in full.
        short = text if len(text) <= 72 else text[:71] + "…"
        self.provider.setText(self.tr("Device: %1").replace("%1", short))
        self.provider.setToolTip(text)

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
        self.camera_fps.setText(self.tr("Camera %1 fps").replace("%1", cam))
        self.model_fps.setText(self.tr("Model %1 fps").replace("%1", model))
        self.latency.setText(self.tr("Latency %1 ms").replace("%1", lat))
        self.dropped.setText(self.tr("Dropped %1").replace("%1", dropped))
