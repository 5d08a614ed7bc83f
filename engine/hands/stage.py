"""The hands frame stage: up to two hands' 21 keypoints per tick for action bundles that read hand
gestures (``input.roi = "hands"``; no backbone, the hand features alone).

The stage runs :class:`~engine.hands.estimator.HandEstimator` (palm detection, then tracking;
"no hand" is its own state: no region, and hand features of zeros). Each hand found travels as a
``Region("hand_left" | "hand_right", box, points)``: the box around its keypoints and the 21
keypoints as (x, y, presence) in source pixels, for the overlay and the exports. The tick's hand
features (:func:`tick_features`) are computed from those regions, so the engine and teaching
(which runs this same stage over a clip's frames) see the same numbers.

A hand the estimator loses for a tick or two (motion blur in a swipe, a hand turning edge-on)
is held where it was last seen for up to :data:`HOLD_TICKS` ticks, as a tracker coasts: a
one-tick gap would otherwise read as "no hand" in the middle of a gesture and turn the window's
features into another gesture's (on the arm-wrestling clip in ../shared/data, a held-out segment
lost its hands in 6 of 13 ticks and was named as the other taught gesture).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from engine.core.prediction import HAND_REGIONS, Region
from engine.hands.estimator import DETECTOR_FILE, LANDMARK_FILE, MODELS_DIR, Hand, HandEstimator
from engine.hands.features import FEATURE_DIM, hands_features

#: changes whenever the stage's output for the same frames changes (teaching's feature cache key)
VERSION = "hands-stage-6"
ROIS = ("hands",)
#: ticks a lost hand is still reported where it was last seen
HOLD_TICKS = 2


def model_paths(folder: str | Path | None = None) -> tuple[Path, Path]:
    """The palm detector and hand landmark ONNX files: a bundle's own copies when it carries both,
    else the ones shipped with Kinesight (``resources/models/hands``)."""
    if folder is not None:
        own = Path(folder) / DETECTOR_FILE, Path(folder) / LANDMARK_FILE
        if all(p.is_file() for p in own):
            return own
    return MODELS_DIR / DETECTOR_FILE, MODELS_DIR / LANDMARK_FILE


def hand_region(hand: Hand, width: int, height: int) -> Region:
    """A ``Region("hand_left" | "hand_right")`` from one hand: its box and 21 (x, y, presence)."""
    x0, y0, x1, y1 = hand.box()
    ibox = (int(max(0, np.floor(x0))), int(max(0, np.floor(y0))), int(min(width, np.ceil(x1))),
            int(min(height, np.ceil(y1))))
    pres = round(float(hand.presence), 3)
    points = tuple((round(float(x), 1), round(float(y), 1), pres) for x, y, _ in hand.keypoints)
    return Region(HAND_REGIONS[hand.side], ibox, points)


def tick_features(regions: tuple[Region, ...], frame_height: int) -> np.ndarray:
    """(FEATURE_DIM,) hand features of the hands among ``regions`` (zeros: no hand)."""
    names = set(HAND_REGIONS.values())
    hands = [np.asarray(r.points, np.float32) for r in regions if r.name in names and r.points]
    if not hands:
        return np.zeros(FEATURE_DIM, np.float32)
    return hands_features(hands, float(frame_height))


class HandStage:
    """Frame stage: the hands in each sampled frame (see the module's doc)."""

    name = "hands"

    def __init__(self, roi: str, sample_fps: float, *, models: tuple[Path, Path] | None = None,
                 threads: int = 2) -> None:
        if roi not in ROIS:
            raise ValueError(f"the hands stage serves input.roi {' / '.join(ROIS)}, not {roi!r}")
        detector, landmarks = models or model_paths()
        self.roi = roi
        self.period = 1.0 / float(sample_fps)
        self.estimator = HandEstimator(detector, landmarks, threads=threads)
        self._t = 0.0
        self._held: tuple[Region, ...] = ()
        self._missing = 0

    #: (FEATURE_DIM,) features of one tick's regions (teaching reads them through the stage)
    tick_features = staticmethod(tick_features)

    @classmethod
    def for_bundle(cls, bundle: Any) -> "HandStage":
        m = bundle.manifest
        return cls(m.input.roi, m.window.sample_fps, models=model_paths(bundle.root))

    def reset(self) -> None:
        self.estimator.reset()
        self._t = 0.0
        self._held, self._missing = (), 0

    def __call__(self, image: np.ndarray) -> tuple[list[np.ndarray], tuple[Region, ...]]:
        res = self.estimator.process(image, self._t)
        self._t += self.period
        h, w = image.shape[:2]
        order = {"left": 0, "right": 1}
        hands = sorted(res.hands, key=lambda hd: order[hd.side])
        regions = tuple(hand_region(hd, w, h) for hd in hands)
        if regions or self._missing >= HOLD_TICKS:
            self._held, self._missing = regions, 0
            return [], regions
        self._missing += 1  # lost for a tick or two: still where it was last seen
        return [], self._held
