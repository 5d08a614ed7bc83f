"""The shipped bundles: the default is everyday-actions (body keypoints, tests/models/
test_everyday_bundle.py); the stick-figure demo beside it is small enough for the repository,
loads, and recognises the motions it claims on clips rendered by actors it never saw (through the
engine's own offline analysis)."""

from __future__ import annotations

from collections import Counter

from engine.bundles import default_bundle_path, demo_bundle_path, load_bundle
from engine.runners.offline import analyze_file
from models.synthetic import LABELS, generate


def test_the_default_is_everyday_actions_and_the_demo_is_the_synthetic_one_that_fits_in_the_repo():
    assert default_bundle_path().name == "everyday-actions"  # what a new user and a bare CLI run get
    path = demo_bundle_path()
    assert path.name == "default-actions"
    bundle = load_bundle(path)  # sha256 of every file and the graphs' shapes checked
    assert set(bundle.labels) == set(LABELS)
    assert bundle.manifest.backbone == "efficientnet_lite0" and bundle.manifest.feature_dim == 1280
    for f in path.rglob("*"):
        assert f.stat().st_size < 20 * 2**20, f  # the repository refuses files over 20 MiB
    assert not (path / "checkpoint").exists()
    assert "synthetic" in bundle.manifest.description.lower()
    assert bundle.manifest.training["test_accuracy"] >= 0.85


def test_demo_bundle_recognises_freshly_rendered_actors(tmp_path):
    clips = generate(tmp_path, actors=2, clips_per_actor=1, seconds=4.0, seed=999)  # unseen actors
    bundle = load_bundle(demo_bundle_path())
    right = 0
    for clip in clips:
        result = analyze_file(clip, bundle)
        said = Counter(p.label for p in result.predictions if p.label is not None)
        right += bool(said) and said.most_common(1)[0][0] == clip.parent.name
    assert right >= 8, f"{right} of {len(clips)} clips recognised"


def test_demo_bundle_says_unknown_on_real_video(clips, shared_data):
    """It has only seen stick figures: on real people it must not name a stick-figure motion."""
    from engine.core.prediction import PredictionState

    bundle = load_bundle(demo_bundle_path())
    assert bundle.manifest.open_set["threshold"] > 0
    states: Counter = Counter()
    for video in (clips["arm"], clips["ucf"], sorted((shared_data / "grid" / "s1" / "raw").glob("*.mpg"))[0]):
        result = analyze_file(video, bundle)
        states.update(p.state for p in result.predictions if p.state != PredictionState.WARMING_UP)
    rejected = states[PredictionState.UNKNOWN] + states[PredictionState.UNCERTAIN]
    assert rejected >= 0.95 * sum(states.values()), states
