"""Per-tick hand features: the hands stage's regions on a real frame become a palm-normalised
description that does not change with where the hand is or how big it looks, "no hand" is all
zeros, a turned-over hand (thumb down instead of up) differs, and the picture's left hand fills
the first slot."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from engine.core.prediction import Region
from engine.hands.features import FEATURE_DIM, HAND_DIM, feature_names, hand_features, hands_features
from engine.hands.stage import HandStage, tick_features
from engine.io.sources import open_source

ROOT = Path(__file__).resolve().parents[3]
DATA = ROOT.parent / "shared" / "data"


@pytest.fixture(scope="module")
def real_hand() -> np.ndarray:
    """(21, 3) keypoints of the make-up clip's hand, from the hands stage."""
    stage = HandStage("hands", 8.0)
    with open_source(DATA / "clips" / "ucf101_apply_eye_makeup.avi") as src:
        for frame in src:
            _, regions = stage(frame.image)
            if regions:
                assert [r.name for r in regions] == ["hand_left"] and len(regions[0].points) == 21
                return np.asarray(regions[0].points, np.float32)
    raise AssertionError("no hand in the make-up clip")


def test_names_and_sizes():
    assert len(feature_names()) == FEATURE_DIM == 2 * HAND_DIM
    assert tick_features((), 480).shape == (FEATURE_DIM,) and not tick_features((), 480).any()


SHAPE = slice(0, 30)  # directions (6), joint angles (15), curl (5), pinches (4)
PLACE = slice(30, HAND_DIM - 1)  # ten points in the frame (20) and the size


def test_shape_features_do_not_change_with_place_and_size(real_hand):
    f = hand_features(real_hand, 240.0)
    moved = real_hand.copy()
    moved[:, :2] = moved[:, :2] * 1.7 + np.array([-40.0, 25.0])
    g = hand_features(moved, 240.0)
    assert np.allclose(f[SHAPE], g[SHAPE], atol=1e-4)
    assert not np.allclose(f[PLACE], g[PLACE])
    assert f[-1] == 1.0


def test_a_hand_turned_upside_down_differs(real_hand):
    """A thumb up and a thumb down have the same finger angles but point the other way."""
    f = hand_features(real_hand, 240.0)
    c = real_hand[:, :2].mean(0)
    flipped = real_hand.copy()
    flipped[:, :2] = 2 * c - flipped[:, :2]  # turned by 180 degrees in the picture
    g = hand_features(flipped, 240.0)
    assert np.allclose(f[6:30], g[6:30], atol=1e-4)  # the same bends, curls and pinches
    assert np.allclose(f[0:6], -g[0:6], atol=1e-4)  # palm, thumb and index point the other way
    palm_sin = f[1]
    assert palm_sin < -0.5  # her fingers point up in the picture (y grows downwards)
    assert not np.allclose(f[PLACE], g[PLACE])


def test_the_picture_left_hand_fills_the_first_slot(real_hand):
    other = real_hand.copy()
    other[:, 0] -= 150.0
    two = hands_features([real_hand, other], 240.0)
    assert two[HAND_DIM - 1] == 1.0 and two[-1] == 1.0
    assert np.allclose(two[:HAND_DIM], hand_features(other, 240.0))
    regions = (Region("hand_left", (0, 0, 1, 1), tuple(map(tuple, real_hand))),
               Region("hand_right", (0, 0, 1, 1), tuple(map(tuple, other))))
    assert np.allclose(tick_features(regions, 240), two)
