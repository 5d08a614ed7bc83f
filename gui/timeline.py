"""The probability timeline: one lane per class, probability as a filled curve over time.

Live sources scroll (the last ``live_span_s`` seconds); files span the whole file, get the
complete curve from the background analysis, show a playhead and seek when clicked.
"""

from __future__ import annotations

from collections import deque

import numpy as np
from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFontMetrics, QPainter, QPainterPath, QPalette, QPen, QPixmap, QPolygonF
from PySide6.QtWidgets import QSizePolicy, QWidget

from engine.prediction import Prediction
from gui.throttle import Throttle

# Tableau-like colours, distinguishable on light and dark palettes.
CLASS_COLOURS = [
    "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
    "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac",
]


def class_colour(index: int) -> QColor:
    """The colour used for class ``index`` everywhere in the app."""
    return QColor(CLASS_COLOURS[index % len(CLASS_COLOURS)])


class TimelineWidget(QWidget):
    """Per-class probability lanes over time; emits ``seekRequested(t_s)`` on click in file mode."""

    seekRequested = Signal(float)

    LANE_MIN_PX = 12
    LEFT_PX_MIN = 60

    def __init__(self, parent: QWidget | None = None, live_span_s: float = 30.0) -> None:
        super().__init__(parent)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.setMouseTracking(True)
        self.live_span_s = live_span_s
        self._labels: tuple[str, ...] = ()
        self._duration_s: float | None = None  # None: live (scrolling)
        self._live: deque[tuple[float, tuple[float, ...]]] = deque(maxlen=20000)
        self._analysis_t: np.ndarray | None = None
        self._analysis_p: np.ndarray | None = None
        self._analysis_progress: float | None = None
        self._playhead_s: float | None = None
        self._has_source = False  # False: nothing plays, a placeholder instead of a time axis
        self._version = 0  # bumped whenever the curves change
        self._cache: QPixmap | None = None
        self._cache_key = None
        self.renders = 0
        # Predictions can arrive hundreds of times a second (files analysed flat out).
        self._throttle = Throttle(100, self.update, self)

    # -- data ------------------------------------------------------------------------------
    def reset(self, labels: tuple[str, ...] | list[str], duration_s: float | None) -> None:
        """Start over for a new source: ``duration_s`` None means a live, scrolling source."""
        self._labels = tuple(labels)
        self._has_source = True
        self._duration_s = duration_s if duration_s and duration_s > 0 else None
        self._live.clear()
        self._analysis_t = self._analysis_p = None
        self._analysis_progress = None
        self._playhead_s = None
        self._version += 1
        self.updateGeometry()
        self.update()

    def show_no_source(self, labels: tuple[str, ...] | list[str] | None = None) -> None:
        """Nothing plays: forget the curves and show a hint instead of an empty time axis."""
        self.reset(self._labels if labels is None else labels, None)
        self._has_source = False

    @property
    def has_source(self) -> bool:
        """False while the placeholder is shown (no source open)."""
        return self._has_source

    def placeholder_text(self) -> str:
        """The hint drawn while no source is open."""
        return self.tr("Open a video or camera to see the probability of each action over time.")

    @property
    def is_file_mode(self) -> bool:
        """True for a file (whole-file span, click to seek), False for a live source."""
        return self._duration_s is not None

    @property
    def duration_s(self) -> float | None:
        """The file's duration (None for a live source)."""
        return self._duration_s

    def add_predictions(self, predictions: list[Prediction]) -> None:
        """Append live predictions (any mode); the playhead follows the newest."""
        for p in predictions:
            if len(p.probs) == len(self._labels):
                self._live.append((p.pts_s, tuple(p.probs)))
        if predictions:
            self._playhead_s = predictions[-1].pts_s
        if self._analysis_t is None:
            self._changed()
        else:
            self._throttle.request()

    def set_analysis(self, times_s: np.ndarray, probs: np.ndarray) -> None:
        """The whole file's curves from the offline analysis: (N,) seconds and (N, C) probabilities."""
        times_s = np.asarray(times_s, dtype=np.float64)
        probs = np.asarray(probs, dtype=np.float64).reshape(len(times_s), -1)
        self._analysis_t, self._analysis_p = times_s, probs
        self._analysis_progress = None
        self._changed()

    def set_analysis_progress(self, fraction: float | None) -> None:
        """Show how far the background analysis got (None hides it)."""
        self._analysis_progress = fraction
        self._throttle.request()

    def set_playhead(self, t_s: float | None) -> None:
        """Move the playhead to ``t_s`` (None hides it)."""
        self._playhead_s = t_s
        self._throttle.request()

    def point_count(self) -> int:
        """How many time points the timeline would draw now (analysis if complete, else live)."""
        return len(self._analysis_t) if self._analysis_t is not None else len(self._live)

    def covered_span_s(self) -> float:
        """Seconds between the first and last point drawn."""
        t, _ = self._series()
        return float(t[-1] - t[0]) if len(t) > 1 else 0.0

    def _series(self) -> tuple[np.ndarray, np.ndarray]:
        if self._analysis_t is not None and len(self._analysis_t):
            return self._analysis_t, self._analysis_p
        if not self._live:
            return np.zeros(0), np.zeros((0, len(self._labels)))
        points = self._live
        if self._duration_s is None:
            # Live: only the visible span (and one span before it, which painting clips) is drawn;
            # converting the whole history (up to 20000 points) cost ~12 ms per repaint.
            t0, t1 = self._time_range()
            since = t0 - (t1 - t0)
            points = []
            for x in reversed(self._live):
                if x[0] < since:
                    break
                points.append(x)
            points.reverse()
            if not points:
                return np.zeros(0), np.zeros((0, len(self._labels)))
        t = np.fromiter((x[0] for x in points), dtype=np.float64, count=len(points))
        p = np.array([x[1] for x in points], dtype=np.float64)
        if self._duration_s is not None:  # a file: playback may have been seeked, sort by time
            order = np.argsort(t, kind="stable")
            t, p = t[order], p[order]
        return t, p

    # -- geometry --------------------------------------------------------------------------
    def sizeHint(self) -> QSize:  # noqa: N802 - Qt API
        lanes = max(1, len(self._labels))
        return QSize(600, min(260, max(80, lanes * 22 + 24)))

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt API
        return QSize(200, 60)

    def _left_px(self) -> int:
        fm = QFontMetrics(self.font())
        widest = max((fm.horizontalAdvance(s) for s in self._labels), default=0)
        return max(self.LEFT_PX_MIN, min(widest + 12, 160))

    def _time_range(self) -> tuple[float, float]:
        if self._duration_s is not None:
            return 0.0, self._duration_s
        newest = self._live[-1][0] if self._live else 0.0
        return max(0.0, newest - self.live_span_s), max(newest, self.live_span_s)

    def _plot_rect(self) -> QRectF:
        return QRectF(self._left_px(), 4, self.width() - self._left_px() - 6, self.height() - 22)

    def x_for_time(self, t_s: float) -> float:
        """Widget x coordinate of time ``t_s``."""
        r = self._plot_rect()
        t0, t1 = self._time_range()
        return r.left() + (t_s - t0) / max(t1 - t0, 1e-9) * r.width()

    def time_for_x(self, x: float) -> float:
        """Time at widget x coordinate ``x`` (clamped to the span)."""
        r = self._plot_rect()
        t0, t1 = self._time_range()
        frac = min(max((x - r.left()) / max(r.width(), 1.0), 0.0), 1.0)
        return t0 + frac * (t1 - t0)

    # -- input -----------------------------------------------------------------------------
    def mousePressEvent(self, event) -> None:  # noqa: N802 - Qt API
        if self._duration_s is not None and event.button() == Qt.MouseButton.LeftButton:
            t = self.time_for_x(event.position().x())
            self._playhead_s = t
            self.update()
            self.seekRequested.emit(t)

    def mouseMoveEvent(self, event) -> None:  # noqa: N802 - Qt API
        if self._duration_s is not None and event.buttons() & Qt.MouseButton.LeftButton:
            self.mousePressEvent(event)
        if self._duration_s is not None:
            self.setToolTip(self.tr("Click to seek to %1 s").replace("%1", f"{self.time_for_x(event.position().x()):.1f}"))

    # -- painting --------------------------------------------------------------------------
    def _changed(self) -> None:
        self._version += 1
        self._throttle.request()

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt API
        # The curves are drawn into a cached pixmap; a repaint for the playhead only blits it.
        dpr = self.devicePixelRatioF()
        key = (self._version, self._has_source, self.width(), self.height(), dpr, self._time_range(),
               self.palette().color(QPalette.ColorRole.Base).rgba())
        if self._cache is None or self._cache_key != key:
            pixmap = QPixmap(int(self.width() * dpr), int(self.height() * dpr))
            pixmap.setDevicePixelRatio(dpr)
            pixmap.fill(self.palette().color(QPalette.ColorRole.Base))
            p = QPainter(pixmap)
            self._paint_curves(p)
            p.end()
            self._cache, self._cache_key = pixmap, key
            self.renders += 1
        painter = QPainter(self)
        painter.drawPixmap(0, 0, self._cache)
        r = self._plot_rect()
        t0, t1 = self._time_range()
        pal = self.palette()
        if self._analysis_progress is not None and self._labels and self._has_source:
            painter.setPen(pal.color(QPalette.ColorRole.Text))
            msg = self.tr("analysing file… %1%").replace("%1", f"{self._analysis_progress * 100:.0f}")
            painter.drawText(QRectF(r.left(), r.bottom() + 2, r.width(), 16), Qt.AlignmentFlag.AlignHCenter, msg)
        if self._playhead_s is not None and t0 <= self._playhead_s <= t1 and self._labels and self._has_source:
            x = self.x_for_time(self._playhead_s)
            painter.setPen(QPen(pal.color(QPalette.ColorRole.Highlight), 2))
            painter.drawLine(QPointF(x, r.top()), QPointF(x, r.bottom()))
        painter.end()

    def _paint_curves(self, painter: QPainter) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        pal = self.palette()
        text_colour = pal.color(QPalette.ColorRole.Text)
        grid = QColor(text_colour)
        grid.setAlpha(40)
        r = self._plot_rect()
        n = len(self._labels)
        if n == 0 or r.width() < 10 or r.height() < 10 or not self._has_source:
            painter.setPen(text_colour)
            text = self.tr("No model loaded") if n == 0 else self.placeholder_text()
            painter.drawText(QRectF(self.rect()).adjusted(12, 4, -12, -4),
                             Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, text)
            return
        lane_h = r.height() / n
        t, p = self._series()
        t0, t1 = self._time_range()
        if len(t) > 1:
            # Long files: keep one (max) sample per pixel column so painting stays cheap.
            xs = r.left() + (t - t0) / max(t1 - t0, 1e-9) * r.width()
            keep = (xs >= r.left() - 1) & (xs <= r.right() + 1)
            xs, p = xs[keep], p[keep]
            if len(xs) > 2 * r.width():
                cols = np.floor(xs).astype(np.int64)
                uniq, start = np.unique(cols, return_index=True)
                p = np.maximum.reduceat(p, start, axis=0)
                xs = uniq.astype(np.float64)
        else:
            xs = np.zeros(0)
        fm = QFontMetrics(self.font())
        for c, name in enumerate(self._labels):
            top = r.top() + c * lane_h
            painter.setPen(grid)
            painter.drawLine(QPointF(r.left(), top + lane_h), QPointF(r.right(), top + lane_h))
            painter.setPen(text_colour)
            elided = fm.elidedText(name, Qt.TextElideMode.ElideRight, int(r.left()) - 8)
            painter.drawText(QRectF(2, top, r.left() - 6, lane_h), Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight, elided)
            if len(xs) > 1:
                colour = class_colour(c)
                ys = top + lane_h - np.clip(p[:, c], 0, 1) * (lane_h - 2)
                line = [QPointF(x, y) for x, y in zip(xs.tolist(), ys.tolist())]
                fill = QColor(colour)
                fill.setAlpha(110)
                path = QPainterPath()
                path.addPolygon(QPolygonF([QPointF(xs[0], top + lane_h), *line, QPointF(xs[-1], top + lane_h)]))
                painter.fillPath(path, fill)
                painter.setPen(QPen(colour, 1.2))
                painter.drawPolyline(QPolygonF(line))
        painter.setPen(text_colour)
        axis_y = r.bottom() + 2
        painter.drawText(QRectF(r.left(), axis_y, 80, 16), Qt.AlignmentFlag.AlignLeft, f"{t0:.1f} s")
        painter.drawText(QRectF(r.right() - 80, axis_y, 80, 16), Qt.AlignmentFlag.AlignRight, f"{t1:.1f} s")
