"""Geometry of MediaPipe's pose graph, in numpy: SSD anchors and weighted NMS for the detector,
the rotated person region, its warp to the model's input, and decoding the landmark model's
outputs back to frame pixels. Each function names the MediaPipe calculator it follows
(``mediapipe/calculators/...`` of MediaPipe 0.10); :mod:`engine.pose.estimator` puts them together.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

DET_SIZE = 224
LMK_SIZE = 256


@dataclass
class RotatedRect:
    """Rotated rectangle in frame pixels; ``angle`` in radians, clockwise on screen
    (MediaPipe's NormalizedRect.rotation convention, cv2.RotatedRect in degrees)."""
    cx: float
    cy: float
    w: float
    h: float
    angle: float

    def points(self) -> np.ndarray:
        """4x2 corners: bottom-left, top-left, top-right, bottom-right (cv2.boxPoints)."""
        return cv2.boxPoints(((self.cx, self.cy), (self.w, self.h), math.degrees(self.angle)))

    def bbox(self) -> tuple[float, float, float, float]:
        """Axis-aligned box (x0, y0, x1, y1) around the rotated rect."""
        p = self.points()
        return float(p[:, 0].min()), float(p[:, 1].min()), float(p[:, 0].max()), float(p[:, 1].max())


def ssd_anchors(input_size: int = DET_SIZE, num_layers: int = 5, strides=(8, 16, 32, 32, 32),
                min_scale: float = 0.1484375, max_scale: float = 0.75, offset: float = 0.5,
                aspect_ratios=(1.0,), interpolated_scale_aspect_ratio: float = 1.0) -> np.ndarray:
    """MediaPipe SsdAnchorsCalculator with fixed_anchor_size: (N, 2) centres (x, y), normalised."""
    def scale(i: int) -> float:
        return min_scale + (max_scale - min_scale) * i / (num_layers - 1) if num_layers > 1 else (min_scale + max_scale) / 2

    out = []
    layer = 0
    while layer < num_layers:
        n_per_cell = 0
        last = layer
        while last < num_layers and strides[last] == strides[layer]:
            n_per_cell += len(aspect_ratios)
            if interpolated_scale_aspect_ratio > 0:
                n_per_cell += 1
            _ = scale(last)  # sizes are fixed (w = h = 1), only the count matters
            last += 1
        fm = int(math.ceil(input_size / strides[layer]))
        ys, xs = np.meshgrid(np.arange(fm), np.arange(fm), indexing="ij")
        c = np.stack([(xs + offset) / fm, (ys + offset) / fm], -1).reshape(-1, 1, 2)
        out.append(np.repeat(c, n_per_cell, axis=1).reshape(-1, 2))
        layer = last
    return np.concatenate(out).astype(np.float32)


def _iou(box: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    ix0 = np.maximum(box[0], boxes[:, 0])
    iy0 = np.maximum(box[1], boxes[:, 1])
    ix1 = np.minimum(box[2], boxes[:, 2])
    iy1 = np.minimum(box[3], boxes[:, 3])
    inter = np.clip(ix1 - ix0, 0, None) * np.clip(iy1 - iy0, 0, None)
    a = (box[2] - box[0]) * (box[3] - box[1])
    b = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    union = a + b - inter
    return np.where(union > 0, inter / np.maximum(union, 1e-12), 0.0)


def weighted_nms(scores: np.ndarray, boxes: np.ndarray, kps: np.ndarray, iou_thr: float = 0.3,
                 max_out: int = -1) -> list[tuple[float, np.ndarray, np.ndarray]]:
    """MediaPipe NonMaxSuppressionCalculator, algorithm WEIGHTED (IoU overlap)."""
    order = np.argsort(-scores, kind="stable")
    out = []
    while order.size:
        top = order[0]
        ious = _iou(boxes[top], boxes[order])
        grp = order[ious > iou_thr]
        if grp.size == 0:
            grp = order[:1]
        w = scores[grp]
        tot = w.sum()
        box = (boxes[grp] * w[:, None]).sum(0) / tot
        kp = (kps[grp] * w[:, None, None]).sum(0) / tot
        out.append((float(scores[top]), box, kp))
        order = order[ious <= iou_thr]
        if max_out > 0 and len(out) >= max_out:
            break
    return out


def _normalize_radians(a: float) -> float:
    return a - 2 * math.pi * math.floor((a + math.pi) / (2 * math.pi))


def alignment_rect(p_center: np.ndarray, p_scale: np.ndarray, scale: float = 1.25) -> RotatedRect:
    """AlignmentPointsRectsCalculator (target 90 deg) + RectTransformation(scale, square_long), in px."""
    dx, dy = float(p_scale[0] - p_center[0]), float(p_scale[1] - p_center[1])
    size = 2.0 * math.hypot(dx, dy) * scale
    angle = _normalize_radians(math.pi / 2 - math.atan2(-dy, dx))
    return RotatedRect(float(p_center[0]), float(p_center[1]), size, size, angle)


def warp_rect(frame: np.ndarray, rect: RotatedRect, size: int, border: int) -> np.ndarray:
    """ImageToTensorCalculator (OpenCV path): rotated rect -> size x size, bilinear."""
    src = rect.points().astype(np.float32)  # bl, tl, tr, br
    dst = np.array([[0, size], [0, 0], [size, 0], [size, size]], np.float32)
    m = cv2.getAffineTransform(src[:3], dst[:3])  # a rect maps affinely; 3 corners suffice
    return cv2.warpAffine(frame, m, (size, size), flags=cv2.INTER_LINEAR, borderMode=border,
                          borderValue=(0, 0, 0))


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def decode_landmarks(lm_raw: np.ndarray, heat: np.ndarray | None, kernel: int = 7,
                     min_conf: float = 0.5) -> np.ndarray:
    """TensorsToLandmarks (39 x [x, y, z, vis, presence], /256, sigmoid) + heatmap refinement
    (RefineLandmarksFromHeatmapCalculator: sigmoid-weighted mean of cell indices in a
    kernel x kernel window, zero outside the heatmap, used when the window max >= min_conf)."""
    lm = np.asarray(lm_raw, np.float32).reshape(39, 5).copy()
    lm[:, :3] /= LMK_SIZE
    lm[:, 3:5] = _sigmoid(lm[:, 3:5])
    if heat is None:
        return lm
    hm = np.asarray(heat, np.float32).reshape(heat.shape[-3], heat.shape[-2], heat.shape[-1])  # H, W, 39
    hh, hw, n = hm.shape
    fx, fy = lm[:n, 0] * hw, lm[:n, 1] * hh
    inside = (fx >= 0) & (fy >= 0) & (fx < hw) & (fy < hh)
    c = np.clip(fx, 0, hw - 1).astype(np.int64)  # truncation == C++ int() for x >= 0
    r = np.clip(fy, 0, hh - 1).astype(np.int64)
    off = np.arange(kernel) - (kernel - 1) // 2
    rows = r[:, None] + off[None, :]                      # (n, k)
    cols = c[:, None] + off[None, :]
    vr = (rows >= 0) & (rows < hh)
    vc = (cols >= 0) & (cols < hw)
    rows_c, cols_c = np.clip(rows, 0, hh - 1), np.clip(cols, 0, hw - 1)
    ch = np.arange(n)
    win = hm[rows_c[:, :, None], cols_c[:, None, :], ch[:, None, None]]   # (n, k, k)
    conf = _sigmoid(win) * (vr[:, :, None] & vc[:, None, :])
    tot = conf.sum((1, 2))
    ok = inside & (conf.max((1, 2)) >= min_conf) & (tot > 0)
    wr = (conf * rows[:, :, None]).sum((1, 2))
    wc = (conf * cols[:, None, :]).sum((1, 2))
    safe = np.where(tot > 0, tot, 1.0)
    lm[:n, 0] = np.where(ok, wc / hw / safe, lm[:n, 0])
    lm[:n, 1] = np.where(ok, wr / hh / safe, lm[:n, 1])
    return lm


def project(xyz: np.ndarray, roi: RotatedRect) -> np.ndarray:
    """LandmarkProjectionCalculator: ROI-normalised (x, y, z) -> frame px (z in px scale)."""
    ca, sa = math.cos(roi.angle), math.sin(roi.angle)
    x = xyz[:, 0] - 0.5
    y = xyz[:, 1] - 0.5
    px = (ca * x - sa * y) * roi.w + roi.cx
    py = (sa * x + ca * y) * roi.h + roi.cy
    pz = xyz[:, 2] * roi.w
    return np.stack([px, py, pz], 1)
