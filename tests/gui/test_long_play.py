"""A minute and more of real playback through the real window: the app stays up and does not leak.

PySide6-Essentials 6.12.0 on Python 3.11 aborted the app after about 30 s of playback (None's
reference count reached zero); the other GUI tests play 10 s clips and never got there.
"""

from __future__ import annotations

import time

import pytest

from bench.long_play import make_looped_clip, process_stats

WARMUP_S = 10.0


@pytest.mark.slow
def test_a_70_s_clip_plays_to_its_end_without_dying_or_leaking(qtbot, window, clips, tmp_path):
    long_clip = make_looped_clip(clips["arm"], tmp_path / "arm-x7.mp4", 7)  # 70 s of a real clip
    finished = []
    window.bridge.finished.connect(lambda: finished.append(time.monotonic()))
    started = time.monotonic()
    window.open_source(str(long_clip))  # paced at the file's own fps, as a user watches it
    qtbot.waitUntil(lambda: window.source_info is not None, timeout=20000)
    assert window.source_info.duration_s == pytest.approx(70.4, abs=0.5)
    qtbot.wait(int(WARMUP_S * 1000))
    warm, warm_count = process_stats(), window.prediction_count
    assert warm_count > 0
    qtbot.waitUntil(lambda: bool(finished), timeout=120_000)
    played_s = finished[0] - started
    end = process_stats()
    print(f"played {played_s:.1f} s: RSS {warm['rss_mb']:.1f} -> {end['rss_mb']:.1f} MB, OS threads "
          f"{warm['os_threads']} -> {end['os_threads']}, None refs {warm['none_refs']} -> {end['none_refs']}, "
          f"{window.prediction_count} predictions")
    assert played_s >= 65  # really played at real time, past the ~30 s where 6.12 aborted
    # Alive and still working at the end: predictions kept coming to the last seconds.
    assert window.isVisible() and window.errors_shown == []
    assert window.last_prediction is not None and window.last_prediction.pts_s > 65
    assert window.prediction_count > warm_count + 8 * 50  # the model clock runs at 8-10 fps
    # Bounded growth after warm-up: no memory or thread build-up with playing time.
    assert end["rss_mb"] - warm["rss_mb"] < 60, (warm, end)
    assert end["os_threads"] <= warm["os_threads"] + 2, (warm, end)
    assert end["none_refs"] >= warm["none_refs"] - 100  # the 6.12 bug: it fell ~480 a second
