"""Bundle loading refuses broken bundles with a clear message; sessions report their provider."""

from __future__ import annotations

import ctypes
import json
import shutil
import zipfile
from pathlib import Path

import pytest

from engine.bundles import load_bundle
from engine.core.errors import BundleError, InferenceError
from engine.core.runtime import ProviderReport, available_providers, make_session


def _copy(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst)
    return dst


def _edit_manifest(folder: Path, **changes) -> None:
    path = folder / "manifest.json"
    data = json.loads(path.read_text())
    data.update(changes)
    path.write_text(json.dumps(data))


def test_fixture_bundles_load_with_their_manifest(tiny_bundle, streaming_bundle):
    b = load_bundle(tiny_bundle)
    assert b.labels == ("alpha", "beta", "gamma") and b.manifest.head.kind == "window"
    s = load_bundle(streaming_bundle)
    assert s.manifest.head.kind == "streaming" and s.manifest.head.state[0].name == "h"


def test_missing_file_is_refused(tiny_bundle, tmp_path):
    b = _copy(tiny_bundle, tmp_path / "b")
    (b / "head.onnx").unlink()
    with pytest.raises(BundleError, match="missing head.onnx"):
        load_bundle(b)


def test_checksum_mismatch_is_refused(tiny_bundle, tmp_path):
    b = _copy(tiny_bundle, tmp_path / "b")
    with open(b / "backbone.onnx", "ab") as f:
        f.write(b"\0")
    with pytest.raises(BundleError, match="backbone.onnx .* fails its checksum"):
        load_bundle(b)


def test_shape_mismatch_with_the_graphs_is_refused(tiny_bundle, tmp_path):
    b = _copy(tiny_bundle, tmp_path / "b")
    _edit_manifest(b, feature_dim=64, labels=["a", "b", "c", "d"])
    with pytest.raises(BundleError, match="feature size is 32 in the graph but 64") as info:
        load_bundle(b)
    assert "head output classes is 3 in the graph but 4" in str(info.value)


def test_zip_bundle_loads_and_zip_slip_is_refused(tiny_bundle, tmp_path):
    good = tmp_path / "good.zip"
    with zipfile.ZipFile(good, "w") as zf:
        for f in tiny_bundle.iterdir():
            zf.write(f, f"tiny/{f.name}")
    assert load_bundle(good).labels == ("alpha", "beta", "gamma")
    evil = tmp_path / "evil.zip"
    with zipfile.ZipFile(evil, "w") as zf:
        for f in tiny_bundle.iterdir():
            zf.write(f, f.name)
        zf.writestr("../outside.txt", "escape")
    with pytest.raises(BundleError, match="outside the bundle folder"):
        load_bundle(evil)
    assert not (tmp_path / "outside.txt").exists()


def test_a_zip_bundle_extracted_copy_is_removed_at_exit(tiny_bundle, tmp_path):
    import os
    import subprocess
    import sys

    good = tmp_path / "good.zip"
    with zipfile.ZipFile(good, "w") as zf:
        for f in tiny_bundle.iterdir():
            zf.write(f, f.name)
    temp = tmp_path / "temp"
    temp.mkdir()
    code = f"from engine.bundles import load_bundle; print(load_bundle({str(good)!r}).root)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                         env={**os.environ, "TMPDIR": str(temp)}, check=True)
    assert out.stdout.strip().startswith(str(temp))
    assert list(temp.iterdir()) == [], "the extracted bundle outlived the process"


def test_cpu_session_reports_cpu(tiny_bundle):
    sess, report = make_session(tiny_bundle / "backbone.onnx", "cpu", threads=1)
    assert isinstance(report, ProviderReport)
    assert report.provider == "CPU" and report.reason == "" and report.device
    assert sess.get_providers() == ["CPUExecutionProvider"]


def test_auto_reports_the_provider_that_really_runs(tiny_bundle):
    sess, report = make_session(tiny_bundle / "backbone.onnx", "auto")
    really = sess.get_providers()[0]
    assert report.provider == {"CUDAExecutionProvider": "CUDA", "CPUExecutionProvider": "CPU"}[really]
    if report.provider == "CPU" and "CUDAExecutionProvider" in available_providers():
        # onnxruntime-gpu without a working CUDA falls back silently: we must say why.
        assert report.reason
        try:
            ctypes.CDLL("libcuda.so.1")
        except OSError:  # no NVIDIA driver at all (CI, this machine): the user is told exactly that
            assert report.reason == "no NVIDIA driver found (libcuda.so.1 is missing)"
    if report.provider == "CUDA":
        assert report.reason == ""


def test_asking_for_cuda_where_it_does_not_work_is_an_error(tiny_bundle):
    sess, report = make_session(tiny_bundle / "head.onnx", "auto")
    if report.provider == "CUDA":
        assert make_session(tiny_bundle / "head.onnx", "cuda")[1].provider == "CUDA"
    else:
        with pytest.raises(InferenceError, match="CUDA was asked for"):
            make_session(tiny_bundle / "head.onnx", "cuda")
