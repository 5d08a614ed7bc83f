"""Datasets: group-aware splits, sampling by time on the engine's clock, augmentation, feature cache."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from engine.bundles import load_bundle
from models.data import (
    Augment,
    DatasetError,
    FeatureCache,
    FeatureExtractor,
    ExtractStats,
    augmentations,
    build_windows,
    extract_features,
    sample_frames,
    scan_video_folder,
    split_dataset,
)
from models.synthetic import generate


def _touch_dataset(root, names_by_class):
    for cls, names in names_by_class.items():
        for n in names:
            p = root / cls / n
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_bytes(b"")  # scanning and splitting never open the files
    return root


def _assert_groups_disjoint(split):
    train = {it.group for it in split.train} | {it.group for it in split.val}
    test = {it.group for it in split.test}
    assert not train & test
    assert not {it.group for it in split.train} & {it.group for it in split.val}


def test_ucf101_groups_never_straddle_train_and_test(tmp_path):
    names = {c: [f"v_{c}_g{g:02d}_c{k:02d}.avi" for g in range(1, 9) for k in range(1, 4)] for c in ("Jump", "Wave", "Clap")}
    ds = scan_video_folder(_touch_dataset(tmp_path, names))
    assert ds.labels == ["Clap", "Jump", "Wave"]
    assert {it.group for it in ds.items} == {f"g{g:02d}" for g in range(1, 9)}
    split = split_dataset(ds, seed=3)
    _assert_groups_disjoint(split)
    for part in (split.train, split.val, split.test):  # every class appears in every part
        assert {it.label for it in part} == {0, 1, 2}


def test_ucf101_official_split_files_are_used(tmp_path):
    names = {c: [f"v_{c}_g{g:02d}_c01.avi" for g in range(1, 11)] for c in ("Jump", "Wave")}
    root = _touch_dataset(tmp_path, names)
    lists = tmp_path / "ucfTrainTestlist"
    lists.mkdir()
    test = [f"{c}/v_{c}_g{g:02d}_c01.avi" for c in names for g in range(1, 4)]
    train = [f"{c}/v_{c}_g{g:02d}_c01.avi {i}" for i, c in enumerate(names, 1) for g in range(4, 11)]
    (lists / "testlist01.txt").write_text("\n".join(test) + "\n")
    (lists / "trainlist01.txt").write_text("\n".join(train) + "\n")
    split = split_dataset(scan_video_folder(root))
    assert sorted(it.rel(root) for it in split.test) == sorted(test)
    assert len(split.train) + len(split.val) == len(train)
    _assert_groups_disjoint(split)


def test_person_ids_and_subfolders_are_groups(tmp_path):
    # the same person in several classes stays on one side of the split for all of them
    names = {c: [f"p{p}__take{k}.mp4" for p in range(6) for k in range(2)] for c in ("sit", "stand", "wave")}
    names["wave"] += ["p9/a.mp4", "p9/b.mp4"]
    ds = scan_video_folder(_touch_dataset(tmp_path, names))
    assert {it.group for it in ds.items if it.path.parent.name == "p9"} == {"p9"}
    split = split_dataset(ds, seed=1)
    _assert_groups_disjoint(split)
    assert split.test and split.val


def test_too_few_classes_is_a_clear_error(tmp_path):
    _touch_dataset(tmp_path, {"only": ["a.mp4"]})
    with pytest.raises(DatasetError, match="at least two"):
        scan_video_folder(tmp_path)


def test_frames_are_sampled_by_time_not_by_count(clips):
    # 25 fps (6.56 s), 28 fps (10 s) and 30 fps (10 s) clips all give 8 frames per second
    for name, seconds in (("ucf", 164 / 25), ("arm", 280 / 28), ("pool", 300 / 30)):
        frames = sample_frames(clips[name], 8.0)
        assert abs(len(frames) - seconds * 8) <= 1.5, (name, len(frames))
        assert frames[0].dtype == np.uint8 and frames[0].ndim == 3
    # at the clip's own rate every frame is taken (once, give or take a timestamp on a tick)
    assert abs(len(sample_frames(clips["ucf"], 25.0)) - 164) <= 1


def test_augmentations_flip_crop_and_brighten():
    img = np.zeros((40, 60, 3), np.uint8)
    img[:, :30] = 100  # left half grey, right half black
    flipped = Augment(flip=True)(img)
    assert flipped[:, -1].mean() == 100 and flipped[:, 0].mean() == 0
    cropped = Augment(crop=(0.0, 0.0, 0.5, 0.5))(img)
    assert cropped.shape == (20, 30, 3)
    assert Augment(brightness=1.5)(img)[0, 0, 0] == 150
    augs = augmentations(4, flip=False, seed=0)
    assert augs[0].is_identity and len(set(augs)) == 4 and not any(a.flip for a in augs)
    assert augmentations(4, seed=0) == augmentations(4, seed=0)  # fixed by the seed


def test_features_are_cached_by_backbone_video_and_augmentation(tiny_bundle, tmp_path):
    data = tmp_path / "data"
    generate(data, actors=1, clips_per_actor=1, seconds=1.5, labels=("waving", "idle"))
    ds = scan_video_folder(data)
    bundle = load_bundle(tiny_bundle)
    ex = FeatureExtractor(bundle.backbone_path, bundle.manifest.input)
    cache = FeatureCache(tmp_path / "cache")
    augs = augmentations(2, seed=0)
    first = ExtractStats()
    f1 = extract_features(ds.items, ex, cache, 10.0, augs, show_bar=False, stats=first)
    assert first.computed == 4 and first.cached == 0
    assert f1[0][0].shape == (15, 32)  # 1.5 s at 10 features per second, 32-d
    assert not np.allclose(f1[0][0], f1[0][1])  # the augmented view differs
    again = ExtractStats()
    f2 = extract_features(ds.items, ex, cache, 10.0, augs, show_bar=False, stats=again)
    assert again.cached == 4 and again.computed == 0 and again.frames == 0
    np.testing.assert_array_equal(f1[1][1], f2[1][1])
    # the key is the file's content, not its name: overwrite video 0 with video 1's bytes
    shutil.copyfile(ds.items[1].path, ds.items[0].path)
    f3 = extract_features(ds.items, ex, cache, 10.0, augs, show_bar=False)
    np.testing.assert_array_equal(f3[0][0], f1[1][0])
    assert not np.array_equal(f3[0][0], f1[0][0])
    # windows of T: a 15-tick clip gives windows every stride ticks, the clip's end included
    ws = build_windows(f1, ds.items, length=8, stride=3)
    assert ws.batch(np.arange(len(ws))).shape == (len(ws), 8, 32)
    assert len(ws) == 2 * 2 * 4  # 2 videos x 2 views x starts (0, 3, 6, 7)
