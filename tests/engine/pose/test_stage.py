"""The pose frame stage on real frames: it reports the person as a region with 33 keypoints,
"no person" as no region (body features of zeros), and passes on the view its roi asks for."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from engine.io.sources import open_source
from engine.pose.features import FEATURE_DIM, feature_names
from engine.pose.landmarks import IDX
from engine.pose.stage import PERSON, PoseStage, tick_features

ROOT = Path(__file__).resolve().parents[3]
GRID = ROOT.parent / "shared" / "data" / "grid"


def _frames(path: Path, n: int) -> list[np.ndarray]:
    with open_source(path) as src:
        out = []
        for f in src:
            out.append(f.image)
            if len(out) >= n:
                return out
    return out


@pytest.fixture(scope="module")
def speaker() -> list[np.ndarray]:
    return _frames(GRID / "s1" / "video" / "bbaf3s.mp4", 12)


def test_the_person_is_a_region_with_33_keypoints_and_an_empty_scene_is_no_person(speaker):
    stage = PoseStage("pose", 8.0)
    h, w = speaker[0].shape[:2]
    for frame in speaker:
        views, regions = stage(frame)
        assert views == []  # "pose": nothing for a backbone
        (person,) = regions
        assert person.name == PERSON and len(person.points) == 33
        x0, y0, x1, y1 = person.box
        assert 0 <= x0 < x1 <= w and 0 <= y0 < y1 <= h
        nose = person.points[IDX["nose"]]
        assert x0 <= nose[0] <= x1 and y0 <= nose[1] <= y1 and nose[2] > 0.9
    feats = tick_features(regions, h)
    assert feats.shape == (FEATURE_DIM,) and feats[feature_names().index("present")] == 1.0
    # The person leaves: a grey frame has no region, and the tick's body features are all zero.
    _, regions = stage(np.full_like(speaker[0], 128))
    assert regions == ()
    assert not tick_features(regions, h).any()
    # ... and the stage finds them again when they come back.
    _, regions = stage(speaker[0])
    assert regions and regions[0].name == PERSON


def test_each_roi_passes_on_its_view(speaker):
    frame = speaker[0]
    (full,), _ = PoseStage("pose+full", 8.0)(frame)
    assert full is frame
    (crop,), (person,) = PoseStage("pose+person", 8.0)(frame)
    ch, cw = crop.shape[:2]
    x0, y0, x1, y1 = person.box
    assert ch == cw >= max(x1 - x0, y1 - y0)  # a square around the speaker (black outside the frame)
    inside = crop[crop.any(axis=2).any(axis=1)][:, crop.any(axis=2).any(axis=0)]
    assert inside.shape[1] < frame.shape[1]  # narrower than the frame: the speaker, not the room
    with pytest.raises(ValueError, match="pose"):
        PoseStage("mouth", 8.0)


def test_a_person_seen_small_and_elsewhere_gives_nearly_the_same_body_features(speaker):
    """The features are person-centred and scale-free: the same frame shrunk to 60 % and put in
    the bottom-right corner gives (nearly) the same body features, though the pixels differ."""
    import cv2

    frame = speaker[0]
    h, w = frame.shape[:2]
    small = cv2.resize(frame, (int(w * 0.6), int(h * 0.6)), interpolation=cv2.INTER_AREA)
    moved = np.zeros_like(frame)
    moved[h - small.shape[0] :, w - small.shape[1] :] = small
    a = tick_features(PoseStage("pose", 8.0)(frame)[1], h)
    b = tick_features(PoseStage("pose", 8.0)(moved)[1], h)
    names = feature_names()
    assert a[names.index("present")] == b[names.index("present")] == 1.0
    # the landmarks seen in both (a speaker's head and shoulders; the rest is out of the frame)
    seen = [n[: -len(".vis")] for n in names if n.endswith(".vis")
            and min(a[names.index(n)], b[names.index(n)]) >= 0.5]
    assert {"nose", "left_shoulder", "right_shoulder"} <= set(seen)
    body = [names.index(f"{n}.{c}") for n in seen for c in "xy"]
    assert np.abs(a[body] - b[body]).max() < 0.1, dict(zip(seen, np.abs(a[body] - b[body]).reshape(-1, 2)))
    assert b[names.index("scale")] == pytest.approx(a[names.index("scale")] * 0.6, rel=0.2)
