"""Teaching actions from the body's keypoints (``roi="pose"``, engine/pose/): real clips in, a
bundle with no backbone out (the keypoints are its features), which the engine and `kinesight
analyze` run, exporting the person's keypoints per prediction; a bundle whose features do not
add up is refused."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from engine.bundles import load_bundle
from engine.core.errors import BundleError
from engine.core.prediction import PredictionState
from engine.pose.features import FEATURE_DIM
from engine.runners.offline import analyze_file

ROOT = Path(__file__).resolve().parents[2]
SCHEMA_FILE = ROOT / "resources" / "schema" / "analysis-v1.schema.json"


@pytest.fixture(scope="module")
def pose_bundle(real_actions, feature_cache, tmp_path_factory) -> Path:
    from models.teach import train_bundle

    out = tmp_path_factory.mktemp("pose") / "taught-pose"
    clips = {name: v["teach"] for name, v in real_actions.items()}
    res = train_bundle(clips, out, roi="pose", window=6, sample_fps=5.0, views=2, cache_dir=feature_cache)
    assert res.bundle_path == out
    return out


def test_a_pose_bundle_has_no_backbone_and_records_its_pose_models(pose_bundle):
    m = load_bundle(pose_bundle).manifest
    assert m.input.roi == "pose" and m.feature_dim == FEATURE_DIM
    # no backbone: the head and the teaching set (teaching.json, for corrections) are all it lists
    assert not (pose_bundle / "backbone.onnx").exists() and set(m.files) == {"head.onnx", "teaching.json"}
    assert set(m.training["pose_models"]) == {"pose_detection.onnx", "pose_landmark_full.onnx"}
    assert "body keypoints" in m.summary()
    # everyday movement nobody taught, generated as keypoints, was taught as "none of these"
    gen = m.training["generated_background"]
    assert gen["generator"] == "models.posegen" and "phone_call" in gen["motions"] and gen["per_motion"] >= 4
    assert "none of these" not in m.labels and m.open_set["background_labels"] == ["none of these"]


def test_the_engine_names_held_out_mirrored_clips_from_the_body_alone(pose_bundle, real_actions):
    """Each action's held-out segment (the clip's other half, mirrored) comes out as its action
    for most of its confident ticks."""
    right = 0
    for name, v in real_actions.items():
        res = analyze_file(v["test"][0], pose_bundle)
        confident = Counter(p.label for p in res.predictions if p.state == PredictionState.CONFIDENT)
        right += bool(confident) and confident.most_common(1)[0][0] == name
    assert right >= 2, right


def test_kinesight_analyze_exports_the_keypoints(pose_bundle, real_actions, tmp_path):
    import jsonschema

    out = tmp_path / "talking.json"
    exe = Path(sys.executable).with_name("kinesight")
    res = subprocess.run([str(exe), "analyze", str(real_actions["talking"]["test"][0]), "--bundle", str(pose_bundle),
                          "--json", str(out), "--threads", "1"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    data = json.loads(out.read_text())
    jsonschema.validate(data, json.loads(SCHEMA_FILE.read_text()))
    with_person = [p for p in data["predictions"] if "keypoints" in p]
    assert len(with_person) >= 0.9 * len(data["predictions"])  # a GRID speaker is in every frame
    kp = with_person[0]["keypoints"]
    x0, y0, x1, y1 = kp["box"]
    nose = kp["points"][0]
    assert len(kp["points"]) == 33 and x0 <= nose[0] <= x1 and y0 <= nose[1] <= y1 and nose[2] > 0.5


def test_a_pose_bundle_whose_feature_size_does_not_add_up_is_refused(pose_bundle, tmp_path):
    bad = tmp_path / "bad"
    shutil.copytree(pose_bundle, bad)
    manifest = json.loads((bad / "manifest.json").read_text())
    manifest["feature_dim"] = FEATURE_DIM + 1280  # as if a backbone's features came first
    (bad / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(BundleError, match=f"feature_dim must be {FEATURE_DIM}"):
        load_bundle(bad)


def test_teaching_body_movements_on_clips_without_a_person_says_so(real_actions, feature_cache, tmp_path):
    """Body keypoints need a person in view: an action whose clips show nobody (here, drifting
    coloured shapes) is named in the teaching warnings with what to do, the other one is not.
    (Kinetics' arm wrestling, two people seated close to the camera, is named too: the pose stage
    finds nobody in most of its frames.)"""
    import numpy as np

    from models.synthetic import write_clip
    from models.teach import train_bundle

    rng = np.random.default_rng(0)
    empty = []
    for k in range(3):
        base = rng.integers(40, 200, (1, 1, 3), dtype=np.uint8)
        frames = []
        for t in range(30):
            f = np.broadcast_to(base, (240, 320, 3)).copy()
            f[60:140, (10 * t + 40 * k) % 240:(10 * t + 40 * k) % 240 + 60] = (230, 230, 40)
            frames.append(f)
        empty.append(write_clip(tmp_path / f"empty-{k}.mp4", frames, 15.0))
    res = train_bundle({"talk": real_actions["talking"]["teach"], "shapes": empty}, tmp_path / "b", window=6,
                       sample_fps=5.0, views=1, cache_dir=feature_cache)
    assert load_bundle(tmp_path / "b").manifest.input.roi == "pose"  # the default
    text = " ".join(res.report["warnings"])
    assert "'shapes': no person was found in most of 3 clip(s)" in text and "whole frame" in text, text
    assert "'talk': no person" not in text  # a GRID speaker is in every frame
