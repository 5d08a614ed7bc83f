"""Teach silent commands: a "lip-words" bundle from a few clips per word or phrase, without torch.

The clips go through the same stages the app runs on them (``engine/tasks.py``, task "lip-words"):

    clip -> frames on the model clock (25 fps, the lip reader's) -> the lip task's mouth stage
      (MTCNN face locator, causal stabilised crop; ``engine/lips/mouth.py``) -> the lip reader's
      per-frame backbone (``resources/bundles/grid-lips/backbone.onnx``: 48x96 mouth crop -> 192-d)
      -> feature sequence (n, 192) per appearance view (clean, mirrored, dimmer and flatter)
      -> the few-shot recipe of :mod:`models.fewshot` (pooled temporal statistics over windows of
         T ticks, speed jitter, a linear/prototype head chosen by leave-one-group-out CV, a
         ``novelty`` output with an open-set threshold) -> head.onnx

The bundle holds copies of the source lip bundle's backbone and face graphs and the new head; its manifest says task "lip-words", so the engine
crops the mouth first and decodes labels like actions (uncertain, unknown), and says "unknown"
while the mouth does not move as in speech (``engine/lips/words.py``; a still mouth otherwise gets
a confident word, as the head has only seen words being said).

The window length T defaults to the taught clips' length (most of the shortest clip, at least
6 ticks, at most 2 s): a single GRID word with a few frames of margin lasts 10-20 frames, a
phrase a second or more, and a window longer than a clip would only ever see the clip padded.

Only numpy, OpenCV, onnx and ONNX Runtime run here (never torch), so an installed app can teach.
"""

from __future__ import annotations

import threading
import time
from dataclasses import asdict, fields
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

from engine.bundles import (
    BACKBONE_FILE,
    load_bundle,
    shipped_bundles_dir,
)
from engine.bundles.preprocess import preprocess
from engine.core.runtime import make_session
from engine.core.stages import run_stages
from engine.core.window import ModelClock
from engine.io.sources import open_source
from engine.lips.face import FACE_FILES
from engine.tasks import TASKS
from models.data import Cancelled, DatasetError
from models.fewshot.bundle import FewShotResult, teaching_warnings, write_fewshot_bundle
from models.fewshot.fit import ClipFeatures, FewShotConfig, fit_fewshot
from models.fewshot.model import is_background

Progress = Callable[[str, float], None]

TASK = "lip-words"
SOURCE_BUNDLE = "grid-lips"  # the shipped lip bundle whose backbone and face locator are reused
MIN_WINDOW = 6  # ticks: under a quarter second, a window sees too little of a word
MAX_WINDOW_S = 2.0  # the longest window; a longer phrase is recognised from its parts
VIEWS = ("clean", "mirror", "dim")  # appearance views per clip (each is a backbone pass)


def default_source() -> Path:
    """The shipped lip bundle that lip-words bundles are built on."""
    return shipped_bundles_dir() / SOURCE_BUNDLE


def _views(crop: np.ndarray, n: int) -> list[np.ndarray]:
    """The crop under ``n`` appearance views: as it is, mirrored (a face is about symmetric; the
    other side of the mouth, or a camera that mirrors), dimmer and flatter (other light)."""
    out = [crop]
    if n > 1:
        out.append(np.ascontiguousarray(crop[:, ::-1]))
    if n > 2:
        out.append(np.clip(crop.astype(np.float32) * 0.75 + 24, 0, 255).astype(np.uint8))
    return out[:n]


class MouthFeatureExtractor:
    """Per-frame mouth features of a clip, as the engine computes them for a lip-words bundle:
    the lip task's frame stages of ``source`` (a lip bundle with a face locator), its input spec
    and its backbone.onnx, on its model clock."""

    def __init__(self, source: str | Path | None = None, *, threads: int | None = 1) -> None:
        self.bundle = load_bundle(source or default_source())
        m = self.bundle.manifest
        if m.input.roi != "mouth" or not all((self.bundle.root / f).is_file() for f in FACE_FILES):
            raise DatasetError(f"{self.bundle.root} is not a lip bundle with a face locator; "
                               f"teach lip words from {default_source()}")
        self.spec = m.input
        self.sample_fps = m.window.sample_fps
        self.feature_dim = m.feature_dim
        self._stages = TASKS[TASK].frame_stages(self.bundle)
        self._session, _ = make_session(self.bundle.backbone_path, "cpu", threads)

    def clip(self, path: str | Path, views: int = 1) -> tuple[list[np.ndarray], float]:
        """(one (n_ticks, D) feature sequence per view, share of ticks where a face was seen)."""
        for stage in self._stages:
            stage.reset()  # every clip starts as a new source does
        clock = ModelClock(self.sample_fps)
        crops: list[list[np.ndarray]] = [[] for _ in range(views)]
        faces = ticks = 0
        with open_source(path) as src:
            for frame in src:
                fill = clock.ticks_for(frame.pts_s)
                if not fill:
                    continue
                crop, regions = run_stages(self._stages, frame.image)
                seen = any(r.name == "mouth" for r in regions)
                for v, im in enumerate(_views(crop, views)):
                    crops[v].extend([im] * len(fill))
                faces += seen * len(fill)
                ticks += len(fill)
        if not ticks:
            raise DatasetError(f"{path} has no frames to learn from")
        seqs = []
        for v in range(views):
            x = preprocess(crops[v], self.spec)  # (n, 3, h, w) float32
            feats = [self._session.run(["features"], {"frames": x[i : i + 64]})[0] for i in range(0, len(x), 64)]
            seqs.append(np.concatenate(feats).astype(np.float32))
        return seqs, faces / ticks


def auto_window(ticks: Sequence[int], sample_fps: float) -> int:
    """T for clips of ``ticks`` lengths: most of the shortest clip, within [MIN_WINDOW, 2 s]."""
    shortest = min(ticks)
    return int(max(MIN_WINDOW, min(round(0.9 * shortest), round(MAX_WINDOW_S * sample_fps))))


def train_lip_bundle(
    clips: dict[str, list[Path]],
    out: Path,
    *,
    source: str | Path | None = None,
    groups: dict[str, str] | None = None,
    requires_speaking: bool = True,
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
    **options,
) -> FewShotResult:
    """Teach a lip-words bundle from ``{label: [clip paths]}`` and write it to ``out``.

    ``source``: the lip bundle whose backbone and face locator are reused (default: the shipped
    grid-lips); ``groups``: clip path -> group for cross-validation (default: each clip is its
    own group, i.e. leave-one-clip-out); ``requires_speaking``: the app says "unknown" for a
    window in which the mouth did not move as in speech (``engine/lips/words.py``; turn it off for
    a face whose silent words the speech-activity signal misses); ``options`` override :class:`FewShotConfig` fields
    (``window`` defaults to :func:`auto_window` of the clips, ``sample_fps`` is the source's).
    ``progress(stage, fraction)`` is called on this thread; ``cancel`` stops at the next clip or
    fold with :class:`Cancelled`. The figures in the result are cross-validated.
    """
    t0 = time.perf_counter()
    labels = [lab for lab, paths in clips.items() if paths]
    if sum(not is_background(lab) for lab in labels) < 2:
        raise DatasetError('teaching needs at least two words or phrases (besides "none of these") with a clip each')
    extractor = MouthFeatureExtractor(source)
    cfg = FewShotConfig(sample_fps=extractor.sample_fps, views=len(VIEWS))
    names = {f.name for f in fields(cfg)}
    for key, value in options.items():
        if key not in names:
            raise TypeError(f"train_lip_bundle() got an unknown option {key!r}")
        setattr(cfg, key, value)
    if cfg.sample_fps != extractor.sample_fps:
        raise DatasetError(f"lip features run on the lip bundle's clock ({extractor.sample_fps:g} fps), "
                           f"not {cfg.sample_fps:g}")
    items = [(Path(p), li, lab) for li, lab in enumerate(labels) for p in clips[lab]]
    feats: list[ClipFeatures] = []
    no_face: list[str] = []
    for k, (path, li, lab) in enumerate(items):
        if cancel is not None and cancel.is_set():
            raise Cancelled("teaching cancelled while reading the clips")
        seqs, face_share = extractor.clip(path, cfg.views)
        if face_share < 0.5:
            no_face.append(path.name)
        group = (groups or {}).get(str(path), str(path.resolve()))
        feats.append(ClipFeatures(seqs, li, group, path.name))
        if progress is not None:
            progress("features", (k + 1) / len(items))
    if no_face:
        raise DatasetError(f"no face was found in most of {', '.join(no_face)}; record the face from the front, "
                           "lit well, with the mouth in view")
    if "window" not in options:
        cfg.window = auto_window([len(c.views[0]) for c in feats], cfg.sample_fps)
    t1 = time.perf_counter()

    def stage(nm: str):
        return (lambda _s, f: progress(nm, f)) if progress else None

    model, cv, calib = fit_fewshot(feats, labels, cfg, progress=stage("training"), cancel=cancel)
    t2 = time.perf_counter()
    if cancel is not None and cancel.is_set():
        raise Cancelled("teaching cancelled before the bundle was written")
    counts = {lab: len(clips[lab]) for lab in labels}
    warnings = teaching_warnings(counts, cv)
    has_cv = cv.folds > 0
    training = {
        "recipe": "fewshot-lips", "source_bundle": extractor.bundle.manifest.name,
        "config": {k: (list(v) if isinstance(v, tuple) else v) for k, v in asdict(cfg).items()},
        "views": list(VIEWS[: cfg.views]), "clips": counts, "cv": cv.to_json(),
        "test_accuracy": round(cv.window_accuracy, 4) if has_cv else None,
        "clip_accuracy": round(cv.clip_accuracy, 4) if has_cv else None,
        "evaluation": f"leave-one-{'person' if cv.method == 'person-out' else 'clip'}-out cross-validation",
        "warnings": warnings,
    }
    if progress:
        progress("export", 0.0)
    description = ("silent words taught in the Kinesight app from "
                   + ", ".join(f"{counts[lab]} {lab}" for lab in labels) + " clips")
    out = write_lip_words_bundle(out, model, extractor.bundle, cfg, name=Path(out).name, description=description,
                                 training=training, calibration=calib, requires_speaking=requires_speaking)
    t3 = time.perf_counter()
    if progress:
        progress("done", 1.0)
    seconds = {"features": round(t1 - t0, 2), "fit": round(t2 - t1, 2), "export": round(t3 - t2, 2),
               "total": round(t3 - t0, 2)}
    return FewShotResult(out, cv, load_bundle(out).manifest.open_set, seconds, len(items), warnings)


def write_lip_words_bundle(out: str | Path, model, source, cfg: FewShotConfig, *, name: str, description: str = "",
                           training: dict[str, Any] | None = None, calibration: dict[str, Any] | None = None,
                           requires_speaking: bool = True) -> Path:
    """Write a checked lip-words bundle: ``source``'s backbone and face graphs, ``model``'s head."""
    sm = source.manifest
    return write_fewshot_bundle(
        out, model, backbone=source.root / BACKBONE_FILE, spec=sm.input, feature_dim=sm.feature_dim,
        backbone_name=sm.backbone, cfg=cfg, name=name, description=description, training=training,
        # A still mouth is not a word: windows without speech are "unknown".
        open_set={"requires_speaking": bool(requires_speaking), "calibration": calibration or {}},
        task=TASK, extra_files={f: source.root / f for f in FACE_FILES}, attribution=sm.attribution,
        created_by="kinesight models.teach_lips")


__all__ = ["MouthFeatureExtractor", "TASK", "auto_window", "default_source", "train_lip_bundle",
           "write_lip_words_bundle"]
