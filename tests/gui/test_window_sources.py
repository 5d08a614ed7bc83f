"""The main window's sources (gui/window_sources.py): cameras, files, dropping, pausing, seeking, losing a camera."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import QPoint, Qt
from window_helpers import WAIT, play


def test_camera_menu_lists_cameras_or_says_there_are_none(qtbot, window):
    window.source_menu.probe_cameras()
    qtbot.waitUntil(lambda: window.source_menu.cameras() is not None, timeout=WAIT)
    texts = [a.text() for a in window.source_menu.camera_menu.actions()]
    cams = window.source_menu.cameras()
    if cams:
        assert any(f"({c.index})" in t for c in cams for t in texts)
    else:
        assert any("No camera found" in t for t in texts)

def test_opening_a_missing_camera_says_what_to_do(qtbot, window):
    from engine.io.sources import list_cameras

    missing = 5 if not list_cameras() else 99
    window.open_source(missing)
    qtbot.waitUntil(lambda: bool(window.errors_shown), timeout=WAIT)
    box = window.error_box
    assert box.windowTitle() == "Source not found"
    assert box.text().startswith(f"Kinesight cannot find Camera {missing}")
    assert "Source ▸ Camera" in box.informativeText()
    assert window.current_spec is None

def test_switching_sources_restarts_cleanly_without_leaking_threads(qtbot, window, clips):
    play(qtbot, window, clips["arm"], predictions=2)
    baseline = threading.active_count()
    for key in ("pool", "ucf", "arm", "pool"):
        count = window.prediction_count
        window.open_source(str(clips[key]))
        qtbot.waitUntil(lambda: window.prediction_count > count + 1 and window.source_info is not None
                        and str(window.source_info.spec) == str(clips[key]), timeout=WAIT)
        # No prediction of the previous file leaks into the new one: time restarts near 0.
        assert window.last_prediction.pts_s < 3.0
    assert clips["pool"].name in window.windowTitle()
    qtbot.wait(300)
    assert threading.active_count() <= baseline + 1  # at most a finishing analysis thread

def test_dropping_a_file_plays_it(qtbot, window, clips):
    from PySide6.QtCore import QMimeData, QPointF, QUrl
    from PySide6.QtGui import QDropEvent

    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(clips["pool"]))])
    event = QDropEvent(QPointF(50, 50), Qt.DropAction.CopyAction, mime, Qt.MouseButton.NoButton,
                       Qt.KeyboardModifier.NoModifier)
    window.video.dropEvent(event)
    qtbot.waitUntil(lambda: window.prediction_count > 0, timeout=WAIT)
    assert window.current_spec == str(clips["pool"])
    assert "kinetics_cleaning_pool.mp4" in window.windowTitle()

def test_camera_lost_mid_stream_tells_the_user(qtbot, window):
    # No webcam on CI: a live fake that breaks after 20 frames the way a real camera does
    # (its reads fail, and it goes through CameraSource's own failure path).
    from engine.io.sources import FakeSource

    window.open_source(FakeSource(fps=30, n=None, live=True, fail_after=20))
    qtbot.waitUntil(lambda: bool(window.errors_shown), timeout=WAIT)
    box = window.error_box
    assert box.windowTitle() == "Camera lost"
    assert box.text() == "The camera stopped sending frames."
    assert "Reconnect it" in box.informativeText()
    assert "stopped delivering frames" in box.detailedText()  # the engine's own words, folded away
    assert window.transport.time_label.text() == "live"
    assert not window.transport.position.isEnabled()  # a live source cannot seek
    assert len(window.errors_shown) == 1  # one dialog, not one for the error and one for the end

def test_space_pauses_and_resumes_a_file(qtbot, window, clips):
    play(qtbot, window, clips["arm"], predictions=2)
    window.activateWindow()
    window.video.setFocus()
    qtbot.keyClick(window, Qt.Key.Key_Space)
    assert window.paused
    qtbot.wait(300)  # frames already in flight land
    frozen = window.position_s
    qtbot.wait(500)
    assert window.position_s == frozen
    qtbot.keyClick(window, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: window.position_s > frozen + 0.2, timeout=WAIT)

def test_live_source_timeline_scrolls_and_ignores_clicks(qtbot, window):
    from engine.io.sources import FakeSource

    window.open_source(FakeSource(fps=30, n=None, live=True))
    qtbot.waitUntil(lambda: window.prediction_count >= 5, timeout=WAIT)
    tl = window.timeline
    assert not tl.is_file_mode and tl.duration_s is None
    before = tl.point_count()
    qtbot.waitUntil(lambda: tl.point_count() >= before + 3, timeout=WAIT)
    t0, t1 = tl._time_range()
    assert t1 - t0 == pytest.approx(tl.live_span_s)
    qtbot.mouseClick(tl, Qt.MouseButton.LeftButton, pos=QPoint(tl.width() // 2, tl.height() // 2))
    assert window.errors_shown == []  # a live source does not seek, and does not complain either
    assert not window.transport.play_button.isEnabled()

def test_without_a_source_nothing_pretends_to_play(qtbot, window, clips, tmp_path):
    from engine.io.sources import FakeSource

    # Nothing open: play and seek are disabled, Space does nothing, the timeline asks for a source.
    assert not window.transport.play_button.isEnabled() and not window.menus.play.isEnabled()
    assert not window.transport.position.isEnabled()
    disabled_play = _dark_pixels(window.transport.play_button)
    tl = window.timeline
    assert not tl.has_source and "Open a video or camera" in tl.placeholder_text()
    play(qtbot, window, clips["arm"])
    assert window.transport.play_button.isEnabled() and window.menus.play.isEnabled()
    assert tl.has_source and tl.is_file_mode
    assert window.status.camera_fps.text().startswith("Video ")  # a file's fps, not a camera's
    window.toggle_play()  # paused: the same play icon, now enabled
    assert window.paused and window.transport.play_button.isEnabled()
    # Disabled looks disabled: the icon is much fainter than the enabled one.
    assert disabled_play < 0.5 * _dark_pixels(window.transport.play_button)
    window.open_source(FakeSource(fps=30, n=None, live=True))
    qtbot.waitUntil(lambda: window.source_info is not None and window.source_info.is_live, timeout=WAIT)
    assert window.status.camera_fps.text().startswith("Camera ")
    assert not window.transport.play_button.isEnabled()  # a camera cannot be paused
    # A file that fails to open leaves nothing half-open behind.
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(b"nope" * 100)
    window.open_source(str(bad))
    qtbot.waitUntil(lambda: bool(window.errors_shown), timeout=WAIT)
    assert not window.transport.play_button.isEnabled() and not tl.has_source
    window.stop()
    assert not tl.has_source

def test_playing_a_finished_file_again_keeps_its_timeline(qtbot, window, clips):
    window.realtime = False  # reach the end quickly
    play(qtbot, window, clips["pool"])
    qtbot.waitUntil(lambda: window.source_finished and window.analysis_result is not None, timeout=60000)
    result, job = window.analysis_result, window.file_analysis.job
    count = window.prediction_count
    window.toggle_play()  # Space at the end plays the file again
    qtbot.waitUntil(lambda: window.prediction_count > count + 3, timeout=WAIT)
    # The same file with the same model and settings: no second whole-file analysis.
    assert window.file_analysis.job is job and window.analysis_result is result
    assert window.timeline.covered_span_s() > 0.85 * window.source_info.duration_s

def _dark_pixels(widget) -> int:
    """Pixels of ``widget`` as painted that are dark (an icon's strokes on a light button)."""
    image = widget.grab().toImage()
    return sum(image.pixelColor(x, y).lightness() < 110 for x in range(image.width()) for y in range(image.height()))
