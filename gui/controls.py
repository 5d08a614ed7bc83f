"""Recognition controls: window length, smoothing, threshold, top-k and how readily to say "unknown"."""

from __future__ import annotations

import hashlib
import math
from dataclasses import asdict, dataclass
from pathlib import Path

from PySide6.QtCore import QSettings, Qt, Signal
from PySide6.QtWidgets import (
    QDoubleSpinBox, QFormLayout, QGroupBox, QHBoxLayout, QLabel, QSlider, QSpinBox, QWidget,
)

from engine.core.settings import default_of  # the one set of defaults, shared with the CLI and the engine


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


# The "unknown" slider: position 0..UNKNOWN_STEPS, the middle is the bundle's calibrated
# threshold; each end is UNKNOWN_RANGE times higher (says unknown rarely) or lower (readily).
UNKNOWN_STEPS = 100
UNKNOWN_RANGE = 4.0


def unknown_threshold_at(position: int, calibrated: float) -> float:
    """The novelty threshold for slider ``position`` (right = says unknown more readily)."""
    return calibrated * UNKNOWN_RANGE ** ((UNKNOWN_STEPS / 2 - position) / (UNKNOWN_STEPS / 2))


def unknown_position_of(threshold: float, calibrated: float) -> int:
    """The slider position showing ``threshold`` (clamped to the slider's ends)."""
    if calibrated <= 0 or threshold <= 0:
        return UNKNOWN_STEPS // 2
    pos = UNKNOWN_STEPS / 2 - math.log(threshold / calibrated, UNKNOWN_RANGE) * UNKNOWN_STEPS / 2
    return int(round(min(max(pos, 0), UNKNOWN_STEPS)))


def _unknown_key(bundle_path: Path) -> str:
    # Per bundle: its folder name (readable in the .ini) and a hash of where it lives.
    path = str(Path(bundle_path).resolve())
    return f"unknown_threshold/{Path(path).name}-{hashlib.sha1(path.encode()).hexdigest()[:10]}"


def load_unknown_threshold(settings: QSettings, bundle_path: Path | None) -> float | None:
    """The user's "unknown" threshold for this bundle (None: the bundle's calibrated one)."""
    if bundle_path is None:
        return None
    value = settings.value(_unknown_key(bundle_path))
    try:
        value = float(value) if value not in (None, "") else None
    except (TypeError, ValueError):  # a hand-edited settings file
        return None
    return value if value is not None and math.isfinite(value) else None


def save_unknown_threshold(settings: QSettings, bundle_path: Path, value: float | None) -> None:
    """Remember the user's "unknown" threshold for this bundle (None forgets it)."""
    if value is None:
        settings.remove(_unknown_key(bundle_path))
    else:
        settings.setValue(_unknown_key(bundle_path), float(value))


class ControlsPanel(QGroupBox):
    """Spin boxes for the recognition settings; emits ``changed(RecognitionControls)``.

    The "Unknown" slider sets how readily the app says "unknown" for input unlike the model's
    training data (``EngineSettings.unknown_threshold``); its middle is the threshold the
    bundle was calibrated with (manifest ``open_set``). It emits ``unknownChanged(threshold)``
    and is disabled, with a tooltip saying why, for bundles without that calibration.
    """

    changed = Signal(object)
    unknownChanged = Signal(float)

    def __init__(self, values: RecognitionControls, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        form = self._form = QFormLayout(self)
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
        self.unknown = QSlider(Qt.Orientation.Horizontal)
        self.unknown.setRange(0, UNKNOWN_STEPS)
        self.unknown.setValue(UNKNOWN_STEPS // 2)
        self.unknown.setPageStep(10)
        self.unknown_value = QLabel()  # the threshold in the model's novelty units
        self.unknown_value.setMinimumWidth(36)
        unknown_row = QWidget()
        row = QHBoxLayout(unknown_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.unknown, 1)
        row.addWidget(self.unknown_value)
        self._calibrated: float | None = None
        self._row_labels = [QLabel() for _ in range(5)]
        for label, w in zip(self._row_labels, (self.window_length, self.smoothing, self.threshold, self.top_k, unknown_row)):
            label.setBuddy(self.unknown if w is unknown_row else w)
            form.addRow(label, w)
        self.set_unknown(None, None)
        self.retranslate()
        self.set_values(values)
        for w in (self.window_length, self.smoothing, self.threshold, self.top_k):
            w.valueChanged.connect(self._emit)
        self.unknown.valueChanged.connect(self._emit_unknown)

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
                                                  self.tr("&Threshold"), self.tr("Top-&k"), self.tr("Say &unknown"))):
            label.setText(text)
        self._unknown_tooltip()

    def show_label_controls(self, shown: bool) -> None:
        """Show or hide Smoothing, Threshold and Top-k: they act on labels and their probabilities
        and do nothing for a task that reads words (lip reading), so they are not offered there."""
        for w in (self.smoothing, self.threshold, self.top_k):
            self._form.setRowVisible(w, shown)

    def label_controls_shown(self) -> bool:
        """Whether Smoothing, Threshold and Top-k are offered (not hidden for a lip bundle)."""
        return not self.top_k.isHidden()

    # -- "unknown" -----------------------------------------------------------------------
    def set_unknown(self, calibrated: float | None, threshold: float | None) -> None:
        """Show the bundle's calibrated threshold (None: the bundle has none, the slider is
        disabled) and the one in use (None: the calibrated one); emits nothing."""
        self._calibrated = calibrated
        self.unknown.blockSignals(True)
        if calibrated is None:
            self.unknown.setValue(UNKNOWN_STEPS // 2)
        else:
            self.unknown.setValue(unknown_position_of(threshold if threshold is not None else calibrated, calibrated))
        self.unknown.blockSignals(False)
        self.unknown.setEnabled(calibrated is not None)
        self._show_unknown_value()
        self._unknown_tooltip()

    def unknown_threshold(self) -> float | None:
        """The threshold the slider shows (None: the bundle has no calibrated one)."""
        if self._calibrated is None:
            return None
        if self.unknown.value() == UNKNOWN_STEPS // 2:
            return self._calibrated  # exactly the calibrated value, not a rounded power
        return round(unknown_threshold_at(self.unknown.value(), self._calibrated), 4)

    def _show_unknown_value(self) -> None:
        value = self.unknown_threshold()
        self.unknown_value.setText("—" if value is None else f"{value:.2f}")

    def _unknown_tooltip(self) -> None:
        if self._calibrated is None:
            tip = self.tr("This model was not calibrated to recognise what it was never taught (its bundle has "
                          "no \"open_set\" threshold), so it cannot say \"unknown\". Teach or train it again "
                          "with this version of Kinesight to get one.")
        else:
            tip = self.tr("How readily the app says \"unknown\" for something unlike what the model was taught: "
                          "to the right it says unknown more often, to the left it names a taught action more "
                          "often. The middle is the model's calibrated value (%1).").replace("%1", f"{self._calibrated:.2f}")
        for w in (self.unknown, self.unknown_value, self._row_labels[4]):
            w.setToolTip(tip)

    def _emit_unknown(self, *_args) -> None:
        self._show_unknown_value()
        value = self.unknown_threshold()
        if value is not None:
            self.unknownChanged.emit(value)

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
