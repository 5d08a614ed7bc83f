"""The pose frame stage: one person's 33 keypoints per tick for action bundles that read the body
(``input.roi`` "pose", "pose+full" or "pose+person").

The stage runs :class:`~engine.pose.estimator.PoseEstimator` (detect, then track; "no person"
is its own state: no region, and body features of zeros with ``present`` = 0). What it found
travels as a ``Region("person", box, points)``: the box around the visible keypoints and the 33
keypoints as (x, y, visibility) in source pixels, for the skeleton overlay and the exports. The
tick's body features (:func:`tick_features`) are computed from that region, so the engine and
teaching (which runs this same stage over a clip's frames) see the same numbers.

What goes on to the backbone depends on the roi: nothing ("pose": the keypoints alone), the
whole frame ("pose+full"), or a square crop around the person ("pose+person"; the whole frame
while no person is found).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from engine.core.prediction import PERSON_REGION, Region
from engine.pose.estimator import DETECTOR_FILE, LANDMARK_FILE, MODELS_DIR, PoseEstimator
from engine.pose.features import FEATURE_DIM, body_features

#: the region name a pose stage reports, and the one the GUI draws as a skeleton
PERSON = PERSON_REGION
#: changes whenever the stage's output for the same frames changes (teaching's feature cache key)
VERSION = "pose-stage-1"
ROIS = ("pose", "pose+full", "pose+person")


def model_paths(folder: str | Path | None = None) -> tuple[Path, Path]:
    """The detector and landmark ONNX files: a bundle's own copies when it carries both, else
    the ones shipped with Kinesight (``resources/models/pose``)."""
    if folder is not None:
        own = Path(folder) / DETECTOR_FILE, Path(folder) / LANDMARK_FILE
        if all(p.is_file() for p in own):
            return own
    return MODELS_DIR / DETECTOR_FILE, MODELS_DIR / LANDMARK_FILE


def person_region(keypoints: np.ndarray, box: tuple[float, float, float, float], width: int, height: int) -> Region:
    """A ``Region("person")`` from (33, 4) keypoints (x, y, z, visibility) and a float box."""
    x0, y0, x1, y1 = box
    ibox = (int(max(0, np.floor(x0))), int(max(0, np.floor(y0))), int(min(width, np.ceil(x1))),
            int(min(height, np.ceil(y1))))
    points = tuple((round(float(x), 1), round(float(y), 1), round(float(v), 3)) for x, y, _, v in keypoints)
    return Region(PERSON, ibox, points)


def tick_features(regions: tuple[Region, ...], frame_height: int) -> np.ndarray:
    """(FEATURE_DIM,) body features of the person among ``regions`` (zeros: no person)."""
    person = next((r for r in regions if r.name == PERSON and r.points), None)
    if person is None:
        return np.zeros(FEATURE_DIM, np.float32)
    pts = np.asarray(person.points, np.float32)
    kp = np.zeros((len(pts), 4), np.float32)
    kp[:, :2], kp[:, 3] = pts[:, :2], pts[:, 2]
    return body_features(kp, True, float(frame_height))


def square_crop(image: np.ndarray, box: tuple[int, int, int, int], margin: float = 0.15) -> np.ndarray:
    """A square crop around ``box`` (grown by ``margin`` a side); what lies outside the frame is
    black, so the person keeps their proportions whatever the backbone's crop does."""
    h, w = image.shape[:2]
    x0, y0, x1, y1 = box
    side = int(max(32, round(max(x1 - x0, y1 - y0) * (1 + 2 * margin))))
    left, top = int(round((x0 + x1 - side) / 2)), int(round((y0 + y1 - side) / 2))
    out = np.zeros((side, side, image.shape[2]), image.dtype)
    sx0, sy0 = max(0, left), max(0, top)
    sx1, sy1 = min(w, left + side), min(h, top + side)
    if sx1 > sx0 and sy1 > sy0:
        out[sy0 - top : sy1 - top, sx0 - left : sx1 - left] = image[sy0:sy1, sx0:sx1]
    return out


class PoseStage:
    """Frame stage: keypoints of the person in each sampled frame (see the module's doc)."""

    name = "pose"

    def __init__(self, roi: str, sample_fps: float, *, models: tuple[Path, Path] | None = None,
                 threads: int = 2) -> None:
        if roi not in ROIS:
            raise ValueError(f"the pose stage serves input.roi {' / '.join(ROIS)}, not {roi!r}")
        detector, landmarks = models or model_paths()
        self.roi = roi
        self.period = 1.0 / float(sample_fps)
        self.estimator = PoseEstimator(detector, landmarks, threads=threads)
        self._t = 0.0

    #: (FEATURE_DIM,) features of one tick's regions (teaching reads them through the stage)
    tick_features = staticmethod(tick_features)

    @classmethod
    def for_bundle(cls, bundle: Any) -> "PoseStage":
        m = bundle.manifest
        return cls(m.input.roi, m.window.sample_fps, models=model_paths(bundle.root))

    def reset(self) -> None:
        self.estimator.reset()
        self._t = 0.0

    def __call__(self, image: np.ndarray) -> tuple[list[np.ndarray], tuple[Region, ...]]:
        res = self.estimator.process(image, self._t)
        self._t += self.period
        h, w = image.shape[:2]
        regions: tuple[Region, ...] = ()
        if res.state == "person":
            regions = (person_region(res.keypoints, res.person_box(), w, h),)
        if self.roi == "pose":
            return [], regions
        if self.roi == "pose+person" and regions:
            return [square_crop(image, regions[0].box)], regions
        return [image], regions
