"""Sequence data for training: group-aware splits and the generated sin -> cos example (torch-free).

Files are read by ``engine.sequences.series_files`` (the same readers ``kinesight analyze-seq`` uses);
normalisation and padding are ``engine.sequences.runner.prepare_batch``, so training and the runtime
feed the head identically.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from engine.core.errors import KinesightError
from engine.sequences.series_files import SeriesSet


class SequenceDataError(KinesightError):
    """The sequences cannot be split or trained on as asked (too few groups, a class without data...)."""


@dataclass(frozen=True)
class SeriesSplit:
    """Indices into a :class:`SeriesSet` for each part; ``method`` is "official" or "group"."""

    train: np.ndarray
    val: np.ndarray
    test: np.ndarray
    method: str

    def counts(self) -> dict[str, int]:
        return {"train": int(len(self.train)), "val": int(len(self.val)), "test": int(len(self.test))}


def _assign(groups: np.ndarray, strata: np.ndarray, fracs: dict[str, float], rng: np.random.Generator) -> dict[str, str]:
    """Each group to "train" or one of ``fracs``' parts, per stratum (a class), at least one group
    per part where a stratum has two or more groups."""
    part_of: dict[str, str] = {}
    for s in np.unique(strata):
        gs = [g for g in dict.fromkeys(groups[strata == s]) if g not in part_of]
        rng.shuffle(gs)
        k = 0
        for part, frac in fracs.items():
            take = int(round(frac * len(gs)))
            if frac > 0 and take == 0 and len(gs) - k >= 2:
                take = 1  # a small class still gets one held-out group
            for g in gs[k : k + take]:
                part_of[g] = part
            k += take
        for g in gs[k:]:
            part_of[g] = "train"
    return part_of


def split_series(ss: SeriesSet, *, test_frac: float = 0.25, val_frac: float = 0.15, seed: int = 0) -> SeriesSplit:
    """The official train/test split when the data has one, else a group-aware split (groups never
    straddle parts; stratified by class for classification). Validation comes from training groups."""
    rng = np.random.default_rng(seed)
    n = len(ss)
    # Stratify classification by each group's first class; regression has one stratum.
    strata = ss.y.astype(str) if ss.task == "classify" else np.zeros(n, dtype=str)
    if ss.split is not None and (ss.split == "test").any() and (ss.split == "train").any():
        pool = np.flatnonzero(ss.split == "train")
        part_of = _assign(ss.groups[pool], strata[pool], {"val": val_frac}, rng)
        train = np.array([i for i in pool if part_of[ss.groups[i]] == "train"], dtype=np.int64)
        val = np.array([i for i in pool if part_of[ss.groups[i]] == "val"], dtype=np.int64)
        return SeriesSplit(train, val, np.flatnonzero(ss.split == "test"), "official")
    part_of = _assign(ss.groups, strata, {"test": test_frac, "val": val_frac}, rng)
    parts = {p: np.array([i for i in range(n) if part_of[ss.groups[i]] == p], dtype=np.int64) for p in ("train", "val", "test")}
    if len(parts["train"]) == 0:
        raise SequenceDataError(f"{ss.source}: no training sequences left after the split; add sequences or groups")
    return SeriesSplit(parts["train"], parts["val"], parts["test"], "group")


# --- the sin -> cos example ---------------------------------------------------------------------

def sin_cos_example(*, offsets: int = 24, per_offset: int = 6, length: int = 64, noise: float = 0.02,
                    seed: int = 0) -> SeriesSet:
    """Regress cos from sin, step by step: x = sin(w t + phi) + noise, y = cos(w t + phi).

    Each phase offset phi (``offsets`` of them, evenly spaced over a turn) is one group, with
    ``per_offset`` sequences of slightly different frequency w, so a group-aware split holds
    whole phase offsets out of training. The first steps are ambiguous (one value of sin has two
    cosines) until the head has seen which way the signal moves.
    """
    rng = np.random.default_rng(seed)
    t = np.arange(length, dtype=np.float64) * 0.2
    xs, ys, groups, names = [], [], [], []
    for k in range(offsets):
        phi = 2 * np.pi * k / offsets
        for j in range(per_offset):
            w = rng.uniform(0.8, 1.2)
            x = np.sin(w * t + phi) + noise * rng.standard_normal(length)
            xs.append(x[:, None].astype(np.float32))
            ys.append(np.cos(w * t + phi)[:, None].astype(np.float32))
            groups.append(f"phase{k:02d}")
            names.append(f"phase{k:02d}_w{w:.3f}")
    return SeriesSet(x=xs, channels=("sin",), source="example:sin-cos", names=names, groups=np.array(groups),
                     y=np.stack([y[-1] for y in ys]), y_steps=ys, targets=("cos",))


def save_npz(ss: SeriesSet, path) -> None:
    """Write a :class:`SeriesSet` in the documented ``.npz`` layout (x, lengths, y, names, groups, split)."""
    lengths = ss.lengths
    width = int(lengths.max())
    x = np.zeros((len(ss), width, ss.dim), np.float32)
    for i, s in enumerate(ss.x):
        x[i, : len(s)] = s
    data = {"x": x, "lengths": lengths, "channels": np.array(ss.channels), "groups": ss.groups.astype(str)}
    if ss.split is not None:
        data["split"] = ss.split.astype(str)
    if ss.task == "classify":
        data["y"], data["labels"] = ss.y, np.array(ss.labels)
    elif ss.y_steps is not None:
        y = np.zeros((len(ss), width, len(ss.targets)), np.float32)
        for i, s in enumerate(ss.y_steps):
            y[i, : len(s)] = s
        data["y"], data["targets"] = y, np.array(ss.targets)
    elif ss.y is not None:
        data["y"], data["targets"] = ss.y, np.array(ss.targets)
    np.savez_compressed(path, **data)


# --- benchmark problems shipped inside registry packages ----------------------------------------

# aeon ships a few UEA/UCR problems with their official splits as .ts files in its wheel
# (aeon 1.6.0: BasicMotions, JapaneseVowels, ...). The files are read with our own reader; aeon
# itself is never imported (it would pull numba, pandas and scikit-learn).
PACKAGED_DATA = (("aeon", "aeon/datasets/data"), ("sktime", "sktime/datasets/data"))


def packaged_uea_problem(name: str) -> Path | None:
    """``<name>_TRAIN.ts`` of a UEA/UCR problem shipped inside an installed aeon or sktime, or None."""
    from importlib import metadata

    for dist, folder in PACKAGED_DATA:
        try:
            path = Path(str(metadata.distribution(dist).locate_file(f"{folder}/{name}/{name}_TRAIN.ts")))
        except metadata.PackageNotFoundError:
            continue
        if path.is_file() and path.with_name(f"{name}_TEST.ts").is_file():
            return path
    return None
