"""The model panel: which bundle runs, its labels, window and training figures."""

from __future__ import annotations

import html
from pathlib import Path

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QComboBox, QDialog, QGroupBox, QHBoxLayout, QLabel, QPushButton, QScrollArea, QVBoxLayout, QWidget,
)

from gui.engine_texts import bundle_text, label_text


def shown_labels(labels) -> list[str]:
    """The labels a user can see: without a lip reader's special tokens ("<blank>"), which
    are never said or shown as a word."""
    return [lab for lab in labels if not (lab.startswith("<") and lab.endswith(">"))]


def bundle_figures(root: Path, limit: int = 8) -> list[Path]:
    """PNG figures a bundle carries (training curves, confusion matrix), nearest first."""
    root = Path(root)
    found = sorted(root.glob("*.png")) + sorted(root.glob("*/*.png"))
    return found[:limit]


def training_lines(training: dict) -> list[str]:
    """Human-readable lines for the manifest's ``training`` metrics (held-out test figures)."""
    names = {
        # Units named (issue 26): live labels = one per tick, as the app shows them; clips = whole clips.
        "new_person_clip_accuracy": QCoreApplication.translate("BundlePanel", "New person, predicted (clips)"),
        "test_accuracy": QCoreApplication.translate("BundlePanel", "Test accuracy (live labels)"),
        "macro_f1": QCoreApplication.translate("BundlePanel", "Macro F1"),
        "clip_accuracy": QCoreApplication.translate("BundlePanel", "Test accuracy (clips)"),
    }
    lines = []
    for key, name in names.items():
        v = training.get(key, (training.get("cv") or {}).get(key))
        if isinstance(v, (int, float)):
            lines.append(f"{name}: {v * 100:.1f}%" if key != "macro_f1" else f"{name}: {v:.3f}")
    clips, windows = training.get("test_clips"), training.get("test_windows")
    if isinstance(clips, int) and isinstance(windows, int):
        lines.append(QCoreApplication.translate("BundlePanel", "Held out for testing: %1 clips, %2 windows")
                     .replace("%1", str(clips)).replace("%2", str(windows)))
    return lines


class FiguresDialog(QDialog):
    """Shows a bundle's training figures at full size."""

    def __init__(self, figures: list[Path], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Training figures"))
        inner = QWidget()
        lay = QVBoxLayout(inner)
        for f in figures:
            cap = QLabel(f.name)
            img = QLabel()
            img.setPixmap(QPixmap(str(f)))
            lay.addWidget(cap)
            lay.addWidget(img)
        scroll = QScrollArea()
        scroll.setWidget(inner)
        outer = QVBoxLayout(self)
        outer.addWidget(scroll)
        self.resize(900, 700)


class BundlePanel(QGroupBox):
    """A picker of the shipped bundles plus the current bundle's summary and figures."""

    bundleChosen = Signal(str)  # path of a bundle folder or .zip
    openRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        lay = QVBoxLayout(self)
        row = QHBoxLayout()
        self.picker = QComboBox()
        self.open_button = QPushButton()
        row.addWidget(self.picker, 1)
        row.addWidget(self.open_button)
        lay.addLayout(row)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        lay.addWidget(self.summary)
        self.figures_button = QPushButton()
        self.figures_button.setVisible(False)
        lay.addWidget(self.figures_button)
        self._figures: list[Path] = []
        self._bundle = None
        self.retranslate()
        self.picker.activated.connect(self._picked)
        self.open_button.clicked.connect(self.openRequested)
        self.figures_button.clicked.connect(self._show_figures)

    def retranslate(self) -> None:
        """Re-read the user-visible texts after a language switch."""
        self.setTitle(self.tr("Model"))
        self.picker.setToolTip(self.tr("Bundles shipped with Kinesight and the ones you opened"))
        self.open_button.setText(self.tr("Open…"))
        self.open_button.setToolTip(self.tr("Open a model bundle folder or .zip"))
        if self._bundle is None:
            self.summary.setText(self.tr("No model loaded"))
        else:
            self.show_bundle(self._bundle)

    def set_bundles(self, paths: list[Path], current: Path | None) -> None:
        """Fill the picker with bundle paths and select ``current`` (added if missing)."""
        self.picker.blockSignals(True)
        self.picker.clear()
        seen = []
        for p in list(paths) + ([current] if current else []):
            if p is None or str(p) in seen:
                continue
            seen.append(str(p))
            self.picker.addItem(Path(p).name, str(p))
        if current is not None:
            self.picker.setCurrentIndex(seen.index(str(current)))
        self.picker.blockSignals(False)

    def show_bundle(self, bundle) -> None:
        """Show a loaded bundle's name, labels, window and training metrics."""
        self._bundle = bundle
        m = bundle.manifest
        w = m.window
        labels = shown_labels(m.labels)
        parts = [
            f"<b>{html.escape(m.name)}</b> {html.escape(str(m.version))} — {html.escape(bundle_text(m.task))}",
            # Escaped: the summary is rich text, and a lip bundle's first token is "<blank>".
            self.tr("Labels (%1): %2").replace("%1", str(len(labels))).replace("%2", html.escape(", ".join(map(label_text, labels)))),
            self.tr("Window: %1 features at %2 fps = %3 s").replace("%1", str(w.length))
            .replace("%2", f"{w.sample_fps:g}").replace("%3", f"{w.length / w.sample_fps:.2f}"),
            self.tr("Backbone: %1, head: %2 (%3)").replace("%1", self._features_text(m)).replace("%2", m.head.arch or "?")
            .replace("%3", bundle_text(m.head.kind)),
        ]
        parts += training_lines(m.training)
        if m.description:
            parts.append(f"<i>{html.escape(bundle_text(m.description))}</i>")
        self.summary.setText("<br>".join(parts))
        self._figures = bundle_figures(bundle.root)
        self.figures_button.setVisible(bool(self._figures))
        self.figures_button.setText(self.tr("Training figures (%1)…").replace("%1", str(len(self._figures))))

    def _features_text(self, m) -> str:
        """What the bundle reads of a frame: its backbone, the body or hand keypoints, or both."""
        if m.input is not None and m.input.hands:
            return self.tr("hand keypoints")
        if m.input is None or not m.input.pose:
            return html.escape(m.backbone)
        body = self.tr("body keypoints")
        if not m.input.views:
            return body
        where = self.tr("the person") if m.input.roi == "pose+person" else self.tr("the whole frame")
        return self.tr("%1 + %2 on %3").replace("%1", body).replace("%2", html.escape(m.backbone)).replace("%3", where)

    def summary_text(self) -> str:
        """The summary as shown (rich text)."""
        return self.summary.text()

    def _picked(self, index: int) -> None:
        path = self.picker.itemData(index)
        if path:
            self.bundleChosen.emit(path)

    def _show_figures(self) -> None:
        FiguresDialog(self._figures, self).exec()
