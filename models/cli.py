"""``kinesight train``, ``eval`` and ``train-seq`` (models/seq_cli.py): the PyTorch side of the command line.

The ``kinesight`` dispatcher (``kinesight/cli.py``) imports this module only when one of these
commands is asked for and hands it to ``engine.cli``; torch itself is imported only inside
``run_*``, so adding the arguments stays cheap.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from models.seq_cli import add_train_seq_args, run_train_seq  # noqa: F401 - `kinesight train-seq` (torch-free import)


def add_train_args(p: argparse.ArgumentParser) -> None:
    """Arguments of ``kinesight train DATA_DIR --out BUNDLE`` (defaults from :class:`TrainConfig`)."""
    from dataclasses import fields

    from models.catalog import BACKBONES, HEAD_ARCHS
    from models.train import FEWSHOT, LARGE_DATA_HEAD, TrainConfig  # torch-free at import: the help stays cheap

    d = {f.name: f.default for f in fields(TrainConfig)}
    p.add_argument("data_dir", type=Path, metavar="DATA_DIR",
                   help="one sub-folder of videos per class (UCF101 layout; split files and <group>__name groups honoured)")
    p.add_argument("--out", "-o", type=Path, required=True, metavar="BUNDLE", help="bundle folder to write")
    p.add_argument("--backbone", default=d["backbone"], metavar="NAME",
                   help="frame encoder: " + ", ".join(BACKBONES))
    p.add_argument("--weights", default=d["weights"], metavar="PATH",
                   help="backbone weights file (torchvision backbones; without it: the torch hub cache)")
    p.add_argument("--download-weights", action="store_true", help="let torch hub download missing torchvision weights")
    p.add_argument("--size", type=int, default=d["size"], help="backbone input size (without it: the backbone's own)")
    p.add_argument("--head", default=d["head"], metavar="NAME",
                   help=f"temporal head: auto ({FEWSHOT} for small data, else {LARGE_DATA_HEAD}), "
                        f"{FEWSHOT} (torch-free), " + ", ".join(HEAD_ARCHS))
    p.add_argument("--layers", type=int, default=d["num_layers"],
                   help="stacked recurrent layers / TCN levels / transformer depth")
    p.add_argument("--hidden", type=int, default=d["hidden"], help="head width")
    p.add_argument("--window", type=int, default=d["window"], help="window length T: features per window")
    p.add_argument("--sample-fps", type=float, default=d["sample_fps"], help="the model clock: features per second")
    p.add_argument("--epochs", type=int, default=d["epochs"], help="most passes over the training windows")
    p.add_argument("--patience", type=int, default=d["patience"],
                   help="early stopping: epochs without validation improvement")
    p.add_argument("--lr", type=float, default=d["lr"], help="AdamW learning rate")
    p.add_argument("--batch-size", type=int, default=d["batch_size"], help="windows per training step")
    p.add_argument("--seed", type=int, default=d["seed"], help="random seed (split, initialisation, augmentation)")
    p.add_argument("--variants", type=int, default=d["variants"],
                   help="views per training clip: clean + augmented (flip, crop, brightness)")
    p.add_argument("--roi", choices=("full+motion", "full"), default=d["roi"],
                   help="few-shot recipe: whole frame plus a crop that follows what moves (default), or the whole "
                        "frame alone (half the work); torch heads always use the whole frame")
    p.add_argument("--no-flip", action="store_true", help="no horizontal flips (when left/right is part of a label)")
    p.add_argument("--test-frac", type=float, default=d["test_frac"], help="share of groups held out for test (per class)")
    p.add_argument("--val-frac", type=float, default=d["val_frac"], help="share of groups for validation / early stopping")
    p.add_argument("--streaming", action="store_true", help="export GRU/LSTM/RNN heads with explicit state")
    p.add_argument("--int8", action="store_true", help="ship an int8 (static QDQ) backbone; reports the accuracy change")
    p.add_argument("--name", default=d["name"], help="bundle name (empty: the output folder's name)")
    p.add_argument("--description", default=d["description"], help="one line describing the bundle, shown in the app (without it: none)")
    p.add_argument("--cache", type=Path, default=None,
                   help="feature cache folder (without it: ~/.cache/kinesight/features)")
    p.add_argument("--threads", type=int, default=d["threads"], help="CPU threads for torch and ONNX Runtime (0 = all)")
    p.add_argument("--quiet", action="store_true", help="no progress bars")


def add_eval_args(p: argparse.ArgumentParser) -> None:
    """Arguments of ``kinesight eval BUNDLE DATA_DIR``."""
    p.add_argument("bundle", type=Path, metavar="BUNDLE", help="the bundle to evaluate (folder or .zip)")
    p.add_argument("data_dir", type=Path, metavar="DATA_DIR", help="the video folder it was trained on (or another)")
    p.add_argument("--split", choices=("test", "all"), default="test",
                   help="test: the held-out videos of the bundle's training run; all: every video")
    p.add_argument("--cache", type=Path, default=None, help="feature cache folder (without it: ~/.cache/kinesight/features)")
    p.add_argument("--json", type=Path, default=None, metavar="FILE", help="also write the figures as JSON")
    p.add_argument("--quiet", action="store_true", help="no progress bars")


def _show_bars(args: argparse.Namespace) -> bool:
    # A bar redrawn with carriage returns fills a log file with partial lines: bars only on a terminal.
    return not args.quiet and sys.stderr.isatty()


def _print_figures(rep: dict, labels, out=None) -> None:
    out = out or sys.stdout
    print(f"  test windows: {rep['n']} from {rep['clips']} clips", file=out)
    print(f"  accuracy {rep['accuracy']:.4f}   macro-F1 {rep['macro_f1']:.4f}   clip accuracy {rep['clip_accuracy']:.4f}", file=out)
    print("  recall per class: " + ", ".join(f"{k} {v:.3f}" for k, v in rep["per_class_recall"].items()), file=out)
    print("  confusion (rows true, columns predicted; " + " ".join(labels) + "):", file=out)
    for row in rep["confusion_matrix"]:
        print("    " + " ".join(f"{v:5d}" for v in row), file=out)


def run_train(args: argparse.Namespace) -> int:
    """Train, export and report; returns the exit code."""
    from models.train import TrainConfig, train_from_folder

    cfg = TrainConfig(
        backbone=args.backbone, head=args.head, weights=args.weights, download_weights=args.download_weights,
        size=args.size, window=args.window, sample_fps=args.sample_fps, hidden=args.hidden, num_layers=args.layers,
        epochs=args.epochs, patience=args.patience, lr=args.lr, batch_size=args.batch_size, seed=args.seed,
        variants=args.variants, flip=not args.no_flip, test_frac=args.test_frac, val_frac=args.val_frac,
        streaming=args.streaming, int8=args.int8, name=args.name, description=args.description, threads=args.threads,
        roi=args.roi,
    )
    # Typed errors (KinesightError) travel to engine.cli.main, which prints them and sets the exit code.
    res = train_from_folder(args.data_dir, args.out, cfg, cache_dir=args.cache, show_bar=_show_bars(args))
    rep = res.report
    if rep.get("recipe") == "fewshot":  # small data: no epochs, figures cross-validated, no PNGs
        print(f"wrote bundle {res.bundle_path} (few-shot head: {rep['cv']['chosen']}; head fitting "
              f"{rep['timing_s']['fit_head']:.1f} s, total {rep['timing_s']['total']:.1f} s)")
        if rep["test"]:
            print(f"  {rep['test']['evaluation']}")
    else:
        print(f"wrote bundle {res.bundle_path} ({rep['epochs_run']} epochs, best {rep['best_epoch']}; "
              f"head training {rep['timing_s']['fit_head']:.1f} s, total {rep['timing_s']['total']:.1f} s)")
    if rep["test"]:
        _print_figures(rep["test"], rep["labels"])
    else:
        print("  no test videos (too few groups per class): no test figures")
    if rep.get("int8"):
        q = rep["int8"]
        print(f"  int8 backbone: {q.get('int8_size_mb')} MB (float {q.get('float_size_mb')} MB); "
              f"test accuracy float {q.get('float_accuracy')} -> int8 {q.get('int8_accuracy')}")
    pngs = [p.name for p in sorted(res.report_dir.glob("*.png"))]
    print(f"  report: {', '.join([str(res.report_dir / 'report.json'), *pngs])}")
    return 0


def run_eval(args: argparse.Namespace) -> int:
    """Re-measure a bundle's test figures (or every video's) with its ONNX files."""
    from models.train import evaluate_bundle

    rep = evaluate_bundle(args.bundle, args.data_dir, split=args.split, cache_dir=args.cache, show_bar=_show_bars(args))
    from engine.bundle import load_bundle

    labels = load_bundle(args.bundle).labels
    print(f"{args.bundle} on {args.data_dir} ({args.split} split)")
    _print_figures(rep, labels)
    if args.json:
        args.json.write_text(json.dumps(rep, indent=2) + "\n", encoding="utf-8")
    return 0
