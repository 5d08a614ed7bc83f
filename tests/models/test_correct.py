"""Corrections: a stretch of a real file added to a taught bundle's teaching set, the bundle re-taught
in place (``kinesight teach BUNDLE --add LABEL FILE:START-END``), and undone byte for byte."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from engine.bundles import load_bundle
from engine.core.errors import BundleError
from kinesight.cli import main
from models.correct import PREVIOUS, can_undo
from models.fewshot.teaching_set import TEACHING_FILE, TeachingSet
from models.teach import train_bundle

QUICK = {"window": 6, "sample_fps": 5.0, "views": 1}  # a small, quick few-shot run


def _snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def taught(real_actions, feature_cache, tmp_path_factory) -> Path:
    clips = {"arm": real_actions["arm"]["teach"], "pool": real_actions["pool"]["teach"]}
    out = tmp_path_factory.mktemp("taught") / "arm-or-pool"
    train_bundle(clips, out, cache_dir=feature_cache, **QUICK)
    return out


@pytest.fixture
def bundle(taught, tmp_path) -> Path:
    (tmp_path / "bundles").mkdir()
    return Path(shutil.copytree(taught, tmp_path / "bundles" / taught.name))


def test_a_taught_bundle_keeps_its_clips_and_every_file_is_checksummed(bundle, real_actions):
    manifest = load_bundle(bundle).manifest
    assert TEACHING_FILE in manifest.files  # the loader checks teaching.json on every load
    ts = TeachingSet.load(bundle)
    assert ts.counts() == {"arm": 3, "pool": 3}
    assert {c.origin for c in ts.clips} == {"taught"}
    assert [Path(c.source).name for c in ts.clips[:3]] == [p.name for p in real_actions["arm"]["teach"]]
    assert manifest.training["teaching_set"]["clips"] == 6
    clip = bundle / ts.clips[0].file
    clip.write_bytes(clip.read_bytes()[:-10])  # a teaching clip changed behind the bundle's back
    with pytest.raises(BundleError, match="fails its checksum"):
        TeachingSet.load(bundle)


def test_cli_add_a_stretch_re_teaches_in_place_and_undo_restores_byte_for_byte(bundle, shared_data, feature_cache,
                                                                              capsys):
    before = _snapshot(bundle)
    pool = shared_data / "clips" / "kinetics_cleaning_pool.mp4"
    rc = main(["teach", str(bundle), "--add", "Pool", f"{pool}:6.5-8.5", "--threads", "2",
               "--cache", str(feature_cache)])
    out = capsys.readouterr().out
    assert rc == 0, out
    assert "as 'pool' (6.50-8.5" in out and "re-taught from 7 clips" in out
    assert "live labels right" in out  # the teach report's figures, re-measured
    ts = TeachingSet.load(bundle)
    fix = ts.clips[-1]
    assert (fix.label, fix.origin, fix.start_s, fix.source) == ("pool", "correction", 6.5, str(pool))
    assert 8.4 < fix.end_s <= 8.55
    assert (bundle / fix.file).is_file() and load_bundle(bundle).manifest.training["teaching_set"]["corrections"] == 1
    assert (bundle / "head.onnx").read_bytes() != before["head.onnx"]  # a new model, in the same folder
    assert can_undo(bundle)

    assert main(["teach", str(bundle), "--undo"]) == 0
    assert _snapshot(bundle) == before
    assert not (bundle / PREVIOUS).exists() and not can_undo(bundle)
    assert sorted(p.name for p in bundle.parent.iterdir()) == [bundle.name]  # no staging left behind
    assert main(["teach", str(bundle), "--undo"]) != 0  # one step only
    assert "no earlier version" in capsys.readouterr().err


def test_none_of_these_teaches_what_to_ignore_without_a_new_action(bundle, shared_data, feature_cache, capsys):
    talk = sorted((shared_data / "grid" / "s1" / "video").glob("*.mp4"))[7]
    assert main(["teach", str(bundle), "--add", "none", str(talk), "--cache", str(feature_cache)]) == 0
    assert load_bundle(bundle).labels == ("arm", "pool")  # reported as unknown, never as an action
    assert TeachingSet.load(bundle).counts() == {"arm": 3, "pool": 3, "none of these": 1}


@pytest.mark.parametrize("case", ["hostile", "missing", "label", "stretch"])
def test_a_bad_correction_says_why_and_changes_nothing(bundle, tmp_path, shared_data, capsys, case):
    before = _snapshot(bundle)
    hostile = tmp_path / "clip.mp4"
    hostile.write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 40)  # an mp4 header, then junk
    pool = shared_data / "clips" / "kinetics_cleaning_pool.mp4"
    label, spec, said = {"hostile": ("arm", str(hostile), "clip.mp4"),
                         "missing": ("arm", str(tmp_path / "gone.mp4"), "does not exist"),
                         "label": ("swim", str(pool), "'arm', 'pool' or 'none'"),
                         "stretch": ("arm", f"{pool}:50-60", "no frames between 50.00")}[case]
    rc = main(["teach", str(bundle), "--add", label, spec])
    err = capsys.readouterr().err
    assert rc != 0 and said in err and len(err.strip().splitlines()) == 1
    assert _snapshot(bundle) == before and not can_undo(bundle)
    assert sorted(p.name for p in bundle.parent.iterdir()) == [bundle.name]


def test_a_bundle_taught_before_it_kept_clips_cannot_be_corrected_and_says_so(bundle, shared_data, capsys):
    (bundle / TEACHING_FILE).unlink()
    data = json.loads((bundle / "manifest.json").read_text())
    del data["files"][TEACHING_FILE]
    (bundle / "manifest.json").write_text(json.dumps(data))
    rc = main(["teach", str(bundle), "--add", "arm", str(shared_data / "clips" / "kinetics_arm_wrestling.mp4")])
    assert rc != 0 and "does not keep the clips it was taught from" in capsys.readouterr().err
