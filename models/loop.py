"""The one training loop of the torch heads (``kinesight train``'s window heads and
``kinesight train-seq``'s sequence heads): mini-batches in a seeded random order, AdamW steps
with gradient clipping, early stopping on the validation loss (or, without validation data, on
the training loss), and the best weights restored at the end.

What differs between the two callers is passed in: how a batch's loss is computed, what
validation measures, an optional learning-rate schedule, and how large an improvement must be
to count (window heads: 2 % of the loss, at least 1e-3; sequence heads: 1 %, at least 1e-4, as
each was measured with).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Callable

import numpy as np

from models.data import Cancelled


@dataclass(frozen=True)
class LoopSettings:
    """How long and how carefully to train: at most ``epochs`` passes, stopping after
    ``patience`` epochs without an improvement of ``min_gain`` (relative) and at least
    ``min_gain_abs``."""

    epochs: int
    patience: int
    batch_size: int
    clip_grad: float
    seed: int
    min_gain: float
    min_gain_abs: float


def check_cancel(cancel: threading.Event | None, where: str) -> None:
    """Raise Cancelled when ``cancel`` is set."""
    if cancel is not None and cancel.is_set():
        raise Cancelled(f"training cancelled {where}")


def train_loop(model, opt, n: int, batch_loss: Callable[[np.ndarray], object], settings: LoopSettings, *,
               validate: Callable[[], dict[str, float]] | None = None, val_keys: tuple[str, ...] = ("val_loss",),
               scheduler=None, progress: Callable[[str, float], None] | None = None,
               cancel: threading.Event | None = None):
    """Train ``model`` on ``n`` examples; ``batch_loss(indices)`` is the loss of one mini-batch,
    ``validate()`` returns the validation figures named in ``val_keys`` (``val_loss`` first, the
    one monitored), or None when there is no validation data. Returns (model in eval mode,
    history, epochs run)."""
    import torch

    rng = np.random.default_rng(settings.seed)
    history: dict[str, list[float]] = {"train_loss": [], **{k: [] for k in val_keys}}
    best: tuple[float, dict | None, int] = (float("inf"), None, 0)
    since_best, epochs_run = 0, 0
    for epoch in range(settings.epochs):
        check_cancel(cancel, "while training")
        model.train()
        order = rng.permutation(n)
        total = 0.0
        for i in range(0, n, settings.batch_size):
            idx = order[i : i + settings.batch_size]
            loss = batch_loss(idx)
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), settings.clip_grad)
            opt.step()
            total += float(loss.detach()) * len(idx)
        if scheduler is not None:
            scheduler.step()
        history["train_loss"].append(total / max(1, n))
        epochs_run = epoch + 1
        figures = None
        if validate is not None:
            model.eval()
            with torch.no_grad():
                figures = validate()
        if figures is not None:
            for k in val_keys:
                history[k].append(figures[k])
            monitored = figures["val_loss"]
        else:
            monitored = history["train_loss"][-1]  # no validation data: stop when training stalls
        # An improvement must be real, or a loss creeping towards 0 would keep training for every
        # remaining epoch.
        if best[1] is None or monitored < best[0] - max(settings.min_gain_abs, settings.min_gain * best[0]):
            best = (monitored, {k: v.detach().clone() for k, v in model.state_dict().items()}, epoch + 1)
            since_best = 0
        else:
            since_best += 1
        if progress is not None:
            progress("training", epochs_run / settings.epochs)
        if since_best >= settings.patience:
            break
    if best[1] is not None:
        model.load_state_dict(best[1])
    history["best_epoch"] = [best[2]]
    return model.eval(), history, epochs_run
