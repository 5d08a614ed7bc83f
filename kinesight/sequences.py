"""``kinesight analyze-seq BUNDLE FILE``: run a sequence bundle over time series (ONNX Runtime only).

Never imports torch. Prints one line per sequence; when the file carries the labels or targets
the bundle predicts, also the figures (accuracy, macro-F1, confusion; or MAE, RMSE, R²), the
same ones ``kinesight train-seq`` reports for its test sequences.
"""

from __future__ import annotations

import argparse
import csv
import json
import time
from pathlib import Path
from typing import TextIO

import numpy as np


def add_analyze_seq_args(p: argparse.ArgumentParser) -> None:
    """Arguments of ``kinesight analyze-seq BUNDLE FILE``."""
    from engine.core.settings import DEVICES

    p.add_argument("bundle", type=Path, metavar="BUNDLE", help="a sequence bundle written by `kinesight train-seq`: "
                   "its folder or .zip, or its name in your bundle folder")
    p.add_argument("file", type=Path, metavar="FILE",
                   help="sequences: .npz (x, optional y), .ts (UCR/UEA), one CSV file, or a folder of CSV files")
    p.add_argument("--device", choices=DEVICES, default="cpu", help="where the head runs")
    p.add_argument("--threads", type=int, default=None, help="ONNX Runtime threads (without it: the usable cores, at most 4)")
    p.add_argument("--json", type=Path, dest="json_out", help="write every result (and the figures) as JSON")
    p.add_argument("--csv", type=Path, dest="csv_out",
                   help="write one row per sequence (classes, last-step targets) or per step (per-step targets)")
    p.add_argument("--warmup-steps", type=int, default=None,
                   help="per-step targets: first steps of each sequence left out of the figures (without it: "
                        "what the bundle was scored with)")
    p.add_argument("--quiet", "-q", action="store_true", help="print the summary and figures, not every sequence")


def _label_index(ss, labels) -> np.ndarray | None:
    """The file's classes as indices into the bundle's labels (None when they do not all exist there)."""
    if ss.task != "classify":
        return None
    index = {lab: i for i, lab in enumerate(labels)}
    names = [ss.labels[k] for k in ss.y]
    if not all(n in index for n in names):
        return None
    return np.array([index[n] for n in names])


def cmd_analyze_seq(args: argparse.Namespace, out: TextIO) -> int:
    """Run the bundle over every sequence of FILE; print, and write CSV/JSON when asked."""
    from engine.bundles import load_bundle
    from engine.sequences.figures import classification_figures, regression_figures
    from engine.sequences.runner import SequenceRunner
    from engine.sequences.series_files import read_series

    bundle = load_bundle(args.bundle, frames=False)
    spec, labels = bundle.manifest.sequence, bundle.manifest.labels
    # CSV columns are picked by the bundle's channel names (.npz and .ts channels go by position).
    ss = read_series(args.file, channels=spec.channels, target_columns=spec.targets, targets_optional=True)
    runner = SequenceRunner(bundle, args.device, args.threads)
    runner.check_channels(ss.dim, str(args.file))
    t0 = time.perf_counter()
    results = runner.run(ss.x, ss.names)
    wall = time.perf_counter() - t0
    print(f"{args.file.name}: {len(results)} sequences ({ss.dim} channel{'s' if ss.dim != 1 else ''}) in {wall:.2f} s on {runner.provider.provider} "
          f"with {bundle.manifest.name} ({spec.mode}, head {bundle.manifest.head.arch})", file=out)
    width = max([len(r.name) for r in results] + [8]) + 2
    if not args.quiet:
        print(bundle.manifest.summary(), file=out)
        for r in results:
            if r.label is not None:
                print(f"  {r.name:<{width}} {r.label}  ({r.confidence:.2f})", file=out)
            elif spec.output == "per_step":
                v = np.asarray(r.values)
                print(f"  {r.name:<{width}} {len(v)} steps; " + ", ".join(
                    f"{t}: first {v[0, k]:.4g}, last {v[-1, k]:.4g}" for k, t in enumerate(spec.targets)), file=out)
            else:
                print(f"  {r.name:<{width}} " + ", ".join(f"{t} {float(v):.4g}" for t, v in zip(spec.targets, r.values)), file=out)

    figures = None
    truth = _label_index(ss, labels)
    if truth is not None:
        figures = classification_figures(truth, np.array([labels.index(r.label) for r in results]), labels)
        print(f"  accuracy {figures['accuracy']:.4f}   macro-F1 {figures['macro_f1']:.4f}   ({figures['n']} labelled sequences)", file=out)
        print("  confusion (rows true, columns predicted; " + " ".join(labels) + "):", file=out)
        for row in figures["confusion_matrix"]:
            print("    " + " ".join(f"{v:5d}" for v in row), file=out)
    elif ss.task == "classify":
        print(f"  (the file's classes {', '.join(ss.labels)} are not all labels of the bundle: no figures)", file=out)
    elif spec.mode == "regress" and ss.task == "regress" and ss.targets and len(ss.targets) == len(spec.targets):
        true = ss.y_steps if spec.output == "per_step" else list(ss.y)
        if true is not None:
            warmup = args.warmup_steps if args.warmup_steps is not None else \
                int(bundle.manifest.training.get("warmup_steps") or 0)
            figures = regression_figures([r.values for r in results], true, spec.targets, warmup)
            print(f"  MAE {figures['mae']:.4g}   RMSE {figures['rmse']:.4g}   R² {figures['r2']:.4f}   "
                  f"({figures['n_values']} values"
                  + (f" after {warmup} warm-up steps; RMSE over all steps {figures['rmse_all_steps']:.4g})"
                     if figures.get("warmup_steps") else ")"), file=out)

    if args.json_out:
        data = {"bundle": str(args.bundle), "file": str(args.file), "mode": spec.mode, "output": spec.output,
                "results": [r.to_dict(labels, spec.targets) for r in results], "figures": figures}
        args.json_out.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"wrote {args.json_out}", file=out)
    if args.csv_out:
        _write_csv(args.csv_out, results, spec, labels)
        print(f"wrote {args.csv_out}", file=out)
    return 0


def _write_csv(path: Path, results, spec, labels) -> None:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        if spec.mode == "classify":
            w.writerow(["name", "label", "confidence", *labels])
            for r in results:
                w.writerow([r.name, r.label, f"{r.confidence:.6f}", *(f"{p:.6f}" for p in r.probs)])
        elif spec.output == "per_step":
            w.writerow(["name", "step", *spec.targets])
            for r in results:
                for k, row in enumerate(np.asarray(r.values)):
                    w.writerow([r.name, k, *(f"{v:.6g}" for v in row)])
        else:
            w.writerow(["name", *spec.targets])
            for r in results:
                w.writerow([r.name, *(f"{float(v):.6g}" for v in r.values)])
