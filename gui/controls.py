"""Recognition controls: window length, smoothing, threshold and top-k."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from PySide6.QtCore import QSettings, Signal
from PySide6.QtWidgets import QDoubleSpinBox, QFormLayout, QGroupBox, QLabel, QSpinBox, QWidget

from engine.settings import default_of  # the one set of defaults, shared with the CLI and the engine


@dataclass
class RecognitionControls:
    """The user's recognition settings; ``window_length`` 0 means the model's own T."""

    window_length: int = 0
    smoothing: float = default_of("smoothing")
    threshold: float = default_of("threshold")
    top_k: int = default_of("top_k")

    def engine_kwargs(self) -> dict:
        """Keyword arguments for ``EngineSettings`` / ``Engine.update_settings``."""
        return {
            "window_length": self.window_length or None,
            "smoothing": self.smoothing,
            "threshold": self.threshold,
            "top_k": self.top_k,
        }

    @classmethod
    def load(cls, settings: QSettings) -> RecognitionControls:
        """Read from QSettings (group ``recognition``), falling back to the defaults."""
        d = cls()
        settings.beginGroup("recognition")
        try:
            return cls(
                window_length=int(settings.value("window_length", d.window_length)),
                smoothing=float(settings.value("smoothing", d.smoothing)),
                threshold=float(settings.value("threshold", d.threshold)),
                top_k=int(settings.value("top_k", d.top_k)),
            )
        except (TypeError, ValueError):  # a hand-edited settings file: start from defaults
            return d
        finally:
            settings.endGroup()

    def save(self, settings: QSettings) -> None:
        """Write to QSettings (group ``recognition``)."""
        settings.beginGroup("recognition")
        for k, v in asdict(self).items():
            settings.setValue(k, v)
        settings.endGroup()


class ControlsPanel(QGroupBox):
    """Spin boxes for the recognition settings; emits ``changed(RecognitionControls)``."""

    changed = Signal(object)

    def __init__(self, values: RecognitionControls, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        form = QFormLayout(self)
        self.window_length = QSpinBox()
        self.window_length.setRange(0, 256)
        self.smoothing = QDoubleSpinBox()
        self.smoothing.setRange(0.0, 0.95)
        self.smoothing.setSingleStep(0.05)
        self.threshold = QDoubleSpinBox()
        self.threshold.setRange(0.0, 1.0)
        self.threshold.setSingleStep(0.05)
        self.top_k = QSpinBox()
        self.top_k.setRange(1, 10)
        self._row_labels = [QLabel() for _ in range(4)]
        for label, w in zip(self._row_labels, (self.window_length, self.smoothing, self.threshold, self.top_k)):
            label.setBuddy(w)
            form.addRow(label, w)
        self.retranslate()
        self.set_values(values)
        for w in (self.window_length, self.smoothing, self.threshold, self.top_k):
            w.valueChanged.connect(self._emit)

    def retranslate(self) -> None:
        """Re-read the user-visible texts after a language switch."""
        self.setTitle(self.tr("Recognition"))
        self.window_length.setSpecialValueText(self.tr("model default"))
        self.window_length.setSuffix(self.tr(" features"))
        self.window_length.setToolTip(self.tr("How many recent features the model looks at (0 = the model's own window)."))
        self.smoothing.setToolTip(self.tr("Higher values steady the label but react more slowly."))
        self.threshold.setToolTip(self.tr("Below this probability the app says \"uncertain\"."))
        self.top_k.setToolTip(self.tr("How many labels the panel lists."))
        for label, text in zip(self._row_labels, (self.tr("&Window length"), self.tr("&Smoothing"),
                                                  self.tr("&Threshold"), self.tr("Top-&k"))):
            label.setText(text)

    def set_values(self, values: RecognitionControls) -> None:
        """Show ``values`` without emitting ``changed``."""
        widgets = (self.window_length, self.smoothing, self.threshold, self.top_k)
        for w in widgets:
            w.blockSignals(True)
        self.window_length.setValue(values.window_length)
        self.smoothing.setValue(values.smoothing)
        self.threshold.setValue(values.threshold)
        self.top_k.setValue(values.top_k)
        for w in widgets:
            w.blockSignals(False)

    def values(self) -> RecognitionControls:
        """The values on screen."""
        return RecognitionControls(
            window_length=self.window_length.value(),
            smoothing=round(self.smoothing.value(), 3),
            threshold=round(self.threshold.value(), 3),
            top_k=self.top_k.value(),
        )

    def _emit(self, *_args) -> None:
        self.changed.emit(self.values())
