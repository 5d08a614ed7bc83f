"""The top-k panel: the k most likely labels with probability bars."""

from __future__ import annotations

from PySide6.QtWidgets import QGridLayout, QGroupBox, QLabel, QProgressBar, QWidget

from engine.core.prediction import Prediction, PredictionState
from gui.engine_texts import label_text
from gui.timeline import class_colour


class TopKPanel(QGroupBox):
    """Rows of (label, bar, percent), most likely first; greyed while uncertain."""

    def __init__(self, parent: QWidget | None = None, rows: int = 5) -> None:
        super().__init__(parent)
        self.retranslate()
        self._grid = QGridLayout(self)
        self._grid.setColumnStretch(1, 1)
        self._rows: list[tuple[QLabel, QProgressBar, QLabel]] = []
        self._shown: list[tuple[str, float]] = []
        self._label_index: dict[str, int] = {}
        self._bar_colour: dict[int, str] = {}
        self.set_rows(rows)

    def retranslate(self) -> None:
        """Re-read the user-visible texts after a language switch."""
        self.setTitle(self.tr("Top predictions"))

    def set_labels(self, labels) -> None:
        """The bundle's labels, so each bar gets its class colour (as in the timeline)."""
        self._label_index = {name: k for k, name in enumerate(labels)}

    def set_rows(self, rows: int) -> None:
        """Show ``rows`` label rows (the top-k setting)."""
        rows = max(1, rows)
        while len(self._rows) < rows:
            name, bar, pct = QLabel("—"), QProgressBar(), QLabel("")
            bar.setRange(0, 1000)
            bar.setTextVisible(False)
            bar.setMaximumHeight(14)
            pct.setMinimumWidth(44)
            r = len(self._rows)
            self._grid.addWidget(name, r, 0)
            self._grid.addWidget(bar, r, 1)
            self._grid.addWidget(pct, r, 2)
            self._rows.append((name, bar, pct))
        for r, widgets in enumerate(self._rows):
            for w in widgets:
                w.setVisible(r < rows)
        self._visible_rows = rows

    def show_prediction(self, prediction: Prediction | None) -> None:
        """Fill the rows from a prediction's top-k (None clears them). An "unknown" prediction
        shows what unknown means instead: its probabilities are those of classes the input is
        not like, and a "96 %" under "unknown" read as certainty."""
        if prediction is not None and prediction.state == PredictionState.UNKNOWN:
            self._show_unknown(prediction.novelty)
            return
        items = list(prediction.top_k[: self._visible_rows]) if prediction else []
        self._shown = items
        dim = prediction is not None and prediction.state != PredictionState.CONFIDENT
        for r, (name, bar, pct) in enumerate(self._rows):
            if r < len(items):
                label, p = items[r]
                name.setText(label_text(label))
                bar.setValue(int(round(p * 1000)))
                # Grey while uncertain / warming up, the class colour when confident.
                colour = "#9e9e9e" if dim else class_colour(self._label_index.get(label, r)).name()
                if self._bar_colour.get(r) != colour:  # style sheets are costly: only on change
                    bar.setStyleSheet(f"QProgressBar::chunk {{ background-color: {colour}; }}")
                    self._bar_colour[r] = colour
                pct.setText(f"{p * 100:.0f}%")
            else:
                name.setText("—")
                bar.setValue(0)
                pct.setText("")
            # Uncertain/warming-up rows are greyed so they never read as a confident answer.
            name.setEnabled(not dim)
            bar.setEnabled(not dim)
            bar.setVisible(r < self._visible_rows)
            font = name.font()
            font.setBold(r == 0 and not dim and bool(items))
            name.setFont(font)

    def _show_unknown(self, novelty: float | None) -> None:
        self._shown = []
        # The novelty on the row below: beside the words it was cut off in the panel's width (and a
        # second line in one row is clipped until the layout catches up).
        lines = [self.tr("Not like anything taught")]
        if novelty is not None:
            lines.append(self.tr("novelty %1").replace("%1", f"{novelty:.2f}"))
        for r, (name, bar, pct) in enumerate(self._rows):
            name.setText(lines[r] if r < len(lines) else "—")
            name.setEnabled(r < len(lines))
            bar.setValue(0)
            bar.setVisible(False)  # no bar: nothing here is a probability
            pct.setText("")
            font = name.font()
            font.setBold(False)
            name.setFont(font)

    def text_of_row(self, row: int) -> tuple[str, str]:
        """What row ``row`` says: its label text and its percentage ("" when none)."""
        name, _bar, pct = self._rows[row]
        return name.text(), pct.text()

    def shown(self) -> list[tuple[str, float]]:
        """The (label, probability) pairs on screen, top first."""
        return list(self._shown)
