"""Hostile sequence bundles (``kinesight analyze-seq``): the same refusals as action bundles.

A sequence bundle folder is read with engine.bundles' own checks: a linked or special file is
refused before it is read (a link could make Kinesight hash any file on the machine, a FIFO would
block the command for ever), in one line with exit code 4. The bundle is a real one (an ONNX graph
and its manifest, no training needed) and the command runs in a real subprocess.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from engine.core.errors import BundleError
from engine.sequences.bundle import (
    Normalisation,
    SequenceManifest,
    SequenceSpec,
    load_sequence_bundle,
    write_sequence_manifest,
)

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def seq_data(tmp_path_factory) -> Path:
    """Twelve 2-channel sequences of 12 steps."""
    rng = np.random.default_rng(0)
    path = tmp_path_factory.mktemp("seqsec") / "motions.npz"
    np.savez(path, x=rng.standard_normal((12, 12, 2)).astype(np.float32), channels=np.array(["pos", "aux"]))
    return path


@pytest.fixture(scope="module")
def seq_bundle(tmp_path_factory) -> Path:
    """A real sequence bundle classifying 2 channels into 2 classes: head.onnx is a mean over time
    and a matrix product, built with onnx.helper (no training needed for what is tested here)."""
    import onnx
    from onnx import TensorProto, helper

    out = tmp_path_factory.mktemp("seqsec-bundle") / "motions"
    out.mkdir()
    graph = helper.make_graph(
        [helper.make_node("ReduceMean", ["features"], ["pooled"], axes=[1], keepdims=0),
         helper.make_node("MatMul", ["pooled", "w"], ["logits"])],
        "mean-linear",
        [helper.make_tensor_value_info("features", TensorProto.FLOAT, ["N", "T", 2])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["N", 2])],
        [helper.make_tensor("w", TensorProto.FLOAT, [2, 2], [1.0, -1.0, -1.0, 1.0])],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.save(model, str(out / "head.onnx"))
    spec = SequenceSpec("classify", "last", ("pos", "aux"), Normalisation.identity(2), 12)
    write_sequence_manifest(out, SequenceManifest("motions", "1", ("rise", "fall"), spec, "mean-linear", {}))
    return out


@pytest.fixture
def seq_copy(seq_bundle, tmp_path) -> Path:
    dst = tmp_path / "bundle"
    shutil.copytree(seq_bundle, dst)
    return dst


def kinesight_seq(bundle: Path, data: Path) -> subprocess.CompletedProcess:
    """``kinesight analyze-seq BUNDLE DATA`` in a subprocess (a FIFO read would block it, not the test)."""
    return subprocess.run([sys.executable, "-m", "kinesight", "analyze-seq", str(bundle), str(data)],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)


def analyze_seq(bundle: Path, data: Path) -> tuple[int, str]:
    """The exit code and the single error line of a refused ``analyze-seq``, checking it is single."""
    res = kinesight_seq(bundle, data)
    lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
    assert "Traceback" not in res.stderr and len(lines) == 1, res.stderr
    assert lines[0].startswith("kinesight: error: ")
    return res.returncode, lines[0]


def test_the_untouched_copy_is_analysed(seq_copy, seq_data):
    # The refusals below are about the one file changed, not about the copy or the data.
    res = kinesight_seq(seq_copy, seq_data)
    assert res.returncode == 0, res.stderr
    assert "motions.npz: 12 sequences (2 channels)" in res.stdout


@pytest.mark.parametrize("name", ["head.onnx", "manifest.json"])
def test_a_symlinked_file_in_a_sequence_bundle_is_refused_with_exit_code_4(seq_copy, seq_data, tmp_path, name):
    real = tmp_path / f"elsewhere-{name}"
    shutil.move(seq_copy / name, real)
    (seq_copy / name).symlink_to(real)  # same bytes, same checksum: only the link is wrong
    code, line = analyze_seq(seq_copy, seq_data)
    assert code == 4 and f"{name} in bundle" in line and "symbolic link" in line, line


@pytest.mark.parametrize("name", ["head.onnx", "manifest.json"])
def test_a_fifo_in_a_sequence_bundle_is_refused_without_blocking(seq_copy, seq_data, name):
    (seq_copy / name).unlink()
    os.mkfifo(seq_copy / name)  # reading it would block for ever
    code, line = analyze_seq(seq_copy, seq_data)
    assert code == 4 and name in line and "not a regular file" in line, line


def test_an_oversized_sequence_manifest_is_refused(seq_copy):
    m = seq_copy / "manifest.json"
    m.write_text(m.read_text()[:-2] + ', "notes": "' + "x" * (2 << 20) + '"}\n')
    with pytest.raises(BundleError, match="more than a manifest may be"):
        load_sequence_bundle(seq_copy)


def test_a_refused_sequence_zip_leaves_nothing_in_the_temp_folder(seq_copy, tmp_path, monkeypatch):
    import tempfile

    private = tmp_path / "tmp"
    private.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(private))
    (seq_copy / "head.onnx").write_bytes((seq_copy / "head.onnx").read_bytes() + b"\0")  # fails its checksum
    z = Path(shutil.make_archive(str(tmp_path / "seq"), "zip", seq_copy))
    with pytest.raises(BundleError, match="fails its checksum"):
        load_sequence_bundle(z)
    assert list(private.iterdir()) == []
