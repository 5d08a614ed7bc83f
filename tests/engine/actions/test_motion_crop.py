"""The motion crop of taught action bundles (engine/actions/motion.py, input.roi "full+motion"): it finds
the moving person, not the furniture, steadies on them, ignores camera noise and forgets on reset."""

from __future__ import annotations

import json
import shutil

import cv2
import numpy as np
import pytest

from engine.actions.motion import MotionCropper
from engine.bundles import load_bundle
from engine.core.errors import BundleError


def _scene(t: int, *, person_x: int = 470, noise: np.random.Generator | None = None) -> np.ndarray:
    """640x480 room: a static bright shelf on the left, a person on the right waving one arm."""
    img = np.full((480, 640, 3), 120, np.uint8)
    cv2.rectangle(img, (40, 60), (200, 300), (230, 200, 60), -1)  # the shelf never moves
    cv2.circle(img, (person_x, 170), 22, (40, 30, 30), -1)  # head
    cv2.line(img, (person_x, 190), (person_x, 330), (40, 30, 30), 10)  # body
    angle = np.deg2rad(-60 + 50 * np.sin(t * 1.3))  # the arm swings
    hand = (int(person_x + 90 * np.cos(angle)), int(200 + 90 * np.sin(angle)))
    cv2.line(img, (person_x, 200), hand, (40, 30, 30), 10)
    if noise is not None:  # webcam noise
        img = np.clip(img.astype(np.int16) + noise.integers(-8, 9, img.shape), 0, 255).astype(np.uint8)
    return img


def _inside(box, x, y) -> bool:
    x0, y0, x1, y1 = box
    return x0 <= x <= x1 and y0 <= y <= y1


def test_the_crop_follows_the_moving_arm_not_the_static_shelf():
    rng = np.random.default_rng(0)
    cropper = MotionCropper(sample_fps=8.0)
    boxes = [cropper.box(_scene(t, noise=rng)) for t in range(24)]
    assert boxes[0] == (0, 0, 640, 480)  # nothing has moved yet: the whole frame
    last = boxes[-1]
    x0, y0, x1, y1 = last
    assert x1 - x0 == y1 - y0 and x1 - x0 < 480  # a square, zoomed in
    assert _inside(last, 470 + 60, 200) and _inside(last, 470, 200)  # shoulder and the arm's reach
    assert not _inside(last, 120, 180)  # the shelf's centre stays out
    # steady: once it has settled, the box moves by a few pixels per frame at most
    late = np.asarray(boxes[12:], float)
    assert np.abs(np.diff(late, axis=0)).max() <= 12


def test_camera_noise_alone_does_not_zoom_in():
    rng = np.random.default_rng(1)
    still = _scene(0)
    cropper = MotionCropper(sample_fps=8.0)
    for _ in range(16):
        noisy = np.clip(still.astype(np.int16) + rng.integers(-8, 9, still.shape), 0, 255).astype(np.uint8)
        box = cropper.box(noisy)
    assert box == (0, 0, 640, 480)


def test_reset_forgets_where_the_person_was():
    cropper = MotionCropper(sample_fps=8.0)
    for t in range(16):
        cropper.box(_scene(t, person_x=470))
    cropper.reset()
    assert cropper.box(_scene(0, person_x=150)) == (0, 0, 640, 480)
    for t in range(1, 16):
        box = cropper.box(_scene(t, person_x=150))
    assert _inside(box, 150, 200)


def test_crop_stays_inside_small_and_portrait_frames():
    cropper = MotionCropper(sample_fps=30.0)
    for t in range(40):
        frame = np.ascontiguousarray(np.rot90(_scene(t)))[::4, ::4]  # 120x160 portrait
        crop, (x0, y0, x1, y1) = cropper.crop_with_box(frame)
        assert 0 <= x0 < x1 <= 120 and 0 <= y0 < y1 <= 160 and crop.shape[:2] == (y1 - y0, x1 - x0)


def _bundle_copy(src, tmp_path, **changes):
    out = tmp_path / "b"
    shutil.copytree(src, out)
    m = json.loads((out / "manifest.json").read_text())
    for key, value in changes.items():
        target = m
        *path, last = key.split(".")
        for p in path:
            target = target[p]
        target[last] = value
    (out / "manifest.json").write_text(json.dumps(m))
    return out


def test_a_motion_bundle_must_declare_both_views_features(tiny_bundle, tmp_path):
    # tiny_bundle: a 32-d backbone and head; "full+motion" would feed the head 2 x 32
    with pytest.raises(BundleError, match="backbone feature size"):
        load_bundle(_bundle_copy(tiny_bundle, tmp_path, **{"input.roi": "full+motion"}))


def test_only_action_bundles_may_use_the_motion_crop(tiny_bundle, tmp_path):
    with pytest.raises(BundleError, match="input.roi must be 'mouth'"):
        load_bundle(_bundle_copy(tiny_bundle, tmp_path, task="lip", **{"input.roi": "full+motion"}))
