"""Fitting the few-shot head: training windows (speed and offset jitter), logistic regression and
prototypes, the feature set and head chosen by leave-one-group-out cross-validation, the novelty
threshold calibrated on held-out groups and held-out actions (models/fewshot/calibrate.py), and the
accuracy a new person can expect, predicted from the held-out people or sessions."""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass, field
from typing import Any, Sequence

import numpy as np

from models.data import Cancelled
from models.fewshot.calibrate import calibrate_threshold, infer_sessions, new_person_figures, untaught_distances
from models.fewshot.model import (
    FEATURE_SETS,
    FewShotError,
    FewShotModel,
    MAX_NOVELTY_PROTOTYPES,
    Progress,
    is_background,
    STATISTICS,
    softmax_rows,
    unit_rows,
    clip_windows,
    pool_windows,
    resample_speed,
)

# --- BLAS threads ------------------------------------------------------------------------------------

class BlasThreads:
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

    def __enter__(self) -> "BlasThreads":
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
    # Unnamed clips that look alike are one recording session (False: features that do not show
    # the recording, e.g. body keypoints: takes of different recordings are 0.18 apart in where
    # the person stands and how big, takes of one recording up to 0.74; dev set of real people)
    sessions_by_look: bool = True
    # Which bound sets "unknown" (models/fewshot/calibrate.py): "lower" of the held-out-group and
    # the untaught-material bounds (a user's own clips), or "held_out" alone: the held-out windows'
    # ``threshold_quantile``, for a model learned from generated motion, where twelve actions that
    # share most of their movement make the untaught bound reject unseen generated bodies.
    novelty_bound: str = "lower"


# The first few-shot recipe (before the lagged |change| statistics), kept selectable for comparison:
# ``train_bundle(clips, out, **RECIPE_V1)``; bench/bench_fewshot.py runs it as "v1".
RECIPE_V1: dict[str, Any] = {"feature_sets": ("motion", "appearance+motion"), "l2": (1e-3, 1e-2, 1e-1), "views": 2}


def _standardiser(pooled: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    mu = pooled.mean(0)
    sd = pooled.std(0)
    # A floor on sd: a feature that hardly varies in a few clips must not dominate z on new data.
    floor = max(float(np.median(sd)) * 0.1, 1e-4)
    return mu.astype(np.float32), (1.0 / np.maximum(sd, floor)).astype(np.float32)


def row_span(z: np.ndarray, via: str = "auto") -> tuple[np.ndarray, np.ndarray]:
    """An orthonormal basis (D, r) of the span of ``z``'s rows and the rows in it (N, r): the
    right singular vectors of z, from the smaller of its two Gram matrices (``via`` "rows": the
    (N, N) one, "features": the (D, D) one, "auto": the smaller). CNN features have more columns
    than a teach run has windows (3 x 1280 against a few hundred); body keypoints far fewer (~300
    against thousands: the (N, N) one took 8 s per fit at N = 2000 on 2 cores, and grows as N^3)."""
    z = np.asarray(z, np.float32)
    if via == "features" or (via == "auto" and z.shape[1] < z.shape[0]):
        evals, evecs = np.linalg.eigh((z.T @ z).astype(np.float64))
        keep = evals > evals.max() * 1e-7
        basis = evecs[:, keep].astype(np.float32)
        return basis, (z @ basis).astype(np.float32)
    evals, evecs = np.linalg.eigh((z @ z.T).astype(np.float64))
    keep = evals > evals.max() * 1e-7
    root = np.sqrt(evals[keep])
    basis = (z.T @ (evecs[:, keep] / root).astype(np.float32)).astype(np.float32)  # orthonormal columns
    return basis, (evecs[:, keep] * root).astype(np.float32)  # coords = z @ basis


def fit_logreg(z: np.ndarray, y: np.ndarray, classes: int, l2s: Sequence[float], iterations: int = 100
               ) -> dict[float, tuple[np.ndarray, np.ndarray]]:
    """Class-balanced multinomial logistic regression with an L2 penalty, one fit per strength in ``l2s``.

    The L2 solution lies in the span of the training rows, so it is fitted in that span's
    coordinates (N <= a few hundred, instead of 3 x 1280 features) and mapped back: the same
    optimum, several times faster on a 2-core CPU (skinny matmuls over 3840 columns are memory-bound).
    Returns {l2: (W (D, C), b (C,))}.
    """
    z = np.asarray(z, np.float32)
    basis, coords = row_span(z)
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
        p = softmax_rows(z @ W + b)
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
    # Made by the motion generator (models.posegen) to stand for what nobody taught ("none of
    # these"): trained on in every fold, never held out, and no part of the novelty calibration
    # or the figures, which are about the user's own clips.
    generated: bool = False


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


def subsample(n: int, cap: int) -> np.ndarray:
    """At most ``cap`` indices of ``n``, evenly spread."""
    return np.arange(n) if n <= cap else np.unique(np.linspace(0, n - 1, cap).round().astype(np.int64))


GENERATED_SHARE = 0.25  # of a fit's windows at most, for the generated clips (they outnumber a user's)


def _fit_index(take: np.ndarray, generated: np.ndarray, cap: int) -> np.ndarray:
    """Training windows of a fit (indices where ``take``): the user's clips' windows up to ``cap``
    and the generated ones up to ``GENERATED_SHARE`` of that, each evenly spread."""
    own = np.flatnonzero(take & ~generated)
    gen = np.flatnonzero(take & generated)
    own = own[subsample(len(own), cap)]
    return np.concatenate([own, gen[subsample(len(gen), max(1, int(len(own) * GENERATED_SHARE)))]]) if len(gen) else own


def _fit(pooled: np.ndarray, y: np.ndarray, classes: int, l2s: Sequence[float], cfg: FewShotConfig):
    """Fitted weights on pooled training windows: (mu, inv_sd, protos, {l2: (W, b)})."""
    mu, inv_sd = _standardiser(pooled)
    z = (pooled - mu) * inv_sd
    protos = unit_rows(np.stack([unit_rows(z[y == c]).mean(0) if (y == c).any() else np.zeros(z.shape[1], np.float32)
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
        out += w_proto * cfg.proto_scale * (unit_rows(z) @ protos.T)
    return out


def group_folds(groups: Sequence[str], max_folds: int = 8) -> list[list[str]]:
    """Leave-one-group-out folds; with many groups, groups are dealt into ``max_folds`` folds."""
    uniq = sorted(set(groups))
    if len(uniq) <= max_folds:
        return [[g] for g in uniq]
    return [uniq[k::max_folds] for k in range(max_folds)]


@dataclass
class CVReport:
    """What leave-one-group-out cross-validation measured for the chosen head.

    Units: ``clip_accuracy`` counts clips, ``window_accuracy`` counts 2 s windows (one per tick,
    what the app shows live), each held out in turn and classified without the unknown threshold.
    ``new_person_*`` are set only when the clips come from 2+ people or sessions: the held-out
    people's clips and live labels with the unknown threshold applied, the engine's view of a
    person it was not taught by. With one person/session (or clips not grouped) they are None.
    """

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
    groups: int = 0  # people or recording sessions the clips come from
    grouping: str = "named"  # "named" (<person>__ names, folders, the app's sessions) or "inferred" (by look)
    new_person_clip_accuracy: float | None = None
    new_person_live_accuracy: float | None = None  # share of held-out windows: not unknown and right
    new_person_accepted: float | None = None  # share of held-out windows not shown as unknown
    single_group_actions: list[str] = field(default_factory=list)  # taught by one person/session only

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (for the manifest and the teach dialog)."""
        return asdict(self)


def clip_groups(clips: Sequence[ClipFeatures], by_look: bool = True) -> tuple[list[str], str]:
    """Each clip's person or session, and how it was found ("named", "inferred" or "unnamed").

    Names decide when any clip carries one (``<person>__``, a person folder, the app's recording
    session); when every clip is its own group, takes that look alike are one session
    (:func:`models.fewshot.calibrate.infer_sessions`), unless ``by_look`` is False (features that
    do not show the recording, such as body keypoints): then nothing says who is in which clip,
    the clips are held out in turn, and no new person is predicted ("unnamed")."""
    groups = [c.group for c in clips]
    if len(set(groups)) < len(groups) or len(groups) < 2:
        return groups, "named"
    if not by_look:
        return ["unnamed"] * len(groups), "unnamed"
    sessions = infer_sessions(np.stack([c.views[0].mean(0) for c in clips]))
    return [f"session {k + 1}" for k in sessions], "inferred"


def fit_fewshot(clips: Sequence[ClipFeatures], labels: Sequence[str], cfg: FewShotConfig | None = None, *,
                progress: Progress | None = None, cancel: threading.Event | None = None
                ) -> tuple[FewShotModel, "CVReport", dict[str, Any]]:
    """Choose a head by leave-one-group-out CV, calibrate novelty on held-out groups, fit on everything.

    Returns (model, CV report, open-set calibration figures).
    """
    with BlasThreads(1):
        return _fit_fewshot(clips, labels, cfg, progress=progress, cancel=cancel)


def _fit_fewshot(clips: Sequence[ClipFeatures], labels: Sequence[str], cfg: FewShotConfig | None = None, *,
                progress: Progress | None = None, cancel: threading.Event | None = None
                ) -> tuple[FewShotModel, CVReport, dict[str, Any]]:
    cfg = cfg or FewShotConfig()
    labels = list(labels)
    classes = len(labels)
    if classes < 2:
        raise FewShotError("teaching needs at least two labels")
    clips = [c for c in clips if not c.generated] + [c for c in clips if c.generated]
    generated = [c for c in clips if c.generated]
    n_own = len(clips) - len(generated)
    if n_own < 1:
        raise FewShotError("teaching needs clips of its own, not only generated ones")
    groups, grouping = clip_groups(clips[:n_own], cfg.sessions_by_look)
    n_groups = len(set(groups))
    # Holding a group out predicts a new person only for actions another group taught too; when
    # none is, clips are held out in turn instead (the report then says no new person is predicted).
    groups_of: dict[int, set[str]] = {}
    for c, g in zip(clips, groups):
        groups_of.setdefault(c.label, set()).add(g)
    person_groups = n_groups >= 2 and any(len(gs) >= 2 for gs in groups_of.values())
    # one person or session: clips held out in turn still choose the head (but predict no new person)
    fold_groups = groups if person_groups else [f"clip {k}" for k in range(n_own)]
    folds = group_folds(fold_groups)
    fold_groups = fold_groups + ["\0generated"] * len(generated)  # in no fold: never held out
    aug = _train_windows(clips, cfg, augmented=True)
    aug_all = pool_windows(aug.x)
    clean = _train_windows(clips, cfg, augmented=False)
    clean_all = pool_windows(clean.x)
    dim = aug.x.shape[2]

    def columns(stats: Sequence[str]) -> np.ndarray:
        return np.concatenate([np.arange(i * dim, (i + 1) * dim) for i, k in enumerate(STATISTICS) if k in stats])

    cols = {fs: columns(FEATURE_SETS[fs]) for fs in cfg.feature_sets}
    clean_mean_unit = unit_rows(clean.x.mean(1))
    aug_mean_unit = unit_rows(aug.x.mean(1))
    clip_group = np.array(fold_groups)
    gen_aug = aug.clip >= n_own  # generated clips come last
    own_clean = clean.clip < n_own
    candidates = [(fs, h, l2) for fs in cfg.feature_sets for h in cfg.heads
                  for l2 in (cfg.l2 if h != "prototype" else (0.0,))]
    # held-out clip probabilities per candidate
    clip_probs = {cand: np.zeros((len(clips), classes), np.float32) for cand in candidates}
    win_right = {cand: 0 for cand in candidates}
    held_dist = np.full(len(clean.y), np.nan, np.float32)  # each clean window's distance, its group held out
    covered = np.zeros(len(clean.y), bool)  # held out while its action was still taught by another group
    win_prob = {cand: np.zeros((len(clean.y), classes), np.float32) for cand in candidates}
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
            idx = _fit_index(tr, gen_aug, cfg.max_train_windows)
            # novelty of held-out windows against the training groups' own clips (distance only)
            sim = (clean_mean_unit[te] @ aug_mean_unit[idx[~gen_aug[idx]]].T).max(1)
            held_dist[te] = 1.0 - sim
            covered[te] = np.isin(clean.y[te], np.unique(aug.y[tr]))
            # Per feature set, one standardiser, one basis and one logistic fit per L2 strength
            # serve all head kinds.
            fits = {fs: _fit(aug_all[idx][:, c], aug.y[idx], classes, cfg.l2, cfg) for fs, c in cols.items()}
            for cand in candidates:
                fs, head, l2 = cand
                lg = _logits(_params(fits[fs], head, l2), clean_all[te][:, cols[fs]], cfg)
                win_right[cand] += int((lg.argmax(1) == clean.y[te]).sum())
                p = softmax_rows(lg)
                win_prob[cand][te] = p
                for ci in np.flatnonzero(test_clip):
                    clip_probs[cand][ci] = p[clean.clip[te] == ci].mean(0)
            step += 1
            if progress is not None:
                progress("cross-validation", step / n_steps)
    y_clip = np.array([c.label for c in clips[:n_own]])

    def score(cand) -> tuple[float, float]:
        pred = clip_probs[cand][:n_own].argmax(1)
        ll = -np.log(np.maximum(clip_probs[cand][np.arange(n_own), y_clip], 1e-6)).mean()
        return float((pred == y_clip).mean()), -float(ll)

    if can_validate:
        chosen = max(candidates, key=score)
    else:
        chosen = (cfg.feature_sets[0], "ensemble", cfg.l2[len(cfg.l2) // 2])
    name = lambda c: f"{c[0]}: " + (c[1] if c[1] == "prototype" else f"{c[1]} l2={c[2]:g}")  # noqa: E731
    cm = np.zeros((classes, classes), np.int64)
    preds = clip_probs[chosen][:n_own].argmax(1)
    for t, p in zip(y_clip, preds):
        cm[t, p] += 1
    confusable = []
    for a in range(classes):
        n_a = max(1, int(cm[a].sum()))
        for b in range(classes):
            if a != b and cm[a, b] / n_a >= 0.25:
                confusable.append((labels[a], labels[b], round(float(cm[a, b] / n_a), 3)))
    report = CVReport(
        method=("session-out" if grouping == "inferred" else "person-out") if person_groups else "clip-out",
        folds=len(folds) if can_validate else 0,
        clip_accuracy=float((preds == y_clip).mean()) if can_validate else float("nan"),
        window_accuracy=float(win_right[chosen] / max(1, int(own_clean.sum()))) if can_validate else float("nan"),
        windows=int(own_clean.sum()) if can_validate else 0,
        confusion=cm.tolist(), labels=labels,
        groups=n_groups, grouping=grouping,
        candidates={name(c): round(score(c)[0], 4) for c in candidates} if can_validate else {},
        chosen=name(chosen),
        clip_predictions=[(c.name, labels[c.label], labels[int(p)]) for c, p in zip(clips, preds)] if can_validate else [],
        confusable=confusable,
    )
    # final fit on every clip
    idx = _fit_index(np.ones(len(aug.y), bool), gen_aug, cfg.max_train_windows)
    fs, head, l2 = chosen
    fit = _fit(aug_all[idx][:, cols[fs]], aug.y[idx], classes, (l2,) if head != "prototype" else (), cfg)
    params = _params(fit, head, l2)
    own_aug = np.flatnonzero(~gen_aug)
    bank_idx = own_aug[subsample(len(own_aug), MAX_NOVELTY_PROTOTYPES)]
    # A held-out group whose action nobody else taught is untaught material, not a new person.
    seen = covered & ~np.isnan(held_dist)
    held = held_dist[seen]
    untaught = untaught_distances(clean_mean_unit[own_clean], clean.y[own_clean], aug_mean_unit[~gen_aug],
                                  aug.y[~gen_aug], labels, MAX_NOVELTY_PROTOTYPES)
    cal = calibrate_threshold(held, untaught, grouped=person_groups, quantile=cfg.threshold_quantile,
                              margin=cfg.threshold_margin, bound=cfg.novelty_bound)
    scale, threshold = cal.scale, cal.threshold
    report.single_group_actions = [lab for a, lab in enumerate(labels) if not (seen & (clean.y == a)).any()
                                   and not is_background(lab)] if person_groups else []
    if can_validate and person_groups and seen.any():
        fig = new_person_figures(win_prob[chosen][seen], clean.clip[seen], clean.y[seen], held_dist[seen] / scale,
                                 y_clip, threshold)
        report.new_person_clip_accuracy = round(fig["clips"], 4)
        report.new_person_live_accuracy = round(fig["live_labels"], 4)
        report.new_person_accepted = round(fig["accepted"], 4)
    mu, inv_sd, W, b, protos, w_lin, w_proto = params
    model = FewShotModel(train_labels=labels, mu=mu, inv_sd=inv_sd, W=W, b=b, protos=protos,
                         proto_scale=cfg.proto_scale, w_lin=w_lin, w_proto=w_proto,
                         novelty_bank=aug_mean_unit[bank_idx].astype(np.float32), novelty_scale=scale,
                         threshold=threshold, stats=tuple(FEATURE_SETS[fs]))
    calib = cal.figures
    return model, report, calib
