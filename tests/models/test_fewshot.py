"""Few-shot teaching (models.fewshot via models.teach.train_bundle): taught from real clips with
torch unimportable, the bundle runs through the engine, held-out clips are recognised, untaught
material is "unknown", and the head.onnx built from numpy computes what the numpy model does."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import onnxruntime as ort
import pytest

from engine.bundles import load_bundle
from engine.core.prediction import PredictionState
from engine.core.settings import EngineSettings
from engine.io.sources import open_source
from engine.pipeline import Recognizer
from engine.runners.offline import analyze_file
from models.data import DatasetError, FeatureExtractor, sample_frames
from models.fewshot.bundle import teaching_warnings
from models.fewshot.fit import ClipFeatures, FewShotConfig, fit_fewshot
from models.fewshot.model import FewShotError

ROOT = Path(__file__).resolve().parents[2]

BLOCK_TORCH = r"""
import importlib.abc, json, sys, time
class BlockTorch(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name.split('.')[0] in ('torch', 'torchvision'):
            raise ImportError(f'{name} is blocked: teaching must not need torch')
sys.meta_path.insert(0, BlockTorch())
"""

TEACH = BLOCK_TORCH + r"""
from pathlib import Path
from models.teach import train_bundle
clips, out, cache = json.loads(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
t = time.perf_counter()
res = train_bundle({k: [Path(p) for p in v] for k, v in clips.items()}, out, cache_dir=cache, roi="full+motion")
print(json.dumps({"seconds": time.perf_counter() - t, "torch": 'torch' in sys.modules,
                  "clip_accuracy": res.clip_accuracy, "warnings": res.report["warnings"]}))
"""


@pytest.fixture(scope="module")
def taught(real_actions, feature_cache, tmp_path_factory):
    """A bundle taught from 3 real actions x 3 clips in a subprocess where torch cannot be imported."""
    out = tmp_path_factory.mktemp("taught") / "real-actions"
    clips = {k: [str(p) for p in v["teach"]] for k, v in real_actions.items()}
    r = subprocess.run([sys.executable, "-c", TEACH, json.dumps(clips), str(out), str(feature_cache)],
                       cwd=ROOT, capture_output=True, text=True, timeout=240)
    assert r.returncode == 0, r.stderr[-3000:]
    return out, json.loads(r.stdout.strip().splitlines()[-1])


def test_teaching_needs_no_torch_and_writes_a_bundle_with_unknown(taught):
    out, info = taught
    assert info["torch"] is False
    bundle = load_bundle(out)  # checksums and graph shapes, as the app loads it
    m = bundle.manifest
    assert set(m.labels) == {"arm", "pool", "talking"}
    assert m.head.arch == "fewshot" and m.training["recipe"] == "fewshot"
    # the shipped backbone's int8 twin travels with it (checksummed), so the taught bundle runs
    # int8 on CPU like the default one
    assert bundle.backbone_int8_path is not None and bundle.backbone_int8_path.is_file()
    assert m.open_set["threshold"] > 0 and m.open_set["output"] == "novelty"
    sess = ort.InferenceSession(str(bundle.head_path), providers=["CPUExecutionProvider"])
    assert [o.name for o in sess.get_outputs()] == ["logits", "novelty"]
    cv = m.training["cv"]
    assert cv["method"] == "person-out" and np.asarray(cv["confusion"]).shape == (3, 3)
    assert np.asarray(cv["confusion"]).sum() == 9  # every clip held out once
    assert info["clip_accuracy"] == cv["clip_accuracy"]


def test_the_engine_recognises_held_out_real_clips(taught, real_actions):
    """Mirrored segments from the part of each clip never taught: the engine names the action."""
    out, _ = taught
    bundle = load_bundle(out)
    for label, parts in real_actions.items():
        result = analyze_file(parts["test"][0], bundle)
        said = Counter(p.label for p in result.predictions if p.state == PredictionState.CONFIDENT)
        assert said and said.most_common(1)[0][0] == label, (label, said)
        warm = [p for p in result.predictions if p.state != PredictionState.WARMING_UP]
        assert sum(p.label == label for p in warm) >= 0.8 * len(warm), (label, Counter(p.state for p in warm))
        assert all(p.novelty is not None for p in warm)


def test_taught_bundle_sees_the_frame_and_the_moving_region_as_teaching_did(taught, real_actions):
    """roi "full+motion": the engine computes each tick's features (whole frame, then the motion
    crop) exactly as teaching did, and every prediction carries the crop box it looked at."""
    out, _ = taught
    bundle = load_bundle(out)
    m = bundle.manifest
    assert m.input.roi == "full+motion" and m.feature_dim == 2 * 1280
    clip = real_actions["pool"]["test"][0]

    def engine_features(precision: str) -> np.ndarray:
        rec = Recognizer(bundle, EngineSettings(precision=precision))
        feats = []
        with open_source(clip) as src:
            for frame in src.frames():
                s = rec.sample(frame)
                if s is not None:
                    f = rec.features(rec.prepare(s).tensor).reshape(1, -1)
                    feats += [f] * len(s.ticks)
        return np.concatenate(feats)

    taught_feats = FeatureExtractor(bundle.backbone_path, m.input)(sample_frames(clip, m.window.sample_fps),
                                                                    m.window.sample_fps)
    np.testing.assert_allclose(engine_features("float"), taught_feats, rtol=1e-4, atol=1e-4)
    # On CPU the taught bundle runs its backbone's int8 twin by default: the same crops, features
    # close to the float ones teaching saw (per half: whole frame, motion crop)
    int8 = engine_features("auto")
    assert bundle.backbone_int8_path is not None and int8.shape == taught_feats.shape
    for half in (slice(0, 1280), slice(1280, 2560)):
        a, b = int8[:, half], taught_feats[:, half]
        cos = (a * b).sum(1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1) + 1e-9)
        assert cos.min() > 0.9, cos.min()
    result = analyze_file(real_actions["talking"]["test"][0], bundle)  # a GRID speaker, 360x288
    boxes = [r.box for p in result.predictions for r in p.regions if r.name == "motion"]
    assert len(boxes) == len(result.predictions)
    # the whole frame until something moves, then a square inside it
    assert all(b == (0, 0, 360, 288) or (0 <= b[0] < b[2] <= 360 and 0 <= b[1] < b[3] <= 288
                                         and b[2] - b[0] == b[3] - b[1]) for b in boxes)
    x0, y0, x1, y1 = boxes[-1]
    assert x1 - x0 < 0.7 * 288 and y0 > 288 / 4  # zoomed in on what moves: the lower face


def test_untaught_real_video_is_unknown_not_a_taught_label(taught, shared_data):
    out, _ = taught
    result = analyze_file(shared_data / "clips" / "ucf101_apply_eye_makeup.avi", load_bundle(out))
    warm = [p for p in result.predictions if p.state != PredictionState.WARMING_UP]
    states = Counter(p.state for p in warm)
    assert states[PredictionState.CONFIDENT] <= 0.05 * len(warm), states
    assert states[PredictionState.UNKNOWN] >= 0.9 * len(warm), states


def test_models_package_imports_no_torch():
    code = BLOCK_TORCH + "import models, models.fewshot, models.teach, models.train, models.data\nprint('ok')"
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and r.stdout.strip() == "ok", r.stderr[-2000:]


def _clusters(n_per: int, labels: int, *, seed: int = 0, dim: int = 24, groups: int = 3):
    """Feature sequences of ``labels`` well-separated patterns (rising/falling per class) with noise."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(0, 1, (labels, dim)).astype(np.float32)
    clips = []
    for c in range(labels):
        for k in range(n_per):
            t = np.linspace(0, 1, 24, dtype=np.float32)[:, None]
            seq = np.abs(centres[c] + 0.6 * np.sin(6 * t + c) + rng.normal(0, 0.15, (24, dim))).astype(np.float32)
            clips.append(ClipFeatures([seq, seq[:, ::-1].copy()], c, f"g{k % groups}", f"c{c}k{k}"))
    return clips, centres


def test_onnx_head_computes_what_the_numpy_model_does_at_any_window_length(tmp_path):
    clips, _ = _clusters(4, 3)
    model, cv, _ = fit_fewshot(clips, ["a", "b", "none of these"], FewShotConfig(window=8))
    assert model.labels == ["a", "b"]  # the background action is not exported as a label
    path = model.to_onnx(tmp_path / "head.onnx")
    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    rng = np.random.default_rng(1)
    for t in (8, 5, 1):
        x = np.abs(rng.normal(0, 1, (4, t, 24))).astype(np.float32)
        logits, novelty = sess.run(None, {"features": x})
        want_l, want_n = model.predict(x)
        assert logits.shape == (4, 2) and novelty.shape == (4,)
        np.testing.assert_allclose(logits, want_l, rtol=1e-4, atol=1e-3)
        np.testing.assert_allclose(novelty, want_n, rtol=1e-4, atol=1e-4)


def _rhythm_clips(groups, amplitudes, *, seed: int = 0, dim: int = 32, takes: int = 3):
    """Two actions that differ only in how fast the same movement repeats (every 4 vs 12 ticks); each
    group (person) has its own look and its own size of movement."""
    rng = np.random.default_rng(seed)
    direction = rng.normal(0, 1, dim).astype(np.float32)
    clips = []
    for g, amp in zip(groups, amplitudes):
        look = rng.normal(0, 2, dim).astype(np.float32)
        for label, period in ((0, 4.0), (1, 12.0)):
            for k in range(takes):
                t = np.arange(28, dtype=np.float32)[:, None]
                seq = look + amp * np.sin(2 * np.pi * t / period + rng.uniform(0, 6.3)) * direction
                seq = np.abs(seq + rng.normal(0, 0.05, (28, dim))).astype(np.float32)
                clips.append(ClipFeatures([seq], label, g, f"{g}-{label}-{k}"))
    return clips


@pytest.mark.parametrize("recipe", ["default", "v1"])
def test_a_new_person_who_moves_bigger_is_recognised_by_the_rhythm(recipe):
    """Taught by two people with small movements, tested on one with big ones: the lagged |change|
    statistics (default recipe) tell fast from slow whatever the size; the first recipe (v1) could not."""
    from models.fewshot.fit import RECIPE_V1

    cfg = FewShotConfig(window=8) if recipe == "default" else FewShotConfig(window=8, **RECIPE_V1)
    model, _, _ = fit_fewshot(_rhythm_clips(["small", "mid"], [0.5, 0.7]), ["fast", "slow"], cfg)
    acc = []
    for clip in _rhythm_clips(["big"], [1.6], seed=1):
        windows = np.stack([clip.views[0][s : s + 8] for s in range(20)])
        acc.append((model.predict(windows)[0].argmax(1) == clip.label).mean())
    if recipe == "default":
        assert np.mean(acc) >= 0.95
    else:  # the comparison that shows the test can fail
        assert np.mean(acc) < 0.8


def test_background_action_is_reported_as_unknown_and_taught_ones_are_not():
    clips, centres = _clusters(4, 3, seed=2)
    model, cv, calib = fit_fewshot(clips, ["a", "b", "none of these"], FewShotConfig(window=8))
    assert cv.clip_accuracy == 1.0 and cv.folds == 3
    assert calib["held_out_accepted"] >= 0.95
    fresh, _ = _clusters(2, 3, seed=2)  # same patterns, new noise
    for clip in fresh:
        w = clip.views[0][None, :8]
        logits, novelty = model.predict(w)
        if clip.label == 2:
            assert novelty[0] > model.threshold  # background -> unknown
        else:
            assert novelty[0] <= model.threshold and logits[0].argmax() == clip.label
    far = np.full((1, 8, 24), 25.0, np.float32)  # nothing like the training data
    assert model.predict(far)[1][0] > model.threshold


def test_warnings_name_too_few_clips_and_confusable_actions():
    clips, _ = _clusters(3, 2, seed=4)
    for c in clips:  # two identical actions: the CV cannot tell them apart
        c.views = [v if c.label == 0 else v for v in c.views]
    twin = [ClipFeatures([v.copy() for v in c.views], 1, c.group, c.name + "-twin") for c in clips if c.label == 0]
    data = [c for c in clips if c.label == 0] + twin
    _, cv, _ = fit_fewshot(data, ["wave", "wave again"], FewShotConfig(window=8))
    text = " ".join(teaching_warnings({"wave": 3, "wave again": 2}, cv))
    assert "'wave again' has only 2 clip(s)" in text
    assert "look alike" in text


def test_kinesight_train_uses_the_fewshot_recipe_for_small_data(real_actions, feature_cache, tmp_path):
    from models.train import TrainConfig, evaluate_bundle, train_from_folder

    data = tmp_path / "data"
    for label, parts in real_actions.items():
        (data / label).mkdir(parents=True)
        for p in parts["teach"]:
            (data / label / p.name).symlink_to(p)
    res = train_from_folder(data, tmp_path / "bundle", TrainConfig(), cache_dir=feature_cache, show_bar=False)
    m = load_bundle(res.bundle_path).manifest
    assert m.head.arch == "fewshot" and m.open_set["threshold"] > 0
    assert res.report["test"]["clips"] == 9 and 0.0 <= res.clip_accuracy <= 1.0
    with pytest.raises(DatasetError, match="cross-validated"):
        evaluate_bundle(res.bundle_path, data, split="test", cache_dir=feature_cache, show_bar=False)
    rep = evaluate_bundle(res.bundle_path, data, split="all", cache_dir=feature_cache, show_bar=False)
    assert rep["clip_accuracy"] == 1.0  # the clips it was taught on
    assert (m.input.roi, m.feature_dim) == ("full+motion", 2 * 1280)
    # `kinesight train --roi full`: the whole frame alone
    whole = train_from_folder(data, tmp_path / "whole", TrainConfig(roi="full"), cache_dir=feature_cache,
                              show_bar=False)
    m = load_bundle(whole.bundle_path).manifest
    assert (m.input.roi, m.feature_dim) == ("full", 1280)


def test_the_report_predicts_a_new_person_only_when_more_than_one_taught():
    """Taught by three people: the report gives the held-out people's accuracy with the unknown
    threshold applied; taught by one: it says plainly that no new person can be predicted."""
    from models.fewshot.report import new_person_lines

    clips, _ = _clusters(6, 3, seed=3, groups=3)
    _, cv, calib = fit_fewshot(clips, ["a", "b", "c"], FewShotConfig(window=8))
    assert cv.method == "person-out" and cv.groups == 3
    assert cv.new_person_clip_accuracy == 1.0 and 0.9 <= cv.new_person_accepted <= 1.0
    text = " ".join(new_person_lines(cv.to_json(), {"calibration": calib}))
    assert "new person (predicted, each of 3 people" in text and "of live labels right" in text
    assert "untaught material" in text and calib["untaught_rejected"] >= 0.94  # the 5th percentile, in whole windows
    one = [ClipFeatures(c.views, c.label, "alice", c.name) for c in clips]
    _, cv1, _ = fit_fewshot(one, ["a", "b", "c"], FewShotConfig(window=8))
    assert cv1.method == "clip-out" and cv1.groups == 1 and cv1.new_person_clip_accuracy is None
    text = " ".join(new_person_lines(cv1.to_json()))
    assert "cannot be predicted: all clips come from one person" in text and "someone else" in text


def test_kinesight_train_and_the_app_calibrate_alike_on_real_clips(real_actions, feature_cache, tmp_path,
                                                                  shared_data):
    """Issue 26: `kinesight train` let untaught footage through where the app's Teach flow kept it
    unknown. The CLI grouped clips by their UCF101-style ``_gNN_`` names (person-out, whose threshold
    was as wide as a new person's distance x 1.5); the app ignored those names (clip-out, tight).
    One naming rule and one calibration: the same clips give the same grouping and threshold both
    ways, and untaught real video stays unknown in both bundles."""
    from models.teach import train_bundle
    from models.train import TrainConfig, train_from_folder

    data, app_clips = tmp_path / "data", {}
    for label, parts in real_actions.items():
        (data / label).mkdir(parents=True)
        app_clips[label] = []
        for k, p in enumerate(parts["teach"]):
            link = data / label / f"v_{label}_g{k + 1:02d}_c01{p.suffix}"
            link.symlink_to(p)
            app_clips[label].append(link)
    cli = train_from_folder(data, tmp_path / "cli", TrainConfig(), cache_dir=feature_cache, show_bar=False)
    app = train_bundle(app_clips, tmp_path / "app", cache_dir=feature_cache, roi="full+motion")
    m_cli, m_app = load_bundle(cli.bundle_path).manifest, load_bundle(app.bundle_path).manifest
    assert m_cli.training["cv"]["method"] == m_app.training["cv"]["method"] == "person-out"
    assert m_cli.open_set["threshold"] == m_app.open_set["threshold"]
    assert m_app.open_set["calibration"]["untaught_rejected"] >= 0.95
    # `kinesight train` names the unit of every figure (issue 26: windows vs clips were mixed)
    import io

    from kinesight.train import _print_figures

    printed = io.StringIO()
    _print_figures(cli.report["test"], cli.report["labels"], out=printed)
    assert "windows (live labels) from 9 clips" in printed.getvalue()
    assert "live labels right" in printed.getvalue() and "confusion (clips;" in printed.getvalue()
    for path in (cli.bundle_path, app.bundle_path):
        result = analyze_file(shared_data / "clips" / "ucf101_apply_eye_makeup.avi", load_bundle(path))
        warm = [p for p in result.predictions if p.state != PredictionState.WARMING_UP]
        confident = sum(p.state == PredictionState.CONFIDENT for p in warm)
        assert confident <= 0.05 * len(warm), (path.name, Counter(p.state for p in warm))


def test_generated_clips_are_taught_but_never_held_out_nor_calibrate_unknown():
    """Generated "none of these" clips (models/fewshot/background.py) train every fold, yet the
    CV figures, the clip list of the report and the unknown threshold are the user's clips' alone:
    adding them changes neither the windows counted nor the novelty bank."""
    clips, _ = _clusters(4, 3, seed=5)
    own = [c for c in clips if c.label < 2]
    gen = [ClipFeatures(c.views, 2, f"generated {k}", f"generated {k}", generated=True)
           for k, c in enumerate(c for c in clips if c.label == 2)]
    cfg = FewShotConfig(window=8)
    base, cv0, cal0 = fit_fewshot(own, ["a", "b", "none of these"], cfg)
    model, cv, cal = fit_fewshot(gen + own, ["a", "b", "none of these"], cfg)  # generated first: order is free
    assert [n for n, _, _ in cv.clip_predictions] == [n for n, _, _ in cv0.clip_predictions] == [c.name for c in own]
    assert cv.windows == cv0.windows and cv.folds == cv0.folds == 3 and cv.clip_accuracy == 1.0
    assert cal["held_out_windows"] == cal0["held_out_windows"]
    assert len(model.novelty_bank) == len(base.novelty_bank)
    # ... and what they show is taken for "none of these": unknown, not a confident "a" or "b"
    fresh, _ = _clusters(2, 3, seed=5)
    bg = [c for c in fresh if c.label == 2]
    assert all(model.predict(c.views[0][None, :8])[1][0] > model.threshold for c in bg)
    assert not all(base.predict(c.views[0][None, :8])[1][0] > base.threshold for c in bg)
    with pytest.raises(FewShotError, match="clips of its own"):
        fit_fewshot(gen, ["a", "b", "none of these"], cfg)


def test_unnamed_keypoint_clips_predict_no_new_person_and_say_why():
    """Body keypoints do not show which recording a clip is from, so unnamed clips are not grouped
    by look: the report predicts no new person and says to name the clips, instead of a clip-out
    figure that only measures memory."""
    from models.fewshot.report import new_person_lines

    clips, _ = _clusters(4, 2, seed=6)
    unnamed = [ClipFeatures(c.views, c.label, c.name, c.name) for c in clips]  # every clip its own group
    _, cv, calib = fit_fewshot(unnamed, ["a", "b"], FewShotConfig(window=8, sessions_by_look=False))
    assert cv.grouping == "unnamed" and cv.method == "clip-out" and cv.new_person_clip_accuracy is None
    text = " ".join(new_person_lines(cv.to_json(), {"calibration": calib}))
    assert "new person: cannot be predicted: the clips do not say who is in them" in text and "<person>__" in text


def test_the_fit_s_basis_is_the_same_from_either_gram_matrix():
    """Keypoint features have far more windows than columns: the row span then comes from the
    (D, D) matrix, and a logistic fit in it predicts as the (N, N) route does."""
    from models.fewshot.fit import fit_logreg, row_span

    rng = np.random.default_rng(0)
    z = rng.normal(size=(600, 40)).astype(np.float32)
    y = z[:, :3].argmax(1)  # three classes a linear head separates
    b_rows, c_rows = row_span(z, "rows")
    b_feat, c_feat = row_span(z, "features")
    assert b_rows.shape == b_feat.shape == (40, 40)
    np.testing.assert_allclose(b_rows @ b_rows.T, b_feat @ b_feat.T, atol=1e-3)  # the same subspace
    np.testing.assert_allclose(c_feat, z @ b_feat, rtol=1e-4, atol=1e-3)
    W, b = fit_logreg(z, y, 3, (1e-2,))[1e-2]
    assert ((z @ W + b).argmax(1) == y).mean() > 0.95
