"""Sequence heads on real benchmark data and on the sin -> cos example (issue 14).

    python bench/bench_seq.py [--json out.json] [--quick]

Trains cnn_lstm and cnn_gru on the official train/test splits of two UEA problems that ship
inside the aeon wheel (BasicMotions: 4 classes, 6 channels, 100 steps, 40/40; JapaneseVowels:
9 speakers, 12 channels, 7-29 steps, 270/370), then the sin -> cos LSTM, and prints test
figures next to published ones with the training time (wall and CPU seconds) on this machine.
Every figure is measured on the exported bundle through ONNX Runtime, as `analyze-seq` runs it.

Published reference: Bagnall et al., "The UEA multivariate time series classification
archive, 2018", arXiv:1811.00075, baseline test accuracies of 1-NN with Euclidean distance (ED)
and dimension-independent / -dependent dynamic time warping (DTW_I, DTW_D) on the same splits.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine.sequences.series_files import read_series  # noqa: E402
from models.seq import SeqConfig, train_sequences  # noqa: E402
from models.seq_data import packaged_uea_problem, sin_cos_example  # noqa: E402

PUBLISHED = {  # arXiv:1811.00075, 1-NN baselines on the official split
    "BasicMotions": {"ED": 0.676, "DTW_I": 1.000, "DTW_D": 0.975},
    "JapaneseVowels": {"ED": 0.924, "DTW_I": 0.959, "DTW_D": 0.949},
}
# The settings the tests in tests/models/test_seq_uea.py use, and the full ones.
SETTINGS = {
    "BasicMotions": {"quick": dict(epochs=30, batch_size=8), "full": dict(epochs=80, batch_size=16)},
    "JapaneseVowels": {"quick": dict(epochs=20, batch_size=32), "full": dict(epochs=60, batch_size=32)},
}
HEADS = ("cnn_lstm", "cnn_gru")


def run_uea(name: str, head: str, mode: str, work: Path) -> dict:
    path = packaged_uea_problem(name)
    if path is None:
        raise SystemExit(f"{name} not found: pip install --no-deps aeon (its wheel carries the .ts files)")
    ss = read_series(path, task="classify")
    cfg = SeqConfig(head=head, val_frac=0.0, patience=1000, **SETTINGS[name][mode])
    cpu0, wall0 = time.process_time(), time.perf_counter()
    res = train_sequences(ss, work / f"{name}-{head}", cfg)
    return {"data": name, "head": head, "accuracy": res.test["accuracy"], "macro_f1": res.test["macro_f1"],
            "epochs": res.epochs_run, "fit_wall_s": res.report["timing_s"]["fit_head"],
            "total_wall_s": round(time.perf_counter() - wall0, 1), "total_cpu_s": round(time.process_time() - cpu0, 1),
            "published": PUBLISHED[name], "settings": SETTINGS[name][mode]}


def run_sin_cos(mode: str, work: Path) -> dict:
    if mode == "quick":  # the test's settings (tests/models/test_seq.py)
        ss = sin_cos_example(offsets=16, per_offset=4, length=48)
        cfg = SeqConfig(task="regress", head="lstm", output="per_step", hidden=32, epochs=30, patience=30,
                        batch_size=16, lr=1e-2, val_frac=0.0, warmup_steps=8)
    else:  # exactly `kinesight train-seq --example sin-cos`
        ss = sin_cos_example()
        cfg = SeqConfig(task="regress", head="lstm", output="per_step", warmup_steps=8)
    cpu0, wall0 = time.process_time(), time.perf_counter()
    res = train_sequences(ss, work / "sin-cos", cfg)
    return {"data": "sin-cos", "head": "lstm", "rmse": res.test["rmse"], "rmse_all_steps": res.test["rmse_all_steps"],
            "r2": res.test["r2"], "epochs": res.epochs_run, "fit_wall_s": res.report["timing_s"]["fit_head"],
            "total_wall_s": round(time.perf_counter() - wall0, 1), "total_cpu_s": round(time.process_time() - cpu0, 1)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="the tests' shorter settings")
    ap.add_argument("--json", type=Path, help="also write the rows as JSON")
    args = ap.parse_args()
    mode = "quick" if args.quick else "full"
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in PUBLISHED:
            for head in HEADS:
                r = run_uea(name, head, mode, Path(tmp))
                rows.append(r)
                p = r["published"]
                print(f"{name:15s} {head:9s} accuracy {r['accuracy']:.3f}  macro-F1 {r['macro_f1']:.3f}  "
                      f"(published 1-NN: ED {p['ED']:.3f}, DTW_I {p['DTW_I']:.3f}, DTW_D {p['DTW_D']:.3f})  "
                      f"{r['epochs']} epochs, head training {r['fit_wall_s']:.1f} s wall, run {r['total_cpu_s']:.1f} s CPU",
                      flush=True)
        r = run_sin_cos(mode, Path(tmp))
        rows.append(r)
        print(f"{'sin -> cos':15s} {'lstm':9s} RMSE {r['rmse']:.4f} after 8 warm-up steps ({r['rmse_all_steps']:.4f} over all), "
              f"R² {r['r2']:.4f}  {r['epochs']} epochs, head training {r['fit_wall_s']:.1f} s wall, run {r['total_cpu_s']:.1f} s CPU")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
