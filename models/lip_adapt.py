"""Adapt a lip reader to a new face from a few prompted sentences (issue #23 part 3).

The shipped ``grid-lips`` reader knows GRID speaker 1. A user says N sentences of the bundle's
grammar to the camera (the app's guided session, or clips with known words); adaptation then
makes a NEW bundle for that face, the base bundle is left as it is:

1. feature normalisation: the new face's backbone features are mapped per dimension onto the
   training speaker's mean and spread (``scale``, ``shift``, baked into the head graph's input);
2. the head's output layer is re-fitted on frame targets from a forced alignment of the known
   words (numpy, torch-free: what the installed app does);
3. with ``[train]`` (torch importable) and ``method="auto"`` or ``"torch"``, the whole head is
   fine-tuned instead (CTC + frame cross-entropy), which reads better;
4. the speaker check (``lip_novelty.npz``) is re-fitted on the new face's frames, so "cannot
   read this face" now means "not the face it was adapted to".

The report gives the cross-validated WER on the user's own sentences (each sentence read by a
bundle adapted without it) beside the unadapted WER on the same sentences.

A session folder holds the clips and ``session.json``::

    {"format": "kinesight-lip-session", "format_version": 1, "bundle": "grid-lips",
     "sentences": [{"file": "s01.mp4", "words": ["bin", "blue", "at", "f", "two", "now"]}, ...]}

    kinesight adapt grid-lips SESSION_DIR --out my-lips
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from engine.core.errors import KinesightError

SESSION_FILE = "session.json"
SESSION_FORMAT = "kinesight-lip-session"
MIN_SENTENCES = 5  # fewer cannot be cross-validated or fitted
SUGGESTED_SENTENCES = 20  # what the measurements in docs/lip-mode.md use
METHODS = ("auto", "numpy", "torch")


class AdaptError(KinesightError):
    """Adaptation cannot run: too few sentences, words outside the grammar, a bundle that is no
    sentence reader, clips without a face. The message says what to do."""


class AdaptCancelled(AdaptError):
    """The user cancelled adaptation; nothing was written."""


@dataclass(frozen=True)
class AdaptSentence:
    """One prompted sentence: the clip of the user saying it and its words (grammar order)."""

    clip: Path
    words: tuple[str, ...]


@dataclass
class AdaptReport:
    """What adaptation made and how well it reads the user's own sentences."""

    bundle: Path  # the new bundle's folder
    method: str  # "normalise + output layer" or "normalise + whole head (torch)"
    sentences: int
    unadapted_wer: float  # the base bundle on the same sentences
    cv_wer: float  # cross-validated: each sentence read by a bundle adapted without it
    folds: int
    seconds: float
    face_frames: int
    notes: list[str] = field(default_factory=list)  # plain warnings (few sentences, faceless clips)

    def lines(self) -> list[str]:
        """The report as short English lines (the GUI translates its own)."""
        out = [f"Adapted bundle: {self.bundle}",
               f"Method: {self.method}, {self.sentences} sentences, {self.seconds:.0f} s",
               f"Word error rate on your sentences: {100 * self.cv_wer:.1f} % adapted "
               f"(cross-validated, {self.folds} folds) vs {100 * self.unadapted_wer:.1f} % before"]
        return out + self.notes


def prompt_sentences(bundle: Path, n: int, seed: int | None = None) -> list[tuple[str, ...]]:
    """``n`` sentences of the bundle's grammar for a guided session, each slot's words used as
    evenly as ``n`` allows (every letter and digit at least once from 26 sentences on)."""
    slots = _grammar_slots(Path(bundle))
    rng = np.random.default_rng(seed)
    columns = []
    for slot in slots:
        cycle: list[str] = []
        while len(cycle) < n:
            cycle.extend(rng.permutation(slot).tolist())
        columns.append(cycle[:n])
    return [tuple(col[i] for col in columns) for i in range(n)]


def _grammar_slots(bundle: Path) -> list[list[str]]:
    path = bundle / "grammar.json"
    if not path.is_file():
        raise AdaptError(f"{bundle.name} has no sentence grammar (grammar.json), so there is nothing to prompt or "
                         "align; adapt a sentence reader such as grid-lips.")
    try:
        return [list(s) for s in json.loads(path.read_text(encoding="utf-8"))["slots"]]
    except (ValueError, KeyError, TypeError) as exc:
        raise AdaptError(f"{path} is damaged ({exc}); reinstall or re-export the bundle.") from exc


def adapted_bundle_path(base_name: str) -> Path:
    """A new folder among the user's bundles for ``base_name`` adapted: ``<base>-adapted``, then
    ``-adapted-2``... (never an existing one)."""
    from engine.bundles import user_bundles_dir

    root = user_bundles_dir()
    path, k = root / f"{base_name}-adapted", 2
    while path.exists():
        path, k = root / f"{base_name}-adapted-{k}", k + 1
    return path


def load_session(folder: Path) -> list[AdaptSentence]:
    """The sentences of a session folder (``session.json``); AdaptError when it is missing,
    damaged or names a clip that is not there."""
    folder = Path(folder)
    path = folder / SESSION_FILE
    if not path.is_file():
        raise AdaptError(f"{folder} holds no {SESSION_FILE}; record a guided session in the app "
                         "(Adapt Lip Reading to My Face…) or write one (docs/lip-mode.md).")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("format") != SESSION_FORMAT:
            raise ValueError(f"format is {data.get('format')!r}, not {SESSION_FORMAT!r}")
        items = [(str(e["file"]), tuple(str(w) for w in e["words"])) for e in data["sentences"]]
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise AdaptError(f"{path} is damaged ({exc}); record the session again or fix the file.") from exc
    out = []
    for name, words in items:
        clip = (folder / name).resolve()
        if folder.resolve() not in clip.parents:
            raise AdaptError(f"{path} names {name!r}, outside the session folder; clips must lie inside it.")
        if not clip.is_file():
            raise AdaptError(f"{path} names {name}, which is not in {folder}; put the clip back or remove its entry.")
        out.append(AdaptSentence(clip, words))
    return out


def write_session(folder: Path, bundle_name: str, sentences: Sequence[AdaptSentence]) -> Path:
    """Write ``session.json`` for clips inside ``folder`` (paths stored relative to it)."""
    folder = Path(folder)
    entries = [{"file": Path(s.clip).resolve().relative_to(folder.resolve()).as_posix(), "words": list(s.words)}
               for s in sentences]
    path = folder / SESSION_FILE
    tmp = path.with_suffix(".json.part")
    tmp.write_text(json.dumps({"format": SESSION_FORMAT, "format_version": 1, "bundle": bundle_name,
                               "sentences": entries}, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    tmp.replace(path)
    return path


@dataclass
class _Clip:
    """A sentence's frames, prepared once (frame stages + preprocessing) and read many times."""

    sentence: AdaptSentence
    frames: list  # SampledFrame with the tensor (and a stub image)
    feats: np.ndarray  # (ticks, D) backbone features, one per prepared frame
    face: np.ndarray  # (ticks,) bool
    end_s: float


def _capture(rec, sentence: AdaptSentence) -> _Clip:
    from dataclasses import replace as dc_replace

    from engine.io.sources import open_source

    stub = np.zeros((1, 1, 3), np.uint8)
    frames = []
    rec.reset(0.0)
    with open_source(sentence.clip) as src:
        last = 0.0
        for frame in src:
            last = frame.pts_s
            s = rec.sample(frame)
            if s is None:
                continue
            rec.prepare(s)
            s.frame = dc_replace(s.frame, image=stub)
            frames.append(s)
        end_s = src.duration_s or (last + 1.0 / max(1.0, src.fps or 25.0))
    if not frames:
        return _Clip(sentence, [], np.zeros((0, rec.manifest.feature_dim), np.float32), np.zeros(0, bool), end_s)
    feats = rec.features(np.stack([s.tensor[0] for s in frames]))
    face = np.array([any(r.name == "mouth" for r in s.regions) for s in frames])
    return _Clip(sentence, frames, feats, face, end_s)


def _read(rec, clip: _Clip) -> list[str]:
    """The words ``rec``'s bundle reads in the clip (the engine's own path from the frame stages on)."""
    rec.reset(0.0)
    for i in range(0, len(clip.frames), 16):
        rec.infer(clip.frames[i:i + 16])
    return [t.text for t in rec.finish(clip.end_s)]


def _wer(ref: Sequence[str], hyp: Sequence[str]) -> int:
    from models.lipread import wer

    return wer(list(ref), list(hyp))


class _Fitter:
    """Fits the adapted head for a subset of the session's clips (see the module docstring)."""

    def __init__(self, base, method: str, threads: int, cancel) -> None:
        from models.lip_adapt_head import HeadGraph

        self.base = base
        self.labels = base.labels
        self.window = base.manifest.window.window_length
        self.graph = HeadGraph.load(base.head_path)
        self.method = method
        self.threads = threads
        self.cancel = cancel
        with np.load(Path(base.root) / "lip_novelty.npz", allow_pickle=False) as nv:
            self.ref_mean = nv["mean"].astype(np.float64)
            comps, ev, resid = nv["comps"].astype(np.float64), nv["eigvals"].astype(np.float64), float(nv["resid_var"])
        # per-dimension variance of the training speaker's features under the bundle's PPCA model
        self.ref_var = (comps ** 2 * ev[:, None]).sum(0) + resid * np.clip(1 - (comps ** 2).sum(0), 0, 1)

    def _stopped(self) -> bool:
        return self.cancel is not None and self.cancel.is_set()

    def fit(self, clips: Sequence[_Clip]):
        """(head ModelProto, novelty statistics) adapted to ``clips``."""
        from models.lip_adapt_head import HeadGraph, finetune_head, forced_targets, per_frame, refit_output, session
        from models.lip_novelty import fit as fit_novelty

        raw = np.concatenate([c.feats[c.face] for c in clips]).astype(np.float64)
        mu, sd = raw.mean(0), raw.std(0)
        scale = np.clip(np.sqrt(self.ref_var) / (sd + 1e-3), 0.0, 10.0)
        shift = self.ref_mean - mu * scale
        affine = HeadGraph(self.graph.with_input_affine(scale, shift))
        sess = session(affine.with_hidden(), self.threads)
        w0, b0 = affine.output_layer()
        t = self.window
        rows = []  # per clip: windows (k, T, D) raw, hidden (k, T, H), face
        for c in clips:
            if len(c.feats) < t:
                continue  # shorter than the window: normalisation only
            wins = np.stack([c.feats[i - t + 1:i + 1] for i in range(t - 1, len(c.feats))]).astype(np.float32)
            _, hidden = sess.run(None, {affine.input: wins})
            rows.append((c, wins, hidden))
        if not rows:
            raise AdaptError(f"every sentence is shorter than the reader's {t}-frame window; record sentences of "
                             f"at least {t / self.base.manifest.window.sample_fps:.1f} s.")

        def targets(w, b):
            hs, ys = [], []
            for c, _, hidden in rows:
                lp = _log_softmax(per_frame(hidden @ w + b))
                tok = forced_targets(lp, c.sentence.words, self.labels, c.face[:len(lp)])
                for k in range(len(hidden)):
                    hs.append(hidden[k])
                    ys.append(tok[k:k + t])
            return np.concatenate(hs), np.concatenate(ys)

        if self.method == "torch":
            h, y = targets(w0, b0)
            wins = np.concatenate([wins for _, wins, _ in rows]) * scale.astype(np.float32) + shift.astype(np.float32)
            ids = np.array([[self.labels.index(x) for x in c.sentence.words] for c, wins_, _ in rows
                            for _ in range(len(wins_))])
            new = finetune_head(self.graph, wins.astype(np.float32), y.reshape(len(wins), t), ids,
                                threads=self.threads, cancel=self._stopped)
            weights = new
        else:
            w, b = w0, b0
            for steps in (300, 150):  # align with the current layer and fit; align again with the new one
                h, y = targets(w, b)
                w, b = refit_output(h, y, w0, b0, init=(w, b), steps=steps, cancel=self._stopped)
            weights = {affine.w_name: w, affine.b_name: b}
        if self._stopped():
            raise AdaptCancelled("adaptation was cancelled; nothing was written.")
        return affine.with_weights(weights), fit_novelty(raw)


def _log_softmax(x: np.ndarray) -> np.ndarray:
    from engine.lips.grammar import log_softmax

    return log_softmax(x)


def _write_bundle(base, out: Path, head_model, stats: dict, name: str, adaptation: dict) -> Path:
    """A copy of ``base`` at ``out`` with the adapted head, the new face's speaker check and the
    adaptation's provenance in the manifest (name, version, description)."""
    import shutil

    import onnx

    from engine.bundles import load_bundle, sha256_of
    from models.lip_novelty import write as write_novelty

    out.mkdir(parents=True, exist_ok=True)
    for f in Path(base.root).iterdir():
        if f.is_file() and f.name not in ("head.onnx", "lip_novelty.npz", "manifest.json", "README.md"):
            shutil.copy2(f, out / f.name)
    onnx.save(head_model, str(out / "head.onnx"))
    data = json.loads((Path(base.root) / "manifest.json").read_text(encoding="utf-8"))
    data["name"] = name
    data["version"] = "1.0"
    data["files"]["head.onnx"] = sha256_of(out / "head.onnx")
    data["files"].pop("lip_novelty.npz", None)
    data["description"] = (f"{base.manifest.name} adapted to one face from {adaptation['sentences']} of its sentences. "
                           + (base.manifest.description or ""))
    training = dict(data.get("training") or {})
    data["training"] = {"adapted_from": {"bundle": base.manifest.name, "version": base.manifest.version,
                                         "base_training": {k: training[k] for k in ("dataset", "val_wer") if k in training}},
                        "adaptation": adaptation}
    (out / "manifest.json").write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    write_novelty(out, stats, {"source": "the adapted face's backbone features (its session's face frames)",
                               "speaker": "the adapted face", "frames": int(adaptation.get("face_frames", 0)),
                               "clips": adaptation["sentences"]})
    load_bundle(out)
    return out


def adapt_bundle(base: Path, sentences: Sequence[AdaptSentence], out: Path, *, name: str | None = None,
                 method: str = "auto", threads: int = 2,
                 progress: Callable[[str, float], None] | None = None,
                 cancel: threading.Event | None = None) -> AdaptReport:
    """Adapt the lip bundle at ``base`` to the face in ``sentences``; write the new bundle to
    ``out`` (a new folder; AdaptError if it exists and is not empty). ``progress(stage, fraction)``
    is called from this thread; ``cancel`` set stops it with AdaptCancelled, writing nothing."""
    import shutil
    import tempfile
    import time

    from engine.bundles import load_bundle
    from engine.core.settings import EngineSettings
    from engine.pipeline import Recognizer

    t0 = time.perf_counter()
    report = progress or (lambda stage, frac: None)
    out = Path(out)
    bundle = load_bundle(base)
    if bundle.manifest.task != "lip":
        raise AdaptError(f"{bundle.manifest.name} is a {bundle.manifest.task!r} bundle; adaptation is for lip "
                         "readers (task 'lip'), such as grid-lips.")
    if (bundle.manifest.training or {}).get("adaptation"):
        src = bundle.manifest.training["adapted_from"]["bundle"]
        raise AdaptError(f"{bundle.manifest.name} is already adapted to a face; adapt {src} instead, with all "
                         "your sentences.")
    if not (Path(bundle.root) / "lip_novelty.npz").is_file():
        raise AdaptError(f"{bundle.manifest.name} carries no speaker statistics (lip_novelty.npz) to adapt towards; "
                         "re-make them with python -m models.lip_novelty.")
    slots = _grammar_slots(Path(bundle.root))
    if method not in METHODS:
        raise AdaptError(f"method must be one of {', '.join(METHODS)}, not {method!r}")
    if method in ("auto", "torch"):
        try:
            import torch  # noqa: F401
            method = "torch"
        except ImportError:
            if method == "torch":
                raise AdaptError("method 'torch' needs the training extra: pip install 'kinesight[train]'") from None
            method = "numpy"
    if len(sentences) < MIN_SENTENCES:
        raise AdaptError(f"{len(sentences)} sentences are too few; say at least {MIN_SENTENCES} "
                         f"({SUGGESTED_SENTENCES} read much better).")
    for s in sentences:
        if len(s.words) != len(slots) or any(w not in slot for w, slot in zip(s.words, slots)):
            raise AdaptError(f"{Path(s.clip).name}: {' '.join(s.words)!r} is not a sentence of the reader's grammar "
                             f"({' / '.join('|'.join(slot[:4]) + ('…' if len(slot) > 4 else '') for slot in slots)}).")
    if out.exists() and any(out.iterdir()):
        raise AdaptError(f"{out} exists and is not empty; choose a new folder for the adapted bundle.")
    settings = EngineSettings(device="cpu", realtime=False, threads=threads)
    rec = Recognizer(bundle, settings)
    clips, notes = [], []
    for i, s in enumerate(sentences):
        if cancel is not None and cancel.is_set():
            raise AdaptCancelled("adaptation was cancelled; nothing was written.")
        report("reading clips", i / len(sentences))
        try:
            c = _capture(rec, s)
        except KinesightError as exc:
            raise AdaptError(f"{Path(s.clip).name}: {exc}") from exc
        share = float(c.face.mean()) if len(c.face) else 0.0
        if share < 0.5:
            notes.append(f"{Path(s.clip).name}: a face in {share * 100:.0f} % of its frames; left out.")
            continue
        clips.append(c)
    if len(clips) < MIN_SENTENCES:
        raise AdaptError(f"only {len(clips)} of {len(sentences)} clips show a face most of the time; record again "
                         "facing the camera, the mouth well lit and unhidden.")
    fitter = _Fitter(bundle, method, threads, cancel)
    folds = min(5, len(clips))
    order = np.random.default_rng(0).permutation(len(clips))
    errs_base = errs_cv = words = 0
    with tempfile.TemporaryDirectory(prefix="kinesight-adapt-") as tmp:
        for f in range(folds):
            report("cross-validating", f / (folds + 1))
            held = [clips[i] for i in order[f::folds]]
            train = [clips[i] for i in order if i not in set(order[f::folds])]
            head, stats = fitter.fit(train)
            fold_dir = _write_bundle(bundle, Path(tmp) / f"fold{f}", head, stats, "fold",
                                     {"sentences": len(train), "method": method})
            fold_rec = Recognizer(fold_dir, settings)
            for c in held:
                errs_cv += _wer(c.sentence.words, _read(fold_rec, c))
                errs_base += _wer(c.sentence.words, _read(rec, c))
                words += len(c.sentence.words)
            shutil.rmtree(fold_dir, ignore_errors=True)
    report("adapting", folds / (folds + 1))
    head, stats = fitter.fit(clips)
    label = "normalise + whole head (torch)" if method == "torch" else "normalise + output layer"
    face_frames = int(sum(c.face.sum() for c in clips))
    result = AdaptReport(out, label, len(clips), errs_base / words, errs_cv / words, folds,
                         time.perf_counter() - t0, face_frames, notes)
    adaptation = {"sentences": len(clips), "method": label, "face_frames": face_frames,
                  "unadapted_wer": round(result.unadapted_wer, 4), "cv_wer": round(result.cv_wer, 4),
                  "folds": folds, "made_by": "models/lip_adapt.py",
                  "session": [{"file": Path(c.sentence.clip).name, "words": list(c.sentence.words)} for c in clips]}
    if cancel is not None and cancel.is_set():
        raise AdaptCancelled("adaptation was cancelled; nothing was written.")
    try:
        _write_bundle(bundle, out, head, stats, name or f"{bundle.manifest.name}-adapted", adaptation)
    except BaseException:
        shutil.rmtree(out, ignore_errors=True)
        raise
    result.seconds = time.perf_counter() - t0
    report("done", 1.0)
    return result
