"""Model ▸ Rules: the running bundle's rules ("when LABEL holds for N s with confidence >= c, run a
command / POST to a URL / write a JSON line"), listed, added, edited, removed and saved.

The rules are kept per bundle in the user's folder (engine.triggers.rules_path_for), never in the
bundle; ``kinesight run --rules FILE`` runs the same file headless. Saving writes one small JSON
file (like a settings write); the rules run in gui/window_rules.py.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView, QCheckBox, QComboBox, QDialog, QDialogButtonBox, QDoubleSpinBox, QFormLayout, QHBoxLayout,
    QLabel, QLineEdit, QPushButton, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget,
)

from engine.core.errors import RulesError
from engine.triggers import ACTIONS, Rule, check_labels, load_rules, rules_path_for, save_rules

COLUMNS = 4  # name, when, then, last fired


def word_labels(labels) -> list[str]:
    """The labels a rule can wait for (a lip reader's blank token is none)."""
    return [x for x in labels if not (x.startswith("<") and x.endswith(">"))]


class RulesDialog(QDialog):
    """Edit one bundle's rules; ``saved(path)`` after they were written."""

    saved = Signal(str)

    def __init__(self, bundle_path: str | Path, bundle_name: str, labels, parent: QWidget | None = None,
                 last_fired: dict[str, str] | None = None) -> None:
        super().__init__(parent)
        self.path = rules_path_for(bundle_path)
        self.bundle_name = bundle_name
        self.labels = word_labels(labels)
        self.last_fired = dict(last_fired or {})
        self.rules: list[Rule] = []
        self.problem = ""  # the last validation message shown
        if self.path.is_file():
            try:
                self.rules = load_rules(self.path)
            except RulesError as exc:
                self.problem = str(exc)
        self._filling = False
        self._build()
        self.retranslate()
        self._fill_table()
        self.table.selectRow(0) if self.rules else self._show_rule(None)
        if self.problem:  # a file edited by hand and broken: say so, start from an empty list
            self._say(self.tr("The saved rules could not be read: %1").replace("%1", self.problem))
        self.resize(860, 640)

    # -- construction ------------------------------------------------------------------------
    def _build(self) -> None:
        self.table = QTableWidget(0, COLUMNS, self)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.verticalHeader().setVisible(False)
        self.table.itemSelectionChanged.connect(lambda: self._show_rule(self._current()))
        self.add_button = QPushButton(self)
        self.add_button.clicked.connect(self.add_rule)
        self.remove_button = QPushButton(self)
        self.remove_button.clicked.connect(self.remove_rule)
        QShortcut(QKeySequence(QKeySequence.StandardKey.Delete), self.table, self.remove_rule)

        self.name = QLineEdit(self)
        self.label = QComboBox(self, editable=True)
        self.label.addItems(self.labels)
        self.hold = QDoubleSpinBox(self, decimals=2, minimum=0.0, maximum=3600.0, singleStep=0.25)
        self.confidence = QDoubleSpinBox(self, decimals=2, minimum=0.0, maximum=1.0, singleStep=0.05)
        self.cooldown = QDoubleSpinBox(self, decimals=1, minimum=0.0, maximum=86400.0, singleStep=1.0)
        self.action = QComboBox(self)
        for kind in ACTIONS:
            self.action.addItem("", kind)
        self.target = QLineEdit(self)
        self.enabled = QCheckBox(self)
        self.on_end = QCheckBox(self)
        form = self.form = QFormLayout()
        self.form_labels: list[QLabel] = []
        for w in (self.name, self.label, self.hold, self.confidence, self.cooldown, self.action, self.target,
                  self.on_end, self.enabled):
            lab = QLabel(self)
            lab.setBuddy(w)  # Alt+letter of the label reaches the field
            self.form_labels.append(lab)
            form.addRow(lab, w)
        self.editor = QWidget(self)
        self.editor.setLayout(form)
        for w in (self.name, self.target):
            w.textEdited.connect(self._edited)
        self.label.currentTextChanged.connect(self._edited)
        for w in (self.hold, self.confidence, self.cooldown):
            w.valueChanged.connect(self._edited)
        self.action.currentIndexChanged.connect(self._edited)
        self.enabled.toggled.connect(self._edited)
        self.on_end.toggled.connect(self._edited)

        self.message = QLabel(self, wordWrap=True)
        self.message.setStyleSheet("color: #b00020;")
        self.where = QLabel(self, wordWrap=True, textInteractionFlags=Qt.TextInteractionFlag.TextSelectableByMouse)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Close,
                                        self)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)

        side = QHBoxLayout()
        side.addWidget(self.add_button)
        side.addWidget(self.remove_button)
        side.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)  # the list on top, full width: every column readable
        layout.addLayout(side)
        layout.addWidget(self.editor)
        layout.addWidget(self.message)
        layout.addWidget(self.where)
        layout.addWidget(self.buttons)
        self.setTabOrder(self.table, self.add_button)
        self.setTabOrder(self.add_button, self.remove_button)
        self.setTabOrder(self.remove_button, self.name)

    def retranslate(self) -> None:
        """Re-read every text (after a language switch)."""
        self.setWindowTitle(self.tr("Rules for %1").replace("%1", self.bundle_name))
        self.table.setHorizontalHeaderLabels([self.tr("Name"), self.tr("When"), self.tr("Then"),
                                              self.tr("Last fired")])
        self.add_button.setText(self.tr("&Add rule"))
        self.remove_button.setText(self.tr("&Remove"))
        texts = [self.tr("&Name:"), self.tr("&When this holds:"), self.tr("For at &least:"),
                 self.tr("With con&fidence of at least:"), self.tr("Then wait before firing a&gain:"),
                 self.tr("&Do:"), self.tr("&Target:"), "", ""]
        for lab, text in zip(self.form_labels, texts):
            lab.setText(text)
        self.on_end.setText(self.tr("Also send an &end event when it stops holding"))
        self.enabled.setText(self.tr("Rule is &on"))
        for s in (self.hold, self.cooldown):
            s.setSuffix(self.tr(" s"))
        self.label.setToolTip(self.tr("An action label of this model, or a word for a lip reader"))
        names = {"command": self.tr("Run a command"), "http": self.tr("Send an HTTP POST"),
                 "stream": self.tr("Write a JSON line (event stream)")}
        for i in range(self.action.count()):
            self.action.setItemText(i, names[self.action.itemData(i)])
        self._placeholder()
        self.where.setText(self.tr("Saved in %1; the same rules run without the app with: kinesight run --source "
                                   "SOURCE --rules FILE").replace("%1", str(self.path)))
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setText(self.tr("&Save"))
        self.buttons.button(QDialogButtonBox.StandardButton.Close).setText(self.tr("&Close"))
        self._fill_table()

    def _placeholder(self) -> None:
        kind = self.action.currentData()
        self.target.setPlaceholderText({
            "command": self.tr("a program and its arguments, e.g. notify-send Waving"),
            "http": self.tr("a URL, e.g. http://127.0.0.1:8000/events"),
            "stream": self.tr("stdout, tcp://127.0.0.1:8765 or a file path"),
        }.get(kind, ""))
        self.on_end.setEnabled(kind is not None)

    # -- the list ----------------------------------------------------------------------------
    def _current(self) -> int | None:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        return rows[0].row() if rows else None

    def _row_texts(self, rule: Rule) -> list[str]:
        when = self.tr("%1 for %2 s at %3 or more").replace("%1", rule.label or "?").replace(
            "%2", f"{rule.hold_s:g}").replace("%3", f"{rule.min_confidence:.2f}")
        then = f"{self.action.itemText(ACTIONS.index(rule.action))}: {rule.target}"
        name = rule.name if rule.enabled else self.tr("%1 (off)").replace("%1", rule.name)
        return [name, when, then, self.last_fired.get(rule.name, "")]

    def _fill_table(self) -> None:
        if not hasattr(self, "rules"):
            return
        self.table.setRowCount(len(self.rules))
        for row, rule in enumerate(self.rules):
            self._fill_row(row, rule)
        self.remove_button.setEnabled(bool(self.rules))
        self.table.resizeColumnsToContents()

    def _fill_row(self, row: int, rule: Rule) -> None:
        for col, text in enumerate(self._row_texts(rule)):
            item = self.table.item(row, col)
            if item is None:
                self.table.setItem(row, col, QTableWidgetItem(text))
            else:
                item.setText(text)

    def show_fired(self, rule_name: str, text: str) -> None:
        """Show when a rule last fired (the window calls this as events come)."""
        self.last_fired[rule_name] = text
        for row, rule in enumerate(self.rules):
            if rule.name == rule_name:
                self._fill_row(row, rule)

    def add_rule(self) -> None:
        """A new rule, named and labelled to be edited, selected with its name field focused."""
        taken = {r.name for r in self.rules}
        n = 1
        while f"rule {n}" in taken:
            n += 1
        label = self.labels[0] if self.labels else ""
        self.rules.append(Rule(name=f"rule {n}", label=label))
        self._fill_table()
        self.table.selectRow(len(self.rules) - 1)
        self.name.setFocus()
        self.name.selectAll()

    def remove_rule(self) -> None:
        """Remove the selected rule."""
        row = self._current()
        if row is None:
            return
        del self.rules[row]
        self._fill_table()
        if self.rules:
            self.table.selectRow(min(row, len(self.rules) - 1))
        else:
            self._show_rule(None)

    # -- the editor --------------------------------------------------------------------------
    def _show_rule(self, row: int | None) -> None:
        self.editor.setEnabled(row is not None)
        if row is None:
            return
        r = self.rules[row]
        self._filling = True
        try:
            self.name.setText(r.name)
            self.label.setCurrentText(r.label)
            self.hold.setValue(r.hold_s)
            self.confidence.setValue(r.min_confidence)
            self.cooldown.setValue(r.cooldown_s)
            self.action.setCurrentIndex(ACTIONS.index(r.action))
            self.target.setText(r.target)
            self.enabled.setChecked(r.enabled)
            self.on_end.setChecked(r.on_end)
            self._placeholder()
        finally:
            self._filling = False

    def _edited(self, *_args) -> None:
        row = self._current()
        if self._filling or row is None:
            return
        self._placeholder()
        self.rules[row] = replace(self.rules[row], name=self.name.text().strip(), label=self.label.currentText().strip(),
                                  hold_s=self.hold.value(), min_confidence=self.confidence.value(),
                                  cooldown_s=self.cooldown.value(), action=self.action.currentData(),
                                  target=self.target.text().strip(), enabled=self.enabled.isChecked(),
                                  on_end=self.on_end.isChecked())
        self._fill_row(row, self.rules[row])
        self._say("")

    # -- checking and saving -----------------------------------------------------------------
    def _say(self, text: str) -> None:
        self.problem = text
        self.message.setText(text)

    def check(self) -> str:
        """What is wrong with the rules, in the UI's language ("" when nothing is)."""
        fields = {"name": (self.name, self.tr("give it a name")),
                  "label": (self.label, self.tr("choose one of this model's labels or words")),
                  "target": (self.target, self.tr("the target does not suit the action")),
                  "action": (self.action, self.tr("choose what to do"))}
        names: set[str] = set()
        for i, rule in enumerate(self.rules):
            field, detail = "", ""
            try:
                rule.validated(f"rules[{i}]")
                check_labels([rule], self.labels or [rule.label], self.bundle_name)
            except RulesError as exc:
                field, detail = (exc.field or "").rsplit(".", 1)[-1], exc.reason
            if not field and rule.name in names:
                field = "name"
                fields["name"] = (self.name, self.tr("another rule has this name"))
            names.add(rule.name)
            if field:
                widget, what = fields.get(field, (None, self.tr("check %1").replace("%1", field)))
                text = self.tr("Rule %1: %2").replace("%1", rule.name or str(i + 1)).replace("%2", what)
                if detail and field in ("target", "label"):
                    text += f" ({detail})"  # the engine's exact words, e.g. why a URL is not one
                self.table.selectRow(i)
                if widget is not None:
                    widget.setFocus()
                return text
        return ""

    def save(self) -> bool:
        """Check the rules and write them; a message beside the editor when they are not right."""
        problem = self.check()
        if problem:
            self._say(problem)
            return False
        try:
            save_rules(self.path, self.rules, bundle=self.bundle_name)
        except (OSError, RulesError) as exc:
            self._say(self.tr("The rules could not be saved: %1").replace("%1", str(exc)))
            return False
        self._say("")
        self.saved.emit(str(self.path))
        self.accept()
        return True
