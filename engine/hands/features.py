"""Per-tick hand features from up to two hands' 21 keypoints: what a taught gesture model sees.

Each hand has a slot of its own: one hand fills the first; with two, the one further left in the
picture comes first. Slots follow the picture, not MediaPipe's handedness, which is unsure on
hands seen edge-on or from behind (on EgoGestAR's pointing hands it changes between consecutive
frames in a third of the clips even averaged over the track): a hand jumping between slots would
look like another gesture. Per slot:

- the 21 keypoints' x and y relative to the **wrist**, in units of the wrist -> middle-finger
  knuckle length (the palm's size, which bending the fingers does not change): the hand's shape
  and which way it points (a thumb up and a thumb down differ), whatever its size in the frame;
- 15 finger joint angles (three per finger, 0 straight .. 1 folded back, in units of pi);
- each fingertip's distance to the wrist (curl) and the thumb tip's distance to the other four
  tips (pinches, an "OK"), in palm units;
- the hand's place (the palm centre) and size relative to the frame height, so that a swipe (the
  whole hand moving) shows in the window's changes;
- ``present``: 1 when that hand was found, else every feature of the slot is 0 ("no hand" is
  both slots empty).

Mirroring (a left-handed swipe for a right-handed one) needs nothing here: a mirrored frame
gives the other hand's keypoints, so teaching's flipped views are the augmentation.
"""

from __future__ import annotations

import numpy as np

from engine.hands.landmarks import FINGERS, LANDMARKS, MIDDLE_MCP, NUM_LANDMARKS, TIPS, WRIST

SLOTS = 2
#: (a, joint, b): the angle at ``joint`` between the segments to ``a`` and ``b``, three per finger
ANGLES = tuple((prev, j, nxt) for f in FINGERS
               for prev, j, nxt in zip((WRIST,) + f[:2], f[:3], f[1:]))
_PALM_CENTRE = (WRIST, 5, 9, 13, 17)
HAND_DIM = 2 * NUM_LANDMARKS + len(ANGLES) + len(TIPS) + 4 + 3 + 1
FEATURE_DIM = SLOTS * HAND_DIM


def feature_names() -> list[str]:
    """One name per feature, in order (reports, debugging)."""
    one = [f"{n}.{c}" for n in LANDMARKS for c in ("x", "y")]
    one += [f"angle@{LANDMARKS[j]}" for _, j, _ in ANGLES]
    one += [f"curl.{LANDMARKS[t]}" for t in TIPS] + [f"thumb_to.{LANDMARKS[t]}" for t in TIPS[1:]]
    one += ["centre.x", "centre.y", "scale", "present"]
    return [f"hand{k + 1}.{n}" for k in range(SLOTS) for n in one]


def hand_features(keypoints: np.ndarray, frame_height: float) -> np.ndarray:
    """(21, >=2) keypoints (x, y, ... in frame pixels) of one hand -> (HAND_DIM,) float32."""
    kp = np.asarray(keypoints, np.float32)[:, :2]
    scale = max(float(np.linalg.norm(kp[MIDDLE_MCP] - kp[WRIST])), 1e-3 * frame_height + 1e-6)
    rel = (kp - kp[WRIST]) / scale
    angles = np.empty(len(ANGLES), np.float32)
    for k, (a, j, b) in enumerate(ANGLES):
        u, v = kp[j] - kp[a], kp[b] - kp[j]  # along the bone: 0 = straight on
        cos = float(u @ v) / (float(np.linalg.norm(u) * np.linalg.norm(v)) + 1e-6)
        angles[k] = np.arccos(np.clip(cos, -1.0, 1.0)) / np.pi
    tips = rel[list(TIPS)]
    curl = np.linalg.norm(tips, axis=1)
    pinch = np.linalg.norm(tips[1:] - tips[0], axis=1)
    centre = kp[list(_PALM_CENTRE)].mean(0) / frame_height
    return np.concatenate([rel.reshape(-1), angles, curl, pinch, centre, [scale / frame_height, 1.0]]).astype(np.float32)


def hands_features(hands: list[np.ndarray], frame_height: float) -> np.ndarray:
    """Up to two hands' (21, >=2) keypoints (none: "no hand") -> (FEATURE_DIM,) float32, the hand
    further left in the picture first."""
    out = np.zeros((SLOTS, HAND_DIM), np.float32)
    order = sorted(hands, key=lambda kp: float(np.asarray(kp)[:, 0].mean()))[:SLOTS]
    for i, kp in enumerate(order):
        out[i] = hand_features(kp, frame_height)
    return out.reshape(-1)
