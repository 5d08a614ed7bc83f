"""Train a temporal head on cached backbone features of a video folder; write a bundle and a report.

    dataset folder -> group-aware split -> backbone.onnx (exported once, cached)
      -> features by ONNX Runtime (cached on disk) -> windows of T -> head (AdamW, class weights,
      gradient clipping, early stopping on validation loss, fixed seed)
      -> bundle (ONNX, parity-checked) -> test figures measured on the bundle's own ONNX files

The test figures come from running the exported bundle in ONNX Runtime, the same code path as
``kinesight eval``, so eval reproduces them exactly.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from engine.bundles import BACKBONE_FILE, InputSpec, WindowSpec, load_bundle, sha256_of
from engine.core.errors import KinesightError
from models.data import (
    Augment,
    DatasetError,
    ExtractStats,
    FeatureCache,
    FeatureExtractor,
    Progress,
    Split,
    VideoItem,
    WindowSet,
    augmentations,
    build_windows,
    default_cache_dir,
    extract_features,
    scan_video_folder,
    split_dataset,
)
from models.evaluate import classification_report, evaluate_windows, plot_report, run_head_onnx
from models.loop import LoopSettings, check_cancel, train_loop

log = logging.getLogger(__name__)

REPORT_DIR = "report"
CHECKPOINT_DIR = "checkpoint"


@dataclass
class TrainConfig:
    """Everything that decides a training run (recorded in the manifest and report.json)."""

    backbone: str = "efficientnet_lite0"
    head: str = "auto"  # auto: the few-shot recipe for small data (see choose_head), else gru
    weights: str | None = None  # backbone weights path (torchvision backbones)
    download_weights: bool = False
    size: int | None = None  # backbone input size (default: the backbone's own)
    window: int = 16  # T features per window
    sample_fps: float = 8.0
    stride: int = 2  # training windows every `stride` ticks (neighbours at stride 1 are near-duplicates)
    eval_stride: int = 4
    hidden: int = 128
    num_layers: int = 1
    dropout: float = 0.2
    epochs: int = 60
    batch_size: int = 64
    lr: float = 1e-3
    weight_decay: float = 1e-2
    clip_grad: float = 1.0
    patience: int = 12
    seed: int = 0
    variants: int = 3  # clean view + augmented views per training clip
    flip: bool = True  # horizontal flip in augmentation (off when left/right matters)
    test_frac: float = 0.25
    val_frac: float = 0.15
    streaming: bool = False  # export GRU/LSTM/RNN with explicit state instead of as a window head
    int8: bool = False  # ship a statically quantised (QDQ) backbone; reports the accuracy change
    name: str = ""
    description: str = ""
    attribution: str = ""
    threads: int = 0  # torch / ORT threads (0 = library default)
    # few-shot recipe only: "full+motion" (whole frame + the crop that follows what moves,
    # engine/actions/motion.py) or "full"; the torch heads always see the whole frame
    roi: str = "full+motion"
    # few-shot, body keypoints: teach on top of this model's actions (a name or folder, e.g. the
    # shipped everyday-actions; models/fewshot/base.py); empty: teach the folder's actions alone
    base: str = ""


@dataclass
class TrainResult:
    """What a training run produced and how well it did on the held-out test videos."""

    bundle_path: Path
    test_accuracy: float | None  # None when no video could be held out (too few clips)
    macro_f1: float | None
    report_dir: Path
    clip_accuracy: float | None = None
    per_class_recall: dict[str, float] = field(default_factory=dict)
    train_seconds: float = 0.0
    epochs_run: int = 0
    report: dict[str, Any] = field(default_factory=dict)


# --- backbone ONNX, exported once per (backbone, size, weights) ---------------------------------

def backbone_onnx(cfg: TrainConfig, cache_dir: Path) -> tuple[Path, InputSpec, int]:
    """The backbone as ONNX (features only, no classifier), exported once and cached; with its spec."""
    from models.backbones import build_backbone, efficientnet_lite0_weights_path, torchvision_weights_file
    from models.export import export_backbone

    bb = build_backbone(cfg.backbone, cfg.weights, cfg.size, download=cfg.download_weights)
    if cfg.weights:
        wfile = Path(cfg.weights).expanduser()  # as build_backbone reads it
    elif cfg.backbone == "efficientnet_lite0":
        wfile = efficientnet_lite0_weights_path()
    else:
        wfile = torchvision_weights_file(cfg.backbone)
    tag = sha256_of(wfile)[:12]
    h, w = bb.input_spec.size
    path = cache_dir / "backbones" / f"{cfg.backbone}-{h}x{w}-{tag}.onnx"
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".tmp{os.getpid()}.onnx")
        export_backbone(bb, tmp, bb.input_spec.size)
        tmp.replace(path)
    return path, bb.input_spec, bb.feature_dim


# --- which head for which data -------------------------------------------------------------------

AUTO = "auto"
FEWSHOT = "fewshot"
LARGE_DATA_HEAD = "gru"
# Below these, a temporal network learns the clips rather than the action: on the issue-9 set
# (3 actions x 3 people x 3 takes, person-out) GRU reached 52 % of clips, pooled statistics with a
# linear head 89 %; bench/bench_fewshot.py measures the same gap on its proxies.
FEWSHOT_MAX_CLIPS = 50
FEWSHOT_MAX_PER_CLASS = 10


def choose_head(ds) -> str:
    """``fewshot`` for small data (< 50 clips or < 10 clips in some class), else the GRU head."""
    per_class = [sum(1 for it in ds.items if it.label == i) for i in range(len(ds.labels))]
    if len(ds.items) < FEWSHOT_MAX_CLIPS or min(per_class) < FEWSHOT_MAX_PER_CLASS:
        return FEWSHOT
    return LARGE_DATA_HEAD


def train_fewshot_folder(ds, out: str | Path, cfg: TrainConfig, *, cache_dir: str | Path | None = None,
                         progress: Progress | None = None, cancel: threading.Event | None = None) -> TrainResult:
    """``kinesight train`` on small data: the torch-free few-shot recipe, figures by group-out CV."""
    from models.fewshot.bundle import teach_from_items
    from models.fewshot.fit import FewShotConfig
    from models.fewshot.model import shipped_backbone

    out = Path(out).expanduser()
    fcfg = FewShotConfig(window=cfg.window, sample_fps=cfg.sample_fps, flip=cfg.flip, seed=cfg.seed,
                         threads=cfg.threads, novelty_bound="held_out" if cfg.roi == "hands" else "lower")  # as teach's
    if cfg.backbone == "efficientnet_lite0" and not cfg.weights and not cfg.size:
        backbone = shipped_backbone()  # the same file kinesight's export makes, and no torch needed
    else:
        backbone = backbone_onnx(cfg, Path(cache_dir).expanduser() if cache_dir else default_cache_dir())
    res = teach_from_items(
        ds.items, ds.labels, out, cfg=fcfg, name=cfg.name or out.name, description=cfg.description,
        backbone=backbone, backbone_name=cfg.backbone, cache_dir=cache_dir, progress=progress, cancel=cancel,
        names=[it.rel(ds.root) for it in ds.items],
        extra_training={"dataset": Path(ds.root).resolve().name, "split": {"method": "cross-validation"},
                        "test_videos": []},
        roi=cfg.roi, keep_clips=True, base=cfg.base or None,
    )
    cv = res.cv
    has_cv = cv.folds > 0
    cm = np.asarray(cv.confusion)
    test: dict[str, Any] = {}
    if has_cv:
        clip_true = np.repeat(np.arange(len(cv.labels)), cm.sum(1))
        clip_pred = np.concatenate([np.repeat(np.arange(len(cv.labels)), row) for row in cm])
        test = classification_report(clip_true, clip_pred, cv.labels)
        test.update(accuracy=cv.window_accuracy, n=cv.windows, clip_accuracy=cv.clip_accuracy, clips=int(cm.sum()),
                    confusion_unit="clips",
                    evaluation=f"leave-one-group-out ({cv.method}) cross-validation, {cv.folds} folds; "
                               "confusion and recall over held-out clips")
    report_dir = out / REPORT_DIR
    report_dir.mkdir(parents=True, exist_ok=True)
    report = {
        "labels": list(cv.labels) if cfg.base else list(ds.labels), "bundle": str(out), "recipe": FEWSHOT, "test": test, "cv": cv.to_json(),
        "open_set": res.open_set, "warnings": res.warnings, "epochs_run": 0, "best_epoch": 0,
        "timing_s": {"features": res.seconds["features"], "fit_head": res.seconds["fit"],
                     "export": res.seconds["export"], "total": res.seconds["total"]},
        "config": asdict(cfg), "fewshot_config": asdict(fcfg),
    }
    (report_dir / "report.json").write_text(json.dumps(report, indent=2, default=list) + "\n", encoding="utf-8")
    return TrainResult(
        bundle_path=out, test_accuracy=test.get("accuracy"), macro_f1=test.get("macro_f1"), report_dir=report_dir,
        clip_accuracy=test.get("clip_accuracy"), per_class_recall=test.get("per_class_recall", {}),
        train_seconds=res.seconds["fit"], epochs_run=0, report=report,
    )


# --- training -----------------------------------------------------------------------------------

def fit_head(cfg: TrainConfig, train: WindowSet, val: WindowSet | None, num_classes: int, *,
             progress: Progress | None = None, cancel: threading.Event | None = None):
    """Train a head on windows with the one training loop (models/loop.py); returns (head in eval
    mode, history, epochs run)."""
    import torch
    import torch.nn.functional as F

    from models.heads import build_head

    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    torch.manual_seed(cfg.seed)
    dim = train.feats.shape[1]
    head = build_head(cfg.head, dim, num_classes, hidden=cfg.hidden, num_layers=cfg.num_layers, dropout=cfg.dropout)
    opt = torch.optim.AdamW(head.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    counts = np.bincount(train.labels, minlength=num_classes).astype(np.float64)
    # Inverse-frequency class weights: a class with few clips still counts as much in the loss.
    cw = torch.tensor(np.where(counts > 0, counts.sum() / (num_classes * np.maximum(counts, 1)), 0.0), dtype=torch.float32)

    def batch_loss(idx: np.ndarray):
        return F.cross_entropy(head(torch.from_numpy(train.batch(idx))), torch.from_numpy(train.labels[idx]), weight=cw)

    def validate() -> dict[str, float]:
        logits = torch.cat([head(torch.from_numpy(val.batch(np.arange(j, min(len(val), j + 512)))))
                            for j in range(0, len(val), 512)])
        return {"val_loss": float(F.cross_entropy(logits, torch.from_numpy(val.labels), weight=cw)),
                "val_accuracy": float((logits.argmax(1).numpy() == val.labels).mean())}

    # An improvement must be 2 % of the loss, at least 1e-3 (as measured for window heads).
    settings = LoopSettings(cfg.epochs, cfg.patience, cfg.batch_size, cfg.clip_grad, cfg.seed, 0.02, 1e-3)
    return train_loop(head, opt, len(train), batch_loss, settings,
                      validate=validate if val is not None and len(val) else None,
                      val_keys=("val_loss", "val_accuracy"), progress=progress, cancel=cancel)


def save_checkpoint(head, folder: Path, cfg: TrainConfig, labels: Sequence[str], feature_dim: int) -> Path:
    """Head weights as safetensors (no pickle) plus the config needed to rebuild it."""
    from safetensors.torch import save_file

    folder.mkdir(parents=True, exist_ok=True)
    meta = {"arch": cfg.head, "feature_dim": str(feature_dim), "labels": json.dumps(list(labels)),
            "config": json.dumps(asdict(cfg))}
    path = folder / "head.safetensors"
    save_file({k: v.contiguous() for k, v in head.state_dict().items()}, str(path), metadata=meta)
    return path


def load_checkpoint(path: str | Path):
    """Rebuild a head from ``head.safetensors`` (for further training); returns (head, labels, config)."""
    from safetensors import safe_open
    from safetensors.torch import load_file

    from models.heads import build_head

    with safe_open(str(path), framework="pt") as f:
        meta = f.metadata()
    cfg = TrainConfig(**json.loads(meta["config"]))
    labels = json.loads(meta["labels"])
    head = build_head(cfg.head, int(meta["feature_dim"]), len(labels), hidden=cfg.hidden,
                      num_layers=cfg.num_layers, dropout=cfg.dropout)
    head.load_state_dict(load_file(str(path)))
    return head.eval(), labels, cfg


def _windows_for(items: Sequence[VideoItem], extractor: FeatureExtractor, cache: FeatureCache, cfg: TrainConfig,
                 augs: Sequence[Augment], stride: int, stats: ExtractStats, progress, cancel, show_bar: bool) -> WindowSet:
    feats = extract_features(items, extractor, cache, cfg.sample_fps, augs, progress=progress, cancel=cancel,
                             show_bar=show_bar, stats=stats)
    return build_windows(feats, items, cfg.window, stride)


def train_from_folder(
    data_dir: str | Path,
    out: str | Path,
    cfg: TrainConfig | None = None,
    *,
    cache_dir: str | Path | None = None,
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
    show_bar: bool = True,
) -> TrainResult:
    """Train on a video folder and write the bundle (with ``report/`` and ``checkpoint/``) to ``out``."""
    cfg = cfg or TrainConfig()
    if cfg.base:
        if cfg.head not in (FEWSHOT, AUTO) or cfg.roi != "pose":
            raise KinesightError("--base teaches on top of a model's actions from body keypoints with the few-shot "
                                 "recipe: use it with --roi pose (and no --head)")
        return train_fewshot_folder(scan_video_folder(data_dir, min_classes=1), out, cfg, cache_dir=cache_dir,
                                    progress=progress, cancel=cancel)
    if cfg.head in (FEWSHOT, AUTO):
        ds = scan_video_folder(data_dir)
        if choose_head(ds) == FEWSHOT or cfg.head == FEWSHOT:
            return train_fewshot_folder(ds, out, cfg, cache_dir=cache_dir, progress=progress, cancel=cancel)
        from dataclasses import replace

        cfg = replace(cfg, head=LARGE_DATA_HEAD)
    from models.export import export_bundle

    from models.backbones import BACKBONES
    from models.heads import HEAD_ARCHS

    if cfg.head not in (*HEAD_ARCHS, FEWSHOT, AUTO):  # fail before minutes of feature extraction, not after
        raise KinesightError(f"unknown head {cfg.head!r}; choose one of: {AUTO}, {FEWSHOT}, {', '.join(HEAD_ARCHS)}")
    if cfg.backbone not in BACKBONES:
        raise KinesightError(f"unknown backbone {cfg.backbone!r}; choose one of: {', '.join(BACKBONES)}")
    if cfg.window < 1 or cfg.sample_fps <= 0:
        raise KinesightError("--window must be at least 1 and --sample-fps positive")
    out = Path(out).expanduser()
    cache_root = Path(cache_dir).expanduser() if cache_dir else default_cache_dir()
    t_start = time.perf_counter()
    ds = scan_video_folder(data_dir)
    split = split_dataset(ds, test_frac=cfg.test_frac, val_frac=cfg.val_frac, seed=cfg.seed)
    if not split.train:
        raise DatasetError(f"{data_dir}: no training videos left after the split; add more clips per class.")
    missing = [lab for i, lab in enumerate(ds.labels) if not any(it.label == i for it in split.train)]
    if missing:
        raise DatasetError(f"classes without training videos: {', '.join(missing)}; add clips to them.")

    def stage(name: str, lo: float, hi: float):
        return (lambda _s, f: progress(name, lo + (hi - lo) * f)) if progress else None

    if progress:
        progress("backbone", 0.0)
    bb_path, spec, dim = backbone_onnx(cfg, cache_root)
    extractor = FeatureExtractor(bb_path, spec, threads=cfg.threads)
    cache = FeatureCache(cache_root)
    stats = ExtractStats()
    augs = augmentations(cfg.variants, flip=cfg.flip, seed=cfg.seed)
    clean = [Augment()]
    train_ws = _windows_for(split.train, extractor, cache, cfg, augs, cfg.stride, stats, stage("features", 0.0, 0.7), cancel, show_bar)
    val_ws = _windows_for(split.val, extractor, cache, cfg, clean, cfg.eval_stride, stats, stage("features", 0.7, 0.8), cancel, show_bar) if split.val else None
    test_ws = _windows_for(split.test, extractor, cache, cfg, clean, cfg.eval_stride, stats, stage("features", 0.8, 1.0), cancel, show_bar) if split.test else None
    t_feat = time.perf_counter()

    head, history, epochs_run = fit_head(cfg, train_ws, val_ws, len(ds.labels), progress=stage("training", 0, 1), cancel=cancel)
    t_fit = time.perf_counter()
    check_cancel(cancel, "before export")

    from models.heads import can_stream

    streaming = cfg.streaming and can_stream(head)
    test_videos = [it.rel(ds.root) for it in split.test]
    training: dict[str, Any] = {
        "dataset": str(Path(data_dir).resolve().name),
        "split": {"method": "official" if ds.official_split else "group", "seed": cfg.seed,
                  "test_frac": cfg.test_frac, "val_frac": cfg.val_frac, "counts": split.describe(ds.labels)},
        "test_videos": test_videos,
        "config": asdict(cfg),
    }
    if progress:
        progress("export", 0.0)
    export_bundle(
        out, backbone=None, head=head, name=cfg.name or out.name, labels=ds.labels,
        window=WindowSpec(cfg.window, cfg.sample_fps, 1), input_spec=spec, backbone_name=cfg.backbone,
        feature_dim=dim, head_arch=cfg.head, streaming=streaming, description=cfg.description,
        attribution=cfg.attribution, training=training, backbone_onnx=bb_path,
    )
    t_export = time.perf_counter()

    test_report: dict[str, Any] = {}
    if test_ws is not None and len(test_ws):
        test_report = evaluate_windows(run_head_onnx(out, test_ws), test_ws, ds.labels)
    quant: dict[str, Any] = {}
    if cfg.int8:
        quant = _quantise_bundle_backbone(out, split, cfg, spec, cache, stats, test_report, ds.labels, show_bar)
    t_end = time.perf_counter()

    metrics = {
        "test_accuracy": test_report.get("accuracy"), "macro_f1": test_report.get("macro_f1"),
        "clip_accuracy": test_report.get("clip_accuracy"), "per_class_recall": test_report.get("per_class_recall"),
        "test_windows": test_report.get("n", 0), "test_clips": test_report.get("clips", 0),
    }
    _update_manifest_training(out, {**metrics, **({"int8": quant} if quant else {})})

    report_dir = out / REPORT_DIR
    report_dir.mkdir(parents=True, exist_ok=True)
    report = {
        "labels": ds.labels, "bundle": str(out), "test": test_report, "history": history,
        "epochs_run": epochs_run, "best_epoch": history["best_epoch"][0], "split": training["split"],
        "test_videos": test_videos, "int8": quant,
        "timing_s": {"features": round(t_feat - t_start, 2), "fit_head": round(t_fit - t_feat, 2),
                     "export": round(t_export - t_fit, 2), "evaluate": round(t_end - t_export, 2),
                     "total": round(t_end - t_start, 2)},
        "feature_extraction": asdict(stats), "config": asdict(cfg),
        "windows": {"train": len(train_ws), "val": len(val_ws) if val_ws else 0, "test": len(test_ws) if test_ws else 0},
    }
    (report_dir / "report.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    if test_report:
        plot_report(report_dir, history, test_report, ds.labels)
    save_checkpoint(head, out / CHECKPOINT_DIR, cfg, ds.labels, dim)
    if progress:
        progress("done", 1.0)
    return TrainResult(
        bundle_path=out, test_accuracy=test_report.get("accuracy"),
        macro_f1=test_report.get("macro_f1"), report_dir=report_dir,
        clip_accuracy=test_report.get("clip_accuracy"), per_class_recall=test_report.get("per_class_recall", {}),
        train_seconds=round(t_fit - t_feat, 3), epochs_run=epochs_run, report=report,
    )


def _update_manifest_training(bundle_root: Path, extra: dict[str, Any]) -> None:
    """Add metrics to ``manifest.json``'s training section (the files' checksums are unchanged)."""
    from engine.bundles import MANIFEST, parse_manifest, write_manifest
    from dataclasses import replace

    m = parse_manifest(json.loads((bundle_root / MANIFEST).read_text(encoding="utf-8")))
    write_manifest(bundle_root, replace(m, training={**m.training, **extra}))


def _quantise_bundle_backbone(out: Path, split: Split, cfg: TrainConfig, spec: InputSpec, cache: FeatureCache,
                              stats: ExtractStats, float_report: dict, labels: Sequence[str], show_bar: bool) -> dict:
    """Swap the bundle's backbone for an int8 static-QDQ one and measure what that costs in accuracy."""
    from models.data import sample_frames
    from models.export import quantize_backbone
    from engine.bundles.preprocess import preprocess

    rng = np.random.default_rng(cfg.seed)
    frames = []
    for it in split.train:
        f = sample_frames(it.path, cfg.sample_fps)
        frames += [f[i] for i in rng.choice(len(f), size=min(len(f), 8), replace=False)]
    calib = preprocess(frames[:256], spec)
    fp32 = out / BACKBONE_FILE
    q_path = out / "backbone.int8.onnx"
    quantize_backbone(fp32, q_path, calib)
    result: dict[str, Any] = {"calibration_frames": int(len(calib)), "float_size_mb": round(fp32.stat().st_size / 2**20, 2),
                              "int8_size_mb": round(q_path.stat().st_size / 2**20, 2)}
    if split.test:
        ex = FeatureExtractor(q_path, spec, threads=cfg.threads)
        feats = extract_features(split.test, ex, cache, cfg.sample_fps, [Augment()], show_bar=show_bar, stats=stats)
        ws = build_windows(feats, split.test, cfg.window, cfg.eval_stride)
    q_path.replace(fp32)
    # Rewriting the manifest also refreshes the swapped backbone's sha256.
    _update_manifest_training(out, {"backbone_quantisation": "int8 static QDQ, per-channel"})
    if split.test:
        q = evaluate_windows(run_head_onnx(out, ws), ws, labels)
        result.update(float_accuracy=float_report.get("accuracy"), int8_accuracy=q["accuracy"],
                      accuracy_change=q["accuracy"] - float_report.get("accuracy", 0.0),
                      float_macro_f1=float_report.get("macro_f1"), int8_macro_f1=q["macro_f1"])
        float_report.update({"float_backbone_accuracy": float_report.get("accuracy")})
        float_report.update({k: q[k] for k in ("accuracy", "macro_f1", "per_class_recall", "confusion_matrix", "clip_accuracy")})
    return result


# --- eval ---------------------------------------------------------------------------------------

def evaluate_bundle(bundle_path: str | Path, data_dir: str | Path, *, split: str = "test",
                    cache_dir: str | Path | None = None, show_bar: bool = True, precision: str = "float") -> dict[str, Any]:
    """Re-run a bundle (its ONNX files) on a dataset folder: the test split it was trained with, or all videos;
    ``precision="auto"`` runs its int8 backbone where it carries one, as the engine does on CPU."""
    bundle = load_bundle(bundle_path)
    m = bundle.manifest
    ds = scan_video_folder(data_dir)
    if list(ds.labels) != list(m.labels):
        if split == "test":
            raise DatasetError(
                f"{data_dir} has classes {ds.labels}, the bundle {list(m.labels)}; evaluate the folder it was "
                "trained on, or use --split all on a folder with the bundle's class names."
            )
        index = {lab: i for i, lab in enumerate(m.labels)}
        unknown = [lab for lab in ds.labels if lab not in index]
        if unknown:
            raise DatasetError(f"classes {unknown} of {data_dir} are not labels of the bundle ({list(m.labels)})")
        ds.items = [VideoItem(it.path, index[ds.labels[it.label]], it.group) for it in ds.items]
        ds.labels = list(m.labels)
    if split == "test" and m.training.get("recipe") == FEWSHOT:
        raise DatasetError(
            f"{bundle_path} was taught with the few-shot recipe: every clip was used for training and its "
            "figures are cross-validated (manifest training.cv). Evaluate it with --split all on videos it never saw."
        )
    if split == "test":
        sp = m.training.get("split", {})
        parts = split_dataset(ds, test_frac=float(sp.get("test_frac", 0.25)), val_frac=float(sp.get("val_frac", 0.15)),
                              seed=int(sp.get("seed", 0)))
        items = parts.test
        expected = m.training.get("test_videos")
        if expected is not None and sorted(expected) != sorted(it.rel(ds.root) for it in items):
            log.warning("the test split of %s differs from the one recorded in the bundle", data_dir)
    elif split == "all":
        items = ds.items
    else:
        raise DatasetError(f"unknown split {split!r}; use test or all")
    if not items:
        raise DatasetError(f"no videos in the {split} split of {data_dir}")
    cache = FeatureCache(Path(cache_dir).expanduser() if cache_dir else default_cache_dir())
    int8 = bundle.backbone_int8_path if precision == "auto" else None
    extractor = FeatureExtractor(int8 or bundle.backbone_path, m.input)
    stride = int(m.training.get("config", {}).get("eval_stride", 4))
    feats = extract_features(items, extractor, cache, m.window.sample_fps, [Augment()], show_bar=show_bar)
    ws = build_windows(feats, items, m.window.length, stride)
    rep = evaluate_windows(run_head_onnx(bundle.root, ws), ws, m.labels)
    rep["split"] = split
    rep["videos"] = [it.rel(ds.root) for it in items]
    return rep
