"""The figures of a sequence head over labelled sequences: the same ones for training
(``kinesight train-seq``) and for ``kinesight analyze-seq``."""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

def classification_figures(y_true: np.ndarray, y_pred: np.ndarray, labels: Sequence[str]) -> dict[str, Any]:
    """Accuracy, macro-F1 (over classes present in y_true), recall per class, confusion (rows = truth)."""
    c = len(labels)
    cm = np.zeros((c, c), dtype=np.int64)
    np.add.at(cm, (np.asarray(y_true, int), np.asarray(y_pred, int)), 1)
    tp = np.diag(cm).astype(float)
    support, predicted = cm.sum(1), cm.sum(0)
    recall = np.divide(tp, support, out=np.zeros(c), where=support > 0)
    precision = np.divide(tp, predicted, out=np.zeros(c), where=predicted > 0)
    f1 = np.divide(2 * precision * recall, precision + recall, out=np.zeros(c), where=(precision + recall) > 0)
    present = support > 0
    return {
        "n": int(len(y_true)), "accuracy": float(tp.sum() / max(1, len(y_true))),
        "macro_f1": float(f1[present].mean()) if present.any() else 0.0,
        "per_class_recall": {labels[i]: float(recall[i]) for i in range(c)},
        "confusion_matrix": cm.tolist(),
    }


def regression_figures(pred: Sequence[np.ndarray], true: Sequence[np.ndarray], targets: Sequence[str],
                       warmup_steps: int = 0) -> dict[str, Any]:
    """MAE, RMSE and R² over every value (every step for per-step targets), overall and per target.

    ``warmup_steps``: per-step targets only, the first steps of each sequence are left out (a
    head cannot know yet what they need: one value of sin fits two cosines); ``rmse_all_steps``
    still counts them.
    """
    def rows(arrays, skip: int) -> np.ndarray:
        return np.concatenate([np.asarray(a, np.float64).reshape(-1, len(targets))[skip:] for a in arrays])

    per_step = np.asarray(true[0]).ndim == 2 if len(true) else False
    skip = warmup_steps if per_step else 0
    p, t = rows(pred, skip), rows(true, skip)
    ok = np.isfinite(t).all(axis=1)
    p, t = p[ok], t[ok]

    def figures(pp: np.ndarray, tt: np.ndarray) -> dict[str, float]:
        err = pp - tt
        ss_tot = float(((tt - tt.mean(axis=0)) ** 2).sum())
        return {"mae": float(np.abs(err).mean()), "rmse": float(np.sqrt((err ** 2).mean())),
                "r2": float(1.0 - (err ** 2).sum() / ss_tot) if ss_tot > 0 else float("nan")}

    rep: dict[str, Any] = {"n_sequences": len(pred), "n_values": int(t.size), **figures(p, t)}
    rep["per_target"] = {name: figures(p[:, k], t[:, k]) for k, name in enumerate(targets)}
    if skip:
        pa, ta = rows(pred, 0), rows(true, 0)
        ok_all = np.isfinite(ta).all(axis=1)
        rep["warmup_steps"] = skip
        rep["rmse_all_steps"] = figures(pa[ok_all], ta[ok_all])["rmse"]
    return rep
