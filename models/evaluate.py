"""Figures of a trained head: classification reports over windows and clips, the bundle's head.onnx
run over windows (the same code path for ``kinesight train``'s test figures and ``kinesight eval``),
and the report's plots (loss curves, confusion matrices)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

import numpy as np

from engine.bundles import load_bundle
from engine.core.postprocess import softmax
from models.data import WindowSet


def classification_report(y_true: np.ndarray, y_pred: np.ndarray, labels: Sequence[str]) -> dict[str, Any]:
    """Accuracy, macro-F1, per-class recall/precision and the confusion matrix (rows = truth)."""
    c = len(labels)
    cm = np.zeros((c, c), dtype=np.int64)
    for t, p in zip(y_true, y_pred):
        cm[int(t), int(p)] += 1
    tp = np.diag(cm).astype(float)
    support = cm.sum(1)
    predicted = cm.sum(0)
    recall = np.divide(tp, support, out=np.zeros(c), where=support > 0)
    precision = np.divide(tp, predicted, out=np.zeros(c), where=predicted > 0)
    f1 = np.divide(2 * precision * recall, precision + recall, out=np.zeros(c), where=(precision + recall) > 0)
    present = support > 0
    return {
        "n": int(len(y_true)),
        "accuracy": float(tp.sum() / max(1, len(y_true))),
        "macro_f1": float(f1[present].mean()) if present.any() else 0.0,
        "per_class_recall": {labels[i]: float(recall[i]) for i in range(c)},
        "per_class_precision": {labels[i]: float(precision[i]) for i in range(c)},
        "support": {labels[i]: int(support[i]) for i in range(c)},
        "confusion_matrix": cm.tolist(),
    }


def evaluate_windows(logits: np.ndarray, ws: WindowSet, labels: Sequence[str]) -> dict[str, Any]:
    """Window-level report plus clip-level accuracy (mean probability over a clip's windows)."""
    rep = classification_report(ws.labels, logits.argmax(1), labels)
    probs = softmax(logits)
    vids = np.unique(ws.videos)
    clip_true = np.array([ws.labels[ws.videos == v][0] for v in vids])
    clip_pred = np.array([probs[ws.videos == v].mean(0).argmax() for v in vids])
    rep["clip_accuracy"] = float((clip_true == clip_pred).mean()) if len(vids) else 0.0
    rep["clips"] = int(len(vids))
    return rep


def run_head_onnx(bundle_root: Path, ws: WindowSet, batch: int = 256) -> np.ndarray:
    """Logits (K, C) of the bundle's head.onnx over every window (streaming heads from zero state)."""
    from engine.core.runtime import make_session  # the one place ONNX Runtime sessions are made

    bundle = load_bundle(bundle_root)
    sess = make_session(bundle.head_path, "cpu")[0]
    out = []
    for i in range(0, len(ws), batch):
        x = ws.batch(np.arange(i, min(len(ws), i + batch)))
        feeds = {"features": x}
        for s in bundle.manifest.head.state:
            feeds[f"{s.name}_in"] = np.zeros((s.shape[0], len(x), *s.shape[2:]), np.float32)
        out.append(sess.run(["logits"], feeds)[0])
    return np.concatenate(out) if out else np.zeros((0, len(bundle.labels)), np.float32)


def plot_report(report_dir: Path, history: dict, test: dict, labels: Sequence[str]) -> None:
    """loss.png (training and validation loss per epoch) and confusion.png (test windows)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot(range(1, len(history["train_loss"]) + 1), history["train_loss"], label="train loss")
    if history.get("val_loss"):
        ax.plot(range(1, len(history["val_loss"]) + 1), history["val_loss"], label="validation loss")
    ax.set_xlabel("epoch")
    ax.set_ylabel("cross-entropy (class-weighted)")
    ax.legend()
    ax.set_title("Loss curves")
    fig.tight_layout()
    fig.savefig(report_dir / "loss.png", dpi=100)
    plt.close(fig)

    plot_confusion(test["confusion_matrix"], labels, f"Test windows: accuracy {test['accuracy']:.3f}",
                   report_dir / "confusion.png")


def plot_confusion(matrix, labels: Sequence[str], title: str, path: Path) -> None:
    """Write a confusion matrix (rows true, columns predicted) as a PNG with counts in the cells."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    cm = np.asarray(matrix)
    fig, ax = plt.subplots(figsize=(1.2 + 0.9 * len(labels), 1.0 + 0.8 * len(labels)))
    ax.imshow(cm, cmap="Blues")
    ax.set_xticks(range(len(labels)), labels, rotation=45, ha="right")
    ax.set_yticks(range(len(labels)), labels)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    for i in range(cm.shape[0]):
        for j in range(cm.shape[1]):
            ax.text(j, i, str(cm[i, j]), ha="center", va="center", color="white" if cm[i, j] > cm.max() / 2 else "black")
    ax.set_title(title)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
