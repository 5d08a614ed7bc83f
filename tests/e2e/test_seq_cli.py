"""`kinesight train-seq` and `kinesight analyze-seq` as a user runs them: real processes, exit codes,
and analyze-seq never importing torch."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from e2e_cli import kinesight as run_kinesight
from e2e_cli import one_line_error as _one_line_error

ROOT = Path(__file__).resolve().parents[2]


def kinesight(*args: str, timeout: float = 180):
    """Training commands take longer than the default minute."""
    return run_kinesight(*args, timeout=timeout)


@pytest.fixture(scope="module")
def motion_data(tmp_path_factory) -> Path:
    """Three classes of 2-channel sequences (a rising, a falling and an oscillating signal), in groups."""
    rng = np.random.default_rng(0)
    t = np.linspace(0, 1, 30)
    xs, ys, groups = [], [], []
    for k in range(36):
        cls = k % 3
        base = [t, 1 - t, np.sin(12 * t)][cls]
        xs.append(np.stack([base, np.cos(3 * t) * 0.1], axis=1) + 0.05 * rng.standard_normal((30, 2)))
        ys.append(["rise", "fall", "wave"][cls])
        groups.append(f"p{k // 6}")
    path = tmp_path_factory.mktemp("seqdata") / "motions.npz"
    np.savez(path, x=np.array(xs, np.float32), y=np.array(ys), groups=np.array(groups), channels=np.array(["pos", "aux"]))
    return path


@pytest.fixture(scope="module")
def motion_bundle(motion_data, tmp_path_factory) -> Path:
    from engine.sequences.series_files import read_series
    from models.seq import SeqConfig, train_sequences

    out = tmp_path_factory.mktemp("seqbundle") / "motions"
    cfg = SeqConfig(head="gru", hidden=16, epochs=40, patience=40, lr=1e-2, val_frac=0.0, test_frac=0.34)
    res = train_sequences(read_series(motion_data, task="classify"), out, cfg)
    assert res.test["accuracy"] >= 0.9, res.test  # an easy problem: the bundle must have learned it
    return out


def test_analyze_seq_prints_labels_and_figures_writes_csv_json_and_never_imports_torch(motion_bundle, motion_data, tmp_path):
    out_csv, out_json = tmp_path / "r.csv", tmp_path / "r.json"
    code = (
        "import sys; from kinesight.cli import main; "
        f"rc = main(['analyze-seq', {str(motion_bundle)!r}, {str(motion_data)!r}, '--csv', {str(out_csv)!r}, "
        f"'--json', {str(out_json)!r}]); "
        "print('TORCH' if 'torch' in sys.modules else 'NO-TORCH'); sys.exit(rc)"
    )
    res = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    assert "NO-TORCH" in res.stdout
    assert "motions.npz: 36 sequences (2 channels)" in res.stdout
    assert "motions[0]" in res.stdout and "accuracy" in res.stdout and "confusion" in res.stdout
    rows = list(csv.reader(out_csv.open()))
    assert rows[0] == ["name", "label", "confidence", "fall", "rise", "wave"] and len(rows) == 37
    data = json.loads(out_json.read_text())
    assert data["figures"]["accuracy"] >= 0.9 and len(data["results"]) == 36


def test_train_seq_sin_cos_example_is_one_command(tmp_path):
    out = tmp_path / "sincos"
    res = kinesight("train-seq", "--example", "sin-cos", "--out", out, "--epochs", "3", "--hidden", "8")
    assert res.returncode == 0, res.stderr
    assert f"wrote bundle {out}" in res.stdout and "RMSE" in res.stdout and "after 8 warm-up steps" in res.stdout
    data = out / "report" / "sin-cos.npz"
    assert data.is_file() and (out / "report" / "prediction_vs_target.png").is_file()
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["sequence"]["output"] == "per_step" and manifest["head"]["arch"] == "lstm"
    res = kinesight("analyze-seq", out, data, "--quiet")
    assert res.returncode == 0, res.stderr
    assert "sin-cos.npz: 144 sequences (1 channel)" in res.stdout and "RMSE" in res.stdout


def test_analyze_seq_refuses_a_video_bundle_and_wrong_channels_in_one_line(motion_bundle, tiny_bundle, tmp_path):
    f = tmp_path / "three.npz"
    np.savez(f, x=np.zeros((2, 10, 3), np.float32))
    res = kinesight("analyze-seq", tiny_bundle, f)
    assert res.returncode == 4 and "not a sequence bundle" in _one_line_error(res)
    res = kinesight("analyze-seq", motion_bundle, f)
    assert res.returncode == 5 and "the bundle expects 2 (pos, aux)" in _one_line_error(res)


def test_train_seq_bad_data_ends_with_one_line(tmp_path):
    res = kinesight("train-seq", tmp_path / "missing.npz", "--out", tmp_path / "b")
    assert res.returncode == 3 and "does not exist" in _one_line_error(res)
    f = tmp_path / "reg.npz"
    np.savez(f, x=np.zeros((4, 5, 1), np.float32), y=np.zeros(4, np.float32))
    res = kinesight("train-seq", f, "--task", "classify", "--out", tmp_path / "b")
    assert res.returncode == 3 and "--task classify needs class labels" in _one_line_error(res)


def test_the_video_commands_point_a_sequence_bundle_to_analyze_seq(motion_bundle, clips):
    res = kinesight("analyze", clips["pool"], "--bundle", motion_bundle, "--device", "cpu")
    line = _one_line_error(res)
    assert res.returncode == 4 and "sequence bundle" in line and "kinesight analyze-seq" in line


def test_every_train_seq_and_analyze_seq_option_has_help():
    import argparse

    import kinesight.train
    from kinesight.cli import build_parser

    sub = next(a for a in build_parser(kinesight.train)._actions if isinstance(a, argparse._SubParsersAction))
    for command in ("train-seq", "analyze-seq"):
        for action in sub.choices[command]._actions:
            assert action.help, f"{command} {action.dest} has no help"
    text = " ".join(sub.choices["train-seq"].format_help().split())
    assert "--epochs EPOCHS most passes over the training sequences (default: 150)" in text and "[]" not in text
