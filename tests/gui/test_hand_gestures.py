"""Hand gestures in the app: the hands a gesture bundle finds are drawn over the video in their
side's colour (View ▸ Show the Skeleton and Hands turns them off), and the Teach dialog's "Hand
gestures" choice, reachable from the keyboard and in both languages, teaches a bundle that reads
the hands (input.roi "hands") from real clips, which the window then runs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt

from engine.bundles import load_bundle
from engine.hands.stage import HandStage
from engine.io.sources import open_source

ORANGE = (255, 160, 40)


def _colour_share(widget, rgb: tuple[int, int, int]) -> float:
    from PySide6.QtGui import QImage

    img = widget.grab().toImage().convertToFormat(QImage.Format.Format_RGB888)
    arr = np.frombuffer(img.constBits(), dtype=np.uint8, count=img.sizeInBytes()).reshape(img.height(), img.bytesPerLine())
    px = arr[:, : img.width() * 3].reshape(img.height(), img.width(), 3).astype(int)
    return float((np.abs(px - np.array(rgb)).sum(axis=2) < 40).mean())


def test_the_hands_are_drawn_over_the_video_and_the_view_menu_turns_them_off(make_window, qtbot, shared_data):
    stage = HandStage("hands", 8.0)
    with open_source(shared_data / "clips" / "ucf101_apply_eye_makeup.avi") as src:
        frame = next(iter(src)).image
    _, regions = stage(frame)
    assert [r.name for r in regions] == ["hand_left"]  # her left hand, on the picture's right
    w = make_window()
    w.video.set_frame(frame)
    w.video.set_regions(regions, (frame.shape[1], frame.shape[0]))
    qtbot.waitUntil(lambda: _colour_share(w.video, ORANGE) > 0.002, timeout=10000)
    from PySide6.QtGui import QImage

    img = w.video.grab().toImage().convertToFormat(QImage.Format.Format_RGB888)
    arr = np.frombuffer(img.constBits(), dtype=np.uint8, count=img.sizeInBytes()).reshape(img.height(), img.bytesPerLine())
    px = arr[:, : img.width() * 3].reshape(img.height(), img.width(), 3).astype(int)
    cols = np.nonzero((np.abs(px - np.array(ORANGE)).sum(axis=2) < 40).any(axis=0))[0]
    assert cols.mean() > img.width() / 2  # the lines lie on the hand
    assert w.menus.skeleton.text() == "Show the &Skeleton and Hands"
    w.menus.skeleton.trigger()
    qtbot.waitUntil(lambda: _colour_share(w.video, ORANGE) == 0.0, timeout=10000)


def test_hand_gestures_are_a_teach_choice_in_both_languages(qtbot, qsettings):
    from gui.teach import TeachDialog
    from gui.translations import install_language

    dialog = TeachDialog(qsettings)
    qtbot.addWidget(dialog)
    try:
        texts = [dialog.kind_picker.itemText(i) for i in range(dialog.kind_picker.count())]
        assert texts == ["Actions (whole frame)", "Body movements (keypoints)", "Hand gestures", "Words (lips)"]
        assert dialog.roi() == "pose"  # body movements by default
        dialog.kind_picker.setFocus()
        qtbot.keyClick(dialog.kind_picker, Qt.Key.Key_Down)  # from the keyboard
        assert dialog.roi() == "hands" and dialog.bundle_name.text() == "my-gestures"
        assert dialog.actions_box.title() == "1. Gestures" and dialog.add_action_button.text() == "Add gesture…"
    finally:
        dialog.close()
    assert install_language("zh_CN")
    try:
        zh = TeachDialog(qsettings)
        qtbot.addWidget(zh)
        zh.set_roi("hands")
        assert zh.kind_picker.currentText() == "手势" and zh.actions_box.title() == "1. 手势"
        assert zh.bundle_name.text() == "我的手势" and "手势" in zh.actions_hint.text()
        zh.close()
    finally:
        install_language("en")


def test_teach_dialog_trains_hand_gestures(qtbot, window, shared_data, tmp_path, message_boxes):
    """Real clips with hands: arm wrestling and applying make-up -> a bundle that reads the hands
    alone, which the window runs at once."""
    from models.synthetic import write_clip

    clips = {}
    for name, src in (("arm", "kinetics_arm_wrestling.mp4"), ("makeup", "ucf101_apply_eye_makeup.avi")):
        with open_source(shared_data / "clips" / src) as s:
            frames = [f.image for f in s.frames()]
        seg = 50
        clips[name] = [write_clip(tmp_path / f"{name}{k}.mp4", frames[k * seg : (k + 1) * seg], 25.0) for k in range(3)]
    window.open_teach_dialog()
    dialog = window.teach_dialog
    dialog.set_roi("hands")
    for name, paths in clips.items():
        dialog.add_clips(name, paths)
    assert dialog.problems() == []
    dialog.train(out=tmp_path / "taught-hands")
    qtbot.waitUntil(lambda: not dialog.training, timeout=120000)
    assert dialog.error is None, repr(dialog.error)
    bundle = load_bundle(dialog.result.bundle_path)
    assert bundle.manifest.input.roi == "hands" and not (bundle.root / "backbone.onnx").exists()
    qtbot.waitUntil(lambda: window.bundle_path == Path(dialog.result.bundle_path), timeout=20000)
    assert message_boxes.calls == []
