"""Train a temporal head on multichannel time series; write a sequence bundle and a report.

    sequences (T_i, D) -> split (official, or group-aware) -> per-channel normalisation fitted
      on the training part -> left-padded batches (engine.sequences.runner.prepare_batch) -> a head from
      models.heads (classification: cross-entropy with class weights; regression: MSE or Huber,
      for the last step or every step) with AdamW, gradient clipping, early stopping, fixed seed
      -> head.onnx (parity-checked) + manifest -> test figures measured by ONNX Runtime through
      engine.sequences.runner, the code path of ``kinesight analyze-seq``, so it reproduces them exactly.
"""

from __future__ import annotations

import json
import logging
import shutil
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from engine.bundles import HEAD_FILE, SEQUENCE_TASK, HeadSpec, Manifest, load_bundle, write_manifest
from engine.core.errors import KinesightError
from engine.sequences.figures import classification_figures, regression_figures
from engine.sequences.runner import SequenceRunner, prepare_batch
from engine.sequences.series_files import SeriesSet
from engine.sequences.spec import Normalisation, SequenceSpec
from models.loop import LoopSettings, train_loop
from models.seq_data import SequenceDataError, SeriesSplit, split_series

log = logging.getLogger(__name__)

REPORT_DIR = "report"
CHECKPOINT_DIR = "checkpoint"
LOSSES = ("mse", "huber")
PARITY_ATOL = 1e-3


@dataclass
class SeqConfig:
    """Everything that decides a sequence training run (recorded in the manifest and report.json)."""

    task: str = "classify"  # classify | regress
    head: str = "cnn_lstm"
    output: str = "last"  # regression: last (one value per sequence) or per_step (sequence to sequence)
    loss: str = "mse"  # regression: mse | huber
    warmup_steps: int = 0  # per-step regression: first steps of each test sequence left out of the figures
    hidden: int = 64
    num_layers: int = 1
    dropout: float = 0.1
    epochs: int = 150
    batch_size: int = 32
    lr: float = 3e-3
    weight_decay: float = 1e-2
    clip_grad: float = 1.0
    patience: int = 30
    seed: int = 0
    test_frac: float = 0.25
    val_frac: float = 0.15
    name: str = ""
    description: str = ""
    attribution: str = ""
    threads: int = 0  # torch threads for training (0 = one, the fastest for these small heads here)


@dataclass
class SeqTrainResult:
    """What a sequence training run produced and how it did on the held-out test sequences."""

    bundle_path: Path
    report_dir: Path
    test: dict[str, Any]  # classification_figures or regression_figures; empty without test sequences
    train_seconds: float
    epochs_run: int
    report: dict[str, Any] = field(default_factory=dict)


# --- the head, with a per-step output ------------------------------------------------------------

def _per_step_module():
    import torch
    from torch import nn

    from models.heads import ConvRecurrentHead, RecurrentHead, TCNHead, TransformerHead

    class SequenceHead(nn.Module):
        """A head of models.heads with its output at the last step (B, C) or at every step (B, T, C).

        The per-step path runs the same layers as the head's own ``forward`` and applies its
        output layer to every time step instead of only the last one.
        """

        def __init__(self, head: nn.Module, output: str) -> None:
            super().__init__()
            self.head = head
            self.output = output

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            if self.output == "last":
                return self.head(x)  # (B, T, D) -> (B, C)
            h = self.head
            # (B, T, D) -> (B, T, C)
            if isinstance(h, RecurrentHead):
                y, _ = h.rnn(h.proj(h.drop(x)))
                return h.out(h.drop(y))
            if isinstance(h, ConvRecurrentHead):
                y = torch.relu(h.conv(h.drop(x).transpose(1, 2))).transpose(1, 2)
                y, _ = h.rnn(y)
                return h.out(h.drop(y))
            if isinstance(h, TCNHead):
                return h.out(h.blocks(x.transpose(1, 2)).transpose(1, 2))
            if isinstance(h, TransformerHead):
                b, t, _ = x.shape
                torch._check(t <= h.max_len)
                y = torch.cat([h.cls_token.expand(b, -1, -1), h.proj(x)], dim=1)
                y = h.layers(h.drop(y + h.pos[:, : t + 1]))
                return h.out(h.norm(y[:, 1:]))
            raise KinesightError(f"head {type(h).__name__} has no per-step output; use --output last")

    return SequenceHead


def build_sequence_head(cfg: SeqConfig, dim: int, width: int):
    """The configured head of models.heads for ``dim`` channels and ``width`` outputs per step."""
    from models.heads import build_head

    head = build_head(cfg.head, dim, width, hidden=cfg.hidden, num_layers=cfg.num_layers, dropout=cfg.dropout)
    return _per_step_module()(head, cfg.output)


# --- training -----------------------------------------------------------------------------------

@dataclass
class _Arrays:
    """A part of the data as the head sees it: x (N, L, D), targets, and a mask of real steps."""

    x: np.ndarray
    y: np.ndarray  # (N,) int64 classes | (N, K) | (N, L, K) normalised targets
    mask: np.ndarray  # (N, L) True where a step is real (not left padding)


def _arrays(ss: SeriesSet, idx: np.ndarray, cfg: SeqConfig, norm: Normalisation, tnorm: Normalisation | None,
            length: int) -> _Arrays:
    seqs = [ss.x[i] for i in idx]
    x = prepare_batch(seqs, norm, length)
    width = x.shape[1]
    mask = np.zeros((len(idx), width), bool)
    for j, s in enumerate(seqs):
        mask[j, width - len(s):] = True
    if cfg.task == "classify":
        y = ss.y[idx].astype(np.int64)
    elif cfg.output == "per_step":
        y = np.zeros((len(idx), width, len(ss.targets)), np.float32)
        for j, i in enumerate(idx):
            steps = ss.y_steps[i]
            y[j, width - len(steps):] = np.nan_to_num(tnorm.apply(steps))
            mask[j, width - len(steps):] &= np.isfinite(steps).all(axis=1)  # a missing target is not learned
    else:
        y = np.nan_to_num(tnorm.apply(ss.y[idx])).astype(np.float32)
    return _Arrays(x, y, mask)


def _loss_fn(cfg: SeqConfig, class_weights):
    import torch
    import torch.nn.functional as F

    if cfg.task == "classify":
        return lambda out, y, m: F.cross_entropy(out, y, weight=class_weights)
    per = (lambda a, b: F.huber_loss(a, b, reduction="none", delta=1.0)) if cfg.loss == "huber" else \
        (lambda a, b: F.mse_loss(a, b, reduction="none"))
    if cfg.output == "per_step":
        def masked(out, y, m):
            # (B, L, K) over real steps only: left padding is not a target
            w = m.unsqueeze(-1).to(out.dtype)
            return (per(out, y) * w).sum() / torch.clamp(w.sum() * out.shape[-1], min=1.0)
        return masked
    return lambda out, y, m: per(out, y).mean()


def fit_sequence_head(cfg: SeqConfig, train: _Arrays, val: _Arrays | None, width: int):
    """Train the head; returns (model in eval mode, history, epochs run)."""
    import torch

    # One thread by default: these heads are small, and on this loaded 2-core machine a cnn_lstm
    # step (batch 32, 100 steps) took 0.14 s on one thread and 2.5 s on two (threads spin on each other).
    threads_before = torch.get_num_threads()
    torch.set_num_threads(cfg.threads or 1)
    try:
        return _fit(cfg, train, val, width)
    finally:
        torch.set_num_threads(threads_before)


def _fit(cfg: SeqConfig, train: _Arrays, val: _Arrays | None, width: int):
    import torch

    torch.manual_seed(cfg.seed)
    model = build_sequence_head(cfg, train.x.shape[2], width)
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    # Cosine decay over the epoch budget: with a constant rate the last epochs kept jumping
    # between good and worse weights (sin -> cos test RMSE 0.073 after 30 epochs, 0.109 after 60).
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=max(1, cfg.epochs))
    cw = None
    if cfg.task == "classify":
        counts = np.bincount(train.y, minlength=width).astype(np.float64)
        # Inverse-frequency class weights: a rare class counts as much in the loss as a common one.
        cw = torch.tensor(np.where(counts > 0, counts.sum() / (width * np.maximum(counts, 1)), 0.0), dtype=torch.float32)
    loss_fn = _loss_fn(cfg, cw)
    tx = torch.from_numpy(train.x)
    ty, tm = torch.from_numpy(train.y), torch.from_numpy(train.mask)

    def batch_loss(idx: np.ndarray):
        i = torch.from_numpy(idx)
        return loss_fn(model(tx[i]), ty[i], tm[i])

    def validate() -> dict[str, float]:
        return {"val_loss": float(loss_fn(model(torch.from_numpy(val.x)), torch.from_numpy(val.y),
                                          torch.from_numpy(val.mask)))}

    # An improvement must be 1 % of the loss, at least 1e-4 (as measured for sequence heads).
    settings = LoopSettings(cfg.epochs, cfg.patience, cfg.batch_size, cfg.clip_grad, cfg.seed, 0.01, 1e-4)
    return train_loop(model, opt, len(tx), batch_loss, settings,
                      validate=validate if val is not None and len(val.x) else None, scheduler=sched)


# --- bundle -------------------------------------------------------------------------------------

def _time_axis_dynamic(path: Path) -> None:
    """Mark the time axis of a per-step output as dynamic (the TorchScript exporter fixes it to the
    example's length in the declared shape, although the graph computes any length)."""
    import onnx

    model = onnx.load(str(path))
    dims = model.graph.output[0].type.tensor_type.shape.dim
    if len(dims) == 3:
        dims[1].ClearField("dim_value")
        dims[1].dim_param = "time"
        onnx.save(model, str(path))


def _prepare_out(out: Path) -> None:
    from engine.bundles import MANIFEST

    if out.exists() and not (out.is_dir() and ((out / MANIFEST).is_file() or not any(out.iterdir()))):
        raise KinesightError(f"{out} exists and is not a bundle folder; choose a new --out (it would be replaced)")


def export_sequence_bundle(out: Path, model, cfg: SeqConfig, spec: SequenceSpec, labels: Sequence[str],
                           training: dict[str, Any]) -> Path:
    """Write head.onnx (parity-checked by models.export) and manifest.json to ``out``; checked by loading."""
    from engine.bundles import HEAD_FILE
    from models.export import export_head

    _prepare_out(out)
    tmp = Path(tempfile.mkdtemp(prefix=".seq-bundle-", dir=out.parent if out.parent.exists() else None))
    tmp.chmod(0o755)  # mkdtemp makes it private; a bundle is meant to be shared
    try:
        # 1e-3, not export's 1e-4: a trained head's logits reach ~10-20 and 100 recurrent float32
        # steps differ between torch and ORT by ~2e-4 there (BasicMotions, cnn_lstm), 1e-5 relative.
        _, err = export_head(model, tmp / HEAD_FILE, feature_dim=len(spec.channels), length=spec.length,
                             streaming=False, atol=PARITY_ATOL)
        if spec.output == "per_step":
            _time_axis_dynamic(tmp / HEAD_FILE)
        manifest = Manifest(
            name=cfg.name or out.name, version="1.0", task=SEQUENCE_TASK, labels=tuple(labels), sequence=spec,
            head=HeadSpec("window", cfg.head),
            description=cfg.description, attribution=cfg.attribution,
            training={**training, "export": {"head_parity_max_abs": err}}, created_by="kinesight models.seq",
        )
        write_manifest(tmp, manifest)
        load_bundle(tmp, frames=False)  # the checks a user's load will make
        if out.exists():
            shutil.rmtree(out)
        out.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(tmp), str(out))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return out


def _update_training(out: Path, extra: dict[str, Any]) -> None:
    """Add figures to the manifest's training section (head.onnx and its checksum are unchanged)."""
    from dataclasses import replace

    m = load_bundle(out, check=False, frames=False).manifest
    write_manifest(out, replace(m, training={**m.training, **extra}))


def evaluate_sequences(bundle_path: Path, ss: SeriesSet, warmup_steps: int = 0) -> dict[str, Any]:
    """Run the bundle's head.onnx (as analyze-seq does) over ``ss`` and measure it against its labels/targets."""
    bundle = load_bundle(bundle_path, frames=False)
    runner = SequenceRunner(bundle, "cpu")
    spec = bundle.manifest.sequence
    results = runner.run(ss.x, ss.names)
    if spec.mode == "classify":
        pred = np.array([bundle.manifest.labels.index(r.label) for r in results])
        return classification_figures(ss.y, pred, bundle.manifest.labels)
    pred = [r.values for r in results]
    true = ss.y_steps if spec.output == "per_step" else list(ss.y)
    rep = regression_figures(pred, true, spec.targets, warmup_steps)
    rep["_pred"], rep["_true"] = pred, true  # for the plot; dropped before report.json
    return rep


# --- report -------------------------------------------------------------------------------------

def _plots(report_dir: Path, history: dict, test: dict, cfg: SeqConfig, labels: Sequence[str]) -> list[str]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    written = []
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot(range(1, len(history["train_loss"]) + 1), history["train_loss"], label="train loss")
    if history.get("val_loss"):
        ax.plot(range(1, len(history["val_loss"]) + 1), history["val_loss"], label="validation loss")
    ax.set_xlabel("epoch")
    ax.set_ylabel("cross-entropy (class-weighted)" if cfg.task == "classify" else f"{cfg.loss} (normalised targets)")
    ax.set_yscale("log")
    ax.legend()
    ax.set_title("Loss curves")
    fig.tight_layout()
    fig.savefig(report_dir / "loss.png", dpi=100)
    plt.close(fig)
    written.append("loss.png")
    if not test:
        return written
    if cfg.task == "classify":
        from models.evaluate import plot_confusion

        plot_confusion(test["confusion_matrix"], labels, f"Test sequences: accuracy {test['accuracy']:.3f}",
                       report_dir / "confusion.png")
        return written + ["confusion.png"]
    pred, true = test["_pred"], test["_true"]
    per_step = cfg.output == "per_step"
    fig, axes = plt.subplots(1, 2 if per_step else 1, figsize=(11 if per_step else 5.5, 4.5), squeeze=False)
    skip = int(test.get("warmup_steps", 0))  # the scatter shows the values the figures count
    p = np.concatenate([np.asarray(a)[skip:].reshape(-1) if per_step else np.asarray(a).reshape(-1) for a in pred])
    t = np.concatenate([np.asarray(a)[skip:].reshape(-1) if per_step else np.asarray(a).reshape(-1) for a in true])
    ax = axes[0, 0]
    ax.scatter(t, p, s=4, alpha=0.4)
    lo, hi = float(np.nanmin(t)), float(np.nanmax(t))
    ax.plot([lo, hi], [lo, hi], "k--", lw=1, label="prediction = target")
    ax.set_xlabel("target")
    ax.set_ylabel("prediction")
    ax.set_title(f"Test: RMSE {test['rmse']:.4g}, MAE {test['mae']:.4g}, R² {test['r2']:.3f}"
                 + (f"\n(after {skip} warm-up steps)" if skip else ""))
    ax.legend()
    if per_step:
        ax = axes[0, 1]
        for k in range(min(3, len(pred))):
            line, = ax.plot(np.asarray(true[k])[:, 0], lw=2, alpha=0.5)
            ax.plot(np.asarray(pred[k])[:, 0], "--", color=line.get_color())
        if skip:
            ax.axvspan(-0.5, skip - 0.5, color="grey", alpha=0.15, label="warm-up (not scored)")
            ax.legend(loc="lower left")
        ax.set_xlabel("time step")
        ax.set_title("Three test sequences: target (solid) vs prediction (dashed)")
    fig.tight_layout()
    fig.savefig(report_dir / "prediction_vs_target.png", dpi=100)
    plt.close(fig)
    return written + ["prediction_vs_target.png"]


def _save_checkpoint(model, folder: Path, cfg: SeqConfig, dim: int, width: int) -> Path:
    """Head weights as safetensors (no pickle) with the config that rebuilds them."""
    from safetensors.torch import save_file

    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "head.safetensors"
    meta = {"config": json.dumps(asdict(cfg)), "channels": str(dim), "outputs": str(width)}
    save_file({k: v.contiguous() for k, v in model.state_dict().items()}, str(path), metadata=meta)
    return path


def train_sequences(ss: SeriesSet, out: str | Path, cfg: SeqConfig | None = None) -> SeqTrainResult:
    """Train on ``ss`` and write the bundle (with ``report/`` and ``checkpoint/``) to ``out``."""
    from models.catalog import HEAD_ARCHS

    cfg = cfg or SeqConfig()
    out = Path(out).expanduser()
    if cfg.head not in HEAD_ARCHS:
        raise KinesightError(f"unknown head {cfg.head!r}; choose one of: {', '.join(HEAD_ARCHS)}")
    if cfg.task not in ("classify", "regress"):
        raise KinesightError(f"unknown task {cfg.task!r}; use classify or regress")
    if cfg.task == "classify" and cfg.output != "last":
        raise KinesightError("a classifier gives one label per sequence: --output per_step is for --task regress")
    if cfg.loss not in LOSSES:
        raise KinesightError(f"unknown loss {cfg.loss!r}; use {' or '.join(LOSSES)}")
    if ss.task != cfg.task:
        raise SequenceDataError(f"{ss.source} has {'class labels' if ss.task == 'classify' else 'targets' if ss.task else 'no labels'}; "
                                f"it cannot be trained with --task {cfg.task}")
    if cfg.output == "per_step" and ss.y_steps is None:
        raise SequenceDataError(f"{ss.source} has one target per sequence, not per step; use --output last "
                                "(or give per-step targets: npz y (N, T, K) or CSV --target columns)")
    _prepare_out(out)
    t0 = time.perf_counter()
    split: SeriesSplit = split_series(ss, test_frac=cfg.test_frac, val_frac=cfg.val_frac, seed=cfg.seed)
    if cfg.task == "classify":
        missing = [lab for k, lab in enumerate(ss.labels) if not (ss.y[split.train] == k).any()]
        if missing:
            raise SequenceDataError(f"classes without training sequences: {', '.join(missing)}; add sequences to them")
    train_seqs = [ss.x[i] for i in split.train]
    norm = Normalisation.fit(train_seqs)
    length = int(max(len(s) for s in train_seqs))
    tnorm = None
    if cfg.task == "regress":
        tsrc = [ss.y_steps[i] for i in split.train] if cfg.output == "per_step" else [ss.y[split.train]]
        tnorm = Normalisation.fit(tsrc)
    width = len(ss.labels) if cfg.task == "classify" else len(ss.targets)
    train = _arrays(ss, split.train, cfg, norm, tnorm, length)
    val = _arrays(ss, split.val, cfg, norm, tnorm, length) if len(split.val) else None
    t1 = time.perf_counter()
    model, history, epochs_run = fit_sequence_head(cfg, train, val, width)
    t2 = time.perf_counter()

    spec = SequenceSpec(mode=cfg.task, output=cfg.output, channels=ss.channels, normalisation=norm, length=length,
                        targets=ss.targets if cfg.task == "regress" else (), target_normalisation=tnorm)
    training = {
        "dataset": Path(ss.source).name or ss.source,
        "split": {"method": split.method, "seed": cfg.seed, "test_frac": cfg.test_frac, "val_frac": cfg.val_frac,
                  "counts": split.counts()},
        "config": asdict(cfg),
    }
    labels = ss.labels if cfg.task == "classify" else ()
    export_sequence_bundle(out, model, cfg, spec, labels, training)
    t3 = time.perf_counter()
    test: dict[str, Any] = {}
    if len(split.test):
        test = evaluate_sequences(out, ss.subset(split.test), cfg.warmup_steps)
    t4 = time.perf_counter()
    if cfg.task == "classify":
        figures = {"test_accuracy": test.get("accuracy"), "macro_f1": test.get("macro_f1"), "test_sequences": test.get("n", 0)}
    else:
        figures = {"test_rmse": test.get("rmse"), "test_mae": test.get("mae"), "test_r2": test.get("r2"),
                   "test_sequences": test.get("n_sequences", 0), "warmup_steps": cfg.warmup_steps}
    _update_training(out, {**figures, "train_seconds": round(t2 - t1, 2)})

    report_dir = out / REPORT_DIR
    report_dir.mkdir(parents=True, exist_ok=True)
    plots = _plots(report_dir, history, test, cfg, labels)
    test_json = {k: v for k, v in test.items() if not k.startswith("_")}
    report = {
        "task": cfg.task, "labels": list(labels), "targets": list(spec.targets), "bundle": str(out),
        "data": ss.source, "test": test_json, "history": history, "epochs_run": epochs_run,
        "best_epoch": history["best_epoch"][0], "split": training["split"], "test_names": [ss.names[i] for i in split.test],
        "timing_s": {"prepare": round(t1 - t0, 2), "fit_head": round(t2 - t1, 2), "export": round(t3 - t2, 2),
                     "evaluate": round(t4 - t3, 2), "total": round(time.perf_counter() - t0, 2)},
        "sequences": {"channels": list(ss.channels), "length": length}, "config": asdict(cfg), "plots": plots,
    }
    (report_dir / "report.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    _save_checkpoint(model, out / CHECKPOINT_DIR, cfg, ss.dim, width)
    return SeqTrainResult(bundle_path=out, report_dir=report_dir, test=test_json, train_seconds=round(t2 - t1, 3),
                          epochs_run=epochs_run, report=report)
