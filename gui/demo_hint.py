"""The bar above the video while a shipped model runs: what it knows, and the next step.

Two shipped action models get it:

* the default, ``everyday-actions``: twelve everyday actions read from body keypoints. A new
  user needs to know which twelve (anything else reads "unknown", which is not a fault) and that
  their own actions can be added to them;
* the stick-figure demo, ``default-actions``: on real footage it says "unknown". A user who sees
  that needs to know why and what to do: teach their own actions, or open a model made for what
  they film.

Both next steps are one click away here.
"""

from __future__ import annotations

from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QSizePolicy, QWidget
from PySide6.QtCore import Signal

# what the bar says, by the kind of shipped model (MainWindow._hint_kind)
EVERYDAY = "everyday"
DEMO = "demo"


class DemoHint(QFrame):
    """"This model knows twelve everyday actions … [Add your own actions…] [Open a model…]"."""

    teachRequested = Signal()
    openRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("demoHint")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        # Amber and dark text on any palette: a notice, not an error.
        self.setStyleSheet("#demoHint { background-color: #fff3cd; border: 1px solid #e0c36a; border-radius: 4px; }"
                           "#demoHint QLabel { color: #3d3000; }")
        self.kind = DEMO
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

    def show_for(self, kind: str | None) -> None:
        """Show the bar for a shipped model of this kind (EVERYDAY or DEMO); hide it for None."""
        if kind is not None:
            self.kind = kind
            self.retranslate()
        self.setVisible(kind is not None)

    def retranslate(self) -> None:
        """Re-read the user-visible texts after a language switch."""
        if self.kind == EVERYDAY:
            self.text.setText(self.tr(
                "This model knows twelve everyday actions of one person in view: wave one arm, wave both arms, "
                "raise both arms sideways or forward, clap, jumping jack, squat, bow, punch, kick, stand still and "
                "walk on the spot. Anything else reads \"unknown\"."))
            self.teach_button.setText(self.tr("Add your own actions…"))
            self.teach_button.setToolTip(self.tr(
                "Record or pick a few clips of each new action; they are taught on top of the twelve"))
        else:
            self.text.setText(self.tr("This demo model only knows stick-figure motions; on real video it says "
                                      "\"unknown\"."))
            self.teach_button.setText(self.tr("Teach your own actions…"))
            self.teach_button.setToolTip(self.tr(
                "Record or pick a few clips of each action and teach a model of your own"))
        self.open_button.setText(self.tr("Open a model…"))
        self.open_button.setToolTip(self.tr("Open a model bundle folder or .zip made for what you film"))
