"""The main window's rules: the running bundle's rules (gui/rules_dialog.py) applied to the
predictions as they arrive, their actions sent on the rules' own threads (engine/triggers), what
fired and what failed shown in the status bar and the Rules dialog.

Evaluating is a few comparisons per prediction and runs where the predictions arrive (the GUI
thread, in batches); commands, POSTs and streams never run there. Failures come from the rules'
worker threads and are re-emitted on the GUI thread through a queued signal.
"""

from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from engine.core.errors import RulesError
from engine.triggers import RuleEvent, RuleRunner, check_labels, load_rules, rules_path_for
from gui.rules_dialog import RulesDialog, word_labels


class WindowRules(QObject):
    """Rules for one window: ``load`` with each bundle, ``feed`` with each batch of predictions.

    Signals (GUI thread): ``fired(RuleEvent)``, ``problem(str)`` (a target failed, once per
    target, or the rules file could not be used).
    """

    fired = Signal(object)
    problem = Signal(str)
    _warned = Signal(str)  # from a rule's worker thread

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.runner: RuleRunner | None = None
        self.bundle_path: Path | None = None
        self._bundle = None
        self._source = None
        self.last_fired: dict[str, str] = {}  # rule name -> "HH:MM:SS (start-end s)"
        self.dialog: RulesDialog | None = None
        self._warned.connect(self.problem)

    @property
    def count(self) -> int:
        """How many rules are on."""
        return len(self.runner.evaluator.rules) if self.runner is not None else 0

    def load(self, bundle_path: Path | None, bundle) -> None:
        """Run ``bundle``'s saved rules from now on (none when it has no rules file)."""
        self.close()
        self.bundle_path, self._bundle, self.last_fired = bundle_path, bundle, {}
        if bundle_path is None or bundle is None:
            return
        path = rules_path_for(bundle_path)
        if not path.is_file():
            return
        try:
            rules = load_rules(path)
            check_labels(rules, bundle.labels, bundle.manifest.name)
        except RulesError as exc:
            self.problem.emit(self.tr("The rules for this model are not used: %1").replace("%1", str(exc)))
            return
        self.runner = RuleRunner(rules, source=self._source_name(), bundle=bundle.manifest.name,
                                 on_warning=self._warned.emit)

    def feed(self, records: list, source) -> None:
        """Apply the rules to a batch of predictions of ``source`` (what plays now)."""
        if self.runner is None:
            return
        if source != self._source:
            self._source = source
            self.runner.set_source(self._source_name())
        for record in records:
            for event in self.runner.feed(record):
                self._note(event)

    def _source_name(self) -> str:
        text = "" if self._source is None else str(self._source)
        return f"camera {text}" if text.isdigit() else text

    def _note(self, event: RuleEvent) -> None:
        if event.kind != "event":
            return
        text = f"{time.strftime('%H:%M:%S')} ({event.start_s:.1f}–{event.end_s:.1f} s)"
        self.last_fired[event.rule] = text
        if self.dialog is not None:
            self.dialog.show_fired(event.rule, text)
        self.fired.emit(event)

    def open_dialog(self, parent) -> RulesDialog | None:
        """Model ▸ Rules: edit the running bundle's rules; saving puts them to work at once."""
        if self._bundle is None or self.bundle_path is None:
            return None
        if self.dialog is not None and self.dialog.isVisible():
            self.dialog.raise_()
            self.dialog.activateWindow()
            return self.dialog
        self.dialog = RulesDialog(self.bundle_path, self._bundle.manifest.name, word_labels(self._bundle.labels),
                                  parent, last_fired=self.last_fired)
        self.dialog.saved.connect(lambda _path: self.load(self.bundle_path, self._bundle))
        self.dialog.show()
        return self.dialog

    def retranslate(self) -> None:
        """Follow a language switch."""
        if self.dialog is not None:
            self.dialog.retranslate()

    def threads(self) -> list:
        """The rules' worker threads (for shutdown checks)."""
        return self.runner.threads() if self.runner is not None else []

    def close(self, timeout: float = 0.3) -> None:
        """Stop the rules' threads and servers (a command still running finishes on its own)."""
        if self.runner is not None:
            runner, self.runner = self.runner, None
            runner.close(timeout=timeout)
