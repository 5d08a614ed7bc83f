"""Multichannel time series from files: ``.npz``, a folder of CSV files, UCR/UEA ``.ts`` (torch-free).

Every reader returns one :class:`SeriesSet`: sequences of shape (T_i, D) with, when the file
has them, class labels or regression targets, groups and the official train/test split.
``kinesight train-seq`` trains on it and ``kinesight analyze-seq`` runs a bundle over it.

    .npz     x (N, T, D) float; optional lengths (N,) (sequence i is x[i, :lengths[i]]),
             y: (N,) int or str -> classes; (N,) or (N, K) float -> a target per sequence;
             (N, T, K) float -> a target per time step; optional labels (C,) names for int y,
             targets (K,), channels (D,), groups (N,), split (N,) of "train"/"test".
             Read without pickle (object arrays are refused).
    CSV      one file per sequence, a header row of column names, one row per time step.
             Classes: one sub-folder per class (DATA/<class>/<name>.csv). Targets: columns named
             with ``target_columns`` (per time step); every other column is an input channel.
             ``<group>__<name>.csv`` puts a sequence in a group (a person, a session), and
             DATA/train/... + DATA/test/... is an official split.
    .ts      the UCR/UEA archive format (header lines ``@name value``, then ``@data`` and one case
             per line: channels separated by ``:``, values by ``,``, the class label or target
             last; ``?`` is a missing value). ``X_TRAIN.ts`` with ``X_TEST.ts`` beside it (or a
             folder holding both) is the official split.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Sequence

import numpy as np

from engine.core.errors import SourceError, SourceNotFound

Task = Literal["classify", "regress"]
TASKS: tuple[str, ...] = ("classify", "regress")
SERIES_SUFFIXES = (".npz", ".csv", ".ts")


class SeriesFileError(SourceError):
    """A time-series file or folder cannot be read as sequences (wrong layout, bad values...)."""


@dataclass
class SeriesSet:
    """Sequences (T_i, D) with their labels or targets, as read from one source.

    ``y``: classes (N,) int64 indexing ``labels``; or targets per sequence (N, K) float32.
    ``y_steps``: targets per time step, one (T_i, K) float32 array per sequence (then ``y``
    holds each sequence's last step). ``split``: the official "train"/"test" part, or None.
    """

    x: list[np.ndarray]
    channels: tuple[str, ...]
    source: str
    names: list[str]
    groups: np.ndarray  # (N,) str: sequences of one group never straddle a split
    y: np.ndarray | None = None
    y_steps: list[np.ndarray] | None = None
    labels: tuple[str, ...] = ()
    targets: tuple[str, ...] = ()
    split: np.ndarray | None = None  # (N,) "train" / "test"

    def __len__(self) -> int:
        return len(self.x)

    @property
    def dim(self) -> int:
        """Channels per time step (D)."""
        return len(self.channels)

    @property
    def lengths(self) -> np.ndarray:
        """Time steps of each sequence (N,)."""
        return np.array([len(s) for s in self.x], dtype=np.int64)

    @property
    def task(self) -> Task | None:
        """"classify" when there are class labels, "regress" when there are targets, else None."""
        if self.labels and self.y is not None:
            return "classify"
        if self.targets and self.y is not None:
            return "regress"
        return None

    def subset(self, idx: Sequence[int] | np.ndarray) -> "SeriesSet":
        """The sequences at ``idx`` (same channels, labels and targets)."""
        idx = np.asarray(idx, dtype=np.int64)
        return SeriesSet(
            x=[self.x[i] for i in idx], channels=self.channels, source=self.source,
            names=[self.names[i] for i in idx], groups=self.groups[idx],
            y=None if self.y is None else self.y[idx],
            y_steps=None if self.y_steps is None else [self.y_steps[i] for i in idx],
            labels=self.labels, targets=self.targets,
            split=None if self.split is None else self.split[idx],
        )


def read_series(path: str | Path, *, task: Task | None = None, target_columns: Sequence[str] = (),
                channels: Sequence[str] | None = None, targets_optional: bool = False) -> SeriesSet:
    """Read sequences from an ``.npz``, a ``.ts`` file, one CSV file or a folder (CSV files, or a
    UEA problem's ``_TRAIN.ts``/``_TEST.ts``).

    ``task`` checks that the file has what training needs (labels for "classify", numeric targets
    for "regress"); None reads whatever is there (for analysis). ``channels`` picks CSV columns
    by name (a bundle's inputs); ``target_columns`` names a CSV's per-step targets.
    """
    path = Path(path).expanduser()
    if not path.exists():
        raise SourceNotFound(f"{path} does not exist; pass an .npz, a .ts file, a CSV file or a folder of CSV files")
    if path.is_dir():
        ts = _ts_pair_in(path)
        if ts is not None:
            ss = read_ts(ts[0], test_path=ts[1])
        else:
            ss = read_csv_folder(path, task=task, target_columns=target_columns, channels=channels,
                                 targets_optional=targets_optional)
    elif path.suffix.lower() == ".npz":
        ss = read_npz(path, task=task)
    elif path.suffix.lower() == ".ts":
        ss = read_ts(path, test_path=_official_test_of(path))
    elif path.suffix.lower() == ".csv":
        ss = read_csv_files([path], path.parent, task=None, target_columns=target_columns, channels=channels,
                            targets_optional=targets_optional)
    else:
        raise SeriesFileError(
            f"{path.name}: not a time-series file Kinesight reads ({', '.join(SERIES_SUFFIXES)} or a folder of CSV files)"
        )
    _check_task(ss, task)
    return ss


def _check_task(ss: SeriesSet, task: Task | None) -> None:
    if task is None:
        return
    if task not in TASKS:
        raise SeriesFileError(f"unknown task {task!r}; use classify or regress")
    if ss.task != task:
        have = {"classify": "class labels", "regress": "numeric targets", None: "no labels or targets"}[ss.task]
        need = ("class labels (npz y of ints/strings, one CSV sub-folder per class, or a .ts with @classLabel true)"
                if task == "classify" else
                "numeric targets (npz float y, CSV --target columns, or a .ts with @targetLabel true)")
        raise SeriesFileError(f"{ss.source} has {have}, but --task {task} needs {need}")
    if task == "classify" and len(ss.labels) < 2:
        raise SeriesFileError(f"{ss.source} has only {len(ss.labels)} class; classification needs at least two")


# --- .npz ---------------------------------------------------------------------------------------

def read_npz(path: Path, *, task: Task | None = None) -> SeriesSet:
    """Sequences from an ``.npz`` (see the module docstring for its keys)."""
    try:
        with np.load(path, allow_pickle=False) as z:  # no pickle: a data file must not run code
            data = {k: z[k] for k in z.files}
    except ValueError as exc:
        raise SeriesFileError(f"{path.name} holds object arrays, which are not read (they need pickle); "
                              "store x as one float array (N, T, D) with a lengths array for unequal lengths") from exc
    except (OSError, EOFError) as exc:
        raise SeriesFileError(f"{path.name} cannot be read as .npz ({exc})") from exc
    if "x" not in data:
        raise SeriesFileError(f"{path.name} has no array 'x' (it has {', '.join(data) or 'nothing'}); "
                              "store the sequences as x with shape (N, T, D)")
    x = np.asarray(data["x"])
    if x.ndim == 2:  # (N, T): one channel
        x = x[:, :, None]
    if x.ndim != 3 or not np.issubdtype(x.dtype, np.number):
        raise SeriesFileError(f"{path.name}: x must be a numeric array (N, T, D), not {x.dtype} {x.shape}")
    n, t, d = x.shape
    lengths = np.asarray(data.get("lengths", np.full(n, t)), dtype=np.int64).reshape(-1)
    if len(lengths) != n or lengths.min(initial=1) < 1 or lengths.max(initial=0) > t:
        raise SeriesFileError(f"{path.name}: lengths must hold {n} values between 1 and {t}")
    seqs = [np.ascontiguousarray(x[i, : lengths[i]], dtype=np.float32) for i in range(n)]
    ss = SeriesSet(x=seqs, channels=_names(data.get("channels"), d, "ch"), source=str(path),
                   names=[f"{path.stem}[{i}]" for i in range(n)], groups=_groups(data.get("groups"), n, path.name))
    if "split" in data:
        split = np.asarray(data["split"]).astype(str)
        if split.shape != (n,) or not set(split) <= {"train", "test"}:
            raise SeriesFileError(f"{path.name}: split must hold {n} values, each 'train' or 'test'")
        ss.split = split
    if "y" in data:
        _npz_targets(ss, np.asarray(data["y"]), data, task, path.name, t)
    return ss


def _npz_targets(ss: SeriesSet, y: np.ndarray, data: dict, task: Task | None, where: str, steps: int) -> None:
    n = len(ss)
    if len(y) != n:
        raise SeriesFileError(f"{where}: y has {len(y)} entries for {n} sequences")
    discrete = y.dtype.kind in "iubUS"
    if discrete and task != "regress":
        if y.dtype.kind in "US" or "labels" not in data:
            names = y.astype(str)
            labels = tuple(str(v) for v in data["labels"]) if "labels" in data and y.dtype.kind in "US" else \
                tuple(sorted(set(names), key=_natural_key))
            index = {lab: i for i, lab in enumerate(labels)}
            unknown = sorted(set(names) - set(index))
            if unknown:
                raise SeriesFileError(f"{where}: y has classes {unknown} that are not in labels")
            ss.y = np.array([index[v] for v in names], dtype=np.int64)
        else:
            labels = tuple(str(v) for v in data["labels"])
            if y.min() < 0 or y.max() >= len(labels):
                raise SeriesFileError(f"{where}: y holds class indices up to {y.max()} but labels names {len(labels)}")
            ss.y = y.astype(np.int64)
        ss.labels = labels
        return
    if y.dtype.kind in "US":
        raise SeriesFileError(f"{where}: y holds strings; regression needs numeric targets")
    y = y.astype(np.float32)
    if y.ndim == 1:
        y = y[:, None]
    if y.ndim == 3:  # (N, T, K): a target per time step
        if y.shape[1] != steps:
            raise SeriesFileError(f"{where}: per-step y has {y.shape[1]} steps, x has {steps}")
        ss.y_steps = [np.ascontiguousarray(y[i, : len(s)]) for i, s in enumerate(ss.x)]
        ss.y = np.stack([s[-1] for s in ss.y_steps])
    elif y.ndim == 2:
        ss.y = y
    else:
        raise SeriesFileError(f"{where}: y must be (N,), (N, K) or (N, T, K), not {y.shape}")
    ss.targets = _names(data.get("targets"), ss.y.shape[1], "target")


# --- CSV ----------------------------------------------------------------------------------------

def read_csv_folder(root: Path, *, task: Task | None = None, target_columns: Sequence[str] = (),
                    channels: Sequence[str] | None = None, targets_optional: bool = False) -> SeriesSet:
    """A folder of CSV files, one per sequence; class sub-folders; train/ + test/ as the official split."""
    parts = {p: root / p for p in ("train", "test") if (root / p).is_dir()}
    if len(parts) == 2:
        sets = [read_csv_folder(parts[p], task=task, target_columns=target_columns, channels=channels,
                                targets_optional=targets_optional) for p in parts]
        return _concat_official(sets[0], sets[1], str(root))
    files = sorted(root.rglob("*.csv"))
    if not files:
        raise SeriesFileError(f"{root} holds no .csv files; put one CSV per sequence there (one sub-folder per class)")
    return read_csv_files(files, root, task=task, target_columns=target_columns, channels=channels,
                          targets_optional=targets_optional)


def read_csv_files(files: Sequence[Path], root: Path, *, task: Task | None, target_columns: Sequence[str],
                   channels: Sequence[str] | None, targets_optional: bool = False) -> SeriesSet:
    """CSV files (a header row, one row per time step); the class is the sub-folder under ``root``."""
    seqs, steps, classes, groups, names = [], [], [], [], []
    header0: list[str] | None = None
    if targets_optional and target_columns:
        first_header, _ = _read_csv(files[0])
        if not any(c in first_header for c in target_columns):
            target_columns = ()
    for f in files:
        header, values = _read_csv(f)
        missing = [c for c in target_columns if c not in header]
        if missing:
            raise SeriesFileError(f"{f}: no column {', '.join(missing)} (columns: {', '.join(header)})")
        inputs = list(channels) if channels else [c for c in header if c not in target_columns]
        absent = [c for c in inputs if c not in header]
        if absent:
            raise SeriesFileError(f"{f}: the input channel(s) {', '.join(absent)} are missing (columns: {', '.join(header)})")
        if header0 is None:
            header0 = inputs
        elif inputs != header0:
            raise SeriesFileError(f"{f}: input columns {inputs} differ from {header0} in the other files")
        col = {c: i for i, c in enumerate(header)}
        seqs.append(np.ascontiguousarray(values[:, [col[c] for c in inputs]]))
        if target_columns:
            steps.append(np.ascontiguousarray(values[:, [col[c] for c in target_columns]]))
        rel = f.relative_to(root)
        classes.append(rel.parts[0] if len(rel.parts) > 1 else "")
        groups.append(f.stem.split("__", 1)[0] if "__" in f.stem else str(rel.with_suffix("")))
        names.append(str(rel))
    ss = SeriesSet(x=seqs, channels=tuple(header0 or ()), source=str(root), names=names,
                   groups=np.array(groups, dtype=str))
    if target_columns:
        ss.y_steps = steps
        ss.y = np.stack([s[-1] for s in steps])
        ss.targets = tuple(target_columns)
    elif task != "regress" and all(classes):
        labels = tuple(sorted(set(classes), key=_natural_key))
        ss.labels = labels
        ss.y = np.array([labels.index(c) for c in classes], dtype=np.int64)
    elif task == "classify":
        raise SeriesFileError(f"{root}: for classification put each class's CSV files in a sub-folder named after it")
    return ss


def _read_csv(path: Path) -> tuple[list[str], np.ndarray]:
    try:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            rows = [r for r in csv.reader(fh) if r and any(c.strip() for c in r)]
    except (OSError, UnicodeDecodeError) as exc:
        raise SeriesFileError(f"{path} cannot be read as CSV ({exc})") from exc
    if len(rows) < 2:
        raise SeriesFileError(f"{path} needs a header row and at least one row of values")
    header = [h.strip() for h in rows[0]]
    try:
        values = np.array([[float(v) if v.strip() not in ("", "?", "nan", "NaN") else math.nan for v in r]
                           for r in rows[1:]], dtype=np.float32)
    except ValueError as exc:
        raise SeriesFileError(f"{path}: every value below the header must be a number ({exc})") from exc
    if values.ndim != 2 or values.shape[1] != len(header):
        raise SeriesFileError(f"{path}: every row must have {len(header)} values, one per header column")
    return header, values


# --- UCR/UEA .ts --------------------------------------------------------------------------------

def _official_test_of(path: Path) -> Path | None:
    stem = path.stem
    if stem.upper().endswith("_TRAIN"):
        cand = path.with_name(stem[: -len("_TRAIN")] + "_TEST" + path.suffix)
        return cand if cand.is_file() else None
    return None


def _ts_pair_in(folder: Path) -> tuple[Path, Path] | None:
    trains = sorted(folder.glob("*_TRAIN.ts"))
    for tr in trains:
        te = _official_test_of(tr)
        if te is not None:
            return tr, te
    return None


def read_ts(path: Path, *, test_path: Path | None = None) -> SeriesSet:
    """One UCR/UEA ``.ts`` file; with ``test_path`` both files, marked as the official split."""
    ss = _parse_ts(Path(path))
    if test_path is None:
        return ss
    test = _parse_ts(Path(test_path), labels=ss.labels)
    return _concat_official(ss, test, str(Path(path).parent / Path(path).stem.rsplit("_", 1)[0]))


def _parse_ts(path: Path, labels: tuple[str, ...] = ()) -> SeriesSet:
    header: dict[str, str] = {}
    cases: list[str] = []
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            in_data = False
            for raw in fh:
                line = raw.strip()
                if not line or line.startswith("#"):
                    continue
                if in_data:
                    cases.append(line)
                elif line.startswith("@"):
                    key, _, value = line[1:].partition(" ")
                    if key.lower() == "data":
                        in_data = True
                    else:
                        header[key.lower()] = value.strip()
    except OSError as exc:
        raise SeriesFileError(f"{path} cannot be read ({exc})") from exc
    if not cases:
        raise SeriesFileError(f"{path} has no @data section with cases; is it a UCR/UEA .ts file?")
    if header.get("timestamps", "false").lower() == "true":
        raise SeriesFileError(f"{path} uses time stamps ((t, v) pairs), which this reader does not support; "
                              "export the series without time stamps")
    class_line = header.get("classlabel", "false").split()
    has_class = class_line[:1] == ["true"]
    has_target = header.get("targetlabel", "false").split()[:1] == ["true"]
    declared = tuple(class_line[1:]) if has_class else ()
    seqs, raw_y = [], []
    for k, case in enumerate(cases, 1):
        fields = case.split(":")
        if has_class or has_target:
            raw_y.append(fields[-1].strip())
            fields = fields[:-1]
        try:
            dims = [[math.nan if v.strip() == "?" else float(v) for v in f.split(",") if v.strip()] for f in fields]
        except ValueError as exc:
            raise SeriesFileError(f"{path}: case {k} has a value that is not a number ({exc})") from exc
        if len({len(d) for d in dims}) != 1 or not dims[0]:
            raise SeriesFileError(f"{path}: case {k}'s channels have different lengths ({[len(d) for d in dims]}); "
                                  "each channel of one case needs the same number of steps")
        seqs.append(np.array(dims, dtype=np.float32).T)  # (D, T) -> (T, D)
    d = {s.shape[1] for s in seqs}
    if len(d) != 1:
        raise SeriesFileError(f"{path}: cases have different numbers of channels ({sorted(d)})")
    dim = d.pop()
    name = header.get("problemname", path.stem)
    ss = SeriesSet(x=seqs, channels=tuple(f"dim_{i}" for i in range(dim)), source=str(path),
                   names=[f"{name}[{i}]" for i in range(len(seqs))],
                   groups=np.array([f"{path.stem}:{i}" for i in range(len(seqs))], dtype=str))
    if has_class:
        labels = labels or declared or tuple(sorted(set(raw_y), key=_natural_key))
        unknown = sorted(set(raw_y) - set(labels))
        if unknown:
            raise SeriesFileError(f"{path}: classes {unknown} are not declared in @classLabel ({', '.join(labels)})")
        ss.labels = labels
        ss.y = np.array([labels.index(v) for v in raw_y], dtype=np.int64)
    elif has_target:
        try:
            ss.y = np.array([[float(v)] for v in raw_y], dtype=np.float32)
        except ValueError as exc:
            raise SeriesFileError(f"{path}: a target value is not a number ({exc})") from exc
        ss.targets = ("target",)
    return ss


# --- helpers ------------------------------------------------------------------------------------

def _concat_official(train: SeriesSet, test: SeriesSet, source: str) -> SeriesSet:
    if train.channels != test.channels:
        raise SeriesFileError(f"{source}: train and test have different channels "
                              f"({', '.join(train.channels)} vs {', '.join(test.channels)})")
    if train.targets != test.targets or bool(train.labels) != bool(test.labels):
        raise SeriesFileError(f"{source}: train and test have different targets, or only one of them has classes")
    if train.labels != test.labels:
        # a class may be missing from one part (CSV folders): both index one sorted union of names
        labels = tuple(sorted(set(train.labels) | set(test.labels), key=_natural_key))
        for part in (train, test):
            part.y = np.array([labels.index(part.labels[k]) for k in part.y], dtype=np.int64)
            part.labels = labels
    both = SeriesSet(
        x=train.x + test.x, channels=train.channels, source=source, names=train.names + test.names,
        groups=np.concatenate([np.char.add("train:", train.groups.astype(str)), np.char.add("test:", test.groups.astype(str))]),
        labels=train.labels, targets=train.targets,
        split=np.array(["train"] * len(train) + ["test"] * len(test)),
    )
    if train.y is not None and test.y is not None:
        both.y = np.concatenate([train.y, test.y])
    if train.y_steps is not None and test.y_steps is not None:
        both.y_steps = train.y_steps + test.y_steps
    return both


def _names(values, n: int, prefix: str) -> tuple[str, ...]:
    if values is None:
        return tuple(f"{prefix}_{i}" for i in range(n))
    names = tuple(str(v) for v in np.asarray(values).reshape(-1))
    if len(names) != n:
        raise SeriesFileError(f"{len(names)} {prefix} names given for {n} {prefix}s")
    return names


def _groups(values, n: int, where: str) -> np.ndarray:
    if values is None:
        return np.array([str(i) for i in range(n)], dtype=str)  # no groups: each sequence its own
    g = np.asarray(values).astype(str).reshape(-1)
    if len(g) != n:
        raise SeriesFileError(f"{where}: groups has {len(g)} entries for {n} sequences")
    return g


def _natural_key(s: str):
    # "2" before "10": class names that are numbers sort as numbers
    return (0, float(s), s) if _is_number(s) else (1, 0.0, s)


def _is_number(s: str) -> bool:
    try:
        float(s)
    except ValueError:
        return False
    return True
