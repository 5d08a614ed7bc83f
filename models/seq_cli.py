"""``kinesight train-seq``: train a temporal head on time series (the PyTorch side of the command line).

Torch is imported only inside :func:`run_train_seq`, so building the arguments stays cheap.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

EXAMPLES = ("sin-cos",)
# Steps 0-7 of a sin -> cos sequence are ambiguous (one sin value, two cosines; the direction shows
# only after a few noisy steps): measured per-step RMSE 0.73, 0.69, 0.56, 0.40, 0.28, 0.20, 0.15, 0.12.
SIN_COS_WARMUP = 8


def add_train_seq_args(p: argparse.ArgumentParser) -> None:
    """Arguments of ``kinesight train-seq DATA --task classify|regress --out BUNDLE`` (defaults from SeqConfig)."""
    from dataclasses import fields

    from models.catalog import HEAD_ARCHS
    from models.seq import LOSSES, SeqConfig  # torch-free at import

    d = {f.name: f.default for f in fields(SeqConfig)}
    p.add_argument("data", type=Path, nargs="?", metavar="DATA",
                   help=".npz (x, y, optional groups/split), a UCR/UEA .ts file (its _TEST.ts beside it is the official "
                        "split), or a folder of CSV files (one per sequence; one sub-folder per class)")
    p.add_argument("--example", choices=EXAMPLES,
                   help="train on data the repository generates instead of DATA (sin-cos: regress cos from sin, per step)")
    p.add_argument("--out", "-o", type=Path, required=True, metavar="BUNDLE", help="bundle folder to write")
    p.add_argument("--task", choices=("classify", "regress"), default=None,
                   help="classify (one label per sequence) or regress (numeric targets); without it: what the data holds")
    p.add_argument("--head", default=None, metavar="NAME",
                   help=f"temporal head: {', '.join(HEAD_ARCHS)} (without it: {d['head']}; lstm for --example sin-cos)")
    p.add_argument("--output", choices=("last", "per_step"), default=None,
                   help="regression: one value per sequence (last step) or one per step (without it: per_step when "
                        "the data has per-step targets)")
    p.add_argument("--loss", choices=LOSSES, default=d["loss"], help="regression loss")
    p.add_argument("--warmup-steps", type=int, default=None,
                   help="per-step regression: first steps of each test sequence left out of the figures "
                        f"(without it: {d['warmup_steps']}; 8 for --example sin-cos)")
    p.add_argument("--target", action="append", default=None, metavar="COLUMN",
                   help="CSV data: a column to regress, per step (repeat for several); the other columns are inputs")
    p.add_argument("--layers", type=int, default=d["num_layers"], help="stacked recurrent layers / TCN levels / transformer depth")
    p.add_argument("--hidden", type=int, default=d["hidden"], help="head width")
    p.add_argument("--dropout", type=float, default=d["dropout"], help="dropout in the head")
    p.add_argument("--epochs", type=int, default=d["epochs"], help="most passes over the training sequences")
    p.add_argument("--patience", type=int, default=d["patience"], help="early stopping: epochs without improvement")
    p.add_argument("--lr", type=float, default=d["lr"], help="AdamW learning rate")
    p.add_argument("--batch-size", type=int, default=d["batch_size"], help="sequences per training step")
    p.add_argument("--seed", type=int, default=d["seed"], help="random seed (split, initialisation, order)")
    p.add_argument("--test-frac", type=float, default=d["test_frac"],
                   help="share of groups held out for test (ignored when the data has an official split)")
    p.add_argument("--val-frac", type=float, default=d["val_frac"],
                   help="share of training groups for validation / early stopping (0: stop on the training loss)")
    p.add_argument("--name", default=d["name"], help="bundle name (empty: the output folder's name)")
    p.add_argument("--description", default=d["description"], help="one line describing the bundle")
    p.add_argument("--threads", type=int, default=d["threads"], help="torch threads for training (0: one)")


def run_train_seq(args: argparse.Namespace, out=None) -> int:
    """Train, export and report; returns the exit code (typed errors go to engine.cli)."""
    from engine.series_files import read_series
    from models.seq import SeqConfig, train_sequences
    from models.seq_data import SequenceDataError, save_npz, sin_cos_example

    out = out or sys.stdout
    if (args.data is None) == (args.example is None):
        raise SequenceDataError("give DATA or --example NAME (one of them)")
    if args.example == "sin-cos":
        ss = sin_cos_example(seed=args.seed)
    else:
        ss = read_series(args.data, task=args.task, target_columns=args.target or ())
    task = args.task or ss.task
    if task is None:
        raise SequenceDataError(f"{ss.source} has neither class labels nor targets: nothing to train on")
    output = args.output or ("per_step" if task == "regress" and ss.y_steps is not None else "last")
    cfg = SeqConfig(
        task=task, head=args.head or ("lstm" if args.example else SeqConfig.head), output=output, loss=args.loss,
        hidden=args.hidden, num_layers=args.layers, dropout=args.dropout, epochs=args.epochs, patience=args.patience,
        lr=args.lr, batch_size=args.batch_size, seed=args.seed, test_frac=args.test_frac, val_frac=args.val_frac,
        name=args.name, description=args.description, threads=args.threads,
        warmup_steps=args.warmup_steps if args.warmup_steps is not None else (SIN_COS_WARMUP if args.example else 0),
    )
    res = train_sequences(ss, args.out, cfg)
    rep = res.report
    if args.example:
        save_npz(ss, res.report_dir / f"{args.example}.npz")  # so `analyze-seq` can be tried on the same data
    print(f"wrote bundle {res.bundle_path} ({rep['epochs_run']} epochs, best {rep['best_epoch']}; head training "
          f"{rep['timing_s']['fit_head']:.1f} s, total {rep['timing_s']['total']:.1f} s; split {rep['split']['method']}: "
          + ", ".join(f"{k} {v}" for k, v in rep["split"]["counts"].items()) + ")", file=out)
    t = res.test
    if not t:
        print("  no test sequences (too few groups): no test figures", file=out)
    elif task == "classify":
        print(f"  test sequences: {t['n']}", file=out)
        print(f"  accuracy {t['accuracy']:.4f}   macro-F1 {t['macro_f1']:.4f}", file=out)
        print("  recall per class: " + ", ".join(f"{k} {v:.3f}" for k, v in t["per_class_recall"].items()), file=out)
        print("  confusion (rows true, columns predicted; " + " ".join(rep["labels"]) + "):", file=out)
        for row in t["confusion_matrix"]:
            print("    " + " ".join(f"{v:5d}" for v in row), file=out)
    else:
        print(f"  test sequences: {t['n_sequences']} ({t['n_values']} values, {output.replace('_', ' ')})", file=out)
        print(f"  MAE {t['mae']:.4g}   RMSE {t['rmse']:.4g}   R² {t['r2']:.4f}"
              + (f"   (after {t['warmup_steps']} warm-up steps; RMSE over all steps {t['rmse_all_steps']:.4g})"
                 if t.get("warmup_steps") else ""), file=out)
    print(f"  report: {res.report_dir / 'report.json'}, " + ", ".join(rep["plots"]), file=out)
    if args.example:
        print(f"  data: {res.report_dir / (args.example + '.npz')} (try `kinesight analyze-seq {res.bundle_path} "
              f"{res.report_dir / (args.example + '.npz')}`)", file=out)
    return 0


def main(argv=None) -> int:
    """Run train-seq on its own (``python -m models.seq_cli``), for use before it is wired into ``kinesight``."""
    p = argparse.ArgumentParser(prog="kinesight train-seq")
    add_train_seq_args(p)
    return run_train_seq(p.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
