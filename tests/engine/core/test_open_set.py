"""'Unknown': a head's optional novelty output against the bundle's open_set threshold (or the
user's), on a real clip; exported as its own state."""

from __future__ import annotations

import csv
import json
import shutil

import numpy as np
import pytest

from engine.bundles import load_bundle
from engine.core.errors import BundleError
from engine.core.prediction import PredictionState
from engine.core.settings import EngineSettings
from engine.runners.offline import analyze_file

U, W = PredictionState.UNKNOWN, PredictionState.WARMING_UP


def test_novelty_above_the_bundles_threshold_is_unknown(novelty_bundle, clips, tmp_path):
    result = analyze_file(clips["pool"], novelty_bundle, EngineSettings(device="cpu"))
    ready = [p for p in result.predictions if p.state is not W]
    assert len(ready) == 93 and all(p.novelty is not None and p.novelty > -1.0 for p in ready)
    assert all(p.state is U and p.label is None for p in ready)  # the fixture's threshold is -1
    assert all(p.top_k and p.confidence == pytest.approx(p.top_k[0][1]) for p in ready)
    assert [s.text for s in result.segments()] == ["(warming up)", "(unknown)"]
    rows = list(csv.DictReader(result.to_csv(tmp_path / "t.csv").open()))
    assert {(r["state"], r["label"]) for r in rows[7:]} == {("unknown", "")}
    data = json.loads(result.to_json(tmp_path / "t.json").read_text())
    assert {(p["state"], p["label"]) for p in data["predictions"][7:]} == {("unknown", None)}
    assert data["segments"][-1]["state"] == "unknown" and data["predictions"][-1]["novelty"] > 0


def test_the_user_threshold_overrides_the_bundles(novelty_bundle, clips):
    lenient = analyze_file(clips["pool"], novelty_bundle, EngineSettings(device="cpu", unknown_threshold=1e6))
    ready = [p for p in lenient.predictions if p.state is not W]
    assert not any(p.state is U for p in ready) and {p.state for p in ready} <= {
        PredictionState.CONFIDENT, PredictionState.UNCERTAIN}
    middle = float(np.median([p.novelty for p in ready]))
    split = analyze_file(clips["pool"], novelty_bundle, EngineSettings(device="cpu", unknown_threshold=middle))
    marked = [(p.state is U) for p in split.predictions if p.state is not W]
    assert marked == [p.novelty > middle for p in ready]  # exactly the windows above the threshold
    assert 0 < sum(marked) < len(marked)
    # A known window after an unknown stretch names its label at once (no hysteresis hold).
    for prev, cur in zip(split.predictions, split.predictions[1:]):
        if prev.state is U and cur.state is PredictionState.CONFIDENT:
            assert cur.label == cur.top_k[0][0]


def test_bundles_without_novelty_never_say_unknown(tiny_bundle, clips):
    result = analyze_file(clips["pool"], tiny_bundle, EngineSettings(device="cpu", unknown_threshold=-1e6))
    assert all(p.novelty is None and p.state is not U for p in result.predictions)


@pytest.mark.parametrize("threshold", ["high", None, float("nan"), True])
def test_an_open_set_threshold_must_be_a_finite_number(novelty_bundle, tmp_path, threshold):
    bad = tmp_path / "bad"
    shutil.copytree(novelty_bundle, bad)
    manifest = json.loads((bad / "manifest.json").read_text())
    manifest["open_set"]["threshold"] = threshold
    (bad / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(BundleError, match="open_set.threshold must be a finite number"):
        load_bundle(bad)
    with pytest.raises(Exception, match="unknown_threshold must be a finite number"):
        EngineSettings(unknown_threshold=float("inf")).validated()
