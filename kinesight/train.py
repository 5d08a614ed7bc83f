"""``kinesight train``, ``eval`` and ``train-seq``: the training side (``models/``) of the command line.

The dispatcher (``kinesight/cli.py``) uses this module only for these commands and only where
``models`` is installed; torch itself is imported only inside ``run_*``, so adding the arguments
stays cheap. Typed errors (KinesightError) travel to the dispatcher, which prints them and sets
the exit code.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

EXAMPLES = ("sin-cos",)
# Steps 0-7 of a sin -> cos sequence are ambiguous (one sin value, two cosines; the direction shows
# only after a few noisy steps): measured per-step RMSE 0.73, 0.69, 0.56, 0.40, 0.28, 0.20, 0.15, 0.12.
SIN_COS_WARMUP = 8


def add_loop_args(p: argparse.ArgumentParser, d: dict, items: str, *, improvement: str, seeded: str) -> None:
    """The options of the one training loop (models/loop.py) that train and train-seq share:
    epochs, early stopping, learning rate, batch size, seed; ``d``: the config's defaults."""
    p.add_argument("--epochs", type=int, default=d["epochs"], help=f"most passes over the training {items}")
    p.add_argument("--patience", type=int, default=d["patience"], help=f"early stopping: epochs without {improvement}")
    p.add_argument("--lr", type=float, default=d["lr"], help="AdamW learning rate")
    p.add_argument("--batch-size", type=int, default=d["batch_size"], help=f"{items} per training step")
    p.add_argument("--seed", type=int, default=d["seed"], help=f"random seed (split, initialisation, {seeded})")


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
    add_loop_args(p, d, "windows", improvement="validation improvement", seeded="augmentation")
    p.add_argument("--variants", type=int, default=d["variants"],
                   help="views per training clip: clean + augmented (flip, crop, brightness)")
    p.add_argument("--roi", choices=("full+motion", "full", "pose", "pose+full", "pose+person", "hands"), default=d["roi"],
                   help="few-shot recipe: whole frame plus a crop that follows what moves (default), the whole "
                        "frame alone (half the work), the person's body keypoints alone (pose), the hands' keypoints (hands, "
                        "gestures), or the body keypoints "
                        "with the whole frame / the person's region; torch heads always use the whole frame")
    p.add_argument("--base", default=d["base"], metavar="BUNDLE",
                   help="teach on top of this model's actions (e.g. everyday-actions, the default): the new bundle "
                        "knows them and the folder's; one action folder is enough (with --roi pose)")
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
    p.add_argument("--quiet", action="store_true",
                   help="no progress (without it: a line per stage, redrawn with its percentage on a terminal)")


def add_eval_args(p: argparse.ArgumentParser) -> None:
    """Arguments of ``kinesight eval BUNDLE DATA_DIR``."""
    p.add_argument("bundle", type=Path, metavar="BUNDLE", help="the bundle to evaluate: its name (`kinesight info` lists them), "
                   "or its folder or .zip")
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
    # Every figure names its unit (issue 26): windows = live labels, one per tick; clips = whole clips.
    out = out or sys.stdout
    unit = rep.get("confusion_unit", "windows")
    print(f"  test: {rep['n']} windows (live labels) from {rep['clips']} clips", file=out)
    print(f"  live labels right {rep['accuracy']:.4f}   clips right {rep['clip_accuracy']:.4f}   "
          f"macro-F1 ({unit}) {rep['macro_f1']:.4f}", file=out)
    print(f"  recall per class ({unit}): " + ", ".join(f"{k} {v:.3f}" for k, v in rep["per_class_recall"].items()),
          file=out)
    print(f"  confusion ({unit}; rows true, columns predicted; " + " ".join(labels) + "):", file=out)
    for row in rep["confusion_matrix"]:
        print("    " + " ".join(f"{v:5d}" for v in row), file=out)


def run_train(args: argparse.Namespace) -> int:
    """Train, export and report; returns the exit code."""
    from models.train import TrainConfig, train_from_folder

    if args.base and args.roi == "full+motion":  # the default of a folder: --base reads the body
        args.roi = "pose"
    cfg = TrainConfig(
        backbone=args.backbone, head=args.head, weights=args.weights, download_weights=args.download_weights,
        size=args.size, window=args.window, sample_fps=args.sample_fps, hidden=args.hidden, num_layers=args.layers,
        epochs=args.epochs, patience=args.patience, lr=args.lr, batch_size=args.batch_size, seed=args.seed,
        variants=args.variants, flip=not args.no_flip, test_frac=args.test_frac, val_frac=args.val_frac,
        streaming=args.streaming, int8=args.int8, name=args.name, description=args.description, threads=args.threads,
        roi=args.roi, base=args.base,
    )
    from kinesight.progress import StageProgress
    from models.train import AUTO, FEWSHOT

    if args.head not in (AUTO, FEWSHOT):
        import torch  # noqa: F401 - a torch head without torch: the one-line error, before any progress
    # Progress by stage (features per clip, the folds or epochs, the export): redrawn on a
    # terminal, one line per stage in a log; the per-video bar of the features would clash with it.
    progress = None if args.quiet else StageProgress("kinesight train")
    if progress is not None:
        progress("starting", 0.0)  # the first clip's features take seconds: say at once that work began
    try:
        res = train_from_folder(args.data_dir, args.out, cfg, cache_dir=args.cache, progress=progress, show_bar=False)
    finally:
        if progress is not None:
            progress.close()
    rep = res.report
    if rep.get("recipe") == "fewshot":  # small data: no epochs, figures cross-validated, no PNGs
        print(f"wrote bundle {res.bundle_path} (few-shot head: {rep['cv']['chosen']}; head fitting "
              f"{rep['timing_s']['fit_head']:.1f} s, total {rep['timing_s']['total']:.1f} s)")
        from models.fewshot.report import new_person_lines

        for line in new_person_lines(rep["cv"], rep.get("open_set")):
            print(f"  {line}")
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


# What eval's figures are, printed above them: they score the head alone, so they can differ from
# what `analyze` shows on the same clip (a wrong label for half a second still leaves the clip's
# mean probability on the right action).
EVAL_MEASURES = ("  what these figures measure: the head alone, with no smoothing, hold, confidence threshold or "
                 "unknown;\n  accuracy, macro-F1 and the confusion count windows (each window's most likely label), clip "
                 "accuracy counts clips (the label of\n  the mean of a clip's window probabilities). "
                 "`kinesight analyze CLIP` shows what the app says over time.")


def run_eval(args: argparse.Namespace) -> int:
    """Re-measure a bundle's test figures (or every video's) with its ONNX files."""
    from models.train import evaluate_bundle

    rep = evaluate_bundle(args.bundle, args.data_dir, split=args.split, cache_dir=args.cache, show_bar=_show_bars(args))
    from engine.bundles import load_bundle

    labels = load_bundle(args.bundle).labels
    print(f"{args.bundle} on {args.data_dir} ({args.split} split)")
    print(EVAL_MEASURES)
    _print_figures(rep, labels)
    if args.json:
        args.json.write_text(json.dumps(rep, indent=2) + "\n", encoding="utf-8")
    return 0


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
    add_loop_args(p, d, "sequences", improvement="improvement", seeded="order")
    p.add_argument("--test-frac", type=float, default=d["test_frac"],
                   help="share of groups held out for test (ignored when the data has an official split)")
    p.add_argument("--val-frac", type=float, default=d["val_frac"],
                   help="share of training groups for validation / early stopping (0: stop on the training loss)")
    p.add_argument("--name", default=d["name"], help="bundle name (empty: the output folder's name)")
    p.add_argument("--description", default=d["description"], help="one line describing the bundle")
    p.add_argument("--threads", type=int, default=d["threads"], help="torch threads for training (0: one)")


def run_train_seq(args: argparse.Namespace, out=None) -> int:
    """Train, export and report; returns the exit code."""
    from engine.sequences.series_files import read_series
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


def add_teach_args(p: argparse.ArgumentParser) -> None:
    """Arguments of ``kinesight teach BUNDLE --add LABEL FILE[:START-END]`` / ``--undo``."""
    p.add_argument("bundle", metavar="BUNDLE", help="a taught bundle: its folder, or its name among your bundles")
    what = p.add_mutually_exclusive_group(required=True)
    what.add_argument("--add", nargs=2, metavar=("LABEL", "FILE[:START-END]"),
                      help="this stretch of FILE (seconds; the whole file without :START-END) was LABEL, an action "
                           "of the bundle, or 'none' (none of these): add it as a teaching clip and re-teach")
    what.add_argument("--undo", action="store_true", help="put back the bundle as it was before the last correction")
    p.add_argument("--threads", type=int, default=0, help="CPU threads for re-teaching (0: ONNX Runtime's default)")
    p.add_argument("--cache", type=Path, default=None, help="feature cache folder (default: the user cache)")


def run_teach(args: argparse.Namespace, out=None) -> int:
    """Add one correction (or undo the last) and print the re-taught bundle's figures."""
    from engine.bundles import resolve_bundle
    from models.correct import add_correction, undo_correction
    from models.fewshot.report import new_person_lines
    from models.fewshot.teaching_set import parse_stretch

    out = out or sys.stdout
    bundle = resolve_bundle(args.bundle)
    if args.undo:
        undo_correction(bundle)
        print(f"{bundle}: back to the version before the last correction", file=out)
        return 0
    label, spec = args.add
    file, start, end = parse_stretch(spec)
    fix = add_correction(bundle, label, file, start, end, threads=args.threads or None, cache_dir=args.cache)
    c = fix.clip
    print(f"{bundle}: added {c.file} as '{c.label}' ({c.start_s:.2f}-{c.end_s:.2f} s of {file}); re-taught from "
          f"{fix.clips} clips in {fix.seconds:.1f} s", file=out)
    rep = fix.result.report
    for line in new_person_lines(rep["cv"], rep.get("open_set")):
        print(f"  {line}", file=out)
    print(f"  undo: kinesight teach {args.bundle} --undo", file=out)
    return 0


def add_adapt_args(p: argparse.ArgumentParser) -> None:
    """Arguments of ``kinesight adapt BUNDLE SESSION [--out OUT]``."""
    p.add_argument("bundle", metavar="BUNDLE", help="a lip reader with a sentence grammar, e.g. grid-lips")
    p.add_argument("session", metavar="SESSION", type=Path,
                   help="a folder of clips of you saying the reader's sentences and its session.json "
                        "(the app's Lip ▸ Adapt Lip Reading to My Face… records one; docs/lip-mode.md)")
    p.add_argument("--out", type=Path, default=None,
                   help="folder of the new bundle (default: BUNDLE-adapted among your bundles)")
    p.add_argument("--name", default=None, help="the new bundle's name (default: the folder's name)")
    p.add_argument("--method", choices=("auto", "numpy", "torch"), default="auto",
                   help="numpy: normalise the features and refit the output layer (the app without PyTorch); "
                        "torch: fine-tune the whole head ([train]); auto: torch when it is installed")
    p.add_argument("--threads", type=int, default=2, help="CPU threads (default 2)")


def run_adapt(args: argparse.Namespace, out=None) -> int:
    """Adapt, then print the report: the new bundle and its WER on the session's sentences."""
    from engine.bundles import resolve_bundle
    from models.lip_adapt import adapt_bundle, adapted_bundle_path, load_session

    out = out or sys.stdout
    base = resolve_bundle(args.bundle)
    sentences = load_session(args.session)
    target = args.out or adapted_bundle_path(Path(base).name)
    last = [""]

    def progress(stage: str, fraction: float) -> None:
        if stage != last[0]:
            last[0] = stage
            print(f"{stage}...", file=sys.stderr, flush=True)

    rep = adapt_bundle(base, sentences, target, name=args.name or target.name, method=args.method,
                       threads=max(1, args.threads), progress=progress)
    for line in rep.lines():
        print(line, file=out)
    print(f"  use it: kinesight analyze CLIP --bundle {target}", file=out)
    return 0
