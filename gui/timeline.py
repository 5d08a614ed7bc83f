"""The timeline: one lane per class with its probability over time, or (lip mode) words.

Live sources scroll (the last ``live_span_s`` seconds); files span the whole file, get the
complete curve from the background analysis, show a playhead and seek when clicked.

Probability mode (actions): a filled curve per class, in the class colour where the app was
confident and grey where it said "uncertain" or "unknown" (as the overlay and top-k do).
Word mode (lip reading): a lane of words drawn as segments from their start to their end, and
a lane of the stretches where the mouth moved as in speech.
"""

from __future__ import annotations

from collections import deque

import numpy as np
from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFontMetrics, QPainter, QPainterPath, QPalette, QPen, QPixmap, QPolygonF
from PySide6.QtWidgets import QSizePolicy, QWidget

from engine.core.prediction import Prediction, PredictionState
from gui.engine_texts import label_text
from gui.throttle import Throttle

UNCERTAIN_GREY = QColor(158, 158, 158)  # the top-k panel's grey for uncertain / unknown

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
        # (pts_s, probs, confident): confident False for uncertain / unknown / warming up.
        self._live: deque[tuple[float, tuple[float, ...], bool]] = deque(maxlen=20000)
        self._analysis_t: np.ndarray | None = None
        self._analysis_p: np.ndarray | None = None
        self._analysis_ok: np.ndarray | None = None  # (N,) bool: confident at each analysis point
        self._words_mode = False  # lip mode: word segments instead of probability curves
        self._words: list = []  # TimedToken-like (text, start_s, end_s, confidence) of live updates
        self._analysis_words: list | None = None  # the whole file's words (replaces the live ones)
        self._speaking: deque[tuple[float, bool]] = deque(maxlen=20000)  # (pts_s, mouth moving as in speech)
        self._analysis_speaking: list[tuple[float, bool]] | None = None
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
    def reset(self, labels: tuple[str, ...] | list[str], duration_s: float | None, *, words: bool = False) -> None:
        """Start over for a new source: ``duration_s`` None means a live, scrolling source;
        ``words`` True shows word segments (lip mode) instead of one lane per label."""
        self._words_mode = words
        self._labels = (self.tr("words"), self.tr("speaking")) if words else tuple(labels)
        self._has_source = True
        self._duration_s = duration_s if duration_s and duration_s > 0 else None
        self._live.clear()
        self._analysis_t = self._analysis_p = self._analysis_ok = None
        self._words, self._analysis_words = [], None
        self._speaking.clear()
        self._analysis_speaking = None
        self._analysis_progress = None
        self._playhead_s = None
        self._version += 1
        self.updateGeometry()
        self.update()

    def show_no_source(self, labels: tuple[str, ...] | list[str] | None = None, *, words: bool | None = None) -> None:
        """Nothing plays: forget the curves and show a hint instead of an empty time axis."""
        self.reset(self._labels if labels is None else labels, None,
                   words=self._words_mode if words is None else words)
        self._has_source = False

    def retranslate(self) -> None:
        """Re-read the user-visible texts after a language switch (the word-mode lane names)."""
        if self._words_mode:
            self._labels = (self.tr("words"), self.tr("speaking"))
        self._changed()

    @property
    def is_words_mode(self) -> bool:
        """True in lip mode (word segments), False for probability curves."""
        return self._words_mode

    @property
    def has_source(self) -> bool:
        """False while the placeholder is shown (no source open)."""
        return self._has_source

    def placeholder_text(self) -> str:
        """The hint drawn while no source is open."""
        if self._words_mode:
            return self.tr("Open a video or camera to see the words read from the lips over time.")
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
                self._live.append((p.pts_s, tuple(p.probs), p.state == PredictionState.CONFIDENT))
        if predictions:
            self._playhead_s = predictions[-1].pts_s
        if self._analysis_t is None:
            self._changed()
        else:
            self._throttle.request()

    def set_analysis(self, times_s: np.ndarray, probs: np.ndarray, confident: np.ndarray | None = None) -> None:
        """The whole file's curves from the offline analysis: (N,) seconds, (N, C) probabilities
        and (N,) whether the app was confident there (None: everywhere)."""
        times_s = np.asarray(times_s, dtype=np.float64)
        probs = np.asarray(probs, dtype=np.float64).reshape(len(times_s), -1)
        self._analysis_t, self._analysis_p = times_s, probs
        self._analysis_ok = (np.ones(len(times_s), dtype=bool) if confident is None
                             else np.asarray(confident, dtype=bool).reshape(len(times_s)))
        self._analysis_progress = None
        self._changed()

    # -- words (lip mode) ----------------------------------------------------------------
    def add_words(self, tokens, speaking: list[tuple[float, bool]] = ()) -> None:
        """Append live words (TimedToken-like: text, start_s, end_s, confidence) and
        (pts_s, speaking) samples; the playhead follows the newest sample."""
        self._words.extend(tokens)
        self._speaking.extend(speaking)
        if speaking:
            self._playhead_s = speaking[-1][0]
        if tokens or (speaking and self._analysis_words is None):
            self._changed()
        else:
            self._throttle.request()

    def set_analysis_words(self, tokens, speaking: list[tuple[float, bool]]) -> None:
        """The whole file's words and speaking samples from the offline analysis."""
        self._analysis_words = list(tokens)
        self._analysis_speaking = list(speaking)
        self._analysis_progress = None
        self._changed()

    def words(self) -> list:
        """The words the timeline draws now (the whole file's once analysed, else the live ones)."""
        return list(self._analysis_words if self._analysis_words is not None else self._words)

    def speaking_segments(self) -> list[tuple[float, float]]:
        """(start_s, end_s) stretches where the mouth moved as in speech."""
        samples = self._analysis_speaking if self._analysis_speaking is not None else sorted(self._speaking)
        segs: list[tuple[float, float]] = []
        start = None
        for k, (t, on) in enumerate(samples):
            if on and start is None:
                start = t
            elif not on and start is not None:
                segs.append((start, t))
                start = None
        if start is not None and samples:
            segs.append((start, samples[-1][0]))
        return segs

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
        if self._words_mode:
            return len(self._analysis_speaking if self._analysis_speaking is not None else self._speaking)
        return len(self._analysis_t) if self._analysis_t is not None else len(self._live)

    def covered_span_s(self) -> float:
        """Seconds between the first and last point drawn."""
        t, _, _ = self._series()
        return float(t[-1] - t[0]) if len(t) > 1 else 0.0

    def _series(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(times (N,), probabilities (N, C), confident (N,)) to draw."""
        empty = np.zeros(0), np.zeros((0, len(self._labels))), np.zeros(0, dtype=bool)
        if self._analysis_t is not None and len(self._analysis_t):
            return self._analysis_t, self._analysis_p, self._analysis_ok
        if not self._live:
            return empty
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
                return empty
        t = np.fromiter((x[0] for x in points), dtype=np.float64, count=len(points))
        p = np.array([x[1] for x in points], dtype=np.float64)
        ok = np.fromiter((x[2] for x in points), dtype=bool, count=len(points))
        if self._duration_s is not None:  # a file: playback may have been seeked, sort by time
            order = np.argsort(t, kind="stable")
            t, p, ok = t[order], p[order], ok[order]
        return t, p, ok

    # -- geometry --------------------------------------------------------------------------
    def sizeHint(self) -> QSize:  # noqa: N802 - Qt API
        lanes = max(1, len(self._labels))
        return QSize(600, min(260, max(80, lanes * 22 + 24)))

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt API
        return QSize(200, 60)

    def _left_px(self) -> int:
        fm = QFontMetrics(self.font())
        widest = max((fm.horizontalAdvance(label_text(s)) for s in self._labels), default=0)
        return max(self.LEFT_PX_MIN, min(widest + 12, 160))

    def _time_range(self) -> tuple[float, float]:
        if self._duration_s is not None:
            return 0.0, self._duration_s
        if self._words_mode:
            newest = self._speaking[-1][0] if self._speaking else 0.0
        else:
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
        if self._words_mode:
            self._paint_words(painter, r, lane_h, grid, text_colour)
            self._paint_axis(painter, r, text_colour)
            return
        t, p, ok = self._series()
        t0, t1 = self._time_range()
        if len(t) > 1:
            # Long files: keep one (max) sample per pixel column so painting stays cheap.
            xs = r.left() + (t - t0) / max(t1 - t0, 1e-9) * r.width()
            keep = (xs >= r.left() - 1) & (xs <= r.right() + 1)
            xs, p, ok = xs[keep], p[keep], ok[keep]
            if len(xs) > 2 * r.width():
                cols = np.floor(xs).astype(np.int64)
                uniq, start = np.unique(cols, return_index=True)
                p = np.maximum.reduceat(p, start, axis=0)
                ok = np.logical_and.reduceat(ok, start)  # a column is coloured only if confident throughout
                xs = uniq.astype(np.float64)
        else:
            xs = np.zeros(0)
        # Where the app was not confident (uncertain, unknown, warming up) the curves are grey,
        # as the overlay and the top-k bars are: the clip region holds the confident stretches.
        confident_clip = QPainterPath()
        if len(xs) > 1 and ok.any():
            edges = np.concatenate([[xs[0]], (xs[1:] + xs[:-1]) / 2, [xs[-1]]])
            k = 0
            while k < len(ok):
                if not ok[k]:
                    k += 1
                    continue
                j = k
                while j + 1 < len(ok) and ok[j + 1]:
                    j += 1
                confident_clip.addRect(QRectF(edges[k], r.top(), max(edges[j + 1] - edges[k], 1.0), r.height()))
                k = j + 1
        # One pass per curve when the whole span has one state (the usual case: cheap), two
        # clipped passes when it changes.
        if len(xs) < 2 or not ok.any():
            def passes(colour):
                return ((UNCERTAIN_GREY, None),)
        elif ok.all():
            def passes(colour):
                return ((colour, None),)
        else:
            full = QPainterPath()
            full.addRect(QRectF(r.left() - 2, r.top(), r.width() + 4, r.height()))
            unsure_clip = full.subtracted(confident_clip)

            def passes(colour):
                return ((UNCERTAIN_GREY, unsure_clip), (colour, confident_clip))
        fm = QFontMetrics(self.font())
        for c, name in enumerate(self._labels):
            top = r.top() + c * lane_h
            self._paint_lane(painter, fm, r, top, lane_h, label_text(name), grid, text_colour)
            if len(xs) > 1:
                ys = top + lane_h - np.clip(p[:, c], 0, 1) * (lane_h - 2)
                line = [QPointF(x, y) for x, y in zip(xs.tolist(), ys.tolist())]
                path = QPainterPath()
                path.addPolygon(QPolygonF([QPointF(xs[0], top + lane_h), *line, QPointF(xs[-1], top + lane_h)]))
                for colour, clip in passes(class_colour(c)):
                    if clip is not None:
                        painter.save()
                        painter.setClipPath(clip)
                    fill = QColor(colour)
                    fill.setAlpha(110)
                    painter.fillPath(path, fill)
                    painter.setPen(QPen(colour, 1.2))
                    painter.drawPolyline(QPolygonF(line))
                    if clip is not None:
                        painter.restore()
        self._paint_axis(painter, r, text_colour)

    @staticmethod
    def _paint_lane(painter: QPainter, fm: QFontMetrics, r: QRectF, top: float, lane_h: float, name: str,
                    grid: QColor, text_colour: QColor) -> None:
        """One lane's bottom grid line and its name, right-aligned in the margin left of ``r``."""
        painter.setPen(grid)
        painter.drawLine(QPointF(r.left(), top + lane_h), QPointF(r.right(), top + lane_h))
        painter.setPen(text_colour)
        painter.drawText(QRectF(2, top, r.left() - 6, lane_h), Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight,
                         fm.elidedText(name, Qt.TextElideMode.ElideRight, int(r.left()) - 8))

    def _paint_words(self, painter: QPainter, r: QRectF, lane_h: float, grid: QColor, text_colour: QColor) -> None:
        """Lip mode: each word as a box from its start to its end (its text inside when it fits;
        grey when its confidence is low or the reader
        cannot vouch for it), and the speaking stretches below."""
        fm = QFontMetrics(self.font())
        for lane, name in enumerate(self._labels):
            self._paint_lane(painter, fm, r, r.top() + lane * lane_h, lane_h, name, grid, text_colour)
        t0, t1 = self._time_range()
        word_colour = class_colour(0)
        words = self.words()
        for k, w in enumerate(words):
            if w.end_s < t0 or w.start_s > t1:
                continue
            x0, x1 = self.x_for_time(max(w.start_s, t0)), self.x_for_time(min(w.end_s, t1))
            box = QRectF(x0, r.top() + 2, max(x1 - x0, 2.0), lane_h - 4)
            unsure = w.confidence < 0.5 or getattr(getattr(w, "check", None), "cannot_read", False)
            fill = QColor(UNCERTAIN_GREY if unsure else class_colour(k % 2))
            fill.setAlpha(150)
            painter.fillRect(box, fill)
            painter.setPen(QPen(word_colour.darker(130), 1))
            painter.drawRect(box)
            # The reader's word spans are often narrower than the word's text: the text may
            # use the room up to half-way to its neighbours, and is drawn when it fits there.
            left = self.x_for_time((words[k - 1].end_s + w.start_s) / 2) if k > 0 else r.left()
            right = self.x_for_time((w.end_s + words[k + 1].start_s) / 2) if k + 1 < len(words) else r.right()
            room = 2 * min(box.center().x() - left, right - box.center().x())
            width = fm.horizontalAdvance(w.text) + 4
            if width <= room:
                painter.setPen(text_colour)
                painter.drawText(QRectF(box.center().x() - width / 2, box.top(), width, box.height()),
                                 Qt.AlignmentFlag.AlignCenter, w.text)
        speak_top = r.top() + lane_h
        speak = QColor(class_colour(4))
        speak.setAlpha(140)
        for a, b in self.speaking_segments():
            if b < t0 or a > t1:
                continue
            x0, x1 = self.x_for_time(max(a, t0)), self.x_for_time(min(b, t1))
            painter.fillRect(QRectF(x0, speak_top + lane_h * 0.25, max(x1 - x0, 1.0), lane_h * 0.5), speak)

    def _paint_axis(self, painter: QPainter, r: QRectF, text_colour: QColor) -> None:
        t0, t1 = self._time_range()
        painter.setPen(text_colour)
        axis_y = r.bottom() + 2
        painter.drawText(QRectF(r.left(), axis_y, 80, 16), Qt.AlignmentFlag.AlignLeft, f"{t0:.1f} s")
        painter.drawText(QRectF(r.right() - 80, axis_y, 80, 16), Qt.AlignmentFlag.AlignRight, f"{t1:.1f} s")
