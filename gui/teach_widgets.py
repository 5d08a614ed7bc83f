"""Parts of the Teach dialog (gui/teach.py): what to teach, and whether to keep the default's actions.

* :class:`KindPicker`: actions from the whole frame, body movements (keypoints, the default), hand
  gestures, or words read from the lips.
* :class:`KeepActionsRow`: "Keep the actions of everyday-actions and add these to them". Teaching
  on top of the shipped default (models/fewshot/base.py) keeps its twelve actions, so one action of
  the user's own is enough. A box and a wrapped line beside it (the line is longer than the
  dialog's actions column is wide); a click on the line toggles the box.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QCheckBox, QComboBox, QHBoxLayout, QLabel, QWidget


class KindPicker(QComboBox):
    """What to teach; ``currentData()`` is the taught bundle's roi."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.addItem(self.tr("Actions (whole frame)"), "full+motion")
        self.addItem(self.tr("Body movements (keypoints)"), "pose")
        self.addItem(self.tr("Hand gestures"), "hands")
        # The longest choice must not widen the dialog past its 900 px (the list shows it whole).
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.setMinimumContentsLength(13)
        self.addItem(self.tr("Words (lips)"), "mouth")
        # Body keypoints by default: they carry over to people it was not taught by (docs/teaching.md)
        self.setCurrentIndex(self.findData("pose"))
        self.setToolTip(self.tr(
            "Body movements (keypoints): the model reads the person's body keypoints, not the picture, so "
            "what it learns carries over to other people and rooms better; use it for movements of the whole "
            "body or the arms, with the person in view. Hand gestures: the model reads up to two hands' "
            "keypoints (open palm, thumbs up, a swipe), with the hands in view. Words (lips): the model reads "
            "the mouth, as lip mode "
            "does, so you can teach silent commands for your own face. Record each word or phrase several "
            "times, face to the camera."))


class _ClickLabel(QLabel):
    clicked = Signal()

    def mousePressEvent(self, event):  # noqa: N802 - Qt API
        self.clicked.emit()
        super().mousePressEvent(event)


class KeepActionsRow(QWidget):
    """The offer to teach on top of a model's actions; hidden until :meth:`set_base`."""

    toggled = Signal(bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.check = QCheckBox()
        self.label = _ClickLabel()
        self.label.setWordWrap(True)
        self.label.clicked.connect(lambda: self.check.isEnabled() and self.check.toggle())
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.check, 0, Qt.AlignmentFlag.AlignTop)
        lay.addWidget(self.label, 1)
        self.check.toggled.connect(self.toggled)
        self.base_path: Path | None = None
        self.setVisible(False)

    def set_base(self, base: Path | None, checked: bool) -> None:
        """Offer ``base`` (ticked when ``checked``); None takes the offer away."""
        self.base_path = Path(base) if base is not None else None
        self.check.setChecked(bool(base is not None and checked))
        self.retranslate()

    def base(self) -> Path | None:
        """The offered model when ticked, else None."""
        return self.base_path if self.base_path is not None and self.check.isChecked() else None

    def retranslate(self) -> None:
        """Re-read the user-visible texts (after a language switch or a new base)."""
        if self.base_path is None:
            return
        name = self.base_path.name
        text = self.tr("Keep the actions of %1 and add these to them").replace("%1", name)
        self.label.setText(text)
        self.check.setAccessibleName(text)
        tip = self.tr("The new model knows the actions of %1 and the ones you teach here; one action of your own is "
                      "enough. Untick to teach a model that knows only your actions.").replace("%1", name)
        self.check.setToolTip(tip)
        self.label.setToolTip(tip)
