"""Weights stored as float16 (models/half_weights.py): a real backbone's file halves and its
features on real frames stay what they were; the shipped default backbone is stored that way."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx

from engine.bundles import load_bundle, shipped_bundles_dir
from engine.bundles.preprocess import preprocess
from engine.core.runtime import make_session
from engine.io.sources import open_source
from models.half_weights import half_weights


def _frames(path: Path, every: int = 15, n: int = 6) -> list[np.ndarray]:
    out = []
    with open_source(path) as src:
        for i, f in enumerate(src):
            if i % every == 0:
                out.append(f.image)
            if len(out) == n:
                break
    return out


def test_half_weights_halve_the_file_and_keep_the_features(shared_data, tmp_path):
    bundle = load_bundle(shipped_bundles_dir() / "grid-lips")  # its backbone is stored as float32
    src = bundle.backbone_path
    before, after = half_weights(src, tmp_path / "half.onnx")
    assert after < 0.6 * before
    x = preprocess([f[:96, :96] for f in _frames(shared_data / "grid" / "s1" / "video" / "bbaf3s.mp4")],
                   bundle.manifest.input)
    a = make_session(src, "cpu", 1)[0].run(["features"], {"frames": x})[0]
    b = make_session(tmp_path / "half.onnx", "cpu", 1)[0].run(["features"], {"frames": x})[0]
    cos = (a * b).sum(1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))
    assert cos.min() > 0.9999, cos


def test_the_shipped_default_backbone_is_stored_as_float16():
    graph = onnx.load(str(shipped_bundles_dir() / "default-actions" / "backbone.onnx")).graph
    sizes = {t.data_type: 0 for t in graph.initializer}
    for t in graph.initializer:
        sizes[t.data_type] += int(np.prod(t.dims))
    assert sizes.get(onnx.TensorProto.FLOAT16, 0) > 0.95 * sum(sizes.values())
