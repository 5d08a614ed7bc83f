"""Lip mode in the real main window: the GRID lip reader on real GRID clips, and a faceless clip.

The window shows what the task registry names for the lip task (engine/tasks.py): the mouth
crop beside the video with the located box, the running transcript instead of the top-k panel,
the words as segments on the timeline, and "no face" in the status bar when there is none.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

WAIT = 30000  # ms: the lip reader's whole-file analysis starts a child process on a loaded 2-core machine
ROOT = Path(__file__).resolve().parents[2]
GRID_LIPS = ROOT / "resources" / "bundles" / "grid-lips"
GRID_CLIP = ROOT.parent / "shared" / "data" / "grid" / "s1" / "video" / "brag1a.mp4"


@pytest.fixture
def lip_window(qtbot, make_window):
    if not (GRID_LIPS / "manifest.json").is_file():
        pytest.skip("the grid-lips bundle is not built (resources/bundles/make_grid_lips.sh)")
    w = make_window(bundle=GRID_LIPS, size=(1200, 760))
    # The panels follow once the loaded model is reported to the GUI thread.
    qtbot.waitUntil(lambda: bool(w.panels) and w.timeline.is_words_mode, timeout=WAIT)
    return w


def _qimage_array(image):
    from PySide6.QtGui import QImage

    img = image.convertToFormat(QImage.Format.Format_RGB888)
    arr = np.frombuffer(img.constBits(), dtype=np.uint8, count=img.sizeInBytes()).reshape(img.height(), img.bytesPerLine())
    return arr[:, : img.width() * 3].reshape(img.height(), img.width(), 3).copy()


def test_a_grid_clip_fills_the_transcript_shows_the_mouth_and_the_words_on_the_timeline(qtbot, lip_window):
    w = lip_window
    # The lip task's panels replace the action ones.
    assert w.transcript.isVisible() and w.mouth_view.isVisible() and not w.topk.isVisible()
    assert w.timeline.is_words_mode
    # Nothing that does not act on words: no Top-k/Threshold/Smoothing, no "<blank>" in the labels.
    assert not w.controls.label_controls_shown()
    assert not w.controls.top_k.isVisible() and not w.controls.threshold.isVisible()
    assert not w.controls.smoothing.isVisible()
    assert "blank" not in w.bundle_panel.summary_text() and "bin, lay, place, set" in w.bundle_panel.summary_text()
    w.open_source(str(GRID_CLIP))
    # While it plays, the mouth is located: the crop panel shows an image of it, the box is
    # drawn on the video, and the status bar says a face is there.
    qtbot.waitUntil(lambda: w.mouth_view.has_image, timeout=WAIT)
    crop = _qimage_array(w.mouth_view.crop_image())
    assert crop.shape[0] >= 20 and crop.shape[1] >= 30 and crop.std() > 10  # a picture, not a flat fill
    assert any(r.name == "mouth" for r in w.video.regions())
    assert w.status.face_text() in ("face found", "face: speaking")
    # The whole-file analysis reads the sentence: the transcript and the timeline fill with words.
    qtbot.waitUntil(lambda: w.analysis_result is not None, timeout=WAIT)
    qtbot.waitUntil(lambda: len(w.transcript.words()) >= 4, timeout=WAIT)
    vocabulary = set(w.bridge.bundle.labels[1:])
    words = w.transcript.words()
    assert set(words) <= vocabulary and len(words) <= 8  # GRID sentences have six words
    assert [t.text for t in w.timeline.words()] == words
    assert w.timeline.speaking_segments()  # the mouth moved as in speech somewhere
    # The word under the playhead is highlighted: seek into the third word.
    third = w.analysis_result.tokens[2]
    w.seek((third.start_s + third.end_s) / 2)
    qtbot.waitUntil(lambda: w.transcript.current_index() == 2, timeout=WAIT)
    assert "font-weight: bold" in w.transcript.text.text()


def test_a_clip_without_a_face_says_no_face_and_reads_no_words(qtbot, lip_window, tmp_path):
    import cv2

    # Three seconds of a grey wall with a little noise: nothing a face locator could take for a face.
    path = tmp_path / "wall.mp4"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 25.0, (320, 240))
    rng = np.random.default_rng(0)
    for _ in range(75):
        writer.write((110 + rng.integers(0, 20, (240, 320, 3))).astype(np.uint8))
    writer.release()
    w = lip_window
    w.open_source(str(path))
    qtbot.waitUntil(lambda: w.prediction_count > 5, timeout=WAIT)
    w._refresh_panels()
    assert w.status.face_text() == "no face" and w.status.face.isVisible()
    assert w.mouth_view.has_face is False and not w.mouth_view.has_image
    assert not any(r.name == "mouth" for r in w.video.regions())
    qtbot.waitUntil(lambda: w.analysis_result is not None, timeout=WAIT)
    assert w.transcript.words() == [] and w.timeline.words() == []
    # And in Chinese.
    try:
        w.set_language("zh_CN")
        assert w.status.face_text() == "无人脸"
    finally:
        w.set_language("en")


def test_live_words_reach_the_transcript_and_the_timeline_as_they_come(qtbot, lip_window, tmp_path, monkeypatch):
    import cv2

    from engine.io.sources import open_source

    # Two GRID sentences back to back, played at their own pace through the live path with no
    # whole-file analysis (as for a camera): the words must come from the live records.
    path = tmp_path / "two-sentences.mp4"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 25.0, (360, 288))
    for name in ("bgbbzn", "lgaf4n"):
        src = open_source(GRID_CLIP.parent / f"{name}.mp4")
        for frame in src:
            writer.write(cv2.cvtColor(frame.image, cv2.COLOR_RGB2BGR))
        src.close()
    writer.release()
    w = lip_window
    monkeypatch.setattr(w, "_start_analysis", lambda: None)
    w.open_source(str(path))
    qtbot.waitUntil(lambda: len(w.transcript.words()) >= 4, timeout=WAIT)
    assert w.analysis_result is None  # the words came live
    words = w.transcript.words()
    assert set(words) <= set(w.bridge.bundle.labels[1:])
    assert w.transcript.current_index() == len(words) - 1  # live: the newest word is highlighted
    assert [t.text for t in w.timeline.words()] == words


def test_the_label_controls_come_back_with_an_action_bundle(qtbot, lip_window, tiny_bundle):
    w = lip_window
    assert not w.controls.label_controls_shown()
    w.switch_bundle(tiny_bundle)
    qtbot.waitUntil(lambda: w.bundle_path == tiny_bundle and w.controls.label_controls_shown(), timeout=WAIT)
    assert w.controls.top_k.isVisible() and w.controls.threshold.isVisible() and w.controls.smoothing.isVisible()


def test_the_transcript_says_when_the_reader_cannot_read_a_face_in_both_languages(qtbot, shared_data):
    from engine.pipeline import Recognizer
    from engine.runners.offline import analyze_file
    from gui.transcript_panel import TranscriptPanel
    from gui.translations import install_language

    reader = Recognizer(GRID_LIPS)
    other = analyze_file(shared_data / "grid" / "s4" / "video" / "prwj8a.mp4", reader).tokens  # GRID speaker 4
    own = analyze_file(shared_data / "grid" / "s1" / "video" / "bgbbzn.mp4", reader).tokens  # speaker 1, held out
    panel = TranscriptPanel()
    qtbot.addWidget(panel)
    # Speaker 1: the words stand on their own, none flagged, no notice.
    panel.set_file_words(own)
    assert panel.words() == "bin green by b zero now".split() and not any(panel.flagged())
    assert panel.notice() == "" and "[" not in panel.text.text()
    # Speaker 4: a notice instead of confident words, every word grey and in brackets.
    panel.set_file_words(other)
    assert all(panel.flagged()) and len(panel.flagged()) == len(other)
    assert panel.notice() == "Cannot read this face (the reader knows one speaker)."
    shown = panel.text.text()
    assert "Cannot read this face" in shown and f"[{other[1].text}]" in shown and "color: gray" in shown
    try:
        install_language("zh_CN")
        panel.retranslate()
        assert panel.notice() == "无法读出这张脸的唇语（读唇模型只认识一位说话人）。"
        assert "无法读出这张脸" in panel.text.text()
    finally:
        install_language("en")
        panel.retranslate()
    # Words from a bundle without the check: said so, in a grey line.
    from dataclasses import replace

    panel.set_file_words([replace(t, check=None) for t in other])
    assert not any(panel.flagged()) and panel.notice().startswith("This reader cannot tell when it cannot read")


def test_lip_points_are_outlined_in_the_mouth_panel_when_asked_for(qtbot, lip_window):
    from PySide6.QtCore import Qt

    from gui.mouth_view import LIPS_COLOUR

    w = lip_window
    assert w.lip_points.isVisible() and not w.lip_points.isChecked()
    w.open_source(str(GRID_CLIP))
    qtbot.waitUntil(lambda: w.mouth_view.has_image, timeout=WAIT)
    assert not w.mouth_view.lip_outlines  # off by default: no face mesh runs
    w.activateWindow()
    w.video.setFocus()
    qtbot.keyClick(w, Qt.Key.Key_I, Qt.KeyboardModifier.AltModifier)  # keyboard-reachable: Alt+I
    qtbot.waitUntil(w.lip_points.isChecked, timeout=2000)  # a mnemonic "animates" the click first
    qtbot.waitUntil(lambda: len(w.mouth_view.lip_outlines) == 2, timeout=WAIT)
    crop = w.mouth_view.crop_image()
    for poly in w.mouth_view.lip_outlines:  # outer and inner lips, inside the shown crop
        assert poly.size() == 20
        r = poly.boundingRect()
        assert 0 <= r.left() and r.right() <= crop.width() and 0 <= r.top() and r.bottom() <= crop.height()
    shot = _qimage_array(w.mouth_view.grab().toImage())
    pink = (np.abs(shot.astype(int) - [LIPS_COLOUR.red(), LIPS_COLOUR.green(), LIPS_COLOUR.blue()]).sum(2) < 60).sum()
    assert pink > 30, pink  # the outline is painted
    qtbot.keyClick(w, Qt.Key.Key_I, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: not w.lip_points.isChecked(), timeout=2000)
    qtbot.waitUntil(lambda: not w.mouth_view.lip_outlines, timeout=WAIT)
