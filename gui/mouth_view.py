"""Lip mode's mouth panel: the mouth region of the newest frame, enlarged, with the located box.

The engine's mouth stage publishes where it found the mouth (``Region("mouth", box)`` in the
source frame's pixels) on every record; this panel cuts a margin around that box out of the
frame the video pane shows (a slice and a scale, no model work on the GUI thread) and draws the
box on it, so the user sees what the lip reader looks at and whether the locator holds on.
Without a face it says so. With lip landmarks on (``EngineSettings.lip_landmarks``, the
:class:`LipPointsToggle` under the panel) the mouth region carries the face mesh's 40 lip points
(outer contour, then inner), drawn as two closed outlines.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPen, QPolygonF
from PySide6.QtWidgets import QCheckBox, QSizePolicy, QWidget

from gui.video_view import qimage_from_rgb

MARGIN = 0.35  # context shown around the box, as a fraction of its size on each side
BOX_COLOUR = QColor(80, 220, 120)  # the same green box as on the video
SPEAKING_COLOUR = QColor(255, 200, 60)
LIPS_COLOUR = QColor(255, 80, 170)
LIP_CONTOUR = 20  # points per contour in the mouth region's points (outer, then inner)


def region_box(regions, name: str) -> tuple[int, int, int, int] | None:
    """The box of the first region called ``name`` (None if there is none)."""
    for r in regions or ():
        if r.name == name:
            return tuple(r.box)
    return None


def region_points(regions, name: str) -> tuple:
    """The points of the first region called ``name`` (empty if none)."""
    for r in regions or ():
        if r.name == name:
            return tuple(getattr(r, "points", ()) or ())
    return ()


class LipPointsToggle(QCheckBox):
    """Lip mode: find the lips with the face mesh and draw their outline (``lip_landmarks``
    "points"; the reader's crop does not change). Emits ``toggled_landmarks("points"/"off")``."""

    toggled_landmarks = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.toggled.connect(lambda on: self.toggled_landmarks.emit("points" if on else "off"))
        self.retranslate()

    def retranslate(self) -> None:
        self.setText(self.tr("Show l&ip points (face mesh)"))  # Alt+I (Space plays and pauses)
        self.setToolTip(self.tr("Find the lips with a face mesh and outline them in the mouth panel; "
                                "the lip reader's crop stays as it is"))

    @property
    def setting(self) -> str:
        return "points" if self.isChecked() else "off"


class MouthView(QWidget):
    """The enlarged mouth crop with its box; "no face" when the locator has none."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setMinimumHeight(120)
        self._crop: QImage | None = None
        self._box_in_crop: QRectF | None = None  # the box, in the crop's pixels
        self._speaking = False
        self._has_face: bool | None = None  # None: nothing known yet (no record)
        self._lips: list[QPolygonF] = []  # lip outlines, in the crop's pixels
        self.retranslate()

    def retranslate(self) -> None:
        """Re-read the user-visible texts after a language switch."""
        self.setToolTip(self.tr("The mouth region the lip reader looks at, with the box the face locator found"))
        self.update()

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt API
        return QSize(280, 150)

    def clear(self) -> None:
        """Nothing plays: forget the crop."""
        self._crop, self._box_in_crop, self._has_face, self._speaking = None, None, None, False
        self._lips = []
        self.update()

    @property
    def has_image(self) -> bool:
        """True while a mouth crop is shown."""
        return self._crop is not None

    @property
    def has_face(self) -> bool | None:
        """Whether the newest record had a located mouth (None before any record)."""
        return self._has_face

    @property
    def lip_outlines(self) -> list[QPolygonF]:
        """The lip outlines drawn now (outer, inner), in the crop's pixels; empty without lip points."""
        return list(self._lips)

    def crop_image(self) -> QImage | None:
        """The crop shown now (without the box)."""
        return self._crop

    def show_regions(self, frame: np.ndarray | None, source_size: tuple[int, int] | None, regions) -> None:
        """Cut the mouth out of ``frame`` (RGB, as displayed) for the ``regions`` of the newest
        record; ``source_size`` (w, h) is the size the regions' pixels refer to."""
        box = region_box(regions, "mouth")
        self._has_face = box is not None
        self._speaking = region_box(regions, "speaking") is not None
        if box is None or frame is None:
            self._crop, self._box_in_crop = None, None
            self.update()
            return
        h, w = frame.shape[:2]
        sw, sh = source_size or (w, h)
        sx, sy = w / max(sw, 1), h / max(sh, 1)
        x0, y0, x1, y1 = box[0] * sx, box[1] * sy, box[2] * sx, box[3] * sy
        bw, bh = max(x1 - x0, 2.0), max(y1 - y0, 2.0)
        cx0, cy0 = int(max(0, np.floor(x0 - MARGIN * bw))), int(max(0, np.floor(y0 - MARGIN * bh)))
        cx1, cy1 = int(min(w, np.ceil(x1 + MARGIN * bw))), int(min(h, np.ceil(y1 + MARGIN * bh)))
        if cx1 - cx0 < 2 or cy1 - cy0 < 2:
            self._crop, self._box_in_crop = None, None
        else:
            self._crop = qimage_from_rgb(frame[cy0:cy1, cx0:cx1])
            self._box_in_crop = QRectF(x0 - cx0, y0 - cy0, bw, bh)
        pts = region_points(regions, "mouth")
        self._lips = [QPolygonF([QPointF(p[0] * sx - cx0, p[1] * sy - cy0) for p in pts[i : i + LIP_CONTOUR]])
                      for i in range(0, len(pts) - LIP_CONTOUR + 1, LIP_CONTOUR)] if self._crop is not None else []
        self.update()

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt API
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        painter.fillRect(self.rect(), QColor(16, 16, 16))
        if self._crop is None:
            painter.setPen(QColor(200, 200, 200))
            text = self.tr("no face") if self._has_face is False else self.tr("mouth crop")
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, text)
            painter.end()
            return
        iw, ih = self._crop.width(), self._crop.height()
        scale = min(self.width() / iw, self.height() / ih)
        tw, th = iw * scale, ih * scale
        target = QRectF((self.width() - tw) / 2, (self.height() - th) / 2, tw, th)
        painter.drawImage(target, self._crop)
        if self._box_in_crop is not None:
            b = self._box_in_crop
            painter.setPen(QPen(SPEAKING_COLOUR if self._speaking else BOX_COLOUR, 2))
            painter.drawRect(QRectF(target.left() + b.left() * scale, target.top() + b.top() * scale,
                                    b.width() * scale, b.height() * scale))
        if self._lips:
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            painter.setPen(QPen(LIPS_COLOUR, 1.5))
            for poly in self._lips:
                painter.drawPolygon(QPolygonF([QPointF(target.left() + p.x() * scale, target.top() + p.y() * scale)
                                               for p in poly]))
        painter.end()
