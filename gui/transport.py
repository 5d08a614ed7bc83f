"""The transport bar under the video: play/pause, a position slider and the time."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QIcon, QPainter, QPixmap
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSlider, QStyle, QWidget


def format_time(t: float) -> str:
    """m:ss.s (the precision a user seeks with)."""
    t = max(0.0, t)
    return f"{int(t // 60)}:{t % 60:04.1f}"


class TransportBar(QWidget):
    """Play/pause button, seek slider and time label; seekable only for files.

    Emits ``playToggled()`` and ``seekRequested(t_s)`` (on release of a drag, or a click on the
    groove); never while the slider is being set from playback.
    """

    playToggled = Signal()
    seekRequested = Signal(float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.play_button = QPushButton()
        self.play_button.setEnabled(False)
        self.position = QSlider(Qt.Orientation.Horizontal)
        self.position.setRange(0, 0)
        self.position.setEnabled(False)
        self.time_label = QLabel("—")
        lay = QHBoxLayout(self)
        lay.setContentsMargins(4, 0, 4, 0)
        lay.addWidget(self.play_button)
        lay.addWidget(self.position, 1)
        lay.addWidget(self.time_label)
        self._dragging = False
        self._live = False
        self._has_source = False
        self.play_button.clicked.connect(self.playToggled)
        self.position.sliderPressed.connect(self._pressed)
        self.position.sliderReleased.connect(self._released)
        self.position.actionTriggered.connect(self._groove_clicked)
        self.show_playing(False)
        self.retranslate()

    def retranslate(self) -> None:
        """Re-read the user-visible texts after a language switch."""
        self.play_button.setToolTip(self.tr("Play / pause (Space)"))
        self.position.setToolTip(self.tr("Drag to seek (←/→ jump 5 s)"))
        if self._live:
            self.time_label.setText(self.tr("live"))

    @property
    def dragging(self) -> bool:
        """True while the user drags the slider."""
        return self._dragging

    def show_source(self, *, has_source: bool, live: bool, duration_s: float | None) -> None:
        """Enable what the source supports: files seek and pause, live sources neither."""
        self._has_source, self._live = has_source, live
        seekable = has_source and not live and bool(duration_s)
        self.play_button.setEnabled(seekable)
        self.position.setEnabled(seekable)
        self.position.blockSignals(True)
        self.position.setRange(0, int((duration_s or 0) * 1000) if seekable else 0)
        self.position.blockSignals(False)
        if not has_source:
            self.time_label.setText("—")
        elif live:
            self.time_label.setText(self.tr("live"))

    def show_position(self, position_s: float, duration_s: float | None) -> None:
        """Move the slider and the time label (ignored while the user drags)."""
        if self._dragging or self._live or not duration_s:
            return
        self.position.blockSignals(True)
        self.position.setValue(int(position_s * 1000))
        self.position.blockSignals(False)
        self.time_label.setText(f"{format_time(position_s)} / {format_time(duration_s)}")

    def show_playing(self, playing: bool) -> None:
        """Show the pause icon while playing, the play icon otherwise."""
        icon = QStyle.StandardPixmap.SP_MediaPause if playing else QStyle.StandardPixmap.SP_MediaPlay
        self.play_button.setIcon(self._with_faded_disabled(self.style().standardIcon(icon)))

    def _with_faded_disabled(self, icon: QIcon) -> QIcon:
        # The style's media icons looked the same enabled and disabled (Fusion under X11): with
        # nothing open the Play button looked usable. Draw the disabled state faded ourselves.
        size = self.play_button.iconSize() if self.play_button.iconSize().isValid() else QSize(16, 16)
        dpr = self.devicePixelRatioF()
        normal = icon.pixmap(size, dpr)
        faded = QPixmap(normal.size())
        faded.setDevicePixelRatio(normal.devicePixelRatio())
        faded.fill(Qt.GlobalColor.transparent)
        painter = QPainter(faded)
        painter.setOpacity(0.3)
        painter.drawPixmap(0, 0, normal)
        painter.end()
        out = QIcon()
        out.addPixmap(normal, QIcon.Mode.Normal)
        out.addPixmap(faded, QIcon.Mode.Disabled)
        return out

    def _pressed(self) -> None:
        self._dragging = True

    def _released(self) -> None:
        self._dragging = False
        self.seekRequested.emit(self.position.value() / 1000.0)

    def _groove_clicked(self, _action: int) -> None:
        if not self._dragging:  # page steps from clicks on the groove; the value changes after this
            QTimer.singleShot(0, lambda: self.seekRequested.emit(self.position.value() / 1000.0))
