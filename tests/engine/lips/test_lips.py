"""Lip mode: the mouth crop on a real GRID face, and a clear refusal without the face model."""

from __future__ import annotations

import json
import shutil

import pytest

from engine.core.errors import EngineError
from engine.core.settings import EngineSettings
from engine.io.sources import open_source
from engine.lips.yunet import YUNET_ENV, MouthCropper
from engine.pipeline import Recognizer


@pytest.fixture(scope="module")
def yunet(shared_data):
    return shared_data / "models" / "yunet" / "yunet_n_dynamic.onnx"


@pytest.fixture(scope="module")
def grid_frames(shared_data):
    clip = sorted((shared_data / "grid" / "s1" / "video").glob("*.mp4"))[0]
    with open_source(clip) as src:
        return [f for f in src][:25]


def test_mouth_box_is_on_the_lower_face_and_stable(yunet, grid_frames):
    cropper = MouthCropper(yunet)
    boxes = [cropper.mouth_box(f.image) for f in grid_frames[::5]]
    assert all(b is not None for b in boxes)
    h, w = grid_frames[0].image.shape[:2]
    for cx, cy, side in boxes:
        assert w * 0.3 < cx < w * 0.7 and h * 0.5 < cy < h * 0.95 and 30 < side < 150
    crop = cropper.crop(grid_frames[0].image)
    assert crop.shape[0] == crop.shape[1] and crop.shape[2] == 3 and crop.flags.c_contiguous


def test_lip_bundle_needs_the_face_model(tiny_bundle, tmp_path, yunet, grid_frames, monkeypatch):
    lip = tmp_path / "lip"
    shutil.copytree(tiny_bundle, lip)
    manifest = json.loads((lip / "manifest.json").read_text())
    manifest["task"], manifest["input"]["roi"] = "lip", "mouth"  # the lip task's stage: the mouth crop
    (lip / "manifest.json").write_text(json.dumps(manifest))
    monkeypatch.delenv(YUNET_ENV, raising=False)
    monkeypatch.setattr("engine.lips.yunet.YUNET_DEFAULT", tmp_path / "absent.onnx")
    with pytest.raises(EngineError, match=YUNET_ENV):
        Recognizer(lip, EngineSettings(device="cpu"))
    monkeypatch.setenv(YUNET_ENV, str(yunet))
    rec = Recognizer(lip, EngineSettings(device="cpu"))
    updates = rec.run(grid_frames)
    assert len(updates) == 10 and rec.backbone_frames == 10
    # The crop stage publishes its box on every record, on the lower half of the face.
    h, w = grid_frames[0].image.shape[:2]
    for u in updates:
        (region,) = u.regions
        x0, y0, x1, y1 = region.box
        assert region.name == "mouth" and 0 <= x0 < x1 <= w and h * 0.4 < (y0 + y1) / 2 < h
