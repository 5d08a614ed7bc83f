"""The bar above the video while the shipped demo model runs: what it knows, and the next step.

The shipped bundle recognises rendered stick figures only; on real footage it says "unknown".
A user who sees that needs to know why and what to do: teach their own actions, or open a
model made for what they film. Both are one click away here.
"""

from __future__ import annotations

from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QSizePolicy, QWidget
from PySide6.QtCore import Signal


class DemoHint(QFrame):
    """"This demo model only knows stick-figure motions — [Teach your own actions…] [Open a model…]"."""

    teachRequested = Signal()
    openRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("demoHint")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        # Amber and dark text on any palette: a notice, not an error.
        self.setStyleSheet("#demoHint { background-color: #fff3cd; border: 1px solid #e0c36a; border-radius: 4px; }"
                           "#demoHint QLabel { color: #3d3000; }")
        lay = QHBoxLayout(self)
        lay.setContentsMargins(10, 4, 6, 4)
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.text.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.teach_button = QPushButton()
        self.open_button = QPushButton()
        lay.addWidget(self.text, 1)
        lay.addWidget(self.teach_button)
        lay.addWidget(self.open_button)
        self.teach_button.clicked.connect(self.teachRequested)
        self.open_button.clicked.connect(self.openRequested)
        self.retranslate()

    def retranslate(self) -> None:
        """Re-read the user-visible texts after a language switch."""
        self.text.setText(self.tr("This demo model only knows stick-figure motions; on real video it says "
                                  "\"unknown\"."))
        self.teach_button.setText(self.tr("Teach your own actions…"))
        self.teach_button.setToolTip(self.tr("Record or pick a few clips of each action and teach a model of your own"))
        self.open_button.setText(self.tr("Open a model…"))
        self.open_button.setToolTip(self.tr("Open a model bundle folder or .zip made for what you film"))
