"""The unknown (novelty) threshold and the new-person prediction of a few-shot teach run.

Two held-out measurements bound the threshold, both from the teaching clips alone:

- *new person or session* (positives): each group's windows against the other groups' training
  windows, as in the group-out cross-validation. A threshold above most of them lets a new
  person's taught action through.
- *untaught material* (negatives): each taught action's windows against the other actions'
  training windows (leave-one-action-out): material the model was not taught, filmed where the
  teaching was. The threshold rejects 95 % of them (``untaught_quantile``).

Measured on the development set of real people (bench/bench_teach_people.py, CNN features): a
threshold from the positives alone (99th percentile x 1.5) let 85 % of untaught clips through as
confident labels when clips were grouped by person, because a new person in a new room is as far
from the teaching as a basketball game is. The lower of the two bounds wins: untaught material
stays unknown, and the report says how much of a new person's material is then unknown too
(``new_person_accepted``), which is what the predicted new-person accuracy counts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from models.fewshot.model import NOVELTY_MIN_DISTANCE, NOVELTY_SCALE_FLOOR, is_background

UNTAUGHT_QUANTILE = 0.05  # share of leave-one-action-out windows the threshold may accept
BOUNDS = ("lower", "held_out")  # FewShotConfig.novelty_bound


@dataclass
class OpenSetCalibration:
    """The novelty scale and threshold, and what they were chosen from."""

    scale: float
    threshold: float
    figures: dict[str, Any]


def untaught_distances(clean_mean_unit: np.ndarray, clean_y: np.ndarray, aug_mean_unit: np.ndarray,
                       aug_y: np.ndarray, labels: Sequence[str], max_bank: int) -> np.ndarray:
    """Cosine distances of each taught action's windows to the other actions' training windows."""
    out = []
    for a, lab in enumerate(labels):
        if is_background(lab):
            continue
        held = clean_mean_unit[clean_y == a]
        bank = aug_mean_unit[aug_y != a]
        bank = bank[np.unique(np.linspace(0, len(bank) - 1, min(len(bank), max_bank)).round().astype(np.int64))]
        if len(held) and len(bank):
            out.append(1.0 - (held @ bank.T).max(1))
    return np.concatenate(out) if out else np.zeros(0, np.float32)


def calibrate_threshold(held: np.ndarray, untaught: np.ndarray, *, grouped: bool, quantile: float,
                        margin: float, untaught_quantile: float = UNTAUGHT_QUANTILE,
                        bound: str = "lower") -> OpenSetCalibration:
    """Scale and threshold from held-out-group distances ``held`` and untaught distances ``untaught``.

    ``grouped``: the groups are people or sessions (not single clips). Held-out clips of a person
    already seen understate how far a new person is, so only then does ``margin`` widen the bound.
    ``bound``: "lower" takes the lower of the two bounds; "held_out" the held-out windows'
    ``quantile`` alone (no margin, no floor), for models learned from generated motion: there, each
    of a dozen generated actions held out in turn is as close to the others as an unseen generated
    body is to its own action (everyday-actions: the untaught bound accepted 29 % of held-out
    generated windows, and every real clip then read "unknown").
    """
    if bound not in BOUNDS:
        raise ValueError(f"novelty bound must be one of {BOUNDS}, not {bound!r}")
    if len(held) >= 5:
        scale = float(max(np.median(held), NOVELTY_SCALE_FLOOR))
        from_held = float(np.quantile(held / scale, quantile) * (1.0 if grouped else margin))
    else:  # one group only: nothing to hold out; the floors decide
        scale, from_held = NOVELTY_SCALE_FLOOR, 0.0
    from_held = max(from_held, NOVELTY_MIN_DISTANCE / scale, 1.5)
    from_untaught = float(np.quantile(untaught / scale, untaught_quantile)) if len(untaught) >= 5 else float("inf")
    threshold = min(from_held, from_untaught)
    if bound == "held_out" and len(held) >= 5:
        threshold = float(np.quantile(held / scale, quantile))
    figures = {
        "held_out_windows": int(len(held)),
        "held_out_novelty_median": round(float(np.median(held / scale)), 4) if len(held) else None,
        "held_out_novelty_q99": round(float(np.quantile(held / scale, 0.99)), 4) if len(held) else None,
        "held_out_accepted": round(float((held / scale <= threshold).mean()), 4) if len(held) else None,
        "untaught_windows": int(len(untaught)),
        "untaught_rejected": round(float((untaught / scale > threshold).mean()), 4) if len(untaught) else None,
        "threshold_from_held_out": round(from_held, 4),
        "threshold_from_untaught": None if np.isinf(from_untaught) else round(from_untaught, 4),
        "bound": ("held-out q" + f"{quantile * 100:g}" if bound == "held_out" and len(held) >= 5
                  else "untaught" if from_untaught < from_held else "held-out"),
        "quantile": quantile, "margin": margin if not grouped else 1.0, "untaught_quantile": untaught_quantile,
    }
    return OpenSetCalibration(scale, threshold, figures)


def new_person_figures(win_prob: np.ndarray, win_clip: np.ndarray, win_y: np.ndarray, win_nov: np.ndarray,
                       clip_y: np.ndarray, threshold: float) -> dict[str, float]:
    """What the engine would show a new person, predicted from the held-out groups' windows.

    ``win_prob`` (K, C) held-out class probabilities, ``win_nov`` (K,) their novelty in threshold
    units. A window above the threshold is shown as unknown; a clip is right when the mean
    probability over its windows that are not unknown names its action (none left: wrong).
    Returns clip and live-label (window) accuracies, and the share of windows not unknown.
    """
    ok = win_nov <= threshold
    live = float(((win_prob.argmax(1) == win_y) & ok).mean()) if len(win_y) else float("nan")
    right = []
    for ci in np.unique(win_clip):
        sel = (win_clip == ci) & ok
        right.append(bool(sel.any()) and int(win_prob[sel].mean(0).argmax()) == int(clip_y[ci]))
    return {"clips": float(np.mean(right)) if right else float("nan"), "live_labels": live,
            "accepted": float(ok.mean()) if len(ok) else float("nan")}


# Clips whose mean features lie closer than this (cosine distance of clip means, clean view) are
# taken for one recording session when nothing names their person. Measured on the development
# set (bench/bench_teach_people.py, 27 takes cut from 9 recordings): takes of one recording
# 0.002-0.093 apart, takes of different recordings 0.17-0.80 (both rois).
SESSION_DISTANCE = 0.12


def infer_sessions(clip_means: np.ndarray, max_distance: float = SESSION_DISTANCE) -> list[int]:
    """Session index of each clip: clips linked by a chain of distances <= ``max_distance`` share one.

    ``clip_means`` (N, D) are the clips' mean features. Used only when no clip names its person:
    takes of one person in one room look alike, a new room or person does not.
    """
    u = clip_means / np.maximum(np.linalg.norm(clip_means, axis=1, keepdims=True), 1e-12)
    near = (1.0 - u @ u.T) <= max_distance
    session = [-1] * len(u)
    for start in range(len(u)):
        if session[start] >= 0:
            continue
        session[start] = start
        todo = [start]
        while todo:
            i = todo.pop()
            for j in np.flatnonzero(near[i]):
                if session[j] < 0:
                    session[j] = start
                    todo.append(int(j))
    first = {s: k for k, s in enumerate(dict.fromkeys(session))}
    return [first[s] for s in session]
