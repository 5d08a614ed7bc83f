"""The fast uint8 normalisation must equal the float arithmetic bit for bit (training and
inference share it, and features cached by training must not drift)."""

from __future__ import annotations

import numpy as np
import pytest

from engine.bundles import InputSpec
from engine.bundles.preprocess import normalise, preprocess


@pytest.mark.parametrize("colour", ["RGB", "BGR"])
@pytest.mark.parametrize("mean, std", [((0.485, 0.456, 0.406), (0.229, 0.224, 0.225)), ((127 / 255,) * 3, (128 / 255,) * 3)])
def test_uint8_lookup_equals_float_arithmetic(colour, mean, std, clips):
    from engine.io.sources import open_source

    spec = InputSpec(size=(224, 224), resize=256, colour=colour, mean=mean, std=std)
    with open_source(clips["arm"]) as src:
        images = np.stack([f.image[:224, :224] for _, f in zip(range(3), src)])
    fast = normalise(images, spec)
    # The arithmetic the lookup replaces (still used for float input):
    x = images.astype(np.float32) * (1.0 / 255.0)
    if colour == "BGR":
        x = x[..., ::-1]
    x -= np.asarray(mean, dtype=np.float32)
    x *= 1.0 / np.asarray(std, dtype=np.float32)
    reference = np.ascontiguousarray(x.transpose(0, 3, 1, 2))
    assert fast.dtype == np.float32 and fast.flags.c_contiguous
    assert np.array_equal(fast, reference)
    assert preprocess(list(images), spec).shape == (3, 3, 224, 224)
