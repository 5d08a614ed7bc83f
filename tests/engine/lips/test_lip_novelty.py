"""The lip reader knows when it cannot read (issue 23 A): the shipped grid-lips bundle's speaker
check on real GRID clips through the real ONNX Runtime path, and the refusal of a bundle whose
lip_novelty.npz is damaged, unlisted or does not fit; a bundle without it still reads, unchecked."""

from __future__ import annotations

import io
import json
import shutil
import zipfile
from pathlib import Path

import numpy as np
import pytest

from engine.bundles import load_bundle, sha256_of, shipped_bundles_dir
from engine.core.errors import BundleError
from engine.lips.novelty import NOVELTY_FILE, SpeakerNovelty, load_novelty
from engine.pipeline import Recognizer
from engine.runners.offline import analyze_file

BUNDLE = shipped_bundles_dir() / "grid-lips"
SCHEMA = Path(__file__).resolve().parents[3] / "resources" / "schema" / "analysis-v1.schema.json"


@pytest.fixture(scope="module")
def reader():
    return Recognizer(BUNDLE)


def _validate(result) -> dict:
    import jsonschema

    data = json.loads(json.dumps(result.to_dict()))
    jsonschema.validate(data, json.loads(SCHEMA.read_text(encoding="utf-8")))
    return data


def test_speaker_1_reads_and_is_not_flagged(reader, shared_data):
    # bgbbzn is one of the 40 validation sentences the reader never trained on.
    result = analyze_file(shared_data / "grid" / "s1" / "video" / "bgbbzn.mp4", reader)
    assert result.transcript == "bin green by b zero now"
    assert all(t.check is not None and not t.cannot_read for t in result.tokens)
    data = _validate(result)
    assert data["reading"]["checked"] is True and data["reading"]["cannot_read"] is False
    (sentence,) = data["reading"]["sentences"]
    assert sentence["speaker_distance"] < 3 and sentence["entropy"] < 0.5
    assert [t["cannot_read"] for t in data["tokens"]] == [False] * 6


def test_speaker_4_is_flagged_as_a_face_it_cannot_read(reader, shared_data):
    # "place red with j eight again": the reader answers a GRID sentence, mostly wrong.
    result = analyze_file(shared_data / "grid" / "s4" / "video" / "prwj8a.mp4", reader)
    assert result.tokens, "the reader still says what it saw"
    assert all(t.cannot_read and t.check.reason == "unfamiliar_face" for t in result.tokens)
    data = _validate(result)
    assert data["reading"]["cannot_read"] is True and data["reading"]["reason"] == "unfamiliar_face"
    assert data["reading"]["sentences"][0]["speaker_distance"] > 9.0
    assert {t["reason"] for t in data["tokens"]} == {"unfamiliar_face"}


def test_the_rule_flags_spread_posteriors_and_unsure_words():
    nov = SpeakerNovelty(mean=np.zeros(4), comps=np.eye(4)[:2], eigvals=np.ones(2), resid_var=1.0,
                         t_spk=9.0, t_ent=0.5, t_word_conf=0.4)
    assert nov.distance(np.array([2.0, 0, 0, 0])) == pytest.approx(1.0)  # 4 / 4 dimensions
    sharp = np.log(np.array([[0.01, 0.98, 0.01]] * 10))
    spread = np.log(np.full((10, 3), 1 / 3))
    assert nov.check_utterance(sharp, [1.0, 1.2])[:2] == (False, "")
    assert nov.check_utterance(spread, [1.0])[:2] == (True, "unsure")
    assert nov.check_utterance(sharp, [20.0])[:2] == (True, "unfamiliar_face")
    ok = nov.check_utterance(sharp, [1.0])
    assert nov.word_check(0.3, 0, ok).reason == "low_confidence" and not nov.word_check(0.3, 0, ok).sentence_cannot_read
    assert not nov.word_check(0.9, 0, ok).cannot_read


# -- bundles whose check is damaged, hostile or missing ---------------------------------------

@pytest.fixture
def bundle_copy(tmp_path) -> Path:
    out = tmp_path / "grid-lips"
    shutil.copytree(BUNDLE, out)
    return out


def _relist(root: Path, drop: bool = False) -> None:
    """Rewrite the manifest's sha256 of lip_novelty.npz (or drop it from the list)."""
    mpath = root / "manifest.json"
    data = json.loads(mpath.read_text(encoding="utf-8"))
    if drop:
        del data["files"][NOVELTY_FILE]
    else:
        data["files"][NOVELTY_FILE] = sha256_of(root / NOVELTY_FILE)
    mpath.write_text(json.dumps(data), encoding="utf-8")


def _arrays() -> dict[str, np.ndarray]:
    with np.load(BUNDLE / NOVELTY_FILE, allow_pickle=False) as d:
        return {k: d[k] for k in d.files}


def test_a_damaged_check_fails_its_checksum(bundle_copy):
    path = bundle_copy / NOVELTY_FILE
    raw = bytearray(path.read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    path.write_bytes(bytes(raw))
    with pytest.raises(BundleError, match="lip_novelty.npz .*fails its checksum"):
        load_bundle(bundle_copy)


def test_a_garbled_check_listed_with_its_checksum_is_refused(bundle_copy):
    (bundle_copy / NOVELTY_FILE).write_bytes(b"not an npz at all" * 100)
    _relist(bundle_copy)
    with pytest.raises(BundleError, match="lip_novelty.npz .*cannot be read"):
        load_bundle(bundle_copy)


@pytest.mark.parametrize("change, message", [
    (lambda a: a.update(mean=a["mean"][:191]), r"mean has shape \(191,\), not \(192,\)"),
    (lambda a: a.update(comps=a["comps"].T), "comps has shape"),
    (lambda a: a.update(eigvals=a["eigvals"][:5]), "eigvals has shape"),
    (lambda a: a.update(resid_var=np.float32(-1)), "must be positive"),
    (lambda a: a.update(t_spk=np.float32(np.nan)), "not finite"),
    (lambda a: a.pop("t_ent"), "lacks t_ent"),
])
def test_a_check_of_the_wrong_shape_is_refused(bundle_copy, change, message):
    arrays = _arrays()
    change(arrays)
    np.savez(bundle_copy / NOVELTY_FILE, **arrays)
    _relist(bundle_copy)
    with pytest.raises(BundleError, match=message):
        load_bundle(bundle_copy)


def test_a_check_holding_pickled_objects_is_refused_without_unpickling(bundle_copy):
    arrays = _arrays()
    buf = io.BytesIO()
    np.save(buf, np.array([object()], dtype=object), allow_pickle=True)
    np.savez(bundle_copy / NOVELTY_FILE, **{k: v for k, v in arrays.items() if k != "mean"})
    with zipfile.ZipFile(bundle_copy / NOVELTY_FILE, "a") as zf:
        zf.writestr("mean.npy", buf.getvalue())
    _relist(bundle_copy)
    with pytest.raises(BundleError, match="cannot be read"):
        load_bundle(bundle_copy)


def test_an_unlisted_check_is_refused(bundle_copy):
    _relist(bundle_copy, drop=True)
    with pytest.raises(BundleError, match="not listed in its manifest"):
        load_bundle(bundle_copy)


def test_a_manifest_listing_a_file_outside_the_bundle_is_refused(bundle_copy):
    mpath = bundle_copy / "manifest.json"
    data = json.loads(mpath.read_text(encoding="utf-8"))
    data["files"]["../outside.txt"] = "0" * 64
    mpath.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(BundleError, match="not a file name inside the bundle folder"):
        load_bundle(bundle_copy)


def test_a_bundle_without_the_check_still_reads_and_says_it_is_unchecked(bundle_copy, shared_data):
    (bundle_copy / NOVELTY_FILE).unlink()
    _relist(bundle_copy, drop=True)
    bundle = load_bundle(bundle_copy)
    assert load_novelty(bundle) is None
    result = analyze_file(shared_data / "grid" / "s4" / "video" / "prwj8a.mp4", Recognizer(bundle))
    assert result.tokens and all(t.check is None and not t.cannot_read for t in result.tokens)
    data = _validate(result)
    assert data["reading"] == {"checked": False, "cannot_read": None, "reason": None, "sentences": []}
    assert {t["cannot_read"] for t in data["tokens"]} == {None}
