"""Correct and improve: a stretch of a real clip's timeline selected with the mouse, said to be "none of
these", the bundle re-taught in the background and replaced in place, the timeline analysed again
with what changed marked, then Ctrl+Z back to the model before."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QKeySequence

from engine.bundles import load_bundle
from models.teach import train_bundle

QUICK = {"window": 6, "sample_fps": 5.0, "views": 1}  # a small, quick few-shot run
WAIT = 90000


@pytest.fixture
def taught(clip_segments, tmp_path) -> Path:
    # the whole frame (the Teach dialog's second choice): the make-up clip has no body to read
    return train_bundle(clip_segments, tmp_path / "bundles" / "makeup-or-wrestling", cache_dir=tmp_path / "cache",
                        roi="full+motion", **QUICK).bundle_path


def _said(result) -> list[tuple[float, str, str | None]]:
    return [(round(p.pts_s, 3), p.state.value, p.label) for p in result.predictions]


def test_a_stretch_corrected_on_the_timeline_re_teaches_the_bundle_and_undo_puts_it_back(qtbot, make_window, taught,
                                                                                         clips, message_boxes):
    w = make_window(taught, size=(1200, 800))
    w.realtime = False
    w.open_source(str(clips["arm"]))
    qtbot.waitUntil(lambda: w.analysis_result is not None, timeout=WAIT)
    before = _said(w.analysis_result)
    assert any(label == "wrestling" for t, _, label in before if 6.0 <= t <= 9.0)
    head_before = (taught / "head.onnx").read_bytes()

    # Select 6-9 s with a right-button drag; the menu offers the bundle's actions and None of These.
    tl = w.timeline
    y = tl.height() // 2
    qtbot.mousePress(tl, Qt.MouseButton.RightButton, pos=QPoint(round(tl.x_for_time(6.0)), y))
    qtbot.mouseMove(tl, QPoint(round(tl.x_for_time(9.0)), y))
    qtbot.mouseRelease(tl, Qt.MouseButton.RightButton, pos=QPoint(round(tl.x_for_time(9.0)), y))
    start, end = tl.selection()
    assert start == pytest.approx(6.0, abs=0.05) and end == pytest.approx(9.0, abs=0.05)
    menu = w.corrector.popup_menu
    texts = [a.text() for a in menu.actions() if a.text()]
    assert texts == ["This was makeup", "This was wrestling", "None of These"]
    next(a for a in menu.actions() if a.text() == "None of These").trigger()
    assert w.corrector.running and w.corrector.bar.isVisible()  # on a worker thread, with progress

    qtbot.waitUntil(lambda: not w.corrector.running and w.corrector.last is not None, timeout=WAIT)
    assert message_boxes.calls == [] and w.errors_shown == []
    fix = w.corrector.last
    assert (fix.clip.label, fix.clip.origin, fix.clips) == ("none of these", "correction", 7)
    print(f"re-teach on 2 threads: {fix.seconds:.2f} s")
    assert (taught / "head.onnx").read_bytes() != head_before  # replaced in place
    # The engine reloaded the folder and the timeline was analysed again; what changed is marked.
    qtbot.waitUntil(lambda: tl.changed_spans() != [], timeout=WAIT)
    after = _said(w.analysis_result)
    assert after != before
    now = dict((t, (st, lab)) for t, st, lab in after)
    fixed = [t for t, st, lab in before if 7.0 <= t <= 9.0 and lab == "wrestling" and now[t][1] != "wrestling"]
    assert fixed, "the corrected stretch should no longer read 'wrestling'"
    assert any(a <= 8.0 <= b for a, b in tl.changed_spans())
    assert "amber" in w.status.currentMessage()
    assert load_bundle(taught).manifest.training["teaching_set"]["corrections"] == 1

    # Ctrl+Z (Edit ▸ Undo Correction): the bundle before, byte for byte, and its timeline again.
    w.corrector.menu.aboutToShow.emit()
    assert w.corrector.undo.isEnabled()
    assert w.corrector.undo.shortcut() == QKeySequence("Ctrl+Z")
    w.corrector.undo.trigger()
    qtbot.waitUntil(lambda: not w.corrector.running and w.corrector.last is None, timeout=WAIT)
    assert (taught / "head.onnx").read_bytes() == head_before
    qtbot.waitUntil(lambda: w.analysis_result is not None and _said(w.analysis_result) == before, timeout=WAIT)
    w.corrector.menu.aboutToShow.emit()
    assert not w.corrector.undo.isEnabled()  # one step


def test_a_bundle_that_cannot_be_corrected_says_why(qtbot, window, clips):
    window.realtime = False
    window.open_source(str(clips["arm"]))
    qtbot.waitUntil(lambda: window.analysis_result is not None, timeout=WAIT)
    window.timeline.select(1.0, 3.0)
    assert not window.corrector.correct("none")
    assert "cannot be corrected" in window.status.currentMessage()


def test_ask_where_unsure_lists_stretches_with_one_click_answers(qtbot, window, clips):
    window.realtime = False
    window.open_source(str(clips["pool"]))
    qtbot.waitUntil(lambda: window.analysis_result is not None, timeout=WAIT)
    window.corrector.menu.aboutToShow.emit()
    assert window.corrector.ask.isEnabled()
    window.corrector.ask.trigger()
    dialog = window.corrector.unsure_dialog
    assert dialog.isVisible() and 1 <= len(dialog.rows) <= 4
    labels = list(window.bridge.bundle.labels)
    row = dialog.rows[0]
    assert list(row["answers"]) == [*labels, None]  # one button per action, then None of These
    assert row["answers"][None].text() == "None of These"
    s = row["stretch"]
    assert 0.0 <= s.start_s < s.end_s <= 10.0 and row["when"].text().endswith(" s")
    row["when"].click()  # shows the stretch: selected on the timeline
    assert window.timeline.selection() == (s.start_s, s.end_s)
    # The tiny test bundle was not taught with clips: the answer says why it cannot be taught.
    dialog.rows[0]["answers"][labels[0]].click()
    assert "cannot be corrected" in window.status.currentMessage()
    first = {(r["stretch"].start_s, r["stretch"].end_s) for r in dialog.rows}
    dialog.more.click()  # the next few, none of them listed before
    assert not first & {(r["stretch"].start_s, r["stretch"].end_s) for r in dialog.rows}
