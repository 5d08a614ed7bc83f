"""The live Engine: same answers as offline, documented callback threads, drops, bounded
shutdown, and errors that reach the caller."""

from __future__ import annotations

import threading
import time

import pytest

from engine.core.errors import DecodeError, EngineError, SourceError, SourceNotFound
from engine.core.prediction import PredictionState
from engine.core.settings import EngineSettings
from engine.io.sources import FakeSource, open_source
from engine.runners.live import Engine
from engine.runners.offline import analyze_file


class Recorder:
    """Collects callbacks with the thread each one ran on."""

    def __init__(self) -> None:
        self.predictions = []
        self.frames = 0
        self.errors = []
        self.warnings = []
        self.threads = {}
        self.finished = threading.Event()
        self.finished_count = 0

    def _note(self, what):
        self.threads.setdefault(what, set()).add(threading.current_thread().name)

    def on_prediction(self, p):
        self._note("prediction")
        self.predictions.append(p)

    def on_frame(self, f):
        self._note("frame")
        self.frames += 1

    def on_error(self, e):
        self._note("error")
        self.errors.append(e)

    def on_warning(self, w):
        self.warnings.append(w)

    def on_finished(self):
        self._note("finished")
        self.finished_count += 1
        self.finished.set()

    def kwargs(self):
        return dict(on_prediction=self.on_prediction, on_frame=self.on_frame, on_error=self.on_error,
                    on_finished=self.on_finished, on_warning=self.on_warning)


@pytest.fixture(scope="module")
def grid_clip(shared_data):
    """A real 3 s clip (25 fps): short enough to play in real time in a test."""
    return sorted((shared_data / "grid" / "s1" / "video").glob("*.mp4"))[0]


@pytest.mark.parametrize("bundle_name", ["tiny_bundle", "streaming_bundle"])
def test_live_paced_at_real_time_equals_offline_analysis(request, bundle_name, grid_clip):
    bundle = request.getfixturevalue(bundle_name)
    settings = EngineSettings(device="cpu", realtime=True, ring_capacity=64)
    rec = Recorder()
    engine = Engine(bundle, settings, **rec.kwargs())
    t0 = time.monotonic()
    engine.start(grid_clip)
    assert rec.finished.wait(10.0)
    wall = time.monotonic() - t0
    engine.close()
    assert wall >= 2.8, "file sources are paced at their own fps"
    assert rec.errors == [] and engine.stats.dropped_frames == 0
    offline = analyze_file(grid_clip, bundle, settings, batch_size=16)
    live = [(p.tick, p.top_k[0][0] if p.top_k else None, p.label, p.state) for p in rec.predictions]
    off = [(p.tick, p.top_k[0][0] if p.top_k else None, p.label, p.state) for p in offline.predictions]
    assert len(live) == 30 and live == off
    assert [p.pts_s for p in rec.predictions] == [p.pts_s for p in offline.predictions]
    # Documented threads: frames on the capture thread, the rest on the engine worker.
    assert rec.threads["frame"] == {"kinesight-capture"}
    assert rec.threads["prediction"] == rec.threads["finished"] == {"kinesight-engine"}
    assert rec.frames == 75 and rec.finished_count == 1
    last = rec.predictions[-1]
    assert last.timings.backbone_ms > 0 and last.timings.latency_ms > 0 and last.timings.decode_ms >= 0
    assert last.input_fps == pytest.approx(25, rel=0.4) and last.model_fps == pytest.approx(10, rel=0.5)


def test_a_slow_consumer_drops_oldest_frames_and_capture_never_waits(tiny_bundle):
    rec = Recorder()
    slow = threading.Event()

    def on_prediction(p):
        rec.on_prediction(p)
        slow.wait(0.02)  # a consumer slower than the source

    kwargs = {**rec.kwargs(), "on_prediction": on_prediction}
    engine = Engine(tiny_bundle, EngineSettings(device="cpu", realtime=False, ring_capacity=2), **kwargs)
    engine.start(FakeSource(fps=30, n=600, size=(160, 120)))
    assert rec.finished.wait(20.0)
    engine.close()
    stats = engine.stats
    assert stats.frames_seen == 600, "capture read every frame without blocking"
    assert stats.dropped_frames > 100
    assert rec.predictions[-1].dropped_frames > 0
    # Ticks stay on the model clock even with gaps: strictly increasing.
    ticks = [p.tick for p in rec.predictions]
    assert ticks == sorted(set(ticks))


def test_stop_and_close_are_bounded_and_the_engine_restarts(tiny_bundle):
    rec = Recorder()
    three = threading.Event()

    def on_prediction(p):
        rec.on_prediction(p)
        if len(rec.predictions) >= 3:
            three.set()

    engine = Engine(tiny_bundle, EngineSettings(device="cpu"), **{**rec.kwargs(), "on_prediction": on_prediction})
    engine.start(FakeSource(fps=30, n=None, size=(160, 120), live=True))
    assert three.wait(5) and engine.stats.running
    t0 = time.monotonic()
    engine.stop()
    assert time.monotonic() - t0 < 1.0
    assert rec.finished.is_set() and not engine.stats.running
    # Both threads are gone, so nothing can arrive after stop(): no waiting needed to know it.
    assert not any(t.is_alive() for t in engine.threads())
    n = len(rec.predictions)
    rec.finished.clear()
    engine.start(FakeSource(fps=30, n=30, size=(160, 120)))
    assert rec.finished.wait(5.0) and rec.predictions[n].tick == 0
    t0 = time.monotonic()
    engine.close(timeout=1.0)
    assert time.monotonic() - t0 < 1.2
    assert not any(t.is_alive() for t in engine.threads())
    with pytest.raises(EngineError, match="closed"):
        engine.start(FakeSource(n=5))


def test_pause_resume_and_seek(tiny_bundle):
    rec = Recorder()
    paused_at_12, late_frame = threading.Event(), threading.Event()
    engine = Engine(tiny_bundle, EngineSettings(device="cpu", realtime=False, ring_capacity=64), **rec.kwargs())

    def on_frame(frame):
        rec.on_frame(frame)
        if paused_at_12.is_set():
            late_frame.set()
        elif frame.index == 11:
            engine.pause()  # on the capture thread, before it reads on: the pause is exact
            paused_at_12.set()

    engine.on_frame = on_frame
    engine.start(FakeSource(fps=30, n=300, size=(160, 120)))
    assert paused_at_12.wait(5)
    assert not late_frame.wait(0.3), "a paused source delivers nothing"
    assert engine.stats.paused and engine.stats.frames_seen == 12
    engine.seek(8.0)
    engine.resume()
    assert rec.finished.wait(5.0)
    engine.close()
    ticks = [p.tick for p in rec.predictions]
    # Frames 0-11 fill ticks 0-3 (those still queued at the seek are dropped with the ring);
    # then the recognizer restarts at the seek position, warming up again from tick 80.
    cut = ticks.index(80)
    assert ticks[:cut] == list(range(cut)) and cut <= 4 and ticks[cut:] == list(range(80, 100))
    assert rec.predictions[cut].state is PredictionState.WARMING_UP and rec.errors == []


def test_settings_change_on_the_next_tick(tiny_bundle):
    rec = Recorder()
    engine = Engine(tiny_bundle, EngineSettings(device="cpu", realtime=True, threshold=0.0), **rec.kwargs())

    def on_prediction(p):
        rec.on_prediction(p)
        if p.tick == 15:  # from the worker thread, mid-stream
            engine.update_settings(threshold=1.0, top_k=1)

    engine.on_prediction = on_prediction
    engine.start(FakeSource(fps=30, n=90, size=(160, 120)))
    assert rec.finished.wait(5.0)
    engine.close()
    before = [p for p in rec.predictions if 8 <= p.tick <= 15]
    after = [p for p in rec.predictions if p.tick >= 17]
    assert before and all(p.state is PredictionState.CONFIDENT and len(p.top_k) == 3 for p in before)
    assert after and all(p.state is PredictionState.UNCERTAIN and p.label is None and len(p.top_k) == 1 for p in after)
    with pytest.raises(EngineError, match="unknown engine settings"):
        engine.update_settings(colour="red")


def test_errors_reach_on_error_and_wait(tiny_bundle, clips, tmp_path):
    rec = Recorder()
    engine = Engine(tiny_bundle, EngineSettings(device="cpu", realtime=False), **rec.kwargs())
    data = bytearray(clips["ucf"].read_bytes())
    movi = data.find(b"movi") + 4
    data[movi:] = bytes(len(data) - movi)
    (tmp_path / "zeros.avi").write_bytes(bytes(data))
    engine.start(tmp_path / "zeros.avi")
    assert rec.finished.wait(5.0)
    assert len(rec.errors) == 1 and isinstance(rec.errors[0], DecodeError)
    assert rec.threads["error"] == {"kinesight-engine"}

    # A truncated file plays what decodes and warns.
    rec2 = Recorder()
    engine2 = Engine(tiny_bundle, EngineSettings(device="cpu", realtime=False), **rec2.kwargs())
    cut = tmp_path / "cut.avi"
    cut.write_bytes(clips["ucf"].read_bytes()[: len(data) // 2])
    engine2.start(cut)
    assert rec2.finished.wait(5.0)
    assert rec2.errors == [] and len(rec2.predictions) > 20
    assert any("decoding stopped" in w for w in rec2.warnings)

    # Opening errors raise at start(); a failing callback is reported, not swallowed.
    with pytest.raises(SourceNotFound):
        engine.start(tmp_path / "missing.mp4")

    def boom(p):
        raise ValueError("bug in the caller")

    rec3 = Recorder()
    engine3 = Engine(tiny_bundle, EngineSettings(device="cpu", realtime=False),
                     **{**rec3.kwargs(), "on_prediction": boom})
    engine3.start(FakeSource(n=30, size=(64, 48)))
    assert rec3.finished.wait(5.0)
    assert isinstance(rec3.errors[0], EngineError) and "bug in the caller" in str(rec3.errors[0])

    # Without on_error, wait() raises the error.
    quiet = Engine(tiny_bundle, EngineSettings(device="cpu"), on_prediction=boom)
    quiet.start(FakeSource(n=30, size=(64, 48)))
    with pytest.raises(EngineError, match="bug in the caller"):
        quiet.wait(5.0)
    for e in (engine, engine2, engine3, quiet):
        e.close()


def test_live_sources_cannot_seek(tiny_bundle):
    engine = Engine(tiny_bundle, EngineSettings(device="cpu"))
    engine.start(FakeSource(fps=30, n=None, size=(64, 48), live=True))
    with pytest.raises(SourceError):
        engine.seek(1.0)
    engine.close()


def test_seek_after_the_end_plays_again_from_there(tiny_bundle, clips):
    rec = Recorder()
    engine = Engine(tiny_bundle, EngineSettings(device="cpu", realtime=False), **rec.kwargs())
    engine.start(clips["arm"])
    assert rec.finished.wait(10.0)
    n = len(rec.predictions)
    assert rec.predictions[-1].tick == 99
    rec.finished.clear()
    engine.seek(9.0)
    assert rec.finished.wait(10.0)
    engine.close()
    again = rec.predictions[n:]
    assert [p.tick for p in again] == list(range(90, 100)) and again[0].pts_s == pytest.approx(9.0, abs=0.04)
    assert rec.finished_count == 2 and rec.errors == []


def test_an_owned_source_is_closed_when_a_slow_read_ends_after_stop(tiny_bundle, monkeypatch):
    import engine.runners.live as live

    release, reading, closed = threading.Event(), threading.Event(), threading.Event()

    class SlowSource(FakeSource):
        closed_by: str | None = None

        def frames(self, want=None):
            yield from super().frames(want)
            reading.set()
            release.wait(5.0)  # a network read that outlives stop()'s timeout

        def close(self) -> None:
            if not self._closed:
                SlowSource.closed_by = threading.current_thread().name
                closed.set()
            super().close()

    src = SlowSource(fps=30, n=3, size=(160, 120))
    monkeypatch.setattr(live, "open_source", lambda spec: src)
    engine = Engine(tiny_bundle, EngineSettings(device="cpu", realtime=False))
    engine.start("a spec the engine opens itself")
    assert reading.wait(5)  # the capture thread is inside the slow read
    engine.stop(timeout=0.1)
    assert SlowSource.closed_by is None, "not closed under a read in progress"
    release.set()
    assert closed.wait(5) and SlowSource.closed_by == "kinesight-capture"
    engine.close()


def test_restart_while_the_old_worker_is_stuck_in_a_model_run_never_shares_the_recognizer(tiny_bundle):
    """stop() gives up after its timeout; the next start() must not drive the Recognizer that the
    old worker is still inside (it is not thread-safe)."""
    import engine.runners.live as live

    entered, gate = threading.Event(), threading.Event()
    preds = []
    eng = Engine(tiny_bundle, EngineSettings(device="cpu", realtime=False), on_prediction=preds.append)
    stuck = eng.recognizer
    real_infer = stuck.infer

    def gated_infer(batch, **kwargs):
        entered.set()
        gate.wait(10)  # the worker is held inside a model run until the test lets it go
        return real_infer(batch, **kwargs)

    stuck.infer = gated_infer
    try:
        eng.start(FakeSource(fps=30, n=60))
        assert entered.wait(5)
        eng.stop(timeout=0.1)
        (old_worker,) = [t for t in eng.threads() if t.name == "kinesight-engine"]
        assert old_worker.is_alive()  # stop() gave up: the worker is still inside the model
        live.HANDOVER_TIMEOUT_S, saved = 0.2, live.HANDOVER_TIMEOUT_S
        try:
            eng.start(FakeSource(fps=30, n=60))
        finally:
            live.HANDOVER_TIMEOUT_S = saved
        assert eng.recognizer is not stuck
        assert eng.wait(10)
        # The new run played the whole 2 s clip on its own recognizer: ticks in order up to the
        # last one (a shared, gated recognizer would have blocked it and failed wait() above).
        ticks = [p.tick for p in preds]
        assert ticks == sorted(set(ticks)) and ticks[-1] == 19
    finally:
        gate.set()
        eng.close(timeout=2)
    old_worker.join(5)
    assert not old_worker.is_alive()


def test_a_camera_lost_mid_stream_reaches_on_error_as_decode_error(tiny_bundle):
    rec = Recorder()
    engine = Engine(tiny_bundle, EngineSettings(device="cpu"), **rec.kwargs())
    engine.start(FakeSource(fps=30, n=None, size=(64, 48), live=True, fail_after=12))
    assert rec.finished.wait(5.0)
    engine.close()
    assert rec.frames == 12 and len(rec.errors) == 1
    assert isinstance(rec.errors[0], DecodeError) and "stopped delivering frames after 12" in str(rec.errors[0])
    assert rec.threads["error"] == {"kinesight-engine"}
