"""On CUDA every ONNX run uses one batch shape (a new shape costs 0.3-0.9 s of cuDNN set-up);
chunking and padding must not change a single feature."""

from __future__ import annotations

import numpy as np
import pytest

from engine.bundles.preprocess import preprocess
from engine.core.runtime import make_session, run_fixed_batch


@pytest.mark.parametrize("n, size", [(7, 4), (3, 16), (16, 16), (1, 1), (5, 1)])
def test_fixed_batch_runs_give_the_same_features(tiny_bundle, clips, n, size):
    from engine.io.sources import open_source

    from engine.bundles import load_bundle

    bundle = load_bundle(tiny_bundle)
    backbone, _ = make_session(bundle.backbone_path, "cpu")
    with open_source(clips["arm"]) as src:
        images = [f.image for _, f in zip(range(n), src)]
    x = preprocess(images, bundle.manifest.input)
    shapes = []

    def run(chunk):
        shapes.append(len(chunk))
        return backbone.run(["features"], {"frames": chunk})[0]

    once = backbone.run(["features"], {"frames": x})[0]
    fixed = run_fixed_batch(run, x, size)
    assert fixed.shape == once.shape
    np.testing.assert_allclose(fixed, once, rtol=1e-5, atol=1e-5)
    assert set(shapes) == {size}  # one shape only, however many frames come
