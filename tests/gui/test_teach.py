"""The teach dialog: a few real clips per action -> a trained bundle the app switches to."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from engine.bundles import load_bundle

ROOT = Path(__file__).resolve().parents[2]
# A small, quick few-shot run (train_bundle's FewShotConfig options): a short window at 5 fps and
# one view per clip keep the test well under a minute on 2 cores.
QUICK = {"window": 6, "sample_fps": 5.0, "views": 1}


def test_teach_dialog_trains_a_bundle_from_files_and_the_window_switches_to_it(qtbot, window, clip_segments,
                                                                              tmp_path, message_boxes):
    window.open_teach_dialog()
    dialog = window.teach_dialog
    assert dialog.roi() == "pose"  # body movements by default ...
    # ... but make-up and arm wrestling are scenes more than body movements: the whole frame, whose
    # unnamed clips are grouped into sessions by how they look
    dialog.set_roi("full+motion")
    # A fresh feature cache: the test measures a real first training run.
    dialog.train_options = {**QUICK, "cache_dir": tmp_path / "feature-cache"}
    for action, paths in clip_segments.items():
        dialog.add_clips(action, paths)
    assert dialog.problems() == []
    assert dialog.clips_list.count() == 3  # the selected action's clips are listed
    dialog.train(out=tmp_path / "taught")
    assert dialog.training and dialog.cancel_button.isEnabled()
    qtbot.waitUntil(lambda: not dialog.training, timeout=90000)
    assert dialog.error is None, repr(dialog.error)
    assert dialog.progress.value() == 1000
    result = dialog.result
    bundle = load_bundle(result.bundle_path)
    assert bundle.labels == ("makeup", "wrestling")
    text = dialog.result_label.text()
    # Unnamed clips: sessions found by look. The make-up thirds are one session, the wrestling thirds
    # (the camera moves) two, so the new-person figure comes from wrestling, and the report names
    # make-up as taught by one session only and asks for someone else's clips.
    assert "A new person (predicted" in text and "of live labels right" in text, text
    assert "Taught by one person or session only, not in that prediction: makeup." in text, text
    assert "someone else" in text and "Held-out clips (each session held out)" in text, text
    assert result.test_accuracy is not None and 0.0 <= result.test_accuracy <= 1.0
    # the confusion matrix of the held-out clips: rows true, columns predicted, every clip once
    table = dialog.confusion_table
    assert not table.isHidden() and table.rowCount() == table.columnCount() == 2
    assert sum(int(table.item(i, j).text()) for i in range(2) for j in range(2)) == 6
    assert table.verticalHeaderItem(0).text() == "makeup"
    # At the dialog's default size (900x640) every count shows: nothing scrolls, no cell is cut.
    assert (dialog.width(), dialog.height()) == (900, 640)
    qtbot.waitUntil(lambda: table.isVisible(), timeout=5000)
    assert table.verticalScrollBar().maximum() == 0 and table.horizontalScrollBar().maximum() == 0
    for i in range(2):
        for j in range(2):
            assert table.viewport().rect().contains(table.visualItemRect(table.item(i, j)))
    assert dialog.warnings_label.text() == ""  # 3 clips each, nothing confused
    # The main window switched to the new bundle, without a restart.
    qtbot.waitUntil(lambda: "makeup, wrestling" in window.bundle_panel.summary_text(), timeout=20000)
    assert window.bundle_path == Path(result.bundle_path)
    assert "Test accuracy (live labels)" in window.bundle_panel.summary_text()
    assert load_bundle(result.bundle_path).manifest.open_set["threshold"] > 0  # it can say "unknown"
    assert message_boxes.calls == []


def test_bundle_figures_show_in_the_figures_dialog(qtbot, window):
    from engine.bundles import demo_bundle_path
    from gui.bundle_panel import FiguresDialog, bundle_figures

    figures = bundle_figures(demo_bundle_path())  # loss curve and confusion matrix of a torch run
    assert {"loss.png", "confusion.png"} <= {f.name for f in figures}
    shown = FiguresDialog(figures, window)
    pixmaps = [w.pixmap() for w in shown.findChildren(type(window.transport.time_label)) if not w.pixmap().isNull()]
    assert len(pixmaps) == len(figures) and all(p.width() > 100 for p in pixmaps)
    shown.close()


def test_teach_dialog_offers_none_of_these_and_warns(qtbot, window, clips):
    window.open_teach_dialog()
    dialog = window.teach_dialog
    dialog.add_clips("waving", [clips["ucf"], clips["arm"]])
    assert dialog.add_background_button.isEnabled()
    dialog.add_background_button.click()
    assert "none of these" in dialog.clips and not dialog.add_background_button.isEnabled()
    assert dialog.actions_list.currentItem().text().startswith("none of these")
    dialog.add_clips("none of these", [clips["pool"], clips["ucf"]])
    # "none of these" does not count as one of the two actions to tell apart
    assert dialog.problems() == ["Add at least two actions."]
    dialog.add_clips("clapping", [clips["pool"], clips["arm"], clips["ucf"]])
    assert dialog.problems() == []
    cv = {"confusable": [["clapping", "waving", 0.67]]}
    text = "\n".join(dialog.warnings(cv))
    assert '"waving" has only 2 clips' in text and '"none of these" has only 2 clips' in text
    assert '"clapping" and "waving" look alike: 67% of the held-out "clapping" clips' in text
    assert "clapping\" has only" not in text


def test_teach_dialog_cancel_stops_training(qtbot, window, clip_segments, tmp_path):
    window.open_teach_dialog()
    dialog = window.teach_dialog
    dialog.train_options = {**QUICK, "cache_dir": tmp_path / "feature-cache"}
    for action, paths in clip_segments.items():
        dialog.add_clips(action, paths)
    dialog.train(out=tmp_path / "never")
    # (train_bundle checks its cancel flag between clips and epochs; mid-run that can take
    # ~20 s on 2 cores, so the test cancels at the start to stay quick.)
    dialog.cancel_training()
    assert dialog.stage_label.text() == "Cancelling…"
    qtbot.waitUntil(lambda: not dialog.training, timeout=60000)
    assert dialog.stage_label.text() == "Training cancelled."
    assert dialog.result is None
    assert dialog.train_button.isEnabled()


def test_teach_dialog_refuses_too_few_clips(qtbot, window, clips, message_boxes):
    window.open_teach_dialog()
    dialog = window.teach_dialog
    dialog.add_clips("waving", [clips["ucf"]])
    dialog.train()
    assert not dialog.training
    assert message_boxes.calls and "Add at least two actions." in message_boxes.calls[-1][2]


def test_the_app_starts_without_torch():
    code = ("import sys; from PySide6.QtWidgets import QApplication; app = QApplication([]);"
            "import gui.app, gui.main_window, gui.teach; from gui.main_window import MainWindow;"
            "print('torch' in sys.modules)")
    res = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120,
                         env={**__import__("os").environ, "QT_QPA_PLATFORM": "offscreen"})
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip().splitlines()[-1] == "False"


def test_recording_a_clip_counts_down_previews_and_adds_it(qtbot, window, tmp_path, monkeypatch):
    # No webcam on CI: a live synthetic source stands in for the camera (engine.io.sources.FakeSource).
    from engine.io.sources import FakeSource, open_source

    import gui.teach_jobs as teach_jobs

    monkeypatch.setattr(teach_jobs, "data_dir", lambda: tmp_path)
    window.open_teach_dialog()
    dialog = window.teach_dialog
    dialog.add_action("waving")
    dialog.countdown.setValue(1)
    dialog.clip_seconds.setValue(1)
    monkeypatch.setattr(dialog, "_camera_spec", lambda: FakeSource(fps=20, n=None, live=True))
    seen = []
    dialog._frame.connect(lambda: seen.append(dialog.countdown_label.text()))
    dialog.record_button.click()
    qtbot.waitUntil(lambda: len(dialog.clips["waving"]) == 1, timeout=20000)
    assert any("Get ready" in s for s in seen)
    assert dialog.preview.frames_received > 0
    clip = dialog.clips["waving"][0]
    assert clip.is_file() and clip.parent.parent == tmp_path / "clips"
    # the clip carries its recording session, which teaching holds out to predict a new person
    from models.teach import clip_group

    assert clip_group(clip) == dialog.recording_session() and clip_group(clip).startswith("rec-")
    src = open_source(clip)
    frames = sum(1 for _ in src)
    src.close()
    assert 10 <= frames <= 30  # about one second at 20 fps, the countdown not included
    assert dialog.record_button.isEnabled()


def test_escape_and_close_both_stop_recording_and_training(qtbot, qsettings, monkeypatch):
    from PySide6.QtCore import Qt

    from gui.teach import TeachDialog

    stopped = []
    monkeypatch.setattr(TeachDialog, "shutdown", lambda self, timeout=0.5: stopped.append(timeout))
    dialog = TeachDialog(qsettings)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)  # hides the dialog without a close event
    assert not dialog.isVisible() and len(stopped) == 1
    dialog.show()
    dialog.buttons.rejected.emit()  # the Close button
    assert not dialog.isVisible() and len(stopped) == 2
    dialog._probe.join(5.0)


def test_teach_again_while_the_dialog_is_open_raises_it(qtbot, window):
    window.open_teach_dialog()
    first = window.teach_dialog
    window.open_teach_dialog()
    assert window.teach_dialog is first and first.isVisible()


def test_a_cancelled_recording_leaves_no_clip_behind(tmp_path):
    import threading

    from engine.io.sources import FakeSource
    from gui.teach_jobs import RecordJob

    out = tmp_path / "clips" / "waving" / "clip.mp4"
    recording = threading.Event()
    results = []
    job = RecordJob(FakeSource(fps=20, n=None, live=True), out, seconds=30.0, countdown_s=0.0,
                    on_frame=lambda image, phase, remaining: recording.set(),
                    on_done=results.append, on_failed=results.append)
    job.start()
    assert recording.wait(10.0)
    job.cancel()
    job.join(10.0)
    assert not job.is_alive()
    assert results == [] and not out.exists()


def test_the_teach_dialog_says_no_camera_in_full_and_saves_to_the_user_bundle_folder(qtbot, qsettings, monkeypatch,
                                                                                      tmp_path):
    from engine.bundles import user_bundles_dir
    from gui.teach import TeachDialog

    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    dialog = TeachDialog(qsettings)
    qtbot.addWidget(dialog)
    dialog.show()
    # Bundles land where `kinesight --bundle NAME` finds them, the name not doubled.
    assert dialog.output_path() == tmp_path / "data" / "kinesight" / "bundles" / "my-actions" == \
        user_bundles_dir() / "my-actions"
    # No camera here (a test machine): the note says so in full, wrapped, at the default size.
    dialog._fill_cameras([], None)
    note = dialog.camera_note
    assert note.isVisible() and note.text().startswith("No camera found — add video files instead")
    qtbot.waitUntil(lambda: note.height() >= note.heightForWidth(note.width()), timeout=5000)
    assert note.wordWrap() and note.width() <= dialog.clips_box.width()
    dialog.close()
