"""Body features from keypoints: the same pose gives the same features wherever the person
stands and however big they look; mirroring swaps the sides; no person gives zeros."""

from __future__ import annotations

import numpy as np

from engine.pose.features import FEATURE_DIM, KEPT, body_features, feature_names, mirror_keypoints
from engine.pose.landmarks import IDX
from models.posegen import CameraSpec, NoiseModel, generate_clip


def _clip(action: str, seed: int = 5, **camera) -> np.ndarray:
    cam = CameraSpec(**{"yaw_deg": 0.0, "pitch_deg": 0.0, "roll_deg": 0.0, **camera}) if camera else None
    return generate_clip(action, seed, seconds=2.0, camera=cam, noise=NoiseModel.none())


def test_shape_names_and_no_person():
    clip = _clip("wave_one_arm")
    f = body_features(clip.keypoints, clip.present, clip.height)
    assert f.shape == (len(clip.keypoints), FEATURE_DIM) and f.dtype == np.float32
    assert len(feature_names()) == FEATURE_DIM
    assert np.isfinite(f).all()
    absent = body_features(clip.keypoints[:3], np.zeros(3, bool), clip.height)
    assert not absent.any()  # "no person": every feature 0, present included


def test_position_and_size_do_not_change_the_pose_features():
    clip = _clip("raise_arms_sideways")
    kp = clip.keypoints.copy()
    f = body_features(kp, clip.present, clip.height)
    moved = kp.copy()
    moved[..., :2] = moved[..., :2] * 0.5 + np.array([200.0, 40.0], np.float32)  # smaller, elsewhere
    g = body_features(moved, clip.present, clip.height)
    pose = slice(0, 3 * len(KEPT) + 8)  # coordinates, visibilities, angles
    np.testing.assert_allclose(f[:, pose], g[:, pose], atol=1e-4)
    # The body's place and size in the frame are reported, so a jump still shows.
    assert not np.allclose(f[:, -4:-1], g[:, -4:-1])


def test_mirroring_swaps_the_arms():
    clip = _clip("wave_one_arm", seed=11)
    f = body_features(clip.keypoints, clip.present, clip.height)
    m = body_features(mirror_keypoints(clip.keypoints, clip.width), clip.present, clip.height)
    names = feature_names()
    left, right = names.index("angle@left_elbow"), names.index("angle@right_elbow")
    np.testing.assert_allclose(f[:, left], m[:, right], atol=1e-5)
    # the waving wrist's height moves to the other side
    ly, ry = names.index("left_wrist.y"), names.index("right_wrist.y")
    np.testing.assert_allclose(f[:, ly], m[:, ry], atol=1e-5)
    np.testing.assert_allclose(mirror_keypoints(mirror_keypoints(clip.keypoints, 640), 640), clip.keypoints, atol=1e-3)


def test_a_turned_body_keeps_its_arm_angles_close():
    # Turning 30 degrees foreshortens the shoulders; torso-length scale and angles keep a raised
    # arm recognisable: the shoulder angle of arms raised sideways stays near 90 degrees.
    names = feature_names()
    k = names.index("angle@left_shoulder")
    for yaw in (0.0, 30.0):
        clip = _clip("raise_arms_sideways", seed=2, yaw_deg=yaw)
        f = body_features(clip.keypoints, clip.present, clip.height)
        assert f[:, k].max() > 0.4, (yaw, f[:, k].max())


def test_close_up_without_hips_uses_the_shoulders():
    clip = _clip("clap")
    kp = clip.keypoints.copy()
    kp[:, [IDX["left_hip"], IDX["right_hip"]], 3] = 0.05  # hips out of view
    f = body_features(kp, clip.present, clip.height)
    assert np.isfinite(f).all() and np.abs(f[:, : 2 * len(KEPT)]).max() < 20
