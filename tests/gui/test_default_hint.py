"""A new user's first screen: the default model (everyday-actions) says what it knows, and "Add your
own actions…" opens teaching on top of its twelve actions (one action of your own is enough)."""

from __future__ import annotations

from PySide6.QtCore import Qt

WAIT = 30000


def test_the_default_model_names_its_actions_and_adds_yours_to_them(qtbot, make_window, shared_data, tiny_bundle):
    from engine.bundles import default_bundle_path

    w = make_window(bundle=default_bundle_path())
    qtbot.waitUntil(lambda: w.panels != [], timeout=WAIT)
    hint = w.demo_hint
    assert hint.isVisible()
    text = hint.text.text()
    assert "twelve everyday actions" in text and "raise both arms sideways or forward" in text and "unknown" in text
    assert hint.teach_button.text() == "Add your own actions…"
    hint.teach_button.click()
    qtbot.waitUntil(lambda: w.teach_dialog is not None and w.teach_dialog.isVisible(), timeout=WAIT)
    dialog = w.teach_dialog
    try:
        row = dialog.base_row
        assert dialog.roi() == "pose" and row.isVisible() and row.check.isChecked()
        assert row.label.text() == "Keep the actions of everyday-actions and add these to them"
        assert dialog.width() <= 900  # the line wraps in the actions column
        assert dialog.base() == default_bundle_path()
        # One action with two clips is enough on top of the twelve; from scratch it is not.
        dialog.add_action("cleaning a pool")
        dialog.add_clips("cleaning a pool", [shared_data / "clips" / "kinetics_cleaning_pool.mp4",
                                             shared_data / "clips" / "kinetics_arm_wrestling.mp4"])
        assert dialog.problems() == []
        assert "one is enough" in dialog.actions_hint.text()
        qtbot.mouseClick(row.label, Qt.MouseButton.LeftButton)  # a click on the line unticks the box
        assert dialog.base() is None and dialog.problems() == ["Add at least two actions."]
        # Other kinds of teaching (the whole frame, hands, lips) cannot keep the body actions.
        row.check.setChecked(True)
        dialog.set_roi("hands")
        assert not row.isVisible() and dialog.base() is None
    finally:
        dialog.close()
    # Another model: no hint; the Teach menu's dialog offers the twelve unticked.
    w.switch_bundle(tiny_bundle)
    qtbot.waitUntil(lambda: w.bundle_path == tiny_bundle, timeout=WAIT)
    assert not hint.isVisible()
    w.open_teach_dialog()
    qtbot.waitUntil(lambda: w.teach_dialog.isVisible(), timeout=WAIT)
    assert w.teach_dialog.base_row.isVisible() and not w.teach_dialog.base_row.check.isChecked()
    w.teach_dialog.close()
