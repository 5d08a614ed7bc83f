"""Where something moves: a square crop that follows the moving region of the frame.

Taught action bundles (``input.roi = "full+motion"``) give the backbone two views of every
sampled frame: the whole frame and this crop. ImageNet features of a whole frame barely change
when a small or off-centre person moves an arm; the crop makes the person fill the backbone's
input whoever they are and wherever they stand, so two people's clips teach what a third one's
movement looks like. Measured on rendered actors (teach two, test the third, all ways round;
``bench/bench_fewshot.py``), adding the crop to the whole frame took person-out clip accuracy
from 77.8 to 96.3 % on proxy A and from 95.7 to 97.2 % on 12 development triplets.

How: each frame is shrunk to ``WORK_WIDTH`` pixels wide and grey, compared with the previous
one, and the pixels that changed by more than ``DIFF_LEVEL`` add to a motion-energy map that
fades with a time constant of ``FADE_S`` seconds. The box spans the 5th to 95th percentile of
that energy along each axis, padded by ``PAD`` to a square no smaller than ``MIN_SIDE`` of the
frame's short side, and moves a fraction ``FOLLOW`` of the way to each new box (a steady crop,
no jitter). Until anything moves, the crop is the whole frame. Cost: about 0.1 ms per frame.

Pure numpy + OpenCV; the engine runs it as a frame stage (``engine/core/stages.py``) and training
runs the same code over a clip's sampled frames (``models/data.py``), so the two never differ.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from engine.core.prediction import Region

VERSION = 2  # bump when anything below changes the crops (training caches features by it)
WORK_WIDTH = 96  # pixels: motion is found on a small grey copy (cheap, and camera noise averages out)
DIFF_LEVEL = 18  # grey levels of change that count as motion (noise and compression stay below)
FADE_S = 0.56  # seconds: time constant of the motion-energy map (0.8 per tick at 8 ticks/s)
MIN_ENERGY = 3.0  # changed pixels (faded sum) before a box is trusted
PAD = 1.35  # the square's side over the moving region's larger side
MIN_SIDE = 0.6  # of the frame's short side: never zoom in further than this (dev: 0.45 96.3 %, 0.6 97.2 %, 0.75 95.4 %)
FOLLOW = 0.35  # fraction of the way to the new box per frame


class MotionCropper:
    """Follows the moving region of consecutive frames (one per model-clock tick).

    ``sample_fps``: frames per second it is fed (the bundle's model clock), which sets how fast
    old motion fades. Keeps state across frames; ``reset()`` on a new source or a seek.
    """

    def __init__(self, sample_fps: float = 8.0) -> None:
        self.decay = math.exp(-1.0 / (FADE_S * max(float(sample_fps), 1e-3)))
        self.reset()

    def reset(self) -> None:
        """Forget the previous frame, the motion energy and the box."""
        self._prev: np.ndarray | None = None
        self._energy: np.ndarray | None = None
        self._box: np.ndarray | None = None  # (centre x, centre y, side) in source pixels

    def box(self, image: np.ndarray) -> tuple[int, int, int, int]:
        """Feed the next (H, W, 3) uint8 RGB frame; the crop box (x0, y0, x1, y1) in its pixels."""
        h, w = image.shape[:2]
        ww = min(WORK_WIDTH, w)
        wh = max(1, round(h * ww / w))
        small = cv2.resize(image, (ww, wh), interpolation=cv2.INTER_AREA)
        grey = cv2.GaussianBlur(cv2.cvtColor(small, cv2.COLOR_RGB2GRAY), (3, 3), 0).astype(np.int16)
        if self._prev is None or self._prev.shape != grey.shape:
            self._prev, self._energy = grey, np.zeros(grey.shape, np.float32)
        moved = np.abs(grey - self._prev) > DIFF_LEVEL
        self._prev = grey
        self._energy *= self.decay
        self._energy += moved
        if self._energy.sum() >= MIN_ENERGY:
            x0, x1 = _span(self._energy.sum(0))
            y0, y1 = _span(self._energy.sum(1))
            scale = w / ww
            short = min(h, w)
            side = min(max(max(x1 - x0, y1 - y0) * scale * PAD, MIN_SIDE * short), short)
            new = np.array([(x0 + x1) / 2 * scale, (y0 + y1) / 2 * scale, side])
            self._box = new if self._box is None else self._box + FOLLOW * (new - self._box)
        if self._box is None:
            return 0, 0, w, h
        cx, cy, side = self._box
        s = int(round(side))
        x0 = int(round(min(max(cx - side / 2, 0.0), w - side)))
        y0 = int(round(min(max(cy - side / 2, 0.0), h - side)))
        return x0, y0, x0 + s, y0 + s

    def crop_with_box(self, image: np.ndarray) -> tuple[np.ndarray, tuple[int, int, int, int]]:
        """Feed the next frame; (its crop, the box)."""
        x0, y0, x1, y1 = self.box(image)
        return image[y0:y1, x0:x1], (x0, y0, x1, y1)


class MotionCropStage:
    """Taught actions (``input.roi = "full+motion"``): the whole frame plus a square crop that
    follows the moving region (:mod:`engine.actions.motion`), as two views.

    Publishes the crop box as ``Region("motion", box)`` in the source frame's pixels.
    """

    name = "motion_crop"

    def __init__(self, sample_fps: float) -> None:
        self._cropper = MotionCropper(sample_fps)

    @classmethod
    def for_bundle(cls, bundle) -> "MotionCropStage":
        return cls(bundle.manifest.window.sample_fps)

    def __call__(self, image: np.ndarray) -> tuple[list[np.ndarray], tuple[Region, ...]]:
        crop, box = self._cropper.crop_with_box(image)
        return [image, crop], (Region("motion", box),)

    def reset(self) -> None:
        """Forget the motion seen so far and the crop box."""
        self._cropper.reset()


def _span(mass: np.ndarray, lo: float = 0.05, hi: float = 0.95) -> tuple[int, int]:
    """Indices between which the ``lo``..``hi`` quantiles of a 1-D mass lie (end exclusive)."""
    c = np.cumsum(mass)
    c /= c[-1]
    return int(np.searchsorted(c, lo)), int(np.searchsorted(c, hi)) + 1
