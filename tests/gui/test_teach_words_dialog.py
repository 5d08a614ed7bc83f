"""The teach dialog's "Words (lips)" choice: real GRID word clips -> a lip-words bundle, the same
cross-validated report, and the window switches to the new bundle (mouth crop, top-k)."""

from __future__ import annotations

from pathlib import Path

from grid_words import word_clips

from engine.bundles import load_bundle


def test_teach_dialog_trains_words_from_the_lips(qtbot, window, shared_data, tmp_path, message_boxes):
    clips = word_clips(shared_data / "grid" / "s1", ["blue", "red"], 1, 3, tmp_path / "clips")
    window.open_teach_dialog()
    dialog = window.teach_dialog
    assert [dialog.kind_picker.itemText(i) for i in range(4)] == ["Actions (whole frame)", "Body movements (keypoints)",
                                                                   "Hand gestures", "Words (lips)"]
    assert dialog.roi() == "pose" and dialog.bundle_name.text() == "my-actions"  # body keypoints by default
    dialog.set_roi("mouth")
    assert dialog.bundle_name.text() == "my-words"  # the suggested name follows the choice
    assert dialog.actions_box.title() == "1. Words or phrases" and dialog.add_action_button.text() == "Add word…"
    for word, paths in clips.items():
        dialog.add_clips(word, paths)
    assert dialog.problems() == []
    dialog.train(out=tmp_path / "taught")
    assert dialog.training and not dialog.kind_picker.isEnabled()  # no switching mid-run
    qtbot.waitUntil(lambda: not dialog.training, timeout=90000)
    assert dialog.error is None, repr(dialog.error)
    bundle = load_bundle(dialog.result.bundle_path)
    assert bundle.manifest.task == "lip-words" and bundle.labels == ("blue", "red")
    # one GRID speaker taught every word: the report says it cannot predict a new face
    report = dialog.result_label.text()
    assert "A new person: cannot be predicted, all clips come from one person" in report
    assert "Held-out clips (each clip held out)" in report
    table = dialog.confusion_table
    assert not table.isHidden() and sum(int(table.item(i, j).text()) for i in range(2) for j in range(2)) == 6
    # The window runs the taught bundle at once: its task shows the mouth crop and the top-k.
    qtbot.waitUntil(lambda: window.bundle_path == Path(dialog.result.bundle_path), timeout=20000)
    qtbot.waitUntil(lambda: not window.mouth_view.isHidden() and not window.topk.isHidden(), timeout=20000)
    assert window.transcript.isHidden()
    # Playing a GRID sentence: the located mouth beside the video and the taught words ranked.
    dialog.close()
    window.open_source(str(shared_data / "grid" / "s1" / "video" / "bbaf3s.mp4"))
    qtbot.waitUntil(lambda: window.prediction_count > 10 and window.mouth_view.has_image, timeout=30000)
    qtbot.waitUntil(lambda: {name for name, _ in window.topk.shown()} == {"blue", "red"}, timeout=30000)
    assert message_boxes.calls == []


def test_teach_dialog_trains_body_movements_from_keypoints(qtbot, window, shared_data, tmp_path, message_boxes):
    """"Body movements (keypoints)": the taught bundle reads the body (input.roi "pose", no
    backbone) and the window runs it at once."""
    videos = sorted((shared_data / "grid" / "s1" / "video").glob("*.mp4"))
    window.open_teach_dialog()
    dialog = window.teach_dialog
    dialog.set_roi("pose")
    assert dialog.roi() == "pose" and dialog.bundle_name.text() == "my-actions"
    assert dialog.actions_box.title() == "1. Actions"
    dialog.add_clips("talking", videos[:3])
    dialog.add_clips("still", videos[300:303])
    assert dialog.problems() == []
    dialog.train(out=tmp_path / "taught-pose")
    qtbot.waitUntil(lambda: not dialog.training, timeout=120000)
    assert dialog.error is None, repr(dialog.error)
    bundle = load_bundle(dialog.result.bundle_path)
    assert bundle.manifest.input.roi == "pose" and not (bundle.root / "backbone.onnx").exists()
    qtbot.waitUntil(lambda: window.bundle_path == Path(dialog.result.bundle_path), timeout=20000)
