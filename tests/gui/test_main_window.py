"""The real main window, offscreen, playing the real clips through the real engine."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from window_helpers import WAIT, overlay_pixels, play

from engine.core.prediction import PredictionState



def test_prediction_reaches_overlay_topk_and_status_bar(qtbot, window, clips):
    play(qtbot, window, clips["ucf"])
    qtbot.waitUntil(lambda: window.last_prediction.state == PredictionState.CONFIDENT, timeout=WAIT)
    p = window.last_prediction
    headline, detail = window.video.overlay_text()
    assert headline == p.label and detail.endswith("%")
    shown = window.topk.shown()
    assert [name for name, _ in shown] == [name for name, _ in p.top_k][: len(shown)]
    assert shown[0][1] == pytest.approx(p.top_k[0][1])
    assert window.video.frames_painted > 0
    # The status bar tells where inference runs and the live numbers.
    assert "CPU" in window.status.provider.text() or "CUDA" in window.status.provider.text()
    qtbot.waitUntil(lambda: "—" not in window.status.model_fps.text(), timeout=WAIT)
    assert "fps" in window.status.camera_fps.text() and "ms" in window.status.latency.text()

    # The overlay is really painted over the video: top-left differs from the same frame without it.
    with_overlay = overlay_pixels(window)
    window.bridge.pause()
    window.video.set_prediction(None)
    without = overlay_pixels(window)
    h, w = with_overlay.shape[:2]
    corner = (slice(0, h // 4), slice(0, w // 3))
    # Frames keep arriving until the pause lands, so compare a region, not exact pixels.
    assert np.abs(with_overlay[corner].astype(int) - without[corner].astype(int)).mean() > 5


def test_uncertain_looks_different_from_confident(qtbot, window, clips):
    play(qtbot, window, clips["arm"])
    qtbot.waitUntil(lambda: window.last_prediction.state == PredictionState.CONFIDENT, timeout=WAIT)
    confident = overlay_pixels(window)
    # The user raises the threshold above any probability: the app must say "uncertain".
    window.controls.threshold.setValue(1.0)
    qtbot.waitUntil(lambda: window.last_prediction.state == PredictionState.UNCERTAIN, timeout=WAIT)
    headline, detail = window.video.overlay_text()
    assert headline == "uncertain" and "best guess" in detail
    uncertain = overlay_pixels(window)

    def green_accent(img):  # the confident label's green bar (46, 160, 67)
        r, g, b = img[..., 0].astype(int), img[..., 1].astype(int), img[..., 2].astype(int)
        return int(((g > 130) & (r < 90) & (b < 100) & (g - r > 70)).sum())

    h, w = confident.shape[:2]
    corner = (slice(0, h // 3), slice(0, w // 3))
    assert green_accent(confident[corner]) > 20
    assert green_accent(uncertain[corner]) < green_accent(confident[corner]) // 4
    # bars greyed while uncertain (the panel repaints at its own, throttled pace: wait for it)
    qtbot.waitUntil(lambda: not window.topk._rows[0][1].isEnabled(), timeout=WAIT)


def test_file_timeline_fills_and_click_seeks(qtbot, window, clips):
    play(qtbot, window, clips["arm"])
    qtbot.waitUntil(lambda: window.analysis_result is not None, timeout=WAIT)
    duration = window.source_info.duration_s
    assert duration == pytest.approx(10.0, abs=0.5)
    tl = window.timeline
    assert tl.is_file_mode and tl.covered_span_s() > 0.85 * duration
    assert tl.point_count() >= 80  # ~10 fps model clock over 10 s

    # Click at 7 s on the timeline: the video jumps there.
    x = int(tl.x_for_time(7.0))
    qtbot.mouseClick(tl, Qt.MouseButton.LeftButton, pos=QPoint(x, tl.height() // 2))
    qtbot.waitUntil(lambda: window.position_s >= 6.8, timeout=WAIT)
    assert window.position_s < 9.0  # it jumped to 7 s, it did not play there (played ~1 s so far)
    count = window.prediction_count
    qtbot.waitUntil(lambda: window.prediction_count > count and window.last_prediction.pts_s >= 6.8, timeout=WAIT)

    # Keyboard: Left jumps back 5 s.
    window.menus.back.trigger()
    qtbot.waitUntil(lambda: window.position_s < 5.0, timeout=WAIT)


def _sentences(text: str) -> int:
    return len([s for s in text.replace("…", ".").split(". ") if s.strip()])


def test_bad_file_shows_error_and_app_stays_usable(qtbot, window, clips, tmp_path):
    bad = tmp_path / "holiday.mp4"
    bad.write_bytes(b"this is not a video" * 100)
    window.open_source(str(bad))
    qtbot.waitUntil(lambda: bool(window.errors_shown), timeout=WAIT)
    box = window.error_box  # the real dialog on screen
    assert box.isVisible() and box.windowTitle() == "Cannot open the video"
    # One sentence of what happened, one of what to do, each said once; the library's own
    # (technical, lowercase) message only under "Show details".
    what, todo, detail = box.text(), box.informativeText(), box.detailedText()
    assert what == "Kinesight cannot read “holiday.mp4” as a video."
    assert todo.startswith("Try another file") and _sentences(todo) == 1
    assert "holiday.mp4" in detail and detail not in what + todo
    assert not set(todo.lower().split()) >= set(what.lower().split())
    assert window.current_spec is None
    assert window.status.currentMessage() == what
    # The app keeps working: the next file plays.
    play(qtbot, window, clips["ucf"], predictions=3)
    missing = tmp_path / "nope.mp4"
    window.open_source(str(missing))
    qtbot.waitUntil(lambda: len(window.errors_shown) >= 2, timeout=WAIT)
    assert window.error_box.windowTitle() == "Source not found"
    assert window.error_box.text() == "Kinesight cannot find “nope.mp4”."


def test_closing_stops_every_thread_within_a_second(qtbot, thread_snapshot, make_window, clips):
    window = make_window()
    play(qtbot, window, clips["arm"], predictions=2)
    qtbot.waitUntil(lambda: bool(_child_processes()) or window.analysis_result is not None, timeout=WAIT)
    # While the file plays and is being analysed in the background.
    assert window.file_analysis.running or window.analysis_result is not None
    started = [t for t in threading.enumerate() if t not in thread_snapshot]
    assert len(started) >= 3  # control, capture, engine worker (and the analysis)
    t0 = time.monotonic()
    window.close()
    assert time.monotonic() - t0 < 1.0
    deadline = time.monotonic() + 1.0
    while time.monotonic() < deadline and any(t.is_alive() for t in started):
        time.sleep(0.02)
    assert [t.name for t in started if t.is_alive()] == []
    assert _child_processes() == set()  # the analysis process is gone too


def _child_processes() -> set[int]:
    """Live child processes of this process (Linux /proc; empty elsewhere)."""
    import os

    kids: set[int] = set()
    tasks = Path(f"/proc/{os.getpid()}/task")
    if not tasks.is_dir():
        return kids
    for task in tasks.iterdir():
        try:
            kids |= {int(p) for p in (task / "children").read_text().split()}
        except OSError:
            continue
    return {k for k in kids if Path(f"/proc/{k}").exists() and "Z" not in
            (Path(f"/proc/{k}/stat").read_text().split()[2] if Path(f"/proc/{k}/stat").exists() else "Z")}


def test_settings_geometry_and_recent_files_persist(qtbot, qsettings, make_window, clips):
    first = make_window()
    first.controls.smoothing.setValue(0.8)
    first.controls.threshold.setValue(0.65)
    first.controls.top_k.setValue(2)
    first.resize(720, 560)  # within the offscreen screen (800x800): restoring clamps to the screen
    play(qtbot, first, clips["ucf"])
    first.close()
    second = make_window(size=None)  # not resized by the test: the saved geometry decides
    v = second.controls.values()
    assert (v.smoothing, v.threshold, v.top_k) == (0.8, 0.65, 2)
    assert (second.width(), second.height()) == (720, 560)
    from gui.source_menu import load_recent

    assert load_recent(qsettings) == [str(clips["ucf"])]
    second.source_menu.refresh_recent()
    assert any(clips["ucf"].name in a.text() for a in second.source_menu.recent_menu.actions())
    # The engine really runs with the restored settings.
    assert second.bridge.engine.settings.top_k == 2
    assert second.bridge.engine.settings.smoothing == pytest.approx(0.8)


def _runqueue_wait_s() -> float:
    """Seconds this thread has spent runnable but waiting for a CPU (Linux schedstat; 0 elsewhere):
    time the machine's other load took, not time the app blocked its own GUI thread."""
    try:
        with open("/proc/thread-self/schedstat") as f:
            return int(f.read().split()[1]) / 1e9
    except (OSError, IndexError, ValueError):
        return 0.0


def _event_loop_gaps(qtbot, until, timeout_ms: int) -> np.ndarray:
    """Gaps (s) between the ticks of a 5 ms timer on the GUI thread until ``until()`` holds, less
    the time the GUI thread waited in the CPU run queue within each gap."""
    from PySide6.QtCore import QTimer

    ticks: list[tuple[float, float]] = []
    timer = QTimer()
    timer.setInterval(5)
    timer.timeout.connect(lambda: ticks.append((time.perf_counter(), _runqueue_wait_s())))
    timer.start()
    try:
        qtbot.waitUntil(until, timeout=timeout_ms)
    finally:
        timer.stop()
    t = np.array(ticks).reshape(-1, 2)
    return np.diff(t[:, 0]) - np.diff(t[:, 1])


def test_gui_thread_stays_responsive_while_engine_runs_flat_out(qtbot, window, clips):
    import gc

    window.realtime = False  # no pacing: decode and infer as fast as the CPU allows
    finished = []
    window.bridge.finished.connect(lambda: finished.append(time.perf_counter()))
    results = []
    # What is measured is the app: each gap less the time the GUI thread sat runnable in the
    # CPU run queue (other processes on a shared 2-core machine); and up to three runs, the best
    # one counting: a freeze the app causes (a GC pass, painting or decoding on the GUI thread,
    # the interpreter lock held across inference) happens in every run.
    for _attempt in range(3):
        gc.freeze()  # as gui.app.main() does once the window is up
        try:
            # The same timer, in the same run, while the engine is idle: before and after it runs.
            idle_until = time.perf_counter() + 1.0
            idle_before = _event_loop_gaps(qtbot, lambda: time.perf_counter() >= idle_until, 5000)
            finished.clear()
            count = window.prediction_count
            window.open_source(str(clips["pool"]))
            gaps = _event_loop_gaps(qtbot, lambda: bool(finished), WAIT)
            idle_until = time.perf_counter() + 1.0
            idle_after = _event_loop_gaps(qtbot, lambda: time.perf_counter() >= idle_until, 5000)
        finally:
            gc.unfreeze()
        assert window.prediction_count - count > 50  # the engine really ran the whole 10 s clip
        assert len(gaps) > 50 and len(idle_before) > 50 and len(idle_after) > 50
        baseline = max(idle_before.max(), idle_after.max())
        results.append((gaps.max(), baseline))
        print(f"longest event-loop gap {gaps.max() * 1e3:.1f} ms over {len(gaps)} ticks (idle baseline "
              f"{baseline * 1e3:.1f} ms), {window.prediction_count - count} predictions")
        # What the app adds on top of the idle loop: under 45 ms (the idle baseline is ~5 ms, so
        # this is the 50 ms the test always guarded).
        if gaps.max() < baseline + 0.045:
            break
    assert window.video.frames_painted > 10
    worst_gap, baseline = min(results, key=lambda r: r[0] - r[1])
    assert worst_gap < baseline + 0.045, (
        f"longest event-loop gap {worst_gap * 1e3:.1f} ms, idle baseline {baseline * 1e3:.1f} ms "
        f"(best of {len(results)} runs)")


def test_dark_palette_is_followed(qtbot, window):
    from PySide6.QtGui import QColor, QPalette

    dark = QPalette()
    for role, colour in ((QPalette.ColorRole.Window, "#202124"), (QPalette.ColorRole.Base, "#17181a"),
                         (QPalette.ColorRole.Text, "#e8eaed"), (QPalette.ColorRole.WindowText, "#e8eaed")):
        dark.setColor(role, QColor(colour))
    window.setPalette(dark)
    image = window.timeline.grab().toImage()
    corner = image.pixelColor(image.width() - 3, image.height() // 2)
    assert corner.lightness() < 60  # the timeline's background follows the dark palette


def test_closing_right_after_opening_leaves_no_thread(qtbot, thread_snapshot, make_window, clips):
    window = make_window()
    window.open_source(str(clips["pool"]))  # the engine may be starting while we close
    t0 = time.monotonic()
    window.close()
    assert time.monotonic() - t0 < 1.0
    deadline = time.monotonic() + 1.0
    started = lambda: [t for t in threading.enumerate() if t not in thread_snapshot and t.is_alive()]  # noqa: E731
    while time.monotonic() < deadline and started():
        time.sleep(0.02)
    assert [t.name for t in started()] == []


@pytest.mark.parametrize("scale", ["1", "2"])
def test_kinesight_gui_entry_point_saves_a_screenshot(tmp_path, tiny_bundle, clips, scale):
    # scale 2: a high-DPI screen (device pixel ratio 2); the grab has twice the pixels.
    import os
    import subprocess
    import sys

    from PySide6.QtCore import QSettings

    shot = tmp_path / "shot.png"
    ini = tmp_path / "s.ini"
    before = QSettings(str(ini), QSettings.Format.IniFormat)
    before.setValue("ui/language", "en")  # the user's own choice
    before.sync()
    res = subprocess.run(
        [sys.executable, "-m", "gui.app", "--settings", str(ini), "--bundle", str(tiny_bundle),
         "--source", str(clips["ucf"]), "--lang", "zh_CN", "--screenshot", str(shot), "--screenshot-delay", "0.5",
         "--size", "900x600"],
        cwd=Path(__file__).resolve().parents[2], capture_output=True, text=True, timeout=120,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen", "QT_SCALE_FACTOR": scale},
    )
    assert res.returncode == 0, res.stdout + res.stderr
    assert "saved" in res.stdout and "ready" in res.stdout
    from PySide6.QtGui import QImage

    image = QImage(str(shot))
    assert (image.width(), image.height()) == (900 * int(scale), 600 * int(scale))
    # --lang and --size applied to that run only: the next plain launch is in English at its own size.
    after = QSettings(str(ini), QSettings.Format.IniFormat)
    assert after.value("ui/language") == "en"
    assert after.value("window/geometry") is None
    assert after.value("bundles/current") is None  # --bundle too


def test_a_long_status_message_shortens_at_a_word_and_never_hides_behind_the_fields(qtbot, make_window):
    from PySide6.QtGui import QFontMetrics

    window = make_window(size=None)  # the default window width, as a first launch has it
    status = window.status
    # The model's "loaded" note comes once the window is up; ours must not be replaced by it.
    qtbot.waitUntil(lambda: "loaded" in status.currentMessage(), timeout=WAIT)
    long = ("Kinesight cannot read “a holiday video with a rather long descriptive file name.mp4” as a "
            "video because the container is damaged beyond repair and nothing can be decoded from it")
    status.showMessage(long)
    qtbot.wait(50)
    label = status.message
    shown = label.shown_text()
    assert shown != long and shown.endswith("…")
    assert long.startswith(shown[:-1]) and long[len(shown) - 1] in " ,;:"  # whole words only
    assert QFontMetrics(label.font()).horizontalAdvance(shown) <= label.contentsRect().width()
    assert label.toolTip() == long and status.currentMessage() == long
    # The message ends where the permanent fields begin; those show their text in full.
    assert label.geometry().right() < status.provider.geometry().left()
    for field in (status.camera_fps, status.model_fps, status.latency, status.dropped):
        assert field.width() >= QFontMetrics(field.font()).horizontalAdvance(field.text())
    status.showMessage("Playing a.mp4")
    assert status.message.shown_text() == "Playing a.mp4"


