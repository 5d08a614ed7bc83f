"""The shipped everyday-actions bundle: learned from generated body motion only, it reads the body
(no backbone), knows the twelve everyday actions, recognises generated people it never saw, and
does not name one of its actions on real footage of something else."""

from __future__ import annotations

from collections import Counter

from generated_people import generated_actions_right

from engine.bundles import list_shipped_bundles, load_bundle, resolve_bundle
from engine.core.prediction import PredictionState
from engine.runners.offline import analyze_file
from models.everyday import NAME
from models.posegen import ACTIONS

EVERYDAY = (
    "wave one arm", "wave both arms", "raise both arms sideways", "raise both arms forward", "clap",
    "jumping jack", "squat", "bow", "punch", "kick", "stand still", "walk on the spot")


def test_everyday_bundle_is_shipped_reads_the_body_and_says_how_it_was_made():
    path = resolve_bundle(NAME)
    assert path in list_shipped_bundles()
    bundle = load_bundle(path)  # sha256 of every file and the graphs' shapes checked
    m = bundle.manifest
    assert tuple(bundle.labels) == EVERYDAY
    assert m.input.roi == "pose" and not (path / "backbone.onnx").exists()
    gen = m.training["generator"]
    assert gen["module"] == "models.posegen" and gen["seed"] == 0 and "none of these" not in bundle.labels
    assert m.training["rebuild"].startswith("python -m models.everyday")
    calibration = m.open_set["calibration"]
    assert calibration["bound"] == "held-out q99" and m.open_set["threshold"] > 0
    # The report's new-person figures are those of the threshold it ships with: 99 % of unseen
    # generated people's windows accepted, and most of their clips right.
    assert calibration["held_out_accepted"] >= 0.98 and m.training["cv"]["new_person_clip_accuracy"] >= 0.8
    assert sum(f.stat().st_size for f in path.rglob("*")) < 2 * 2**20  # keypoints only: small


def test_everyday_head_recognises_generated_people_it_never_saw(shared_data):
    """Clips generated with seeds the build never used (new bodies, cameras, speeds), through the
    bundle's own head.onnx: the generator and the shipped head agree."""
    right = generated_actions_right(resolve_bundle(NAME), 10_000)
    assert right >= 9, f"{right} of {len(ACTIONS)} generated actions recognised"


def test_everyday_bundle_names_none_of_its_actions_on_other_real_footage(clips, shared_data):
    """Real people doing none of its actions (eye make-up, arm wrestling, cleaning a pool, a talking
    face): its predictions are unknown, uncertain or "no person", not a confident everyday action."""
    bundle = load_bundle(resolve_bundle(NAME))
    states: Counter = Counter()
    named: Counter = Counter()
    for video in (clips["ucf"], clips["arm"], clips["pool"], sorted((shared_data / "grid" / "s1" / "raw").glob("*.mpg"))[0]):
        result = analyze_file(video, bundle)
        for p in result.predictions:
            if p.state != PredictionState.WARMING_UP:
                states[p.state] += 1
                named[p.label] += p.state == PredictionState.CONFIDENT
    assert states[PredictionState.CONFIDENT] <= 0.05 * sum(states.values()), (states, named)
