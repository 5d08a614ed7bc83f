"""Frame -> backbone tensor, driven only by the bundle's InputSpec (pure functions).

Training (``models/``) and inference (``engine/``) both call these, so preprocessing can never
drift between the two.
"""

from __future__ import annotations

import functools

import cv2
import numpy as np

from engine.bundles import InputSpec


def resize_and_crop(image: np.ndarray, spec: InputSpec) -> np.ndarray:
    """(H, W, 3) uint8 RGB -> (h, w, 3) uint8 RGB at ``spec.size``."""
    out_h, out_w = spec.size
    h, w = image.shape[:2]
    if spec.crop == "squash":
        interp = cv2.INTER_AREA if (h > out_h or w > out_w) else cv2.INTER_LINEAR
        return cv2.resize(image, (out_w, out_h), interpolation=interp)
    scale = spec.resize / min(h, w)
    new_w, new_h = max(out_w, round(w * scale)), max(out_h, round(h * scale))
    interp = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    resized = cv2.resize(image, (new_w, new_h), interpolation=interp)
    top, left = (new_h - out_h) // 2, (new_w - out_w) // 2
    return resized[top : top + out_h, left : left + out_w]


@functools.lru_cache(maxsize=32)
def _uint8_lut(mean: tuple[float, ...], std: tuple[float, ...]) -> np.ndarray:
    """(3, 256) float32: the normalised value of every uint8 level per output channel, computed
    with exactly the float32 operations of the arithmetic path (so results are bit-identical)."""
    levels = np.arange(256, dtype=np.uint8).astype(np.float32) * (1.0 / 255.0)
    m = np.asarray(mean, dtype=np.float32)
    r = 1.0 / np.asarray(std, dtype=np.float32)
    return np.stack([(levels - m[c]) * r[c] for c in range(3)])


def normalise(images: np.ndarray, spec: InputSpec) -> np.ndarray:
    """(N, h, w, 3) uint8 RGB -> (N, 3, h, w) float32, colour order and mean/std applied."""
    if images.dtype == np.uint8:
        # One table lookup per pixel, written straight into (N, C, h, w): 2-6x faster than the
        # four float passes below, and bit-identical to them.
        n, h, w, _ = images.shape
        lut = _uint8_lut(tuple(spec.mean), tuple(spec.std))
        out = np.empty((n, 3, h, w), dtype=np.float32)
        for c in range(3):
            src = 2 - c if spec.colour == "BGR" else c
            np.take(lut[c], images[..., src], out=out[:, c], mode="clip")
        return out
    x = images.astype(np.float32) * (1.0 / 255.0)
    if spec.colour == "BGR":
        x = x[..., ::-1]
    x -= np.asarray(spec.mean, dtype=np.float32)
    x *= 1.0 / np.asarray(spec.std, dtype=np.float32)
    # (N, h, w, C) -> (N, C, h, w)
    return np.ascontiguousarray(x.transpose(0, 3, 1, 2))


def preprocess(images: list[np.ndarray] | np.ndarray, spec: InputSpec) -> np.ndarray:
    """A list of (H, W, 3) uint8 RGB frames -> the backbone's (N, 3, h, w) float32 input."""
    if isinstance(images, np.ndarray) and images.ndim == 3:
        images = [images]
    if len(images) == 1:  # a live tick's one frame: no stacking copy (normalise reads strided views)
        return normalise(resize_and_crop(images[0], spec)[None], spec)
    return normalise(np.stack([resize_and_crop(im, spec) for im in images]), spec)
