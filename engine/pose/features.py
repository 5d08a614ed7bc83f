"""Per-tick body features from 33 pose keypoints: what a taught pose model sees of a person.

Keypoints come in MediaPipe Pose's layout (:mod:`engine.pose.landmarks`) as (x_px, y_px, z,
visibility) of the frame. Appearance is gone already; this module also takes away where the
person stands and how big they look, so that a model taught on a few people's clips meets the
next person's body in the same terms:

- **origin** the torso centre (the mean of the shoulders' and hips' midpoints; the shoulders'
  midpoint alone when the hips are not visible, as in a webcam close-up);
- **scale** the torso length (shoulders' midpoint to hips' midpoint), which turning does not
  shorten, or 1.2 shoulder widths where that is larger or the hips are not visible;
- per kept landmark (:data:`KEPT`): x and y in those units, and its visibility;
- eight joint angles (elbows, shoulders against the torso, hips, knees) in units of pi, which
  are the same whatever the body's size;
- the torso centre's position and the scale relative to the frame height, so that a jump or a
  squat (the whole body moving) still shows in the window's changes;
- ``present``: 1 when a person was found, else every feature is 0.

Mirroring a person (a left-handed wave for a right-handed one) is :func:`mirror_keypoints`;
teaching uses it as augmentation.
"""

from __future__ import annotations

import numpy as np

from engine.pose.landmarks import FLIP_INDEX, IDX

#: landmarks that carry the body's pose (the face and feet details add noise, not meaning)
KEPT = tuple(IDX[n] for n in (
    "nose", "left_shoulder", "right_shoulder", "left_elbow", "right_elbow", "left_wrist", "right_wrist",
    "left_index", "right_index", "left_hip", "right_hip", "left_knee", "right_knee", "left_ankle",
    "right_ankle"))
#: (a, joint, b): the angle at ``joint`` between the segments to ``a`` and ``b``
ANGLES = tuple((IDX[a], IDX[j], IDX[b]) for a, j, b in (
    ("left_shoulder", "left_elbow", "left_wrist"), ("right_shoulder", "right_elbow", "right_wrist"),
    ("left_hip", "left_shoulder", "left_elbow"), ("right_hip", "right_shoulder", "right_elbow"),
    ("left_shoulder", "left_hip", "left_knee"), ("right_shoulder", "right_hip", "right_knee"),
    ("left_hip", "left_knee", "left_ankle"), ("right_hip", "right_knee", "right_ankle")))
VISIBLE = 0.5  # a landmark counts as seen at or above this visibility
FEATURE_DIM = 3 * len(KEPT) + len(ANGLES) + 3 + 1


def feature_names() -> list[str]:
    """One name per feature, in order (reports, debugging)."""
    from engine.pose.landmarks import LANDMARKS

    names = [f"{LANDMARKS[i]}.{c}" for i in KEPT for c in ("x", "y")]
    names += [f"{LANDMARKS[i]}.vis" for i in KEPT]
    names += [f"angle@{LANDMARKS[j]}" for _, j, _ in ANGLES]
    return names + ["centre.x", "centre.y", "scale", "present"]


def _mid(kp: np.ndarray, a: int, b: int) -> np.ndarray:
    return (kp[..., a, :2] + kp[..., b, :2]) / 2.0


def body_features(keypoints: np.ndarray, present: np.ndarray | bool, frame_height: float) -> np.ndarray:
    """(..., 33, 4) keypoints and (...) presence -> (..., FEATURE_DIM) float32 features."""
    kp = np.asarray(keypoints, dtype=np.float32)
    lead = kp.shape[:-2]
    kp = kp.reshape(-1, kp.shape[-2], kp.shape[-1])
    here = np.broadcast_to(np.asarray(present, dtype=bool), lead).reshape(-1)
    n = kp.shape[0]
    vis = kp[:, :, 3]
    sh = _mid(kp, IDX["left_shoulder"], IDX["right_shoulder"])
    hp = _mid(kp, IDX["left_hip"], IDX["right_hip"])
    hips_seen = (vis[:, IDX["left_hip"]] >= VISIBLE) & (vis[:, IDX["right_hip"]] >= VISIBLE)
    torso = np.linalg.norm(sh - hp, axis=-1)
    shoulder_w = np.linalg.norm(kp[:, IDX["left_shoulder"], :2] - kp[:, IDX["right_shoulder"], :2], axis=-1)
    centre = np.where(hips_seen[:, None], (sh + hp) / 2.0, sh)
    scale = np.where(hips_seen, np.maximum(torso, 1.2 * shoulder_w), 1.2 * shoulder_w)
    scale = np.maximum(scale, 1e-3 * frame_height + 1e-6)

    xy = (kp[:, KEPT, :2] - centre[:, None, :]) / scale[:, None, None]
    angles = np.empty((n, len(ANGLES)), np.float32)
    for k, (a, j, b) in enumerate(ANGLES):
        u = kp[:, a, :2] - kp[:, j, :2]
        v = kp[:, b, :2] - kp[:, j, :2]
        cos = (u * v).sum(-1) / (np.linalg.norm(u, axis=-1) * np.linalg.norm(v, axis=-1) + 1e-6)
        angles[:, k] = np.arccos(np.clip(cos, -1.0, 1.0)) / np.pi
    where = np.stack([centre[:, 0] / frame_height, centre[:, 1] / frame_height, scale / frame_height], axis=-1)
    out = np.concatenate([xy.reshape(n, -1), vis[:, KEPT], angles, where, np.ones((n, 1), np.float32)], axis=-1)
    out[~here] = 0.0
    return out.astype(np.float32).reshape(*lead, FEATURE_DIM)


def mirror_keypoints(keypoints: np.ndarray, frame_width: float) -> np.ndarray:
    """The keypoints of the mirrored frame: x -> width - x, every left landmark swapped with its
    right twin (a person seen in a mirror raises the other arm). Frames without a person (all
    zeros) stay zero."""
    kp = np.asarray(keypoints, dtype=np.float32)
    out = kp[..., FLIP_INDEX, :].copy()
    live = np.any(out != 0, axis=-1)
    out[..., 0] = np.where(live, frame_width - out[..., 0], out[..., 0])
    return out
