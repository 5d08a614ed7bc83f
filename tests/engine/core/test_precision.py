"""The int8 backbone: the shipped bundle's CPU default, float selectable, checked like every file."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from engine.bundles import BACKBONE_INT8_FILE, MANIFEST, demo_bundle_path, load_bundle, resolve_bundle
from engine.bundles.preprocess import preprocess
from engine.core.errors import BundleError, EngineError
from engine.core.settings import EngineSettings
from engine.io.sources import open_source
from engine.pipeline import Recognizer


@pytest.fixture(scope="module")
def real_batch(clips):
    """8 preprocessed frames of a real clip, 1 s apart."""
    rec = Recognizer(demo_bundle_path(), EngineSettings(device="cpu", precision="float"))
    with open_source(clips["arm"]) as src:
        frames = [f.image for f in src][::28][:8]
    return preprocess(frames, rec.manifest.input)


def _cosine(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (a * b).sum(1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))


def test_cpu_runs_the_int8_backbone_and_float_stays_selectable(real_batch):
    bundle = load_bundle(demo_bundle_path())
    assert bundle.backbone_int8_path is not None
    q = Recognizer(bundle, EngineSettings(device="cpu"))
    f = Recognizer(bundle, EngineSettings(device="cpu", precision="float"))
    assert q.provider.precision == "int8" and "int8 backbone" in str(q.provider)
    assert f.provider.precision == "" and "int8" not in str(f.provider)
    fq, ff = q.features(real_batch), f.features(real_batch)
    # The int8 graph really ran (its features are not the float ones) and kept what they say.
    assert not np.allclose(fq, ff, atol=1e-3)
    assert _cosine(fq, ff).min() > 0.9
    # Switching precision at run time rebuilds the backbone session.
    q.configure(EngineSettings(device="cpu", precision="float"))
    assert q.provider.precision == "" and np.allclose(q.features(real_batch), ff, atol=1e-5)


def test_a_bundle_without_the_int8_file_runs_float_on_cpu(tmp_path):
    # The lip reader has its own backbone and no int8 twin: nothing changes for it.
    assert load_bundle(resolve_bundle("grid-lips")).backbone_int8_path is None
    copy = shutil.copytree(demo_bundle_path(), tmp_path / "b")
    data = json.loads((copy / MANIFEST).read_text())
    del data["files"][BACKBONE_INT8_FILE]
    (copy / MANIFEST).write_text(json.dumps(data))
    (copy / BACKBONE_INT8_FILE).unlink()
    rec = Recognizer(copy, EngineSettings(device="cpu"))
    assert rec.provider.precision == "" and rec.provider.provider == "CPU"


def test_a_changed_int8_file_fails_its_checksum(tmp_path):
    copy = shutil.copytree(demo_bundle_path(), tmp_path / "b")
    raw = bytearray((copy / BACKBONE_INT8_FILE).read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    (copy / BACKBONE_INT8_FILE).write_bytes(bytes(raw))
    with pytest.raises(BundleError, match="backbone_int8.onnx .*fails its checksum"):
        load_bundle(copy)


def test_an_unknown_precision_is_refused():
    with pytest.raises(EngineError, match="precision must be auto or float"):
        EngineSettings(precision="int4").validated()


def test_the_manifest_records_how_the_int8_file_was_made():
    prov = load_bundle(demo_bundle_path()).manifest.training["int8_backbone"]
    assert prov["calibration"]["frames"] >= 100 and prov["held_out"]["feature_cosine_mean"] >= 0.95
    assert "QDQ" in prov["method"]
