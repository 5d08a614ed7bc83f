"""The live tick (one new frame, cached features) answers what recomputing the whole window does."""

from __future__ import annotations

import numpy as np
import pytest

from engine.bundles import demo_bundle_path
from engine.bundles.preprocess import preprocess
from engine.core.postprocess import softmax
from engine.core.prediction import PredictionState
from engine.core.runtime import make_session
from engine.core.settings import EngineSettings
from engine.io.sources import open_source
from engine.pipeline import Recognizer


@pytest.mark.parametrize("precision", ["float", "auto"])
def test_cached_tick_equals_recomputing_the_window(clips, precision):
    settings = EngineSettings(device="cpu", precision=precision, smoothing=0.0)
    rec = Recognizer(demo_bundle_path(), settings)
    with open_source(clips["pool"]) as src:
        frames = [f for f in src if f.pts_s < 3.5]  # 28 ticks at 8 fps: 13 predictions after warm-up
    sampled, preds = [], []
    for f in frames:
        out = rec.push(f)  # the live path: one frame at a time
        if out:
            sampled.append(f.image)
            preds.extend(out)
    live = [(i, p) for i, p in enumerate(preds) if p.state is not PredictionState.WARMING_UP]
    T = rec.window_length  # noqa: N806
    assert len(live) == len(preds) - T + 1 >= 12
    # The naive way: every frame of the window through the backbone again, then the head.
    head, _ = make_session(rec.bundle.head_path, "cpu")
    for i, p in live[:: 4]:
        x = preprocess(sampled[i - T + 1 : i + 1], rec.manifest.input)
        logits = head.run(["logits"], {"features": rec.features(x)[None]})[0][0]
        assert np.allclose(p.probs, softmax(logits), atol=1e-4), i
