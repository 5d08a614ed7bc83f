"""The Recognizer on real clips: model clock, cached features, both head kinds, offline analysis."""

from __future__ import annotations

import csv
import json
import threading

import numpy as np
import pytest

from engine.core.errors import EngineError, SourceNotFound
from engine.core.frames import Frame
from engine.core.prediction import PredictionState
from engine.core.runtime import make_session
from engine.core.settings import EngineSettings
from engine.io.sources import open_source
from engine.pipeline import Recognizer
from engine.runners.offline import analyze_file


def _frames(path):
    with open_source(path) as src:
        return list(src)


@pytest.fixture(scope="module")
def pool_frames(clips):
    return _frames(clips["pool"])


def test_each_sampled_frame_goes_through_the_backbone_once(tiny_bundle, pool_frames):
    rec = Recognizer(tiny_bundle, EngineSettings(device="cpu"))
    preds = rec.run(pool_frames)
    # 10 s at 30 fps on a 10 fps model clock: 100 ticks, 100 backbone frames (not 100 x T).
    assert [p.tick for p in preds] == list(range(100))
    assert rec.backbone_frames == 100
    warm = [p for p in preds if p.state is PredictionState.WARMING_UP]
    assert len(warm) == rec.window_length - 1 == 7
    assert rec.head_runs == 100 - 7  # window head: once per prediction after warm-up
    live = [p for p in preds if p.state is not PredictionState.WARMING_UP]
    assert all(abs(sum(p.probs) - 1) < 1e-6 and len(p.top_k) == 3 for p in live)
    assert all(p.top_k[0][1] >= p.top_k[1][1] >= p.top_k[2][1] for p in live)
    # Each prediction is stamped with the frame that filled its tick (the first at/after it).
    assert all(p.tick / 10 - 1e-3 <= p.pts_s < p.tick / 10 + 1 / 30 for p in preds)


def test_streaming_head_steps_once_per_tick_with_carried_state(streaming_bundle, pool_frames):
    rec = Recognizer(streaming_bundle, EngineSettings(device="cpu", smoothing=0.0))
    preds = rec.run(pool_frames[:90])  # 3 s -> 30 ticks
    assert rec.head_runs == 30 and rec.backbone_frames == 30  # O(1) per new feature
    # Carrying state through 30 single steps equals the GRU over the whole sequence at once.
    ref = Recognizer(streaming_bundle, EngineSettings(device="cpu"))
    seq = np.stack([ref.features(ref.prepare(s).tensor)[0] for s in _sampled_all(ref, pool_frames[:90])])
    h0 = np.zeros((1, 1, 24), np.float32)
    head, _ = make_session(ref.bundle.head_path, "cpu")
    logits = head.run(["logits"], {"features": seq[None], "h_in": h0})[0][0]
    e = np.exp(logits - logits.max())
    assert np.allclose(preds[-1].probs, e / e.sum(), atol=1e-4)


def _sampled_all(rec, frames):
    return [s for s in (rec.sample(f) for f in frames) if s is not None]


def test_same_windows_from_30_and_60_fps_inputs(tiny_bundle, pool_frames):
    rec = Recognizer(tiny_bundle, EngineSettings(device="cpu"))
    at30 = rec.run(pool_frames[:150])
    # The same video at 60 fps (each frame shown twice): counting frames would sample other
    # images; sampling by timestamp picks the same ones.
    at60 = [Frame(2 * f.index + k, f.pts_s + k / 60, f.image) for f in pool_frames[:150] for k in (0, 1)]
    rec.reset()
    again = rec.run(at60)
    assert [(p.tick, p.label, p.pts_s) for p in again] == [(p.tick, p.label, p.pts_s) for p in at30]
    assert np.allclose([p.probs for p in again], [p.probs for p in at30], atol=1e-6)


def test_window_length_override(tiny_bundle, pool_frames):
    rec = Recognizer(tiny_bundle, EngineSettings(device="cpu", window_length=4))
    preds = rec.run(pool_frames[:60])
    assert sum(p.state is PredictionState.WARMING_UP for p in preds) == 3
    with pytest.raises(EngineError):
        Recognizer(tiny_bundle, EngineSettings(device="cpu", smoothing=1.5))


def test_analyze_file_end_to_end_on_a_real_clip(tiny_bundle, clips, tmp_path):
    seen = []
    result = analyze_file(clips["arm"], tiny_bundle, EngineSettings(device="cpu"),
                          progress=lambda d, t: seen.append((d, t)), batch_size=8)
    assert result.frames == 280 and result.duration_s == pytest.approx(10.0, abs=0.05)
    assert [p.tick for p in result.predictions] == list(range(100))
    assert result.provider.provider in ("CPU", "CUDA") and result.warnings == []
    assert seen and seen[-1][0] == pytest.approx(seen[-1][1]) and [d for d, _ in seen] == sorted(d for d, _ in seen)
    # Offline (batched, decode thread) equals the plain single-frame path...
    plain = Recognizer(tiny_bundle, EngineSettings(device="cpu")).run(_frames(clips["arm"]))
    assert [(p.tick, p.label, p.state) for p in plain] == [(p.tick, p.label, p.state) for p in result.predictions]
    assert np.allclose([p.probs for p in plain], [p.probs for p in result.predictions], atol=1e-5)
    # Batches of 16 frames run the backbone and the window head once each, same answers.
    rec = Recognizer(tiny_bundle, EngineSettings(device="cpu"))
    sampled = [s for s in (rec.sample(f) for f in _frames(clips["arm"])) if s is not None]
    batched = [p for i in range(0, 100, 16) for p in rec.infer(sampled[i : i + 16])]
    assert rec.head_runs == 7 and rec.backbone_frames == 100
    assert [(p.tick, p.label) for p in batched] == [(p.tick, p.label) for p in plain]
    assert np.allclose([p.probs for p in batched], [p.probs for p in plain], atol=1e-5)
    segs = result.segments()
    assert segs[0].label is None and segs[0].end_s == pytest.approx(0.7)
    assert segs[-1].end_s == pytest.approx(10.0, abs=0.11)

    csv_path = result.to_csv(tmp_path / "t.csv")
    rows = list(csv.reader(open(csv_path)))
    assert rows[0] == ["pts_s", "label", "state", "confidence", "alpha", "beta", "gamma"]
    assert len(rows) == 101 and rows[8][2] in ("confident", "uncertain")
    data = json.loads(result.to_json(tmp_path / "t.json").read_text())
    assert data["labels"] == ["alpha", "beta", "gamma"] and len(data["predictions"]) == 100
    assert data["segments"][-1]["end_s"] == pytest.approx(10.0, abs=0.11)


def test_analyze_corrupt_file_keeps_what_decodes_and_warns(tiny_bundle, clips, tmp_path):
    data = clips["ucf"].read_bytes()
    cut = tmp_path / "cut.avi"
    cut.write_bytes(data[: len(data) // 2])
    result = analyze_file(cut, tiny_bundle, EngineSettings(device="cpu"))
    assert 20 < len(result.predictions) < 66
    assert any("decoding stopped" in w for w in result.warnings)
    with pytest.raises(SourceNotFound):
        analyze_file(tmp_path / "missing.mp4", tiny_bundle)


def test_analyze_can_be_cancelled(tiny_bundle, clips):
    cancel = threading.Event()

    def progress(done_s, total_s):
        if done_s > 2.0:
            cancel.set()

    result = analyze_file(clips["pool"], tiny_bundle, EngineSettings(device="cpu"), progress=progress,
                          cancel=cancel, batch_size=4)
    assert result.cancelled and 0 < len(result.predictions) < 100
    assert any("cancelled" in w for w in result.warnings)


def _prediction(tick, state, label=None, confidence=0.0):
    from engine.core.prediction import Prediction

    return Prediction(pts_s=tick / 4, tick=tick, frame_index=tick, top_k=(), probs=(), label=label,
                      confidence=confidence, state=state)


def test_segments_keep_warming_up_and_uncertain_apart_and_end_with_the_file():
    from engine.io.results import AnalysisResult
    from engine.core.runtime import ProviderReport

    W, C, U = PredictionState.WARMING_UP, PredictionState.CONFIDENT, PredictionState.UNCERTAIN
    preds = [_prediction(0, W), _prediction(1, W), _prediction(2, C, "a", 0.9), _prediction(3, C, "a", 0.7),
             _prediction(4, U, None, 0.3), _prediction(5, C, "a", 0.8), _prediction(6, U, None, 0.2)]
    result = AnalysisResult(preds, ("a", "b"), duration_s=1.6, frames=40, wall_s=1.0,
                            provider=ProviderReport("CPU", "cpu"), sample_fps=4.0)
    segs = [(s.start_s, s.end_s, s.text, round(s.mean_confidence, 2)) for s in result.segments()]
    assert segs == [(0.0, 0.5, "(warming up)", 0.0), (0.5, 1.0, "a", 0.8), (1.0, 1.25, "(uncertain)", 0.3),
                    (1.25, 1.5, "a", 0.8), (1.5, 1.6, "(uncertain)", 0.2)]  # the last tick ends with the file
    assert [s["state"] for s in result.to_dict()["segments"]] == ["warming_up", "confident", "uncertain",
                                                                    "confident", "uncertain"]
