"""Hostile bundles, video and sequence alike: each is refused with one clear line before it can do harm.

The zips are real zip files (a 2 MB zip of 2 GiB of zeros is built from a real deflate stream
in well under a second, not by compressing 2 GiB); the folders hold real links, FIFOs and
ONNX files with external data. Nothing here is mocked: ``load_bundle`` and the CLI run as a
user's would. A sequence bundle (``kinesight analyze-seq``) is read with the same checks: its
refusals are checked through the command in a real subprocess (a FIFO read would block it, not
the test), with a real bundle (an ONNX graph and its manifest, no training needed).
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import struct
import subprocess
import sys
import tempfile
import time
import zipfile
import zlib
from pathlib import Path

import numpy as np
import pytest

from engine.bundles import MAX_ZIP_ENTRIES, SEQUENCE_TASK, HeadSpec, Manifest, load_bundle, parse_manifest, write_manifest
from engine.core.errors import BundleError
from engine.sequences.spec import Normalisation, SequenceSpec

ROOT = Path(__file__).resolve().parents[3]
GiB = 1 << 30
# crc32 of 2 GiB of zero bytes (zlib.crc32 over them takes ~3 s; the value never changes).
CRC_2GIB_ZEROS = 0x4DBDF21C


def _raw_zip(path: Path, entries: list[tuple[str, bytes, int, int, int]]) -> Path:
    """Write a zip by hand: (name, deflated data, crc, declared uncompressed size, unix mode).
    zipfile cannot write pre-compressed data, and a hostile zip may declare what it likes."""
    out = bytearray()
    central = bytearray()
    for name, data, crc, size, mode in entries:
        raw = name.encode()
        offset = len(out)
        out += struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0x21, crc, len(data), size, len(raw), 0)
        out += raw + data
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, (3 << 8) | 20, 20, 0, 8, 0, 0x21, crc,
                               len(data), size, len(raw), 0, 0, 0, 0, mode << 16, offset) + raw
    out += central + struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(entries), len(entries), len(central), len(out), 0)
    path.write_bytes(bytes(out))
    return path


def _deflated_zeros(mib: int) -> bytes:
    """A raw deflate stream of ``mib`` MiB of zeros: one fully flushed 1 MiB block repeated
    (a full flush resets the compressor, so every block is the same bytes)."""
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = c.compress(bytes(1 << 20)) + c.flush(zlib.Z_FULL_FLUSH)
    return block * mib + c.flush()


@pytest.fixture
def private_tmp(tmp_path, monkeypatch):
    """Bundle extraction goes to a temp dir of this test only, so 'nothing written' is checkable."""
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp))
    return tmp


def _copy(bundle: Path, tmp_path: Path) -> Path:
    """A copy of ``bundle`` this test may damage."""
    dst = tmp_path / "bundle"
    shutil.copytree(bundle, dst)
    return dst


@pytest.fixture
def bundle_copy(tiny_bundle, tmp_path) -> Path:
    return _copy(tiny_bundle, tmp_path)


def _refused(path, *words) -> str:
    with pytest.raises(BundleError) as info:
        load_bundle(path)
    msg = str(info.value)
    assert "\n" not in msg
    for w in words:
        assert w in msg, msg
    return msg


def test_a_zip_bomb_is_refused_before_anything_is_written(tmp_path, private_tmp):
    bomb = _raw_zip(tmp_path / "bundle.zip", [("backbone.onnx", _deflated_zeros(2048), CRC_2GIB_ZEROS, 2 * GiB, 0o100644)])
    assert bomb.stat().st_size < 3_000_000  # a 2 MB download...
    with zipfile.ZipFile(bomb) as zf:  # ...that really is a valid zip of 2 GiB
        assert zf.infolist()[0].file_size == 2 * GiB
        with zf.open("backbone.onnx") as f:
            assert f.read(1 << 20) == bytes(1 << 20)
    t0 = time.monotonic()
    _refused(bomb, "bundle.zip is refused", "2048 MiB")
    assert time.monotonic() - t0 < 1.0
    assert list(private_tmp.iterdir()) == []  # not one byte extracted


def test_a_high_compression_ratio_is_refused_below_the_size_limits(tmp_path, private_tmp):
    # 64 MiB of zeros: under every size limit, but 1000:1 is no ONNX file.
    data = _deflated_zeros(64)
    crc = 0
    for _ in range(64):
        crc = zlib.crc32(bytes(1 << 20), crc)
    z = _raw_zip(tmp_path / "b.zip", [("head.onnx", data, crc, 64 << 20, 0o100644)])
    _refused(z, "ratio over 100:1")
    assert list(private_tmp.iterdir()) == []


@pytest.mark.parametrize("declared, words", [
    ([int(1.2 * GiB)], ["unpacks to 1229 MiB", "1024 MiB limit"]),
    ([900 << 20, 900 << 20], ["unpacks to 1800 MiB", "1536 MiB limit"]),
])
def test_entries_and_totals_over_the_size_limits_are_refused(tmp_path, private_tmp, declared, words):
    # Declared sizes are what is checked, before any data is read; the data may lie (it is
    # random here, so the ratio check is not what refuses it).
    data = os.urandom(16 << 20)
    entries = [(f"f{i}.onnx", data, 0, size, 0o100644) for i, size in enumerate(declared)]
    _refused(_raw_zip(tmp_path / "b.zip", entries), *words)
    assert list(private_tmp.iterdir()) == []


def test_too_many_entries_are_refused(tmp_path, private_tmp):
    z = tmp_path / "many.zip"
    with zipfile.ZipFile(z, "w") as zf:
        for i in range(MAX_ZIP_ENTRIES + 1):
            zf.writestr(f"f{i}.txt", "x")
    _refused(z, f"{MAX_ZIP_ENTRIES + 1} entries")
    assert list(private_tmp.iterdir()) == []


@pytest.mark.parametrize("mode, kind", [(stat.S_IFLNK | 0o777, "symbolic link"), (stat.S_IFIFO | 0o644, "special file"),
                                        (stat.S_IFCHR | 0o644, "special file")])
def test_links_and_special_files_in_a_zip_are_refused(bundle_copy, tmp_path, private_tmp, mode, kind):
    z = tmp_path / "link.zip"
    with zipfile.ZipFile(z, "w") as zf:
        for name in ("manifest.json", "head.onnx"):
            zf.write(bundle_copy / name, name)
        info = zipfile.ZipInfo("backbone.onnx")
        info.external_attr = mode << 16
        zf.writestr(info, "/etc/passwd")
    _refused(z, "'backbone.onnx' is a " + kind)
    assert list(private_tmp.iterdir()) == []


def test_an_entry_whose_header_lies_about_its_size_is_refused_and_removed(tmp_path, private_tmp):
    data = zlib.compress(bytes(4 << 20))[2:-4]  # raw deflate of 4 MiB
    z = _raw_zip(tmp_path / "liar.zip", [("manifest.json", data, zlib.crc32(bytes(1000)), 1000, 0o100644)])
    _refused(z)
    # The partial extraction was removed again.
    assert list(private_tmp.iterdir()) == []


def test_zip_entries_escaping_the_folder_are_refused(tmp_path, private_tmp):
    z = tmp_path / "escape.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr("../../evil.txt", "x")
    _refused(z, "points outside the bundle folder")


def test_a_genuine_zip_still_loads(bundle_copy, tmp_path, private_tmp):
    z = Path(shutil.make_archive(str(tmp_path / "ok"), "zip", bundle_copy))
    b = load_bundle(z)
    assert b.manifest.name == load_bundle(bundle_copy).manifest.name
    assert b.root.is_relative_to(private_tmp)


@pytest.mark.parametrize("name", ["backbone.onnx", "head.onnx", "manifest.json"])
def test_symlinked_files_in_a_bundle_folder_are_refused(bundle_copy, tmp_path, name):
    real = tmp_path / f"elsewhere-{name}"
    shutil.move(bundle_copy / name, real)
    (bundle_copy / name).symlink_to(real)  # same bytes, same checksum: only the link is wrong
    _refused(bundle_copy, f"{name} in bundle", "symbolic link")


def test_a_fifo_as_model_file_is_refused_without_blocking(bundle_copy):
    (bundle_copy / "head.onnx").unlink()
    os.mkfifo(bundle_copy / "head.onnx")  # reading it would block forever
    _refused(bundle_copy, "head.onnx", "not a regular file")


@pytest.mark.parametrize("location", ["../../../../etc/passwd", "weights.bin"])
def test_onnx_external_data_is_refused(bundle_copy, location):
    import onnx
    from onnx import numpy_helper

    model = onnx.load(str(bundle_copy / "head.onnx"))
    big = max(model.graph.initializer, key=lambda t: len(t.raw_data) or numpy_helper.to_array(t).size)
    arr = numpy_helper.to_array(big)
    (bundle_copy / "weights.bin").write_bytes(arr.tobytes())
    big.ClearField("raw_data")
    for f in ("float_data", "int64_data", "int32_data", "double_data"):
        big.ClearField(f)
    big.data_location = onnx.TensorProto.EXTERNAL
    for k, v in (("location", location), ("offset", "0"), ("length", str(arr.nbytes))):
        entry = big.external_data.add()
        entry.key, entry.value = k, v
    onnx.save(model, str(bundle_copy / "head.onnx"))
    m = parse_manifest(json.loads((bundle_copy / "manifest.json").read_text()))
    write_manifest(bundle_copy, m)  # fresh checksums: only the external data is wrong
    _refused(bundle_copy, "head.onnx keeps tensors in external data files", big.name)


def _edit_manifest(folder: Path, **changes) -> None:
    p = folder / "manifest.json"
    data = json.loads(p.read_text())
    for key, value in changes.items():
        obj = data
        *path, last = key.split("__")
        for k in path:
            obj = obj[k]
        obj[last] = value
    p.write_text(json.dumps(data))


@pytest.mark.parametrize("changes, words", [
    ({"description": "x" * (2 << 20)}, ["KiB, more than a manifest may be"]),
    ({"labels": [f"l{i}" for i in range(20_000)]}, ["at most 10000 labels"]),
    ({"labels": ["a", "b" * 5000]}, ["at most 200 characters"]),
    ({"window__length": 10**9}, ["window.length must be at most"]),
    ({"feature_dim": 10**9}, ["feature_dim 1..65536"]),
    ({"input__size": [100000, 100000]}, ["input.size must be 1..4096"]),
])
def test_oversized_manifests_are_refused(bundle_copy, changes, words):
    _edit_manifest(bundle_copy, **changes)
    _refused(bundle_copy, *words)


def test_a_deeply_nested_manifest_is_refused(bundle_copy):
    (bundle_copy / "manifest.json").write_text("[" * 200_000 + "]" * 200_000)
    _refused(bundle_copy, "nested too deeply")


def test_the_cli_refuses_a_zip_bomb_in_one_line_with_exit_code_4(tmp_path):
    bomb = _raw_zip(tmp_path / "bomb bundle.zip", [("backbone.onnx", _deflated_zeros(2048), CRC_2GIB_ZEROS, 2 * GiB, 0o100644)])
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    proc = subprocess.run([sys.executable, "-m", "kinesight.cli", "info", "--bundle", str(bomb)],
                          capture_output=True, text=True, cwd=ROOT, env=env, timeout=120)
    assert proc.returncode == 4, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("kinesight: error: bomb bundle.zip is refused"), proc.stderr
    assert "zip bomb" in lines[0]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith("kinesight-bundle-")]


# --- sequence bundles (``kinesight analyze-seq``): the same refusals -------------------------------

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
    write_manifest(out, Manifest("motions", "1", SEQUENCE_TASK, ("rise", "fall"), head=HeadSpec("window", "mean-linear"),
                                 sequence=spec))
    return out


@pytest.fixture
def seq_copy(seq_bundle, tmp_path) -> Path:
    return _copy(seq_bundle, tmp_path)


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
        load_bundle(seq_copy, frames=False)


def test_a_refused_sequence_zip_leaves_nothing_in_the_temp_folder(seq_copy, tmp_path, monkeypatch):
    import tempfile

    private = tmp_path / "tmp"
    private.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(private))
    (seq_copy / "head.onnx").write_bytes((seq_copy / "head.onnx").read_bytes() + b"\0")  # fails its checksum
    z = Path(shutil.make_archive(str(tmp_path / "seq"), "zip", seq_copy))
    with pytest.raises(BundleError, match="fails its checksum"):
        load_bundle(z, frames=False)
    assert list(private.iterdir()) == []
