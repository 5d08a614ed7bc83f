"""Ask where unsure: the stretches of the analysed file the model was least sure of (unknown,
uncertain, close to the unknown threshold, or a close call between two actions), a few at a time,
each confirmed or corrected with one click (a button per action, and None of These)."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QGridLayout, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from engine.actions.unsure import unsure_stretches

PER_PAGE = 4


class UnsureDialog(QDialog):
    """Lists :func:`engine.actions.unsure.unsure_stretches` of the window's last analysis; a click on an
    action (or None of These) hands that stretch to the window's :class:`gui.correct.Corrector`."""

    def __init__(self, corrector, parent=None) -> None:
        super().__init__(parent)
        self.corrector = corrector
        self.skip = 0
        self.stretches = []
        self.rows: list[dict] = []
        lay = QVBoxLayout(self)
        self.intro = QLabel(wordWrap=True)
        lay.addWidget(self.intro)
        self.grid_box = QWidget()
        self.grid = QGridLayout(self.grid_box)
        lay.addWidget(self.grid_box)
        buttons = QHBoxLayout()
        self.more = QPushButton(clicked=self._more)
        self.close_button = QPushButton(clicked=self.close)
        buttons.addStretch(1)
        buttons.addWidget(self.more)
        buttons.addWidget(self.close_button)
        lay.addLayout(buttons)
        self.retranslate()

    def retranslate(self) -> None:
        """Re-read the user-visible texts."""
        self.setWindowTitle(self.tr("Where the Model Was Unsure"))
        self.intro.setText(self.tr("The stretches of this file the model was least sure of. Say what each one was "
                                   "with one click: the model is re-taught after each answer."))
        self.more.setText(self.tr("&Next Few"))
        self.close_button.setText(self.tr("&Close"))

    def reason_text(self, reason: str) -> str:
        """A stretch's reason, in the user's language."""
        return {"unknown": self.tr("unknown"), "uncertain": self.tr("uncertain"),
                "near threshold": self.tr("near the unknown threshold"),
                "close call": self.tr("a close call")}.get(reason, reason)

    def refresh(self) -> None:
        """List the next few stretches of the window's newest analysis."""
        w = self.corrector.w
        result = w.file_analysis.result
        bundle = w.bridge.bundle
        threshold = bundle.manifest.open_set.get("threshold") if bundle is not None else None
        self.stretches = (unsure_stretches(result.predictions, threshold=threshold, count=PER_PAGE, skip=self.skip)
                          if result is not None else [])
        while self.grid.count():
            item = self.grid.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()
        self.rows = []
        labels = self.corrector.labels()
        for r, s in enumerate(self.stretches):
            when = QPushButton(f"{s.start_s:.1f}–{s.end_s:.1f} s")
            when.setToolTip(self.tr("Show this stretch"))
            when.clicked.connect(lambda _c=False, s=s: self._show(s))
            said = QLabel(self.tr("%1; most like %2").replace("%1", self.reason_text(s.reason))
                          .replace("%2", s.guess or "-"))
            self.grid.addWidget(when, r, 0)
            self.grid.addWidget(said, r, 1)
            answers = {}
            for c, lab in enumerate([*labels, None]):
                b = QPushButton(lab if lab is not None else self.tr("None of These"))
                b.clicked.connect(lambda _c=False, s=s, lab=lab, r=r: self.answer(r, lab))
                self.grid.addWidget(b, r, 2 + c)
                answers[lab] = b
            self.rows.append({"stretch": s, "when": when, "said": said, "answers": answers})
        self.more.setEnabled(bool(self.stretches))

    def answer(self, row: int, label: str | None) -> None:
        """The user's one click: row ``row`` was ``label`` (None: none of these)."""
        s = self.rows[row]["stretch"]
        if self.corrector.correct(label if label is not None else "none", (s.start_s, s.end_s)):
            for b in self.rows[row]["answers"].values():
                b.setEnabled(False)
            self.rows[row]["said"].setText(self.tr("taught as %1").replace("%1", label or self.tr("none of these")))

    def _show(self, s) -> None:
        self.corrector.w.seek(s.start_s)
        self.corrector.w.timeline.select(s.start_s, s.end_s)

    def _more(self) -> None:
        self.skip += PER_PAGE
        self.refresh()
