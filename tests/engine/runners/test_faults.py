"""Faults in the middle of a stream: the predictions made so far are kept, the user hears what
happened, and the same Engine plays the next source.

Sources fail the way real ones do: a fake camera through the real lost-camera path, a real clip
served over HTTP whose connection is dropped, a real clip truncated on disk while it plays. Stage
failures are injected at the ONNX Runtime session boundary (a session whose ``run`` raises ORT's
own exception types) or with inputs that really break a stage; there is no GPU here, so the CUDA
failure mid-run is a session that raises ORT's ``Fail`` with the CUDA EP's message while the
recognizer reports CUDA, and the real fallback code rebuilds real CPU sessions.
"""

from __future__ import annotations

import http.server
import shutil
import threading
from pathlib import Path

import pytest
from onnxruntime.capi.onnxruntime_pybind11_state import Fail, RuntimeException

from engine.core import runtime
from engine.core.errors import DecodeError, EngineError, InferenceError
from engine.core.frames import Frame
from engine.core.runtime import ProviderReport
from engine.core.settings import EngineSettings
from engine.io.sources import FakeSource
from engine.runners.live import Engine

WAIT = 20.0


class Recorder:
    """The engine's callbacks, recorded; events gate the test instead of sleeps."""

    def __init__(self, frames_to_signal: int | None = None) -> None:
        self.predictions: list = []
        self.errors: list[BaseException] = []
        self.warnings: list[str] = []
        self.frames = 0
        self.finished = threading.Event()
        self.frames_reached = threading.Event()
        self._signal_at = frames_to_signal
        self.predictions_at_warning: int | None = None

    def on_frame(self, f) -> None:
        self.frames += 1
        if self._signal_at is not None and self.frames >= self._signal_at:
            self.frames_reached.set()

    def on_warning(self, w: str) -> None:
        self.warnings.append(w)
        self.predictions_at_warning = len(self.predictions)

    def kwargs(self) -> dict:
        return dict(on_prediction=self.predictions.append, on_frame=self.on_frame, on_error=self.errors.append,
                    on_finished=self.finished.set, on_warning=self.on_warning)


def _assert_threads_gone(engine: Engine) -> None:
    for t in engine.threads():
        t.join(2.0)
        assert not t.is_alive(), t.name


def _plays_next_source(engine: Engine, rec: Recorder) -> None:
    """The same engine plays another source to its end without errors."""
    rec.finished.clear()
    before, errors = len(rec.predictions), len(rec.errors)
    engine.start(FakeSource(n=40, size=(64, 48)))
    assert rec.finished.wait(WAIT)
    assert len(rec.predictions) > before and len(rec.errors) == errors
    _assert_threads_gone(engine)


def test_a_camera_unplugged_keeps_its_predictions_and_the_engine_plays_on(tiny_bundle):
    rec = Recorder()
    engine = Engine(tiny_bundle, EngineSettings(device="cpu"), **rec.kwargs())
    engine.start(FakeSource(fps=30, n=None, size=(64, 48), live=True, fail_after=45))
    assert rec.finished.wait(WAIT)
    assert rec.frames == 45 and len(rec.predictions) >= 5  # every frame delivered reached the model
    assert len(rec.errors) == 1 and isinstance(rec.errors[0], DecodeError)
    assert "stopped delivering frames after 45 frames" in str(rec.errors[0])
    _assert_threads_gone(engine)
    _plays_next_source(engine, rec)
    engine.close()


def _ts_copy(src: Path, dst: Path) -> Path:
    """The video of a real clip remuxed into MPEG-TS (what live HTTP streams carry), no re-encode."""
    import av

    with av.open(str(src)) as inp, av.open(str(dst), "w", format="mpegts") as out:
        stream = out.add_stream_from_template(inp.streams.video[0])
        for p in inp.demux(inp.streams.video[0]):
            if p.dts is None:
                continue
            p.stream = stream
            out.mux(p)
    return dst


def test_a_network_stream_dropped_mid_way_keeps_its_predictions(tiny_bundle, clips, tmp_path):
    data = _ts_copy(clips["pool"], tmp_path / "stream.ts").read_bytes()
    cut = len(data) // 2

    class Dropping(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's name
            self.send_response(200)
            self.send_header("Content-Type", "video/mp2t")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data[:cut])  # then the connection drops
            self.close_connection = True

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Dropping)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        rec = Recorder()
        engine = Engine(tiny_bundle, EngineSettings(device="cpu", realtime=False), **rec.kwargs())
        engine.start(f"http://127.0.0.1:{server.server_port}/live.ts")
        assert engine.source.is_live
        assert rec.finished.wait(WAIT)
        assert 60 < rec.frames < 290 and len(rec.predictions) > 10
        # Ended with a message, not silently: a warning (the GUI then says the stream was lost).
        assert rec.errors == [] and len(rec.warnings) == 1, rec.warnings
        assert "live.ts" in rec.warnings[0] and "stopped" in rec.warnings[0]
        _assert_threads_gone(engine)
        _plays_next_source(engine, rec)
        engine.close()
    finally:
        server.shutdown()
        server.server_close()


def test_a_file_truncated_while_it_plays_keeps_what_played(tiny_bundle, clips, tmp_path):
    clip = tmp_path / "copy of clip.mp4"
    shutil.copy(clips["pool"], clip)
    rec = Recorder(frames_to_signal=15)
    engine = Engine(tiny_bundle, EngineSettings(device="cpu"), **rec.kwargs())  # paced at 30 fps
    engine.start(clip)
    assert rec.frames_reached.wait(WAIT)
    with open(clip, "r+b") as f:  # what a sync tool or a full download folder does to a file
        f.truncate(clip.stat().st_size * 3 // 10)
    assert rec.finished.wait(WAIT)
    assert 15 <= rec.frames < 200 and len(rec.predictions) > 5
    assert rec.errors == [] and any("truncated or damaged" in w for w in rec.warnings), rec.warnings
    _assert_threads_gone(engine)
    _plays_next_source(engine, rec)
    engine.close()


class FailingSession:
    """An ORT session that raises ORT's own exception on its ``fail_at``-th run (once), like a
    real session whose kernel fails; every other run is the real session's."""

    def __init__(self, real, fail_at: int, error: Exception) -> None:
        self._real, self._left, self._error = real, fail_at, error

    def run(self, *args, **kwargs):
        self._left -= 1
        if self._left == 0:
            raise self._error
        return self._real.run(*args, **kwargs)

    def __getattr__(self, name):
        return getattr(self._real, name)


class GreyFrames(FakeSource):
    """A source whose frames turn 2-D (grey) from ``bad_at`` on: a real preprocess failure
    (from then on, so that a frame the ring drops cannot hide it)."""

    def __init__(self, bad_at: int, **kw) -> None:
        super().__init__(**kw)
        self.bad_at = bad_at

    def frames(self, want=None):
        for f in super().frames(want):
            yield Frame(f.index, f.pts_s, f.image[..., 0].copy()) if f.index >= self.bad_at else f


@pytest.mark.parametrize("stage", ["preprocess", "backbone", "head", "decoder"])
def test_a_failure_inside_a_stage_names_the_stage_and_stops_cleanly(tiny_bundle, stage):
    # 3 s of 100 fps frames paced at real time: the worker takes each sampled frame (10 a second)
    # on its own, so runs are counted per tick and nothing is dropped.
    rec = Recorder()
    engine = Engine(tiny_bundle, EngineSettings(device="cpu"), **rec.kwargs())
    r = engine.recognizer
    source = FakeSource(fps=100, n=300, size=(64, 48))
    if stage == "preprocess":
        source = GreyFrames(bad_at=200, fps=100, n=300, size=(64, 48))
    elif stage == "backbone":
        r._backbone = FailingSession(r._backbone, 18, RuntimeException("Non-zero status code returned while running Conv node"))
    elif stage == "head":
        r._head = FailingSession(r._head, 10, RuntimeException("Non-zero status code returned while running MatMul node"))
    else:
        real = r.decoder.decode
        calls = {"n": 0}

        def decode(ctx, head):
            calls["n"] += 1
            if calls["n"] == 18:
                raise ValueError("probabilities are NaN")
            return real(ctx, head)

        r.decoder.decode = decode
    engine.start(source)
    assert rec.finished.wait(WAIT)
    assert len(rec.errors) == 1
    err = rec.errors[0]
    assert err.stage == stage and (stage if stage != "head" else "head failed") in str(err), str(err)
    assert isinstance(err, InferenceError if stage in ("backbone", "head") else EngineError)
    assert len(rec.predictions) >= 3  # what came before the failure was delivered
    _assert_threads_gone(engine)
    _plays_next_source(engine, rec)  # the failing call happened once: the engine recovers
    engine.close()


def test_a_cuda_failure_mid_run_falls_back_to_the_cpu_with_a_notice(tiny_bundle, monkeypatch):
    monkeypatch.setattr(runtime, "_cuda_failure", runtime._cuda_failure)  # restored afterwards
    rec = Recorder()
    engine = Engine(tiny_bundle, EngineSettings(device="auto"), **rec.kwargs())
    r = engine.recognizer
    # As if the sessions ran on CUDA, until the device fails on the 40th backbone run with the
    # error ORT's CUDA provider raises (onnxruntime's Fail type, its message). 100 fps paced:
    # one backbone run per tick, as in the stage test.
    r.provider = ProviderReport("CUDA", "a test GPU")
    r._backbone = FailingSession(r._backbone, 15, Fail(
        "[ONNXRuntimeError] : 1 : FAIL : CUDA failure 700: an illegal memory access was encountered ; "
        "GPU=0 ; expr=cudaStreamSynchronize(stream)"))
    engine.start(FakeSource(fps=100, n=400, size=(64, 48)))
    assert rec.finished.wait(WAIT)
    assert rec.errors == []
    assert len(rec.warnings) == 1 and "running on the CPU" in rec.warnings[0] and "CUDA failure 700" in rec.warnings[0]
    assert engine.provider.provider == "CPU" and engine.settings.device == "cpu"
    assert rec.predictions_at_warning is not None and len(rec.predictions) > rec.predictions_at_warning + 15
    # The failed batch was retried on the CPU: every sampled tick still has its prediction.
    assert [p.tick for p in rec.predictions] == list(range(rec.predictions[0].tick, rec.predictions[-1].tick + 1))
    # Later sessions of this process do not try CUDA again.
    _, report = runtime.make_session(Path(tiny_bundle) / "head.onnx", "auto")
    assert report.provider == "CPU"
    engine.close()


def test_a_full_disk_during_export_loses_nothing_already_written(tiny_bundle, clips, tmp_path):
    """``kinesight analyze --csv`` with the file-size limit (RLIMIT_FSIZE, what a full disk does
    to a write: EFBIG instead of ENOSPC) below the new CSV's size: the previous CSV is kept whole,
    no temporary is left behind, and the command ends with one line and a failure code."""
    import subprocess
    import sys

    out = tmp_path / "timeline.csv"
    before = "pts_s,label\n0.0000,previous results\n"
    out.write_text(before, encoding="utf-8")
    code = (
        "import resource, signal, sys\n"
        "signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write over the limit fails instead of killing\n"
        "resource.setrlimit(resource.RLIMIT_FSIZE, (2048, 2048))\n"
        "from kinesight.cli import main\n"
        "sys.exit(main(sys.argv[1:]))\n"
    )
    root = Path(__file__).resolve().parents[3]
    proc = subprocess.run([sys.executable, "-c", code, "analyze", str(clips["pool"]), "--bundle", str(tiny_bundle),
                           "--device", "cpu", "--no-progress", "--csv", str(out)],
                          capture_output=True, text=True, cwd=root, timeout=300)
    assert proc.returncode != 0
    errors = [line for line in proc.stderr.splitlines() if "error" in line]
    assert len(errors) == 1 and "File too large" in errors[0], proc.stderr
    assert out.read_text(encoding="utf-8") == before  # the earlier results, whole
    assert sorted(p.name for p in tmp_path.iterdir()) == ["timeline.csv"]  # no temporary left
