"""Teaching on top of the shipped default: one action of the user's own is added to the twelve
everyday actions, and the new bundle knows both (models/fewshot/base.py)."""

from __future__ import annotations

from collections import Counter

import pytest
from generated_people import generated_actions_right

from engine.bundles import load_bundle, resolve_bundle
from engine.runners.offline import analyze_file
from models.data import DatasetError
from models.everyday import NAME
from models.fewshot.teaching_set import cut_clip
from models.posegen import ACTIONS
from models.teach import train_bundle


@pytest.fixture(scope="module")
def on_top(tmp_path_factory, shared_data):
    """A bundle taught on top of everyday-actions with one new action: two stretches of a real clip
    of a man cleaning a pool with a long pole."""
    work = tmp_path_factory.mktemp("on-top")
    src = shared_data / "clips" / "kinetics_cleaning_pool.mp4"
    parts = []
    for k, (a, b) in enumerate(((0.0, 5.0), (5.0, 10.0))):
        cut_clip(src, work / f"take{k}.mp4", a, b)
        parts.append(work / f"take{k}.mp4")
    out = work / "my-actions"
    result = train_bundle({"cleaning a pool": parts}, out, base=NAME, threads=2)
    return result, load_bundle(out), src


def test_one_action_of_your_own_is_added_to_the_twelve(on_top):
    result, bundle, _ = on_top
    base = load_bundle(resolve_bundle(NAME))
    assert bundle.labels[0] == "cleaning a pool"
    assert set(base.labels) < set(bundle.labels)  # the twelve are all there
    m = bundle.manifest
    assert m.input.roi == "pose"
    assert m.training["base"]["bundle"] == NAME and m.training["base"]["generator"]["module"] == "models.posegen"
    assert m.open_set["calibration"]["bound"].startswith("held-out")
    assert "on top of the actions of everyday-actions" in m.description
    # The teaching set is the user's clips alone: the twelve are made again by the generator.
    assert m.training["teaching_set"]["clips"] == 2
    assert result.per_class_recall["cleaning a pool"] >= 0.5


def test_the_taught_action_is_recognised_and_the_twelve_are_kept(on_top):
    _, bundle, src = on_top
    said = Counter(p.label for p in analyze_file(src, bundle).predictions if p.label is not None)
    assert said and said.most_common(1)[0][0] == "cleaning a pool", said
    # Generated people it never saw doing the twelve, through the new head: still recognised.
    right = generated_actions_right(bundle.root, 20_000)
    assert right >= 9, f"{right} of {len(ACTIONS)} generated actions recognised after teaching one more"


def test_only_a_body_bundle_made_by_the_generator_can_be_a_base(tmp_path, shared_data):
    clip = shared_data / "clips" / "kinetics_cleaning_pool.mp4"
    with pytest.raises(DatasetError, match="cannot be taught on top of"):
        train_bundle({"a": [clip]}, tmp_path / "x", base="default-actions")  # the stick-figure demo
    with pytest.raises(DatasetError, match="reads the body"):
        train_bundle({"a": [clip]}, tmp_path / "y", base=NAME, roi="full")
    with pytest.raises(DatasetError, match="at least two actions"):
        train_bundle({"a": [clip]}, tmp_path / "z")  # from scratch, one action is not enough


def test_a_correction_keeps_the_twelve(on_top, tmp_path):
    """A stretch corrected as one of the twelve ("this was a squat") is taught beside the generated
    squats, and the re-taught bundle still knows all thirteen; undo brings the old one back."""
    import shutil

    from models.correct import add_correction, undo_correction

    _, bundle, src = on_top
    root = tmp_path / "mine"
    shutil.copytree(bundle.root, root)
    done = add_correction(root, "Squat", src, 6.0, 9.0, threads=2)
    after = load_bundle(root)
    assert set(after.labels) == set(bundle.labels) and after.manifest.training["base"]["bundle"] == NAME
    assert done.clip.label == "squat" and done.clips == 3
    assert after.manifest.open_set["calibration"]["bound"].startswith("held-out")
    undo_correction(root)
    assert load_bundle(root).manifest.training["teaching_set"]["clips"] == 2
