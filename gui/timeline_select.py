"""The timeline with a selection: drag with the right mouse button (or Shift and the left one) over a
file's timeline to select a stretch, then say what it was (gui/correct.py). After a correction the
stretches whose label changed are marked (an amber band along the top), so the user sees what the
re-taught model does differently; stretches the analysis was unsure of can be marked too."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPalette, QPen

from gui.timeline import TimelineWidget

CHANGED_AMBER = QColor(230, 150, 20)
MIN_SELECTION_S = 0.3  # a click, not a drag


class SelectableTimeline(TimelineWidget):
    """A :class:`TimelineWidget` (file mode) where a stretch can be selected and changes are marked.

    Signals: ``selectionChanged(object)`` ((start_s, end_s) or None) and ``menuRequested(QPoint)``
    (global position: where to open the "This was…" menu after a right-button drag or click)."""

    selectionChanged = Signal(object)
    menuRequested = Signal(QPoint)

    def __init__(self, parent=None, live_span_s: float = 30.0) -> None:
        super().__init__(parent, live_span_s)
        self._selection: tuple[float, float] | None = None
        self._drag_from: float | None = None
        self._changed_spans: list[tuple[float, float]] = []

    # -- selection ----------------------------------------------------------------------------
    def selection(self) -> tuple[float, float] | None:
        """The selected stretch (start_s, end_s), or None."""
        return self._selection

    def select(self, start_s: float | None, end_s: float | None = None) -> None:
        """Select [start_s, end_s) (either order); None clears the selection."""
        if start_s is None or end_s is None or abs(end_s - start_s) < MIN_SELECTION_S:
            new = None
        else:
            lo, hi = sorted((float(start_s), float(end_s)))
            span = self.duration_s or hi
            new = (max(0.0, lo), min(hi, span))
        if new != self._selection:
            self._selection = new
            self.selectionChanged.emit(new)
        self.update()

    def set_changed_spans(self, spans: list[tuple[float, float]]) -> None:
        """Mark the stretches whose label changed with the last correction ([] clears them)."""
        self._changed_spans = list(spans)
        self.update()

    def changed_spans(self) -> list[tuple[float, float]]:
        """The stretches marked as changed by the last correction."""
        return list(self._changed_spans)

    def reset(self, labels, duration_s, *, words: bool = False) -> None:  # noqa: D102 - see TimelineWidget
        self._selection, self._changed_spans = None, []
        super().reset(labels, duration_s, words=words)

    # -- input --------------------------------------------------------------------------------
    def _selecting(self, event) -> bool:
        return self.is_file_mode and (event.button() == Qt.MouseButton.RightButton or (
            event.button() == Qt.MouseButton.LeftButton and event.modifiers() & Qt.KeyboardModifier.ShiftModifier))

    def mousePressEvent(self, event) -> None:  # noqa: N802 - Qt API
        if self._selecting(event):
            self._drag_from = self.time_for_x(event.position().x())
            return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event) -> None:  # noqa: N802 - Qt API
        if self._drag_from is not None:
            self.select(self._drag_from, self.time_for_x(event.position().x()))
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event) -> None:  # noqa: N802 - Qt API
        if self._drag_from is None:
            super().mouseReleaseEvent(event)
            return
        t = self.time_for_x(event.position().x())
        if abs(t - self._drag_from) >= MIN_SELECTION_S:
            self.select(self._drag_from, t)
        self._drag_from = None
        if event.button() == Qt.MouseButton.RightButton:
            self.menuRequested.emit(event.globalPosition().toPoint())

    def contextMenuEvent(self, event) -> None:  # noqa: N802 - Qt API
        if not self.is_file_mode:
            super().contextMenuEvent(event)  # the mouse release opens the menu on a file's timeline
        else:
            event.accept()

    # -- painting ------------------------------------------------------------------------------
    def paintEvent(self, event) -> None:  # noqa: N802 - Qt API
        super().paintEvent(event)
        if not (self._selection or self._changed_spans) or not self.is_file_mode:
            return
        r = self._plot_rect()
        painter = QPainter(self)
        for a, b in self._changed_spans:
            x0, x1 = self.x_for_time(a), self.x_for_time(b)
            painter.fillRect(QRectF(x0, r.top(), max(2.0, x1 - x0), r.height()), QColor(230, 150, 20, 40))
            painter.fillRect(QRectF(x0, r.top(), max(2.0, x1 - x0), 5), CHANGED_AMBER)
        if self._selection:
            x0, x1 = self.x_for_time(self._selection[0]), self.x_for_time(self._selection[1])
            hl = self.palette().color(QPalette.ColorRole.Highlight)
            fill = QColor(hl)
            fill.setAlpha(70)
            painter.fillRect(QRectF(x0, r.top(), x1 - x0, r.height()), fill)
            painter.setPen(QPen(hl, 2))
            for x in (x0, x1):
                painter.drawLine(QPointF(x, r.top()), QPointF(x, r.bottom()))
        painter.end()


def changed_spans(old, new, *, min_s: float = 0.25) -> list[tuple[float, float]]:
    """Where two analyses of one file (lists of Predictions on the same clock) say different things
    (label or state): merged (start_s, end_s) stretches of at least ``min_s``."""
    before = {round(p.pts_s, 3): (p.state, p.label) for p in old}
    spans: list[tuple[float, float]] = []
    prev_t = 0.0
    start = None
    for p in new:
        t = round(p.pts_s, 3)
        differs = t in before and before[t] != (p.state, p.label)
        if differs and start is None:
            start = prev_t
        elif not differs and start is not None:
            spans.append((start, prev_t))
            start = None
        prev_t = t
    if start is not None:
        spans.append((start, prev_t))
    return [(a, b) for a, b in spans if b - a >= min_s]
