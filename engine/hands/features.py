"""Per-tick hand features from up to two hands' 21 keypoints: what a taught gesture model sees.

Each hand has a slot of its own: one hand fills the first; with two, the one further left in the
picture comes first. Slots follow the picture, not MediaPipe's handedness, which is unsure on
hands seen edge-on or from behind (on EgoGestAR's pointing hands it changes between consecutive
frames in a third of the clips even averaged over the track): a hand jumping between slots would
look like another gesture. Per slot:

- which way the palm, the thumb and the index finger point in the picture (wrist -> middle
  knuckle, thumb knuckle -> tip, index knuckle -> tip, as cos and sin): a thumb up and a thumb
  down differ;
- 15 finger joint angles (three per finger, 0 straight .. 1 folded back, in units of pi);
- each fingertip's distance to the wrist (curl) and the thumb tip's distance to the other four
  tips (pinches, an "OK"), in units of the palm (wrist -> middle-finger knuckle, which bending the
  fingers does not change), so the hand's size in the frame does not matter;
- the hand's place (the wrist, the four knuckles and the five fingertips, x and y) and size
  relative to the frame height, so that a swipe (the whole hand moving) or a fingertip drawing
  shows in the window's changes: ten points moving together, so that a few taught clips weigh
  the move as much as the hand's shape (EgoGestAR, as below: 59 % with the wrist and knuckles
  alone, 41 % with the palm's centre alone);
- ``present``: 1 when that hand was found, else every feature of the slot is 0 ("no hand" is
  both slots empty).

The 21 keypoints' own coordinates are not features: 42 numbers a slot that mostly repeat the
angles and distances, and with them a few taught clips could not single out the few numbers a
swipe changes (on EgoGestAR, one person's 2-3 clips a gesture, 6 gestures: cross-validated clip
accuracy 24 % with them and the palm's centre, 65-71 % without them and with the ten points; see
docs/teaching.md).

Mirroring (a left-handed swipe for a right-handed one) needs nothing here: a mirrored frame
gives the other hand's keypoints, so teaching's flipped views are the augmentation.
"""

from __future__ import annotations

import numpy as np

from engine.hands.landmarks import FINGERS, LANDMARKS, MIDDLE_MCP, TIPS, WRIST

SLOTS = 2
#: (a, joint, b): the angle at ``joint`` between the segments to ``a`` and ``b``, three per finger
ANGLES = tuple((prev, j, nxt) for f in FINGERS
               for prev, j, nxt in zip((WRIST,) + f[:2], f[:3], f[1:]))
_PALM = (WRIST, 5, 9, 13, 17) + TIPS
#: (from, to): the directions a slot gives (palm, thumb, index finger)
DIRECTIONS = ((WRIST, MIDDLE_MCP), (FINGERS[0][1], FINGERS[0][3]), (FINGERS[1][0], FINGERS[1][3]))
HAND_DIM = 2 * len(DIRECTIONS) + len(ANGLES) + len(TIPS) + 4 + 2 * len(_PALM) + 1 + 1
FEATURE_DIM = SLOTS * HAND_DIM


def feature_names() -> list[str]:
    """One name per feature, in order (reports, debugging)."""
    one = [f"dir.{LANDMARKS[a]}-{LANDMARKS[b]}.{c}" for a, b in DIRECTIONS for c in ("cos", "sin")]
    one += [f"angle@{LANDMARKS[j]}" for _, j, _ in ANGLES]
    one += [f"curl.{LANDMARKS[t]}" for t in TIPS] + [f"thumb_to.{LANDMARKS[t]}" for t in TIPS[1:]]
    one += [f"place.{LANDMARKS[i]}.{c}" for i in _PALM for c in ("x", "y")] + ["scale", "present"]
    return [f"hand{k + 1}.{n}" for k in range(SLOTS) for n in one]


def hand_features(keypoints: np.ndarray, frame_height: float) -> np.ndarray:
    """(21, >=2) keypoints (x, y, ... in frame pixels) of one hand -> (HAND_DIM,) float32."""
    kp = np.asarray(keypoints, np.float32)[:, :2]
    scale = max(float(np.linalg.norm(kp[MIDDLE_MCP] - kp[WRIST])), 1e-3 * frame_height + 1e-6)
    rel = (kp - kp[WRIST]) / scale
    dirs = np.empty((len(DIRECTIONS), 2), np.float32)
    for k, (a, b) in enumerate(DIRECTIONS):
        d = kp[b] - kp[a]
        dirs[k] = d / (float(np.linalg.norm(d)) + 1e-6)
    angles = np.empty(len(ANGLES), np.float32)
    for k, (a, j, b) in enumerate(ANGLES):
        u, v = kp[j] - kp[a], kp[b] - kp[j]  # along the bone: 0 = straight on
        cos = float(u @ v) / (float(np.linalg.norm(u) * np.linalg.norm(v)) + 1e-6)
        angles[k] = np.arccos(np.clip(cos, -1.0, 1.0)) / np.pi
    tips = rel[list(TIPS)]
    curl = np.linalg.norm(tips, axis=1)
    pinch = np.linalg.norm(tips[1:] - tips[0], axis=1)
    place = kp[list(_PALM)].reshape(-1) / frame_height
    return np.concatenate([dirs.reshape(-1), angles, curl, pinch, place, [scale / frame_height, 1.0]]).astype(np.float32)


def hands_features(hands: list[np.ndarray], frame_height: float) -> np.ndarray:
    """Up to two hands' (21, >=2) keypoints (none: "no hand") -> (FEATURE_DIM,) float32, the hand
    further left in the picture first."""
    out = np.zeros((SLOTS, HAND_DIM), np.float32)
    order = sorted(hands, key=lambda kp: float(np.asarray(kp)[:, 0].mean()))[:SLOTS]
    for i, kp in enumerate(order):
        out[i] = hand_features(kp, frame_height)
    return out.reshape(-1)
