"""Model ▸ Rules (Ctrl+R): add a rule, save, reopen and find it; bad rules named; Chinese; and a
saved rule firing while a real clip plays."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import Qt

from engine.bundles import shipped_bundles_dir
from engine.triggers import load_rules, rules_path_for
from tests.gui.test_i18n import english_words

LIPS = shipped_bundles_dir() / "grid-lips"


@pytest.fixture
def user_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    return tmp_path / "data"


def open_rules(qtbot, window):
    window.activateWindow()  # a shortcut reaches the active window only
    qtbot.waitUntil(window.isActiveWindow, timeout=5000)
    qtbot.keyClick(window, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)  # Model ▸ Rules, by keyboard
    qtbot.waitUntil(lambda: window.rules.dialog is not None and window.rules.dialog.isVisible(), timeout=5000)
    return window.rules.dialog


def test_a_rule_added_and_saved_is_there_when_the_dialog_reopens(qtbot, make_window, user_folder, tmp_path):
    window = make_window(bundle=LIPS)
    dialog = open_rules(qtbot, window)
    assert dialog.windowTitle() == "Rules for grid-lips" and dialog.table.rowCount() == 0
    assert "<blank>" not in [dialog.label.itemText(i) for i in range(dialog.label.count())]
    qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)
    assert dialog.table.rowCount() == 1 and dialog.focusWidget() is dialog.name
    qtbot.keyClicks(dialog.name, "said blue")
    dialog.label.setCurrentText("blue")
    dialog.hold.setValue(0.1)
    dialog.action.setCurrentIndex(dialog.action.findData("stream"))
    dialog.target.setText(str(tmp_path / "events.jsonl"))
    dialog.target.textEdited.emit(dialog.target.text())
    assert dialog.table.item(0, 1).text() == "blue for 0.1 s at 0.50 or more"

    # a second rule that cannot work: the message names it and what is wrong, nothing is written
    qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)
    dialog.action.setCurrentIndex(dialog.action.findData("http"))
    dialog.target.setText("localhost:8000")
    dialog.target.textEdited.emit(dialog.target.text())
    assert not dialog.save()
    assert dialog.message.text().startswith("Rule rule 1: the target does not suit the action (must be an http://")
    assert dialog.focusWidget() is dialog.target and not rules_path_for(LIPS).exists()
    qtbot.mouseClick(dialog.remove_button, Qt.MouseButton.LeftButton)

    qtbot.mouseClick(dialog.buttons.button(dialog.buttons.StandardButton.Save), Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    saved = rules_path_for(LIPS)
    assert saved.parent == user_folder / "kinesight" / "rules"  # the user's folder, never the bundle
    assert [(r.name, r.label, r.hold_s, r.action) for r in load_rules(saved)] == [("said blue", "blue", 0.1, "stream")]
    assert window.rules.count == 1  # saving puts the rules to work

    again = open_rules(qtbot, window)
    assert again is not dialog and again.table.rowCount() == 1
    assert again.table.item(0, 0).text() == "said blue" and again.label.currentText() == "blue"
    again.close()


def test_the_rules_dialog_in_chinese(qtbot, make_window, user_folder):
    window = make_window(bundle=LIPS)
    window.set_language("zh_CN")
    try:
        dialog = open_rules(qtbot, window)
        dialog.add_rule()
        assert dialog.windowTitle() == "grid-lips 的规则"
        assert dialog.add_button.text() == "添加规则(&A)"
        from PySide6.QtWidgets import QAbstractButton, QLabel

        texts = [w.text() for kind in (QLabel, QAbstractButton) for w in dialog.findChildren(kind) if w.isVisible()]
        texts += [dialog.table.horizontalHeaderItem(i).text() for i in range(dialog.table.columnCount())]
        texts += [dialog.table.item(0, c).text() for c in range(3)]
        texts += [dialog.action.itemText(i) for i in range(dialog.action.count())] + [dialog.target.placeholderText()]
        allowed = {"grid-lips", "kinesight", "run", "--source", "SOURCE", "--rules", "FILE", "stdout", "HTTP", "POST",
                   "bin", "rule", "source", "rules", "tcp"}
        assert [(t, english_words(t, allowed)) for t in texts if english_words(t, allowed)] == []
        dialog.target.setText("")
        dialog.target.textEdited.emit("")
        assert not dialog.save() and dialog.message.text().startswith("规则 rule 1：目标与动作不符")
        dialog.close()
    finally:
        window.set_language("en")


def test_a_saved_rule_fires_while_a_real_clip_plays(qtbot, make_window, user_folder, tmp_path, shared_data):
    events = tmp_path / "events.jsonl"
    rules_path_for(LIPS).parent.mkdir(parents=True)
    rules_path_for(LIPS).write_text(json.dumps({"format": "kinesight-rules", "format_version": 1, "rules": [
        {"name": "blue", "label": "blue", "hold_s": 0.1, "action": "stream", "target": str(events)}]}))
    window = make_window(bundle=LIPS)
    assert window.rules.count == 1
    clip = shared_data / "grid" / "s1" / "video" / "bbaf3s.mp4"  # "bin blue in f three soon"
    window.open_source(str(clip))
    with qtbot.waitSignal(window.rules.fired, timeout=20000) as fired:
        pass
    assert fired.args[0].label == "blue"
    qtbot.waitUntil(lambda: events.exists() and events.read_text().endswith("\n"), timeout=5000)
    line = json.loads(events.read_text().splitlines()[0])
    assert (line["rule"], line["source"], line["bundle"]) == ("blue", str(clip), "grid-lips")
    assert line["start"] == pytest.approx(0.84, abs=0.1)
    assert "Rule blue fired: blue" in window.status.currentMessage() or window.rules.last_fired["blue"]
