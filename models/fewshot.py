"""Few-shot teaching without torch: pooled temporal statistics + a regularised linear head.

For 3-10 clips per action, a temporal network learns the clips, not the action (the issue 9
measurements: GRU 52-74 % of a new person's clips, pooled statistics with a linear model 89 %).
So this recipe keeps the backbone's features and fits only a linear model on top:

    clip -> frames on the engine's model clock -> backbone.onnx (ONNX Runtime, cached)
      -> feature sequence (n, D), resampled at several speeds (speed jitter)
      -> every window of T ticks (offset jitter) -> pooled statistics: [mean,] std, late - early,
         mean |change| over 1, 2 and 4 ticks (the mean, i.e. appearance, only when CV says it helps)
      -> standardised -> logistic regression and/or cosine prototypes (chosen by
         leave-one-group-out CV; group = person when clips name one, else the clip)
      -> head.onnx built with ``onnx.helper`` from the numpy weights:
         features (N, T, D) -> logits (N, C), novelty (N,)

``novelty`` is the cosine distance of the window's mean feature to the nearest training window,
in units of the distance measured between held-out training groups and the rest; the manifest's
``open_set.threshold`` (also chosen on held-out groups) separates "like the training data" from
"unknown". A *background* label ("none of these") is trained like an action but not exported as
one: when it wins, novelty is raised above the threshold, so the engine reports unknown.

Only numpy, onnx and onnxruntime are imported here (never torch), so an installed app can teach.
"""

from __future__ import annotations

import json
import logging
import math
import shutil
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

from engine.bundles import (
    BACKBONE_FILE,
    HEAD_FILE,
    MANIFEST,
    HeadSpec,
    InputSpec,
    Manifest,
    WindowSpec,
    load_bundle,
    sha256_of,
    shipped_bundles_dir,
    write_manifest,
)
from engine.core.errors import KinesightError
from models.data import (
    Cancelled,
    DatasetError,
    ExtractStats,
    FeatureCache,
    FeatureExtractor,
    VideoItem,
    augmentations,
    default_cache_dir,
    extract_features,
)

log = logging.getLogger(__name__)

Progress = Callable[[str, float], None]

HEAD_ARCH = "fewshot"
OPSET = 18
EPS = 1e-6
# Labels that teach what to ignore: trained like an action, reported as unknown (see module doc).
BACKGROUND_LABELS = ("none of these", "background")
DEFAULT_BACKGROUND_LABEL = "none of these"
MAX_NOVELTY_PROTOTYPES = 768  # stored training windows for the novelty distance (1280-d: ~4 MB)


NOVELTY_METHOD = ("cosine distance of the window's mean feature to the nearest training window, in units of the "
                  "median held-out-group distance; larger = less like the training data")


# Floors for the novelty calibration, as cosine distances of window-mean features. Takes of one
# person in one room are nearly identical (held-out clips 0.002-0.03 from the rest), so a threshold
# calibrated on them alone calls the same action by someone else "unknown". Measured: a held-out
# rendered actor (new colours, new background) sits 0.18 (median) from the other actors, a real clip
# mirrored with a colour cast and zoom 0.09-0.19 from its other half, while a different real scene
# (arm wrestling, pool cleaning, make-up, a GRID face) is 0.37-0.62 from each of the others.
NOVELTY_SCALE_FLOOR = 0.1
NOVELTY_MIN_DISTANCE = 0.25


class FewShotError(KinesightError):
    """Few-shot teaching cannot run on what it was given (too few clips or labels)."""


def is_background(label: str) -> bool:
    """Whether ``label`` names the "none of these / background" action."""
    return label.strip().lower() in BACKGROUND_LABELS


# --- the shipped backbone -------------------------------------------------------------------------

def shipped_backbone() -> tuple[Path, InputSpec, int]:
    """The EfficientNet-Lite0 backbone.onnx shipped in the default bundle, its input spec and feature size.

    Teaching reuses it so that no torch export is needed (and the feature cache is shared).
    """
    root = shipped_bundles_dir() / "default-actions"
    m = json.loads((root / MANIFEST).read_text(encoding="utf-8"))
    i = m["input"]
    spec = InputSpec(size=(int(i["size"][0]), int(i["size"][1])), resize=int(i["resize"]), crop=i["crop"],
                     colour=i["colour"], mean=tuple(i["mean"]), std=tuple(i["std"]), roi=i["roi"])
    return root / BACKBONE_FILE, spec, int(m["feature_dim"])


# --- pooling and window sampling (numpy mirror of the ONNX head) ---------------------------------

# Pooled statistics, in this order: the mean is what the scene and person look like; the other
# three describe motion and survive a new room or person better (std over time, how the second
# half differs from the first, mean absolute change between ticks). Leave-one-group-out CV picks
# between all four and motion only (on 3 rendered actors, person-out clip accuracy rose from 85 %
# with [mean, std, late-early] to 96 % with |delta| added and 100 % for motion only). The |change|
# over 2 and 4 ticks (LAGS) was added with stronger L2 candidates (FewShotConfig.l2): on two dev sets
# of 6 rendered actors each (teach 2 actors, test the 3rd, both triplets, all ways round) clip
# accuracy went 87 -> 98 % and 98 -> 100 %; RECIPE_V1 keeps the recipe before them.
STATISTICS = ("mean", "std", "late_minus_early", "abs_delta", "abs_delta2", "abs_delta4")
# abs_delta<k>: mean |x[t+k] - x[t]| (k ticks apart); several lags together describe how fast the
# movement repeats (a fast wave returns within a few ticks, a slow arm circle does not), which does
# not depend on who performs it.
LAGS = {"abs_delta": 1, "abs_delta2": 2, "abs_delta4": 4}
FEATURE_SETS = {"appearance+motion": STATISTICS[:4], "motion": STATISTICS[1:4],
                "motion+lags": STATISTICS[1:], "appearance+motion+lags": STATISTICS}


def pool_windows(x: np.ndarray, stats: Sequence[str] = STATISTICS) -> np.ndarray:
    """Temporal statistics of windows: (N, T, D) -> (N, len(stats) * D), in ``STATISTICS`` order."""
    x = np.asarray(x, np.float32)
    t = x.shape[1]
    h = max(t // 2, 1)
    m = x.mean(1)
    parts = {
        "mean": lambda: m,
        "std": lambda: np.sqrt(((x - m[:, None]) ** 2).mean(1) + EPS),
        "late_minus_early": lambda: x[:, t - h :].mean(1) - x[:, :h].mean(1),
        **{k: (lambda lag=lag: np.abs(x[:, lag:] - x[:, : max(t - lag, 0)]).sum(1) / max(t - lag, 1))
           for k, lag in LAGS.items()},
    }
    return np.concatenate([parts[k]() for k in STATISTICS if k in stats], 1).astype(np.float32)


def resample_speed(seq: np.ndarray, speed: float) -> np.ndarray:
    """The feature sequence (n, D) as if the action were performed ``speed`` times as fast (nearest tick)."""
    n = len(seq)
    k = max(1, int(math.floor((n - 1) / speed)) + 1)
    idx = np.minimum(np.round(np.arange(k) * speed).astype(np.int64), n - 1)
    return seq[idx]


def clip_windows(seq: np.ndarray, length: int, stride: int = 1) -> np.ndarray:
    """Every window of ``length`` ticks of a clip (n, D) -> (K, T, D); short clips are padded at the start."""
    if len(seq) < length:
        seq = np.concatenate([np.repeat(seq[:1], length - len(seq), axis=0), seq])
    starts = list(range(0, len(seq) - length + 1, max(1, stride)))
    if starts[-1] != len(seq) - length:
        starts.append(len(seq) - length)
    return np.stack([seq[s : s + length] for s in starts])


def _unit(x: np.ndarray) -> np.ndarray:
    return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), EPS)


def _log_softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(1, keepdims=True)
    return z - np.log(np.exp(z).sum(1, keepdims=True))


def _softmax(z: np.ndarray) -> np.ndarray:
    return np.exp(_log_softmax(z))


# --- the model ------------------------------------------------------------------------------------

@dataclass
class FewShotModel:
    """A fitted few-shot head: numpy weights that :meth:`to_onnx` writes as head.onnx.

    logits = w_lin * (z @ W + b) + w_proto * scale * cos(z, prototypes), z = (pool - mu) / sd.
    Classes are ``train_labels`` (the background label included, if taught); ``labels`` are the
    exported ones.
    """

    train_labels: list[str]
    mu: np.ndarray  # (3D,)
    inv_sd: np.ndarray  # (3D,)
    W: np.ndarray  # (3D, C)
    b: np.ndarray  # (C,)
    protos: np.ndarray  # (C, 3D) unit class means of z
    proto_scale: float
    w_lin: float
    w_proto: float
    novelty_bank: np.ndarray  # (K, D) unit mean features of training windows
    novelty_scale: float  # typical held-out-group distance: novelty is in these units
    threshold: float = 2.0
    stats: tuple[str, ...] = STATISTICS  # which pooled statistics the classifier reads

    @property
    def background_index(self) -> int | None:
        """Index of the background class in ``train_labels`` (None when none was taught)."""
        for i, lab in enumerate(self.train_labels):
            if is_background(lab):
                return i
        return None

    @property
    def labels(self) -> list[str]:
        """The labels the exported head outputs (the taught actions, background left out)."""
        return [lab for lab in self.train_labels if not is_background(lab)]

    def _train_logits(self, pooled: np.ndarray) -> np.ndarray:
        z = (pooled - self.mu) * self.inv_sd
        out = np.zeros((len(z), len(self.train_labels)), np.float32)
        if self.w_lin:
            out += self.w_lin * (z @ self.W + self.b)
        if self.w_proto:
            out += self.w_proto * self.proto_scale * (_unit(z) @ self.protos.T)
        return out

    def raw_novelty(self, windows: np.ndarray) -> np.ndarray:
        """Distance score (N,) of windows (N, T, D) before the background rule."""
        u = _unit(np.asarray(windows, np.float32).mean(1))
        sim = (u @ self.novelty_bank.T).max(1)
        return (1.0 - sim) / self.novelty_scale

    def predict(self, windows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(logits (N, C_exported), novelty (N,)) of windows (N, T, D); what head.onnx computes."""
        full = self._train_logits(pool_windows(windows, self.stats))
        nov = self.raw_novelty(windows)
        bg = self.background_index
        if bg is None:
            return full, nov.astype(np.float32)
        p_bg = _softmax(full)[:, bg]
        keep = [i for i in range(full.shape[1]) if i != bg]
        return full[:, keep], np.maximum(nov, 2.0 * self.threshold * p_bg).astype(np.float32)

    def to_onnx(self, path: str | Path) -> Path:
        """Write head.onnx: ``features`` (N, T, D) -> ``logits`` (N, C), ``novelty`` (N,); N and T dynamic."""
        import onnx

        onnx.save(self.onnx_model(), str(path))
        return Path(path)

    def onnx_model(self):
        """The head as an ``onnx.ModelProto`` (built from the numpy weights with ``onnx.helper``)."""
        from onnx import TensorProto, helper, numpy_helper

        d = self.novelty_bank.shape[1]
        inits, nodes = [], []

        def const(name: str, value) -> str:
            arr = np.asarray(value)
            arr = arr.astype(np.int64 if arr.dtype.kind in "iu" else np.float32)
            inits.append(numpy_helper.from_array(arr, name))
            return name

        def node(op: str, ins: list[str], out: str, **attrs) -> str:
            nodes.append(helper.make_node(op, ins, [out], name=out, **attrs))
            return out

        ax1 = const("axis1", [1])
        # (N, T, D) -> mean, std, late-early over T (h = max(T // 2, 1), as pool_windows)
        m = node("ReduceMean", ["features", ax1], "mean", keepdims=0)
        m3 = node("Unsqueeze", [m, ax1], "mean3")
        dev = node("Sub", ["features", m3], "dev")
        var = node("ReduceMean", [node("Mul", [dev, dev], "dev2"), ax1], "var", keepdims=0)
        std = node("Sqrt", [node("Add", [var, const("eps", EPS)], "var_eps")], "std")
        shape = node("Shape", ["features"], "shape")
        t = node("Gather", [shape, const("idx1", [1])], "T", axis=0)  # (1,)
        h = node("Max", [node("Div", [t, const("two", np.array([2], np.int64))], "T_half"),
                         const("one", np.array([1], np.int64))], "h")
        early = node("Slice", ["features", const("zero", np.array([0], np.int64)), h, ax1], "early")
        late = node("Slice", ["features", node("Sub", [t, h], "T_minus_h"), t, ax1], "late")
        diff = node("Sub", [node("ReduceMean", [late, ax1], "late_mean", keepdims=0),
                            node("ReduceMean", [early, ax1], "early_mean", keepdims=0)], "late_minus_early")
        parts = {"mean": m, "std": std, "late_minus_early": diff}
        # mean |x[t+k] - x[t]|: a sum over the T-k steps divided by max(T-k, 1), so T <= k gives 0, not NaN
        zero_b = const("zero_b", np.array([0], np.int64))
        one_d = const("one_d", np.array([1], np.int64))
        for k, lag in LAGS.items():
            if k not in self.stats:
                continue
            lag_c = const(f"lag_{k}", np.array([lag], np.int64))
            t_minus = node("Max", [node("Sub", [t, lag_c], f"{k}/T_minus_lag_raw"), zero_b], f"{k}/T_minus_lag")
            step_next = node("Slice", ["features", node("Min", [lag_c, t], f"{k}/lag_or_T"), t, ax1], f"{k}/x_next")
            step_prev = node("Slice", ["features", zero_b, t_minus, ax1], f"{k}/x_prev")
            abs_sum = node("ReduceSum", [node("Abs", [node("Sub", [step_next, step_prev], f"{k}/delta")], f"{k}/abs"),
                                         ax1], f"{k}/sum", keepdims=0)
            steps = node("Cast", [node("Max", [t_minus, one_d], f"{k}/steps_i")], f"{k}/steps", to=TensorProto.FLOAT)
            parts[k] = node("Div", [abs_sum, steps], k)
        pooled = node("Concat", [parts[k] for k in STATISTICS if k in self.stats], "pooled", axis=1)
        z = node("Mul", [node("Sub", [pooled, const("mu", self.mu)], "centred"), const("inv_sd", self.inv_sd)], "z")
        terms = []
        if self.w_lin:
            lin = node("Add", [node("MatMul", [z, const("W", self.W * self.w_lin)], "zW"),
                               const("b", self.b * self.w_lin)], "linear")
            terms.append(lin)
        if self.w_proto:
            zn = node("LpNormalization", [z], "z_unit", axis=1, p=2)
            terms.append(node("MatMul", [zn, const("protos_T", self.protos.T * (self.w_proto * self.proto_scale))],
                              "proto_logits"))
        full = terms[0] if len(terms) == 1 else node("Add", terms, "full_logits")
        # novelty: cosine distance of the mean feature to the nearest training window
        mu_unit = node("LpNormalization", [m], "mean_unit", axis=1, p=2)
        sim = node("ReduceMax", [node("MatMul", [mu_unit, const("bank_T", self.novelty_bank.T)], "bank_sim"), ax1],
                   "max_sim", keepdims=0)
        nov = node("Div", [node("Sub", [const("one_f", np.float32(1.0)), sim], "distance"),
                           const("nov_scale", np.float32(self.novelty_scale))], "raw_novelty")
        bg = self.background_index
        if bg is None:
            nodes.append(helper.make_node("Identity", [full], ["logits"], name="logits"))
            nodes.append(helper.make_node("Identity", [nov], ["novelty"], name="novelty"))
        else:
            keep = [i for i in range(len(self.train_labels)) if i != bg]
            nodes.append(helper.make_node("Gather", [full, const("keep", np.array(keep, np.int64))], ["logits"],
                                          name="logits", axis=1))
            probs = node("Softmax", [full], "train_probs", axis=1)
            p_bg = node("Gather", [probs, const("bg", np.array(bg, np.int64))], "p_background", axis=1)
            lifted = node("Mul", [p_bg, const("bg_gain", np.float32(2.0 * self.threshold))], "background_novelty")
            nodes.append(helper.make_node("Max", [nov, lifted], ["novelty"], name="novelty"))
        graph = helper.make_graph(
            nodes, "kinesight_fewshot_head",
            [helper.make_tensor_value_info("features", TensorProto.FLOAT, ["batch", "time", d])],
            [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", len(self.labels)]),
             helper.make_tensor_value_info("novelty", TensorProto.FLOAT, ["batch"])],
            inits,
        )
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                                  producer_name="kinesight models.fewshot")
        model.ir_version = 8  # readable by every onnxruntime >= 1.14
        onnx_check(model)
        return model


def onnx_check(model) -> None:
    """Run onnx's checker (with shape inference), so a malformed head fails here, not in the app."""
    import onnx

    onnx.checker.check_model(model, full_check=True)


# --- BLAS threads ------------------------------------------------------------------------------------

class _BlasThreads:
    """Limits numpy's OpenBLAS to ``n`` threads inside a ``with`` block (a no-op when not found).

    Measured on the 2-core CI machine with other work running: a 360 x 360 ``eigh`` took 1.6 s with
    OpenBLAS' default 2 threads (spinning threads fighting for the cores) and 0.06 s with one; the
    whole cross-validation 22 s vs 4.5 s. The matrices here are small, so one thread loses nothing.
    """

    _set = _get = None
    _looked = False

    @classmethod
    def _find(cls) -> None:
        cls._looked = True
        import ctypes
        import glob
        import os

        root = os.path.dirname(np.__file__)
        libs = sorted(glob.glob(os.path.join(root + ".libs", "*openblas*")) +
                      glob.glob(os.path.join(root, ".dylibs", "*openblas*")))
        for lib in libs:
            try:
                dll = ctypes.CDLL(lib)
            except OSError:
                continue
            for prefix in ("scipy_openblas_", "openblas_"):
                for suffix in ("64_", ""):
                    try:
                        cls._set = getattr(dll, f"{prefix}set_num_threads{suffix}")
                        cls._get = getattr(dll, f"{prefix}get_num_threads{suffix}")
                        cls._get.restype = ctypes.c_int
                        return
                    except AttributeError:
                        continue

    def __init__(self, n: int = 1) -> None:
        self.n = n
        self.before = None

    def __enter__(self) -> "_BlasThreads":
        if not self._looked:
            self._find()
        if self._set is not None:
            self.before = int(self._get())
            self._set(self.n)
        return self

    def __exit__(self, *exc) -> None:
        if self._set is not None and self.before is not None:
            self._set(self.before)


# --- fitting ---------------------------------------------------------------------------------------

@dataclass
class FewShotConfig:
    """The few-shot recipe's settings (recorded in the manifest)."""

    window: int = 16  # T ticks per window
    sample_fps: float = 8.0
    speeds: tuple[float, ...] = (0.8, 1.0, 1.25)  # speed jitter of the training clips
    stride: int = 1  # training windows at every tick offset (offset jitter)
    views: int = 2  # appearance views per clip: clean + flip/crop/brightness (each is a backbone pass)
    flip: bool = True
    # Candidate L2 strengths (per window, on z). Taught by two people, the strong ones (1, 10) carry
    # over to a third far better: dev set of 6 rendered actors (seed of /tmp/fs_dev), teach 2 test 1,
    # clip accuracy 87 % with (1e-3, 1e-2, 1e-1), 93 % adding 1 and 10, 98 % with the lags below too.
    l2: tuple[float, ...] = (1e-2, 1e-1, 1.0, 10.0)
    heads: tuple[str, ...] = ("linear", "prototype", "ensemble")
    # ties go to the first; the lagged |change| statistics (LAGS) are in both
    feature_sets: tuple[str, ...] = ("motion+lags", "appearance+motion+lags")
    proto_scale: float = 10.0
    max_train_windows: int = 360  # windows per fit (subsampled evenly; neighbours are near-duplicates)
    iterations: int = 100
    threshold_quantile: float = 0.99  # of held-out-group novelty, before the margin
    threshold_margin: float = 1.5  # a new person or room is further than a held-out clip of a known one
    seed: int = 0
    threads: int = 0


# The first few-shot recipe (before the lagged |change| statistics), kept selectable for comparison:
# ``train_bundle(clips, out, **RECIPE_V1)``; bench/bench_fewshot.py runs it as "v1".
RECIPE_V1: dict[str, Any] = {"feature_sets": ("motion", "appearance+motion"), "l2": (1e-3, 1e-2, 1e-1), "views": 2}


def _standardiser(pooled: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    mu = pooled.mean(0)
    sd = pooled.std(0)
    # A floor on sd: a feature that hardly varies in a few clips must not dominate z on new data.
    floor = max(float(np.median(sd)) * 0.1, 1e-4)
    return mu.astype(np.float32), (1.0 / np.maximum(sd, floor)).astype(np.float32)


def fit_logreg(z: np.ndarray, y: np.ndarray, classes: int, l2s: Sequence[float], iterations: int = 100
               ) -> dict[float, tuple[np.ndarray, np.ndarray]]:
    """Class-balanced multinomial logistic regression with an L2 penalty, one fit per strength in ``l2s``.

    The L2 solution lies in the span of the training rows, so it is fitted in that span's
    coordinates (N <= a few hundred, instead of 3 x 1280 features) and mapped back: the same
    optimum, several times faster on a 2-core CPU (skinny matmuls over 3840 columns are memory-bound).
    Returns {l2: (W (D, C), b (C,))}.
    """
    z = np.asarray(z, np.float32)
    gram = (z @ z.T).astype(np.float64)
    evals, evecs = np.linalg.eigh(gram)
    keep = evals > evals.max() * 1e-7
    root = np.sqrt(evals[keep])
    basis = (z.T @ (evecs[:, keep] / root).astype(np.float32)).astype(np.float32)  # (D, r), orthonormal columns
    coords = (evecs[:, keep] * root).astype(np.float32)  # (N, r) = z @ basis
    out = {}
    for l2 in l2s:
        Wr, b = _adam_logreg(coords, y, classes, l2, iterations)
        out[l2] = ((basis @ Wr).astype(np.float32), b)
    return out


def _adam_logreg(z: np.ndarray, y: np.ndarray, classes: int, l2: float, iterations: int
                 ) -> tuple[np.ndarray, np.ndarray]:
    n, d = z.shape
    counts = np.bincount(y, minlength=classes).astype(np.float32)
    sw = (n / (classes * np.maximum(counts, 1)))[y].astype(np.float32) / n  # balanced weights, mean-normalised
    Y = np.eye(classes, dtype=np.float32)[y]
    W = np.zeros((d, classes), np.float32)
    b = np.zeros(classes, np.float32)
    mW, vW, mb, vb = (np.zeros_like(W), np.zeros_like(W), np.zeros_like(b), np.zeros_like(b))
    lr, b1, b2 = 0.05, 0.9, 0.999
    for k in range(1, iterations + 1):
        p = _softmax(z @ W + b)
        g = (p - Y) * sw[:, None]
        gW = z.T @ g + l2 * W
        gb = g.sum(0)
        mW = b1 * mW + (1 - b1) * gW
        vW = b2 * vW + (1 - b2) * gW * gW
        mb = b1 * mb + (1 - b1) * gb
        vb = b2 * vb + (1 - b2) * gb * gb
        c1, c2 = 1 - b1**k, 1 - b2**k
        W -= lr * (mW / c1) / (np.sqrt(vW / c2) + 1e-8)
        b -= lr * (mb / c1) / (np.sqrt(vb / c2) + 1e-8)
    return W, b


@dataclass
class ClipFeatures:
    """One training clip: its feature sequences per appearance view, label and group."""

    views: list[np.ndarray]  # each (n_ticks, D); views[0] is the clean one
    label: int
    group: str
    name: str = ""


@dataclass
class _Windows:
    x: np.ndarray  # (K, T, D)
    y: np.ndarray
    clip: np.ndarray


def _train_windows(clips: Sequence[ClipFeatures], cfg: FewShotConfig, *, augmented: bool) -> _Windows:
    xs, ys, cs = [], [], []
    for ci, c in enumerate(clips):
        views = c.views if augmented else c.views[:1]
        speeds = cfg.speeds if augmented else (1.0,)
        for v in views:
            for s in speeds:
                w = clip_windows(resample_speed(v, s) if s != 1.0 else v, cfg.window, cfg.stride if augmented else 1)
                xs.append(w)
                ys += [c.label] * len(w)
                cs += [ci] * len(w)
    return _Windows(np.concatenate(xs).astype(np.float32), np.asarray(ys, np.int64), np.asarray(cs, np.int64))


def _subsample(n: int, cap: int) -> np.ndarray:
    return np.arange(n) if n <= cap else np.unique(np.linspace(0, n - 1, cap).round().astype(np.int64))


def _fit(pooled: np.ndarray, y: np.ndarray, classes: int, l2s: Sequence[float], cfg: FewShotConfig):
    """Fitted weights on pooled training windows: (mu, inv_sd, protos, {l2: (W, b)})."""
    mu, inv_sd = _standardiser(pooled)
    z = (pooled - mu) * inv_sd
    protos = _unit(np.stack([_unit(z[y == c]).mean(0) if (y == c).any() else np.zeros(z.shape[1], np.float32)
                             for c in range(classes)]))
    lin = fit_logreg(z, y, classes, l2s, cfg.iterations) if l2s else {}
    return mu, inv_sd, protos.astype(np.float32), lin


def _params(fit, head: str, l2: float):
    """One candidate's (mu, inv_sd, W, b, protos, w_lin, w_proto) from a :func:`_fit` result."""
    mu, inv_sd, protos, lin = fit
    w_lin, w_proto = {"linear": (1.0, 0.0), "prototype": (0.0, 1.0), "ensemble": (0.5, 0.5)}[head]
    if head == "prototype":
        W, b = np.zeros((len(mu), len(protos)), np.float32), np.zeros(len(protos), np.float32)
    else:
        W, b = lin[l2]
    return mu, inv_sd, W, b, protos, w_lin, w_proto


def _logits(params, pooled: np.ndarray, cfg: FewShotConfig) -> np.ndarray:
    mu, inv_sd, W, b, protos, w_lin, w_proto = params
    z = (pooled - mu) * inv_sd
    out = np.zeros((len(z), W.shape[1]), np.float32)
    if w_lin:
        out += w_lin * (z @ W + b)
    if w_proto:
        out += w_proto * cfg.proto_scale * (_unit(z) @ protos.T)
    return out


def _folds(groups: Sequence[str], max_folds: int = 8) -> list[list[str]]:
    """Leave-one-group-out folds; with many groups, groups are dealt into ``max_folds`` folds."""
    uniq = sorted(set(groups))
    if len(uniq) <= max_folds:
        return [[g] for g in uniq]
    return [uniq[k::max_folds] for k in range(max_folds)]


@dataclass
class CVReport:
    """What leave-one-group-out cross-validation measured for the chosen head."""

    method: str  # "person-out" or "clip-out"
    folds: int
    clip_accuracy: float
    window_accuracy: float
    windows: int  # held-out windows the window accuracy is over
    confusion: list[list[int]]  # clips, rows = truth, columns = predicted (train labels)
    labels: list[str]
    candidates: dict[str, float] = field(default_factory=dict)  # candidate -> clip accuracy
    chosen: str = ""
    clip_predictions: list[tuple[str, str, str]] = field(default_factory=list)  # (clip, truth, predicted)
    confusable: list[tuple[str, str, float]] = field(default_factory=list)  # (a, b, share of a's clips called b)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (for the manifest and the teach dialog)."""
        return asdict(self)


def fit_fewshot(clips: Sequence[ClipFeatures], labels: Sequence[str], cfg: FewShotConfig | None = None, *,
                progress: Progress | None = None, cancel: threading.Event | None = None
                ) -> tuple[FewShotModel, "CVReport", dict[str, Any]]:
    """Choose a head by leave-one-group-out CV, calibrate novelty on held-out groups, fit on everything.

    Returns (model, CV report, open-set calibration figures).
    """
    with _BlasThreads(1):
        return _fit_fewshot(clips, labels, cfg, progress=progress, cancel=cancel)


def _fit_fewshot(clips: Sequence[ClipFeatures], labels: Sequence[str], cfg: FewShotConfig | None = None, *,
                progress: Progress | None = None, cancel: threading.Event | None = None
                ) -> tuple[FewShotModel, CVReport, dict[str, Any]]:
    cfg = cfg or FewShotConfig()
    labels = list(labels)
    classes = len(labels)
    if classes < 2:
        raise FewShotError("teaching needs at least two labels")
    groups = [c.group for c in clips]
    person_groups = len(set(groups)) < len(clips)
    folds = _folds(groups)
    aug = _train_windows(clips, cfg, augmented=True)
    aug_all = pool_windows(aug.x)
    clean = _train_windows(clips, cfg, augmented=False)
    clean_all = pool_windows(clean.x)
    dim = aug.x.shape[2]

    def columns(stats: Sequence[str]) -> np.ndarray:
        return np.concatenate([np.arange(i * dim, (i + 1) * dim) for i, k in enumerate(STATISTICS) if k in stats])

    cols = {fs: columns(FEATURE_SETS[fs]) for fs in cfg.feature_sets}
    clean_mean_unit = _unit(clean.x.mean(1))
    aug_mean_unit = _unit(aug.x.mean(1))
    clip_group = np.array(groups)
    candidates = [(fs, h, l2) for fs in cfg.feature_sets for h in cfg.heads
                  for l2 in (cfg.l2 if h != "prototype" else (0.0,))]
    # held-out clip probabilities per candidate
    clip_probs = {cand: np.zeros((len(clips), classes), np.float32) for cand in candidates}
    win_right = {cand: 0 for cand in candidates}
    held_nov: list[np.ndarray] = []
    n_steps = max(1, len(folds))
    step = 0
    can_validate = len(folds) >= 2
    if can_validate:
        for fold in folds:
            if cancel is not None and cancel.is_set():
                raise Cancelled("teaching cancelled during cross-validation")
            test_clip = np.isin(clip_group, fold)
            tr = ~test_clip[aug.clip]
            te = test_clip[clean.clip]
            if not tr.any() or not te.any():
                continue
            idx = np.flatnonzero(tr)[_subsample(int(tr.sum()), cfg.max_train_windows)]
            # novelty of held-out windows against the training groups (distance only)
            sim = (clean_mean_unit[te] @ aug_mean_unit[idx].T).max(1)
            held_nov.append(1.0 - sim)
            # Per feature set, one standardiser, one basis and one logistic fit per L2 strength
            # serve all head kinds.
            fits = {fs: _fit(aug_all[idx][:, c], aug.y[idx], classes, cfg.l2, cfg) for fs, c in cols.items()}
            for cand in candidates:
                fs, head, l2 = cand
                lg = _logits(_params(fits[fs], head, l2), clean_all[te][:, cols[fs]], cfg)
                win_right[cand] += int((lg.argmax(1) == clean.y[te]).sum())
                p = _softmax(lg)
                for ci in np.flatnonzero(test_clip):
                    clip_probs[cand][ci] = p[clean.clip[te] == ci].mean(0)
            step += 1
            if progress is not None:
                progress("cross-validation", step / n_steps)
    y_clip = np.array([c.label for c in clips])

    def score(cand) -> tuple[float, float]:
        pred = clip_probs[cand].argmax(1)
        ll = -np.log(np.maximum(clip_probs[cand][np.arange(len(clips)), y_clip], 1e-6)).mean()
        return float((pred == y_clip).mean()), -float(ll)

    if can_validate:
        chosen = max(candidates, key=score)
    else:
        chosen = (cfg.feature_sets[0], "ensemble", cfg.l2[len(cfg.l2) // 2])
    name = lambda c: f"{c[0]}: " + (c[1] if c[1] == "prototype" else f"{c[1]} l2={c[2]:g}")  # noqa: E731
    cm = np.zeros((classes, classes), np.int64)
    preds = clip_probs[chosen].argmax(1)
    for t, p in zip(y_clip, preds):
        cm[t, p] += 1
    confusable = []
    for a in range(classes):
        n_a = max(1, int(cm[a].sum()))
        for b in range(classes):
            if a != b and cm[a, b] / n_a >= 0.25:
                confusable.append((labels[a], labels[b], round(float(cm[a, b] / n_a), 3)))
    report = CVReport(
        method="person-out" if person_groups else "clip-out", folds=len(folds) if can_validate else 0,
        clip_accuracy=float((preds == y_clip).mean()) if can_validate else float("nan"),
        window_accuracy=float(win_right[chosen] / max(1, len(clean.y))) if can_validate else float("nan"),
        windows=int(len(clean.y)) if can_validate else 0,
        confusion=cm.tolist(), labels=labels,
        candidates={name(c): round(score(c)[0], 4) for c in candidates} if can_validate else {},
        chosen=name(chosen),
        clip_predictions=[(c.name, labels[c.label], labels[int(p)]) for c, p in zip(clips, preds)] if can_validate else [],
        confusable=confusable,
    )
    # final fit on every clip
    idx = _subsample(len(aug.y), cfg.max_train_windows)
    fs, head, l2 = chosen
    fit = _fit(aug_all[idx][:, cols[fs]], aug.y[idx], classes, (l2,) if head != "prototype" else (), cfg)
    params = _params(fit, head, l2)
    bank_idx = _subsample(len(aug_mean_unit), MAX_NOVELTY_PROTOTYPES)
    held = np.concatenate(held_nov) if held_nov else np.zeros(0, np.float32)
    if len(held) >= 5:
        scale = float(max(np.median(held), NOVELTY_SCALE_FLOOR))
        threshold = float(np.quantile(held / scale, cfg.threshold_quantile) * cfg.threshold_margin)
    else:
        # One group only: nothing to hold out; the floors below decide.
        scale, threshold = NOVELTY_SCALE_FLOOR, 0.0
    threshold = max(threshold, NOVELTY_MIN_DISTANCE / scale, 1.5)
    mu, inv_sd, W, b, protos, w_lin, w_proto = params
    model = FewShotModel(train_labels=labels, mu=mu, inv_sd=inv_sd, W=W, b=b, protos=protos,
                         proto_scale=cfg.proto_scale, w_lin=w_lin, w_proto=w_proto,
                         novelty_bank=aug_mean_unit[bank_idx].astype(np.float32), novelty_scale=scale,
                         threshold=threshold, stats=tuple(FEATURE_SETS[fs]))
    calib = {
        "held_out_windows": int(len(held)),
        "held_out_novelty_median": round(float(np.median(held / scale)), 4) if len(held) else None,
        "held_out_novelty_q99": round(float(np.quantile(held / scale, 0.99)), 4) if len(held) else None,
        "held_out_accepted": round(float((held / scale <= threshold).mean()), 4) if len(held) else None,
        "quantile": cfg.threshold_quantile, "margin": cfg.threshold_margin,
    }
    return model, report, calib


# --- from clips to a bundle ------------------------------------------------------------------------

def extract_clip_features(items: Sequence[VideoItem], backbone: Path, spec: InputSpec, cfg: FewShotConfig, *,
                          cache_dir: str | Path | None = None, progress: Progress | None = None,
                          cancel: threading.Event | None = None, stats: ExtractStats | None = None,
                          names: Sequence[str] | None = None) -> list[ClipFeatures]:
    """Backbone features of every clip under every appearance view (cached on disk)."""
    extractor = FeatureExtractor(backbone, spec, threads=cfg.threads)
    cache = FeatureCache(Path(cache_dir).expanduser() if cache_dir else default_cache_dir())
    augs = augmentations(cfg.views, flip=cfg.flip, seed=cfg.seed)
    feats = extract_features(items, extractor, cache, cfg.sample_fps, augs, progress=progress, cancel=cancel,
                             show_bar=False, stats=stats)
    return [ClipFeatures(f, it.label, it.group, (names[i] if names else it.path.name))
            for i, (f, it) in enumerate(zip(feats, items))]


def write_fewshot_bundle(out: str | Path, model: FewShotModel, *, backbone: Path, spec: InputSpec, feature_dim: int,
                         backbone_name: str, cfg: FewShotConfig, name: str, description: str = "",
                         training: dict[str, Any] | None = None, open_set: dict[str, Any] | None = None,
                         task: str = "action", extra_files: dict[str, Path] | None = None,
                         attribution: str = "", created_by: str = "kinesight models.fewshot") -> Path:
    """Write a complete, checked bundle (backbone.onnx copied, head.onnx from numpy) to ``out``.

    ``extra_files`` (bundle name -> source path) are copied too and listed with their checksums
    (e.g. the face locator's graphs of a lip-words bundle); copies, not links, so a rebuilt
    source bundle never changes a taught one."""
    out = Path(out).expanduser()
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".bundle-", dir=out.parent))
    tmp.chmod(0o755)
    try:
        shutil.copyfile(backbone, tmp / BACKBONE_FILE)
        for f, src in (extra_files or {}).items():
            shutil.copyfile(src, tmp / f)
        model.to_onnx(tmp / HEAD_FILE)
        open_set = {"threshold": round(model.threshold, 4), "method": NOVELTY_METHOD, "output": "novelty",
                    **({"background_labels": [lab for lab in model.train_labels if is_background(lab)]}
                       if model.background_index is not None else {}),
                    **(open_set or {})}
        manifest = Manifest(
            name=name, version="1.0", task=task, labels=tuple(model.labels),
            window=WindowSpec(cfg.window, cfg.sample_fps, 1), input=spec, backbone=backbone_name,
            feature_dim=feature_dim, head=HeadSpec(kind="window", arch=HEAD_ARCH), files={},
            description=description, attribution=attribution, training=dict(training or {}),
            created_by=created_by, open_set=open_set,
        )
        write_manifest(tmp, manifest)
        if extra_files:
            # write_manifest hashes the two graphs; the extra files are listed and checked too.
            data = json.loads((tmp / MANIFEST).read_text(encoding="utf-8"))
            data["files"].update({f: sha256_of(tmp / f) for f in extra_files})
            (tmp / MANIFEST).write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        load_bundle(tmp)  # the checks a user's load makes
        if out.exists():
            shutil.rmtree(out)
        shutil.move(str(tmp), str(out))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return out


@dataclass
class FewShotResult:
    """What teaching produced: the bundle, its cross-validated figures and the time it took."""

    bundle_path: Path
    cv: CVReport
    open_set: dict[str, Any]
    seconds: dict[str, float]
    clips: int
    warnings: list[str] = field(default_factory=list)


def teaching_warnings(counts: dict[str, int], cv: CVReport, min_clips: int = 3) -> list[str]:
    """Plain-language warnings: too few clips for an action, pairs of actions the CV confused."""
    out = [f"'{lab}' has only {n} clip(s); record at least {min_clips} (5 or more is better)."
           for lab, n in counts.items() if n < min_clips]
    for a, b, share in cv.confusable:
        out.append(f"'{a}' and '{b}' look alike: {share:.0%} of the '{a}' clips held out were taken for '{b}'. "
                   "Make them more different or add clips.")
    return out


def teach_from_items(items: Sequence[VideoItem], labels: Sequence[str], out: str | Path, *,
                     cfg: FewShotConfig | None = None, name: str = "", description: str = "",
                     backbone: tuple[Path, InputSpec, int] | None = None, backbone_name: str = "efficientnet_lite0",
                     cache_dir: str | Path | None = None, progress: Progress | None = None,
                     cancel: threading.Event | None = None, names: Sequence[str] | None = None,
                     extra_training: dict[str, Any] | None = None, roi: str = "full+motion") -> FewShotResult:
    """Features -> CV-chosen few-shot head -> bundle at ``out``. ``labels[item.label]`` names each item's action.

    ``roi``: what the backbone sees of each frame. "full+motion" (default) adds a crop that follows
    the moving region (engine/actions/motion.py) to the whole frame, so a person taught small or off-centre
    is recognised elsewhere in the frame too; "full" is the whole frame alone (half the work)."""
    cfg = cfg or FewShotConfig()
    t0 = time.perf_counter()
    counts = {lab: sum(1 for it in items if it.label == i) for i, lab in enumerate(labels)}
    empty = [lab for lab, n in counts.items() if n == 0]
    if empty:
        raise DatasetError(f"no clips for {', '.join(empty)}; give every action at least one clip")
    bb_path, spec, dim = backbone or shipped_backbone()
    if roi not in ("full", "full+motion"):
        raise DatasetError(f"roi must be 'full+motion' or 'full' for actions, not {roi!r}")
    spec = replace(spec, roi=roi)

    def stage(nm: str, lo: float, hi: float):
        return (lambda _s, f: progress(nm, lo + (hi - lo) * f)) if progress else None

    stats = ExtractStats()
    clips = extract_clip_features(items, bb_path, spec, cfg, cache_dir=cache_dir, progress=stage("features", 0, 1),
                                  cancel=cancel, stats=stats, names=names)
    t1 = time.perf_counter()
    model, cv, calib = fit_fewshot(clips, labels, cfg, progress=stage("training", 0, 1), cancel=cancel)
    t2 = time.perf_counter()
    if cancel is not None and cancel.is_set():
        raise Cancelled("teaching cancelled before the bundle was written")
    warnings = teaching_warnings(counts, cv)
    training = {
        "recipe": "fewshot", "config": {k: (list(v) if isinstance(v, tuple) else v) for k, v in asdict(cfg).items()},
        "clips": counts, "cv": cv.to_json(),
        "test_accuracy": None if math.isnan(cv.window_accuracy) else round(cv.window_accuracy, 4),
        "clip_accuracy": None if math.isnan(cv.clip_accuracy) else round(cv.clip_accuracy, 4),
        "evaluation": f"leave-one-{'person' if cv.method == 'person-out' else 'clip'}-out cross-validation",
        "warnings": warnings, "feature_extraction": asdict(stats),
        **(extra_training or {}),
    }
    if progress:
        progress("export", 0.0)
    out = write_fewshot_bundle(out, model, backbone=bb_path, spec=spec, feature_dim=dim * spec.views,
                               backbone_name=backbone_name,
                               cfg=cfg, name=name or Path(out).name, description=description, training=training,
                               open_set={"calibration": calib})
    t3 = time.perf_counter()
    if progress:
        progress("done", 1.0)
    return FewShotResult(out, cv, load_bundle(out).manifest.open_set, {"features": round(t1 - t0, 2), "fit": round(t2 - t1, 2),
                                                       "export": round(t3 - t2, 2), "total": round(t3 - t0, 2)},
                         len(items), warnings)


# --- novelty for an existing head (the shipped demo bundle) ---------------------------------------

def _novelty_nodes(bank: np.ndarray, scale: float, prefix: str = "novelty/"):
    """Nodes and initialisers computing ``novelty`` from ``features`` (N, T, D): distance to ``bank``."""
    from onnx import helper, numpy_helper

    def init(name: str, arr) -> str:
        return numpy_helper.from_array(np.asarray(arr), prefix + name)

    inits = [init("axis1", np.array([1], np.int64)), init("bank_T", bank.T.astype(np.float32)),
             init("one", np.float32(1.0)), init("scale", np.float32(scale))]
    p = prefix
    nodes = [
        helper.make_node("ReduceMean", ["features", p + "axis1"], [p + "mean"], keepdims=0, name=p + "mean"),
        helper.make_node("LpNormalization", [p + "mean"], [p + "mean_unit"], axis=1, p=2, name=p + "mean_unit"),
        helper.make_node("MatMul", [p + "mean_unit", p + "bank_T"], [p + "sim"], name=p + "sim"),
        helper.make_node("ReduceMax", [p + "sim", p + "axis1"], [p + "max_sim"], keepdims=0, name=p + "max_sim"),
        helper.make_node("Sub", [p + "one", p + "max_sim"], [p + "distance"], name=p + "distance"),
        helper.make_node("Div", [p + "distance", p + "scale"], ["novelty"], name=p + "novelty"),
    ]
    return nodes, inits


def attach_novelty(head_path: str | Path, bank: np.ndarray, scale: float, out_path: str | Path | None = None) -> Path:
    """Add a ``novelty`` (N,) output to an existing head.onnx (any head that takes ``features``).

    The head's own nodes are kept as they are; the novelty branch reads the same ``features`` input.
    A head that already has a ``novelty`` output gets its branch replaced.
    """
    import onnx
    from onnx import TensorProto, helper

    model = onnx.load(str(head_path))
    g = model.graph
    keep_nodes = [n for n in g.node if not n.name.startswith("novelty/")]
    keep_inits = [t for t in g.initializer if not t.name.startswith("novelty/")]
    keep_outputs = [o for o in g.output if o.name != "novelty"]
    del g.node[:]
    g.node.extend(keep_nodes)
    del g.initializer[:]
    g.initializer.extend(keep_inits)
    del g.output[:]
    g.output.extend(keep_outputs)
    nodes, inits = _novelty_nodes(np.asarray(bank, np.float32), scale)
    g.node.extend(nodes)
    g.initializer.extend(inits)
    g.output.append(helper.make_tensor_value_info("novelty", TensorProto.FLOAT, ["batch"]))
    if not any(o.domain in ("", "ai.onnx") and o.version >= 18 for o in model.opset_import):
        raise FewShotError(f"{head_path} uses an ONNX opset below 18; re-export the head")
    onnx.checker.check_model(model)
    out = Path(out_path or head_path)
    onnx.save(model, str(out))
    return out


def calibrate_novelty(clips: Sequence[ClipFeatures], length: int, *, quantile: float = 0.99, margin: float = 1.5,
                      max_bank: int = MAX_NOVELTY_PROTOTYPES) -> tuple[np.ndarray, float, float, dict[str, Any]]:
    """Novelty bank, scale and threshold from training clips, calibrated by leaving each group out.

    Returns (bank (K, D) unit mean features, scale, threshold, calibration figures).
    """
    means, groups = [], []
    for c in clips:
        for v in c.views:
            w = clip_windows(v, length, 1)
            means.append(_unit(w.mean(1)))
            groups += [c.group] * len(w)
    m = np.concatenate(means).astype(np.float32)
    g = np.array(groups)
    held = []
    with _BlasThreads(1):
        for fold in _folds(list(g), max_folds=10):
            te = np.isin(g, fold)
            if te.all() or not te.any():
                continue
            held.append(1.0 - (m[te] @ m[~te].T).max(1))
    held_all = np.concatenate(held) if held else np.zeros(1, np.float32)
    scale = float(max(np.median(held_all), 1e-4))
    threshold = max(float(np.quantile(held_all / scale, quantile) * margin), 1.5)
    bank = m[_subsample(len(m), max_bank)]
    calib = {"bank_windows": int(len(bank)), "held_out_windows": int(len(held_all)), "held_out_novelty_median": 1.0,
             "held_out_novelty_q99": round(float(np.quantile(held_all / scale, 0.99)), 4),
             "held_out_accepted": round(float((held_all / scale <= threshold).mean()), 4),
             "quantile": quantile, "margin": margin, "groups": int(len(set(groups)))}
    return bank, scale, threshold, calib


def add_novelty_to_bundle(bundle_dir: str | Path, data_dir: str | Path, *, cache_dir: str | Path | None = None,
                          views: int = 2, max_bank: int = MAX_NOVELTY_PROTOTYPES) -> dict[str, Any]:
    """Give an existing bundle (e.g. the shipped demo) a ``novelty`` output and an ``open_set`` manifest entry,
    calibrated on the dataset folder it was trained on (every video; groups held out in turn).
    """

    from models.data import scan_video_folder

    bundle = load_bundle(bundle_dir)
    m = bundle.manifest
    ds = scan_video_folder(data_dir)
    cfg = FewShotConfig(window=m.window.length, sample_fps=m.window.sample_fps, views=views)
    clips = extract_clip_features(ds.items, bundle.backbone_path, m.input, cfg, cache_dir=cache_dir)
    bank, scale, threshold, calib = calibrate_novelty(clips, m.window.length, max_bank=max_bank)
    attach_novelty(bundle.head_path, bank, scale)
    open_set = {"threshold": round(threshold, 4), "method": NOVELTY_METHOD, "output": "novelty",
                "calibration": {**calib, "dataset": Path(data_dir).name, "videos": len(ds.items)}}
    write_manifest(bundle.root, replace(m, open_set=open_set))  # with a fresh sha256 of the new head.onnx
    load_bundle(bundle.root)
    return open_set


def main(argv: list[str] | None = None) -> int:
    """``python -m models.fewshot add-novelty BUNDLE DATA_DIR``: calibrate and attach the unknown detector."""
    import argparse

    ap = argparse.ArgumentParser(prog="python -m models.fewshot", description=main.__doc__)
    sub = ap.add_subparsers(dest="command", required=True)
    a = sub.add_parser("add-novelty", help="add a novelty output and open_set to an existing bundle")
    a.add_argument("bundle", type=Path)
    a.add_argument("data_dir", type=Path, help="the dataset folder the bundle was trained on")
    a.add_argument("--cache", type=Path, default=None)
    a.add_argument("--bank", type=int, default=MAX_NOVELTY_PROTOTYPES,
                   help="training windows kept for the distance (1280 floats each)")
    args = ap.parse_args(argv)
    try:
        res = add_novelty_to_bundle(args.bundle, args.data_dir, cache_dir=args.cache, max_bank=args.bank)
    except KinesightError as exc:
        print(f"error: {exc}")
        return 1
    print(f"{args.bundle}: novelty output added, open_set threshold {res['threshold']} "
          f"({res['calibration']['held_out_accepted']:.1%} of held-out training windows accepted)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
