"""Lip mode's mouth panel: the mouth region of the newest frame, enlarged, with the located box.

The engine's mouth stage publishes where it found the mouth (``Region("mouth", box)`` in the
source frame's pixels) on every record; this panel cuts a margin around that box out of the
frame the video pane shows (a slice and a scale, no model work on the GUI thread) and draws the
box on it, so the user sees what the lip reader looks at and whether the locator holds on.
Without a face it says so.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from gui.video_view import qimage_from_rgb

MARGIN = 0.35  # context shown around the box, as a fraction of its size on each side
BOX_COLOUR = QColor(80, 220, 120)  # the same green box as on the video
SPEAKING_COLOUR = QColor(255, 200, 60)


def region_box(regions, name: str) -> tuple[int, int, int, int] | None:
    """The box of the first region called ``name`` (None if there is none)."""
    for r in regions or ():
        if r.name == name:
            return tuple(r.box)
    return None


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
        self.update()

    @property
    def has_image(self) -> bool:
        """True while a mouth crop is shown."""
        return self._crop is not None

    @property
    def has_face(self) -> bool | None:
        """Whether the newest record had a located mouth (None before any record)."""
        return self._has_face

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
        painter.end()
