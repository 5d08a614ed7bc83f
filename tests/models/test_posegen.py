"""The body-motion generator (models.posegen): determinism, shapes, semantics of each action,
camera geometry, visibility, mirroring, noise and speed. Pure numpy; the whole file runs in seconds."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from models.posegen import (
    ACTIONS, ALL_MOTIONS, IDLE, OTHER_MOTIONS, CameraSpec, NoiseModel, clip_seed, generate_clip,
    generate_dataset, generate_sequence, mirror, render_clip,
)
from models.posegen.skeleton import IDX

ROOT = Path(__file__).resolve().parents[2]
CAM0 = CameraSpec(640, 480, yaw_deg=0.0, pitch_deg=0.0, height_frac=0.8, vfov_deg=20.0)  # weak perspective
CLEAN = NoiseModel.none()
LW, RW, LS, RS = IDX["left_wrist"], IDX["right_wrist"], IDX["left_shoulder"], IDX["right_shoulder"]


def clean(action: str, seed: int, seconds: float = 4.0, camera: CameraSpec = CAM0, **kw):
    return generate_clip(action, seed, seconds=seconds, camera=camera, noise=CLEAN, **kw)


def shoulder_px(kp: np.ndarray) -> float:
    """Median shoulder width (px) of a clip seen from the front."""
    return float(np.median(np.linalg.norm(kp[:, LS, :2] - kp[:, RS, :2], axis=-1)))


# ----------------------------------------------------------------------------- basics

def test_same_seed_same_arrays_other_seed_different():
    a, b = generate_clip("wave_one_arm", 11), generate_clip("wave_one_arm", 11)
    np.testing.assert_array_equal(a.keypoints, b.keypoints)
    np.testing.assert_array_equal(a.present, b.present)
    assert a.meta == b.meta
    c = generate_clip("wave_one_arm", 12)
    assert a.keypoints.shape != c.keypoints.shape or not np.array_equal(a.keypoints, c.keypoints)
    s1, s2 = generate_sequence(3, seconds=8), generate_sequence(3, seconds=8)
    np.testing.assert_array_equal(s1.keypoints, s2.keypoints)
    np.testing.assert_array_equal(s1.labels, s2.labels)


def test_shapes_dtypes_and_metadata():
    c = generate_clip("clap", 1, seconds=3.0, fps=15.0)
    assert c.keypoints.shape == (45, 33, 4) and c.keypoints.dtype == np.float32
    assert c.present.shape == (45,) and c.present.dtype == bool
    assert c.labels.shape == (45,) and set(c.labels) == {"clap"} and c.label == "clap"
    for key in ("body", "camera", "motion", "neutral", "idle", "noise", "noise_events", "seed"):
        assert key in c.meta
    assert (c.width, c.height) == (c.meta["camera"]["width"], c.meta["camera"]["height"])
    assert generate_clip("clap", 1, seconds=2.0, fps=30.0).keypoints.shape == (60, 33, 4)


@pytest.mark.parametrize("name", ALL_MOTIONS)
def test_every_motion_generates(name):
    for seed in range(3):
        c = generate_clip(name, seed)
        assert np.isfinite(c.keypoints).all()
        v = c.keypoints[..., 3]
        assert (v >= 0).all() and (v <= 1).all()
        assert c.meta["known"] == (name in ACTIONS)
        assert not np.any(c.keypoints[~c.present])  # frames without a person are all zero


def test_actions_and_others_are_separate():
    assert len(ACTIONS) == 12 and not set(ACTIONS) & set(OTHER_MOTIONS) and len(OTHER_MOTIONS) >= 6
    with pytest.raises(ValueError):
        generate_clip("moonwalk", 0)


def test_sequence_chains_segments_with_idle_between():
    s = generate_sequence(5, seconds=30.0, p_other=0.3)
    names = [seg[0] for seg in s.meta["segments"]]
    assert len(names) >= 4
    labs = set(s.labels)
    assert IDLE in labs and labs - {IDLE} <= set(names) and len(labs) >= 3
    # blends: no jump between consecutive frames bigger than a fast limb moves
    kp = s.keypoints
    both = s.present[1:] & s.present[:-1]
    step = np.linalg.norm(kp[1:, :, :2] - kp[:-1, :, :2], axis=-1)[both]
    assert np.percentile(step, 99) < 0.5 * s.height


def test_dataset_is_stacked_labelled_and_regenerable():
    d = generate_dataset(("clap", "squat"), per_action=3, seed=4, other_per_motion=1)
    n = 6 + len(OTHER_MOTIONS)
    assert d.keypoints.shape == (n, 45, 33, 4) and d.present.shape == (n, 45)
    assert d.names == ("clap", "squat", "unknown")
    assert list(d.labels[:6]) == [0, 0, 0, 1, 1, 1] and set(d.labels[6:]) == {2}
    again = generate_clip("squat", clip_seed(4, "squat", 1))
    np.testing.assert_array_equal(again.keypoints, d.keypoints[4])


# --------------------------------------------------------------------- action semantics

def _motion(kp, i):
    """Path length of a keypoint's image position over the clip."""
    return float(np.linalg.norm(np.diff(kp[:, i, :2], axis=0), axis=-1).sum())


def test_one_arm_wave_handedness():
    sides = set()
    for seed in range(12):
        c = clean("wave_one_arm", seed)
        side = c.meta["motion"]["side"]
        sides.add(side)
        act, other = (LW, RW) if side == "L" else (RW, LW)
        assert _motion(c.keypoints, act) > 4 * _motion(c.keypoints, other), (seed, side)
        # the waving hand is up: above the shoulder on most frames
        sh = c.keypoints[:, LS if side == "L" else RS, 1]
        assert np.mean(c.keypoints[:, act, 1] < sh) > 0.7
    assert sides == {"L", "R"}


def test_one_sided_punch_and_kick_follow_side():
    for name, (li, ri) in (("punch", (LW, RW)), ("kick", (IDX["left_ankle"], IDX["right_ankle"]))):
        for seed in range(8):
            c = clean(name, seed)
            side = c.meta["motion"]["side"]
            if side == "both":
                continue
            act, other = (li, ri) if side == "L" else (ri, li)
            assert _motion(c.keypoints, act) > 1.5 * _motion(c.keypoints, other), (name, seed)


def test_raise_arms_sideways_reaches_shoulder_height_spread_wide():
    for seed in range(8):
        c = clean("raise_arms_sideways", seed)
        kp = c.keypoints
        sw = shoulder_px(kp)
        mid = 0.5 * (kp[:, LS, 0] + kp[:, RS, 0])
        tol = 0.45 if c.meta["motion"]["held"] else 0.3
        for w, s in ((LW, LS), (RW, RS)):
            level = np.abs(kp[:, w, 1] - kp[:, s, 1]) < tol * sw
            assert level.any(), seed
            assert (np.abs(kp[level, w, 0] - mid[level]) > 1.5 * sw).all(), seed
            assert (np.abs(kp[level, w, 2] - kp[level, s, 2]) < 0.6 * sw).all(), seed  # no depth offset
        # and they come down again (a raise, not a pose held throughout), unless drawn as held
        if not c.meta["motion"]["held"]:
            assert (kp[:, LW, 1] - kp[:, LS, 1]).max() > 1.0 * sw


def test_raise_arms_forward_reaches_shoulder_height_near_midline_toward_camera():
    for seed in range(8):
        c = clean("raise_arms_forward", seed)
        kp = c.keypoints
        sw = shoulder_px(kp)
        mid = 0.5 * (kp[:, LS, 0] + kp[:, RS, 0])
        tol = 0.45 if c.meta["motion"]["held"] else 0.3  # held out: hovering around shoulder height
        for w, s in ((LW, LS), (RW, RS)):
            level = np.abs(kp[:, w, 1] - kp[:, s, 1]) < tol * sw
            assert level.any(), seed
            assert (np.abs(kp[level, w, 0] - mid[level]) < 0.9 * sw).all(), seed
            assert (kp[level, w, 2] - kp[level, s, 2] < -1.0 * sw).all(), seed  # nearer the camera


def test_squat_folds_hips_to_knees():
    for seed in range(6):
        kp = clean("squat", seed).keypoints
        d = np.abs(kp[:, IDX["left_hip"], 1] - kp[:, IDX["left_knee"], 1])
        assert d.min() < 0.6 * d.max(), seed
        nose = kp[:, IDX["nose"], 1]
        assert nose.max() - nose.min() > 0.5 * shoulder_px(kp)  # the whole body goes down


def _crossings(x: np.ndarray) -> int:
    s = np.sign(x)
    s = s[s != 0]
    return int(np.sum(s[1:] != s[:-1]))


def test_jumping_jack_spreads_ankles_and_raises_wrists_periodically():
    for seed in range(6):
        kp = clean("jumping_jack", seed).keypoints
        spread = np.abs(kp[:, IDX["left_ankle"], 0] - kp[:, IDX["right_ankle"], 0])
        assert spread.max() > 1.8 * spread.min(), seed
        above = np.minimum(kp[:, LW, 1], kp[:, RW, 1]) - kp[:, IDX["nose"], 1]  # < 0: wrists over the head
        assert _crossings(above) >= 4, seed  # up and down at least twice in 4 s


def test_clap_wrists_meet_periodically():
    for seed in range(6):
        kp = clean("clap", seed).keypoints
        sw = shoulder_px(kp)
        gap = np.linalg.norm(kp[:, LW, :2] - kp[:, RW, :2], axis=-1)
        assert gap.min() < 0.3 * sw and gap.max() > 0.5 * sw, seed
        assert _crossings(gap - 0.4 * sw) >= 6, seed  # several claps in 4 s


def test_stand_still_moves_little():
    for seed in range(6):
        kp = clean("stand_still", seed).keypoints
        sw = shoulder_px(kp)
        assert kp[:, :, :2].std(axis=0).max() < 0.15 * sw, seed
        wrists = kp[:, [LW, RW], :2].std(axis=0).max()
        assert wrists < 0.1 * sw, seed
        wave = clean("wave_one_arm", seed).keypoints
        assert wave[:, [LW, RW], :2].std(axis=0).max() > 2 * wrists


def test_walk_on_the_spot_lifts_knees_alternately_without_travelling():
    for seed in range(4):
        kp = clean("walk_on_the_spot", seed, seconds=4.0).keypoints
        sw = shoulder_px(kp)
        lk, rk = kp[:, IDX["left_knee"], 1], kp[:, IDX["right_knee"], 1]
        assert _crossings(lk - rk) >= 4, seed
        hips = 0.5 * (kp[:, IDX["left_hip"], 0] + kp[:, IDX["right_hip"], 0])
        assert np.ptp(hips) < 0.5 * sw, seed


def test_bow_brings_head_down_and_forward():
    for seed in range(4):
        kp = clean("bow", seed).keypoints
        sw = shoulder_px(kp)
        assert np.ptp(kp[:, IDX["nose"], 1]) > 0.3 * sw
        assert kp[:, IDX["nose"], 2].min() < kp[:, IDX["nose"], 2].max() - 0.5 * sw  # toward the camera


# --------------------------------------------------------------------- camera and visibility

def test_yaw_shrinks_shoulder_width_as_cosine():
    far = dict(pitch_deg=0.0, height_frac=0.5, vfov_deg=15.0)  # weak perspective
    base = shoulder_px(clean("stand_still", 3, camera=CameraSpec(**far, yaw_deg=0.0)).keypoints)
    for yaw in (20.0, 45.0, 60.0, -45.0):
        w = shoulder_px(clean("stand_still", 3, camera=CameraSpec(**far, yaw_deg=yaw)).keypoints)
        assert w / base == pytest.approx(np.cos(np.deg2rad(yaw)), abs=0.05), yaw


def test_positive_yaw_turns_the_left_side_away():
    kp = clean("stand_still", 2, camera=CameraSpec(yaw_deg=60.0)).keypoints
    assert (kp[:, LS, 2] > kp[:, RS, 2]).all()  # the left shoulder farther
    # seen from the side the far elbow and hip are behind the body: lower visibility
    kp = clean("stand_still", 2, camera=CameraSpec(yaw_deg=85.0)).keypoints
    assert kp[:, IDX["left_hip"], 3].mean() < kp[:, IDX["right_hip"], 3].mean() - 0.2
    assert kp[:, IDX["left_ear"], 3].mean() < kp[:, IDX["right_ear"], 3].mean() - 0.2


def test_front_view_left_is_image_right():
    kp = clean("stand_still", 0).keypoints
    assert (kp[:, LS, 0] > kp[:, RS, 0]).all()
    assert (kp[:, IDX["nose"], 1] < kp[:, IDX["left_hip"], 1]).all()  # y down


def test_points_outside_the_frame_get_low_visibility():
    cam = CameraSpec(640, 480, height_frac=0.9, center_y=0.85)  # legs below the bottom edge
    kp = clean("stand_still", 1, camera=cam).keypoints
    assert (kp[:, IDX["left_ankle"], 1] > 480).all()
    assert kp[:, IDX["left_ankle"], 3].max() < 0.2
    assert kp[:, IDX["nose"], 3].min() > 0.9
    cam = CameraSpec(640, 480, height_frac=0.6, center_x=0.98)  # half off the right edge
    kp = clean("stand_still", 1, camera=cam).keypoints
    outside = kp[..., 0] > 650
    assert outside.any() and kp[..., 3][outside].max() < 0.3 and kp[..., 3][kp[..., 0] < 600].min() > 0.9


def test_person_height_follows_height_frac():
    for frac in (0.3, 0.6, 0.95):
        kp = clean("stand_still", 0, camera=CameraSpec(640, 480, height_frac=frac, vfov_deg=30)).keypoints
        h = np.median(kp[:, IDX["left_heel"], 1] - kp[:, IDX["left_eye"], 1])
        assert h / 480 == pytest.approx(frac * 0.88, rel=0.12)  # eye to heel is ~88 % of a stature


# --------------------------------------------------------------------- mirror

def test_mirror_twice_is_identity_and_swaps_handedness():
    c = generate_clip("wave_one_arm", 4)  # with noise and missed frames
    twice = mirror(mirror(c.keypoints, c.width), c.width)
    np.testing.assert_allclose(twice, c.keypoints, atol=1e-3)
    assert not np.any(twice[~c.present])
    for seed in range(6):
        w = clean("wave_one_arm", seed)
        m = w.mirrored()
        side = w.meta["motion"]["side"]
        act, other = (LW, RW) if side == "L" else (RW, LW)
        assert _motion(m.keypoints, other) > 4 * _motion(m.keypoints, act)  # the other hand waves now
        assert (m.keypoints[:, LS, 0] > m.keypoints[:, RS, 0]).all()  # still a person facing us
        np.testing.assert_allclose(m.keypoints[:, IDX["nose"], 0], w.width - w.keypoints[:, IDX["nose"], 0], atol=1e-3)


# --------------------------------------------------------------------- noise

def test_noise_model_jitter_and_misses():
    nm = NoiseModel(outlier_rate=0.0, swap_rate=0.0, miss_rate=0.0, jitter_global=0.0)
    c0 = clean("stand_still", 9, seconds=20.0)
    c1 = generate_clip("stand_still", 9, seconds=20.0, camera=CAM0, noise=nm)
    sw = shoulder_px(c0.keypoints)
    res = (c1.keypoints[:, :, :2] - c0.keypoints[:, :, :2]) / sw
    assert res[:, [LS, RS, 23, 24]].std() == pytest.approx(nm.jitter_body, rel=0.3)
    assert res[:, [LW, RW]].std() == pytest.approx(nm.jitter_extremity, rel=0.3)
    lag1 = np.corrcoef(res[1:, LS, 0], res[:-1, LS, 0])[0, 1]
    assert lag1 == pytest.approx(nm.temporal_corr, abs=0.2)
    assert c0.present.all() and c1.present.all()
    missing = generate_clip("stand_still", 9, seconds=60.0, camera=CAM0, noise=NoiseModel(miss_rate=0.05))
    assert 0.05 < 1 - missing.present.mean() < 0.4
    assert not np.any(missing.keypoints[~missing.present])
    out = generate_clip("wave_one_arm", 9, seconds=60.0, camera=CAM0, noise=NoiseModel(outlier_rate=0.05))
    assert out.meta["noise_events"]["outliers"] > 0


# --------------------------------------------------------------------- speed, render, imports

def test_speed_thousands_of_clips_a_minute():
    generate_clip("clap", 0)
    n, t0 = 120, time.perf_counter()
    for i in range(n):
        generate_clip(ACTIONS[i % len(ACTIONS)], i)
    per_minute = n / (time.perf_counter() - t0) * 60
    assert per_minute >= 1000, per_minute


def test_render_writes_a_png(tmp_path):
    p = render_clip(generate_clip("squat", 0), tmp_path / "sheet.png", n_frames=4)
    assert p.read_bytes()[:4] == b"\x89PNG"


def test_import_needs_neither_torch_nor_qt_nor_cv2():
    code = "import models.posegen, sys; print(' '.join(sorted(sys.modules)))"
    res = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert res.returncode == 0, res.stderr
    mods = set(res.stdout.split())
    assert not {"torch", "PySide6", "cv2"} & mods
