"""The video pane: the newest frame, scaled to fit, with the current action drawn over it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPainterPath, QPen, QPixmap
from PySide6.QtWidgets import QSizePolicy, QWidget

from engine.core.prediction import HAND_REGIONS, PERSON_REGION, Prediction, PredictionState
from engine.hands.landmarks import EDGES as HAND_EDGES, NUM_LANDMARKS as HAND_POINTS
from engine.pose.landmarks import EDGES, LANDMARKS
from gui.engine_texts import label_text
from gui.throttle import Throttle


def _side_colour(name: str) -> QColor:
    """The person's left side orange, right side blue, the middle (nose, mouth) white."""
    if name.startswith("left"):
        return QColor(255, 160, 40)
    return QColor(60, 170, 255) if name.startswith("right") else QColor(240, 240, 240)


# The skeleton's colours, worked out once: a joint by its side, a bone by its side when both ends
# are on it (the shoulder and hip lines across the body are white).
_JOINT_COLOURS = [_side_colour(n) for n in LANDMARKS]
_BONE_COLOURS = [_side_colour(LANDMARKS[a]) if LANDMARKS[a][:4] == LANDMARKS[b][:4] else QColor(240, 240, 240)
                 for a, b in EDGES]
# A hand in its side's colour (the person's own left hand orange, right blue, as for the body).
_HAND_COLOURS = {name: ([_side_colour(side)] * len(HAND_EDGES), [_side_colour(side)] * HAND_POINTS)
                 for side, name in HAND_REGIONS.items()}


def qimage_from_rgb(image: np.ndarray) -> QImage:
    """Wrap an RGB uint8 (H, W, 3) array as a QImage (copied, so the array may be reused)."""
    image = np.ascontiguousarray(image)
    h, w = image.shape[:2]
    return QImage(image.data, w, h, image.strides[0], QImage.Format.Format_RGB888).copy()


class VideoView(QWidget):
    """Paints the newest frame and an overlay with the label and confidence.

    The overlay is a translucent dark box with outlined text, so it stays legible on any
    footage; an uncertain prediction is grey, italic and says "uncertain", a confident one
    is bold white on a coloured accent.
    """

    fileDropped = Signal(str)
    displaySizeChanged = Signal(int, int)  # device pixels available for the picture

    MAX_PAINT_FPS = 30  # faster sources are shown at this rate; the newest frame always wins

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAcceptDrops(True)
        self.setMinimumSize(320, 240)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self._image: QImage | None = None
        self._pending: np.ndarray | None = None
        self._throttle = Throttle(int(1000 / self.MAX_PAINT_FPS), self.update, self)
        self.frames_received = 0
        self._overlay: QPixmap | None = None
        self._overlay_key = None
        self._prediction: Prediction | None = None
        self._regions: tuple = ()  # what the task's frame stages found (lip mode: the mouth box)
        self._regions_size: tuple[int, int] | None = None  # (w, h) the regions' pixels refer to
        self._placeholder = ""
        self.show_skeleton = True  # View ▸ Show the Skeleton (bundles that read the body)
        self.frames_painted = 0
        self.retranslate()

    def retranslate(self) -> None:
        """Re-read the user-visible texts after a language switch."""
        self.set_placeholder(self.tr("Open a camera, a video file or a stream URL, or drop a file here."))

    # -- state -------------------------------------------------------------------------
    def set_placeholder(self, text: str) -> None:
        """Text shown while there is no video."""
        self._placeholder = text
        self.update()

    def placeholder_text(self) -> str:
        """The text shown while there is no video."""
        return self._placeholder

    def set_frame(self, image: np.ndarray) -> None:
        """Show a new RGB frame (GUI thread); frames faster than MAX_PAINT_FPS replace each other."""
        self._pending = image
        self.frames_received += 1
        self._throttle.request()

    def set_prediction(self, prediction: Prediction | None) -> None:
        """Show the latest prediction in the overlay (None hides it)."""
        self._prediction = prediction
        self._throttle.request()

    def set_regions(self, regions, source_size: tuple[int, int] | None) -> None:
        """Draw these regions' boxes (source-frame pixels of a ``source_size`` = (w, h) frame)."""
        self._regions = tuple(regions or ())
        self._regions_size = source_size
        self._throttle.request()

    def regions(self) -> tuple:
        """The regions drawn now."""
        return self._regions

    def clear(self) -> None:
        """Forget the frame, prediction and regions (a new source is opening)."""
        self._image = None
        self._pending = None
        self._prediction = None
        self._regions = ()
        self.update()

    @property
    def has_frame(self) -> bool:
        """True once a frame has been shown."""
        return self._image is not None or self._pending is not None

    def overlay_text(self) -> tuple[str, str]:
        """(headline, detail) the overlay shows now; ("", "") when there is no prediction."""
        p = self._prediction
        if p is None:
            return "", ""
        if p.state == PredictionState.WARMING_UP:
            return self.tr("warming up…"), ""
        if p.state == PredictionState.UNKNOWN:
            # The model's novelty output says the input is unlike its training data: no label,
            # and no "best guess" percentage that would read as confidence.
            return self.tr("unknown"), self.tr("not one of the actions this model knows")
        if p.state == PredictionState.UNCERTAIN or p.label is None:
            best = p.top_k[0] if p.top_k else None
            detail = self.tr("best guess: %1 %2%").replace("%1", label_text(best[0])).replace("%2", f"{best[1] * 100:.0f}") if best else ""
            return self.tr("uncertain"), detail
        return label_text(p.label), f"{p.confidence * 100:.0f}%"

    def overlay_state(self) -> PredictionState | None:
        """The state of the prediction in the overlay (None: no prediction)."""
        return None if self._prediction is None else self._prediction.state

    # -- painting ----------------------------------------------------------------------
    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt API
        dpr = self.devicePixelRatioF()
        self.displaySizeChanged.emit(int(self.width() * dpr), int(self.height() * dpr))
        super().resizeEvent(event)

    def _image_rect(self) -> QRectF:
        assert self._image is not None
        dpr = self.devicePixelRatioF()
        iw, ih = self._image.width() / dpr, self._image.height() / dpr
        scale = min(self.width() / iw, self.height() / ih)
        if abs(scale - 1.0) < 0.02:  # already scaled off the GUI thread: blit 1:1
            scale = 1.0
        w, h = iw * scale, ih * scale
        return QRectF((self.width() - w) / 2, (self.height() - h) / 2, w, h)

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt API
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        painter.fillRect(self.rect(), QColor(16, 16, 16))
        if self._pending is not None:
            self._image = qimage_from_rgb(self._pending)
            self._pending = None
            self.frames_painted += 1
        if self._image is None:
            painter.setPen(QColor(200, 200, 200))
            painter.drawText(self.rect().adjusted(20, 20, -20, -20), Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                             self._placeholder)
            painter.end()
            return
        target = self._image_rect()
        painter.drawImage(target, self._image)
        self._paint_regions(painter, target)
        self._paint_overlay(painter, target)
        painter.end()

    def _paint_regions(self, painter: QPainter, target: QRectF) -> None:
        if self._image is None:
            return
        dpr = self.devicePixelRatioF()
        sw, sh = self._regions_size or (self._image.width() / dpr, self._image.height() / dpr)
        sx, sy = target.width() / max(sw, 1), target.height() / max(sh, 1)

        def rect(box) -> QRectF:
            x0, y0, x1, y1 = box
            return QRectF(target.left() + x0 * sx, target.top() + y0 * sy, (x1 - x0) * sx, (y1 - y0) * sy)

        painter.setBrush(Qt.BrushStyle.NoBrush)
        motion = next((r for r in self._regions if r.name == "motion"), None)
        if motion is not None and tuple(motion.box) != (0, 0, round(sw), round(sh)):
            # Taught actions: where the model looks besides the whole frame (a thin dashed square).
            pen = QPen(QColor(255, 255, 255, 170), 1.5)
            pen.setStyle(Qt.PenStyle.DashLine)
            painter.setPen(pen)
            painter.drawRect(rect(motion.box))
        person = next((r for r in self._regions if r.name == PERSON_REGION and r.points), None)
        if person is not None and self.show_skeleton:
            self._paint_skeleton(painter, person.points, target.left(), target.top(), sx, sy)
        for hand in (r for r in self._regions if r.name in _HAND_COLOURS and r.points):
            if self.show_skeleton:  # the hands' 21 keypoints each, thinner than the body's
                self._paint_skeleton(painter, hand.points, target.left(), target.top(), sx * 0.6, sy * 0.6,
                                     HAND_EDGES, *_HAND_COLOURS[hand.name], scale=(sx, sy))
        mouth = next((r for r in self._regions if r.name == "mouth"), None)
        if mouth is not None:
            speaking = any(r.name == "speaking" for r in self._regions)
            # Green while the mouth is located, amber while it moves as in speech (as in the mouth panel).
            painter.setPen(QPen(QColor(255, 200, 60) if speaking else QColor(80, 220, 120), 2))
            painter.drawRect(rect(mouth.box))

    def _paint_skeleton(self, painter: QPainter, points, left: float, top: float, sx: float, sy: float,
                        edges=EDGES, bone_colours=_BONE_COLOURS, joint_colours=_JOINT_COLOURS,
                        scale: tuple[float, float] | None = None) -> None:
        """The bones between keypoints seen well enough (visibility >= 0.5), then the joints; the
        body's left side orange, right side blue, the rest white (as a mirror shows them); a hand in
        its side's colour. ``sx``, ``sy`` size the lines; ``scale`` places the points (default the same)."""
        px, py = scale or (sx, sy)
        seen = [v >= 0.5 for _, _, v in points]
        xy = [QPointF(left + x * px, top + y * py) for x, y, _ in points]
        width = max(2.0, min(sx, sy) * 3.0)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        for (a, b), colour in zip(edges, bone_colours):
            if seen[a] and seen[b]:
                painter.setPen(QPen(colour, width, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
                painter.drawLine(xy[a], xy[b])
        painter.setPen(Qt.PenStyle.NoPen)
        for pt, visible, colour in zip(xy, seen, joint_colours):
            if visible:
                painter.setBrush(colour)
                painter.drawEllipse(pt, width * 0.9, width * 0.9)
        painter.setBrush(Qt.BrushStyle.NoBrush)

    def _paint_overlay(self, painter: QPainter, target: QRectF) -> None:
        headline, detail = self.overlay_text()
        if not headline:
            return
        confident = self._prediction is not None and self._prediction.state == PredictionState.CONFIDENT
        base = max(12.0, min(target.height() / 11.0, 40.0))
        dpr = self.devicePixelRatioF()
        # Outlined text is costly to draw; the overlay changes at the model's rate, frames faster.
        key = (headline, detail, confident, round(base, 1), dpr, self.font().toString())
        if self._overlay_key != key:
            self._overlay = self._render_overlay(headline, detail, confident, base, dpr)
            self._overlay_key = key
        margin = base * 0.5
        painter.drawPixmap(QPointF(target.left() + margin, target.top() + margin), self._overlay)

    def _render_overlay(self, headline: str, detail: str, confident: bool, base: float, dpr: float) -> QPixmap:
        head_font = QFont(self.font())
        head_font.setPointSizeF(base)
        head_font.setBold(confident)
        head_font.setItalic(not confident)
        detail_font = QFont(self.font())
        detail_font.setPointSizeF(base * 0.6)
        margin = base * 0.5
        head_path = QPainterPath()
        head_path.addText(QPointF(0, 0), head_font, headline)
        detail_path = QPainterPath()
        if detail:
            detail_path.addText(QPointF(0, 0), detail_font, detail)
        hb, db = head_path.boundingRect(), detail_path.boundingRect()
        box_w = max(hb.width(), db.width()) + 2 * margin
        box_h = hb.height() + (db.height() + margin * 0.5 if detail else 0) + 2 * margin
        pixmap = QPixmap(int(box_w * dpr) + 2, int(box_h * dpr) + 2)
        pixmap.setDevicePixelRatio(dpr)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        box = QRectF(0, 0, box_w, box_h)
        # A translucent dark box under outlined text: readable on bright and dark footage.
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(0, 0, 0, 150))
        painter.drawRoundedRect(box, margin * 0.6, margin * 0.6)
        if confident:
            painter.setBrush(QColor(46, 160, 67))
            painter.drawRoundedRect(QRectF(box.left(), box.top(), margin * 0.5, box.height()), 2, 2)
        fill = QColor(255, 255, 255) if confident else QColor(190, 190, 190)
        outline = QPen(QColor(0, 0, 0, 220), max(2.0, base / 10), Qt.PenStyle.SolidLine,
                       Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin)

        def draw(path: QPainterPath, at: QPointF, colour: QColor) -> None:
            moved = path.translated(at)
            painter.strokePath(moved, outline)
            painter.fillPath(moved, colour)

        draw(head_path, QPointF(box.left() + margin - hb.left(), box.top() + margin - hb.top()), fill)
        if detail:
            y = box.top() + margin + hb.height() + margin * 0.5 - db.top()
            draw(detail_path, QPointF(box.left() + margin - db.left(), y), fill if confident else QColor(170, 170, 170))
        painter.end()
        return pixmap

    # -- drag and drop -----------------------------------------------------------------
    def dragEnterEvent(self, event) -> None:  # noqa: N802 - Qt API
        if event.mimeData().hasUrls() and any(u.isLocalFile() for u in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:  # noqa: N802 - Qt API
        for url in event.mimeData().urls():
            if url.isLocalFile():
                self.fileDropped.emit(str(Path(url.toLocalFile())))
                event.acceptProposedAction()
                return
