"""Adapting the lip reader to a new face (issue #23 part 3): the guided session's sentences and
file, the head-graph edits adaptation makes (checked against the shipped graph in ONNX Runtime),
and adaptation itself on real GRID speaker 4 clips, without PyTorch, through the engine."""

from __future__ import annotations

import json
import shutil
import threading
from pathlib import Path

import numpy as np
import pytest

from engine.bundles import load_bundle, shipped_bundles_dir
from engine.core.settings import EngineSettings
from engine.runners.offline import analyze_file
from models.grid_data import SLOTS, words_from_name
from models.lip_adapt import (
    AdaptCancelled,
    AdaptError,
    AdaptSentence,
    adapt_bundle,
    load_session,
    prompt_sentences,
    write_session,
)
from models.lip_adapt_head import HeadGraph, session
from models.lipread import wer

BASE = shipped_bundles_dir() / "grid-lips"


def _s4(shared_data) -> list[Path]:
    return sorted((shared_data / "grid" / "s4" / "video").glob("*.mp4"))


def _sentences(clips: list[Path]) -> list[AdaptSentence]:
    return [AdaptSentence(c, words_from_name(c.stem)) for c in clips]


def test_grid_file_names_spell_their_sentences():
    assert words_from_name("prwj8a") == ("place", "red", "with", "j", "eight", "again")
    assert words_from_name("lgizzn") == ("lay", "green", "in", "z", "zero", "now")
    for bad in ("prwj8", "xrwj8a", "prwj0a", "prwW8a"):
        with pytest.raises(ValueError):
            words_from_name(bad)


def test_prompted_sentences_follow_the_grammar_and_cover_every_letter():
    got = prompt_sentences(BASE, 26, seed=3)
    assert len(got) == 26 and got == prompt_sentences(BASE, 26, seed=3)
    for sentence in got:
        assert all(w in slot for w, slot in zip(sentence, SLOTS)) and len(sentence) == len(SLOTS)
    assert {s[3] for s in got} == set(SLOTS[3])  # 25 letters: all in 26 sentences
    assert {s[4] for s in got} == set(SLOTS[4])
    assert len(set(got)) > 20  # not the same sentence over and over


def test_a_session_file_round_trips_and_bad_ones_say_what_to_do(tmp_path, shared_data):
    clips = _s4(shared_data)[:2]
    for c in clips:
        shutil.copy(c, tmp_path / c.name)
    sents = _sentences([tmp_path / c.name for c in clips])
    write_session(tmp_path, "grid-lips", sents)
    back = load_session(tmp_path)
    assert [(s.clip.name, s.words) for s in back] == [(s.clip.name, s.words) for s in sents]
    (tmp_path / clips[0].name).unlink()
    with pytest.raises(AdaptError, match="put the clip back"):
        load_session(tmp_path)
    data = json.loads((tmp_path / "session.json").read_text())
    data["sentences"][0]["file"] = "../elsewhere.mp4"
    (tmp_path / "session.json").write_text(json.dumps(data))
    with pytest.raises(AdaptError, match="outside the session folder"):
        load_session(tmp_path)
    (tmp_path / "session.json").write_text("{not json")
    with pytest.raises(AdaptError, match="damaged"):
        load_session(tmp_path)
    with pytest.raises(AdaptError, match="Adapt Lip Reading to My Face"):
        load_session(tmp_path / "nothing-here")


def test_head_graph_edits_keep_what_they_do_not_change():
    rng = np.random.default_rng(0)
    x = rng.normal(0.5, 0.5, (2, 74, 192)).astype(np.float32).clip(0)
    g = HeadGraph.load(BASE / "head.onnx")
    ref = session(g.model).run(None, {"features": x})[0]
    # the output layer is the hidden output times W plus b
    logits, hidden = session(g.with_hidden()).run(None, {"features": x})
    w, b = g.output_layer()
    np.testing.assert_allclose(hidden @ w + b, ref, atol=1e-3)
    np.testing.assert_allclose(logits, ref, atol=1e-5)
    # an identity affine in front changes nothing; a real one equals feeding transformed features
    ident = session(g.with_input_affine(np.ones(192), np.zeros(192))).run(None, {"features": x})[0]
    np.testing.assert_allclose(ident, ref, atol=1e-5)
    scale, shift = rng.uniform(0.5, 2, 192), rng.normal(0, 0.3, 192)
    moved = session(g.with_input_affine(scale, shift)).run(None, {"features": x})[0]
    direct = session(g.model).run(None, {"features": (x * scale + shift).astype(np.float32)})[0]
    np.testing.assert_allclose(moved, direct, atol=1e-4)
    # float16-stored weights written back as float32: the same graph
    same = session(g.with_weights({g.w_name: w, g.b_name: b})).run(None, {"features": x})[0]
    np.testing.assert_allclose(same, ref, atol=1e-5)
    changed = session(g.with_weights({g.b_name: b + 1.0})).run(None, {"features": x})[0]
    np.testing.assert_allclose(changed, ref + 1.0, atol=1e-4)


def test_the_torch_fine_tune_reads_and_writes_the_graph_it_was_given():
    pytest.importorskip("torch")
    from models.lip_adapt_head import finetune_head

    g = HeadGraph.load(BASE / "head.onnx")
    x = np.random.default_rng(1).normal(0.5, 0.5, (2, 74, 192)).astype(np.float32).clip(0)
    weights = finetune_head(g, x, np.zeros((2, 74), np.int64), np.ones((2, 6), np.int64), steps=0)
    assert set(weights) >= {g.w_name, g.b_name}
    ref = session(g.model).run(None, {"features": x})[0]
    # zero steps: the GRU gates mapped to torch's order and back give the same graph
    np.testing.assert_allclose(session(g.with_weights(weights)).run(None, {"features": x})[0], ref, atol=1e-4)


@pytest.fixture(scope="module")
def adapted(shared_data, tmp_path_factory):
    """grid-lips adapted to GRID speaker 4 from 8 of its sentences, without PyTorch."""
    clips = _s4(shared_data)
    perm = np.random.default_rng(7).permutation(len(clips))
    session_clips = [clips[i] for i in perm[:8]]
    held_out = [clips[i] for i in perm[-6:]]
    out = tmp_path_factory.mktemp("adapted") / "s4-lips"
    stages = []
    report = adapt_bundle(BASE, _sentences(session_clips), out, method="numpy",
                          progress=lambda stage, frac: stages.append((stage, frac)))
    return report, out, held_out, stages


def test_adapting_to_speaker_4_makes_a_bundle_that_reads_them_better(adapted):
    report, out, held_out, stages = adapted
    bundle = load_bundle(out)  # checksums, graphs, speaker check: a bundle like any other
    assert bundle.manifest.name == "grid-lips-adapted" and bundle.manifest.task == "lip"
    info = bundle.manifest.training["adaptation"]
    assert info["sentences"] == 8 and info["method"] == "normalise + output layer"
    assert len(info["session"]) == 8 and info["cv_wer"] == pytest.approx(report.cv_wer, abs=1e-4)
    # the report: cross-validated on the session, against the shipped reader on the same sentences
    assert report.folds == 5 and report.unadapted_wer > 0.6
    assert report.cv_wer < report.unadapted_wer - 0.15
    assert [s for s, _ in stages][0] == "reading clips" and stages[-1] == ("done", 1.0)
    # on sentences of the same face that adaptation never saw, through the engine
    errs = {BASE: 0, out: 0}
    for clip in held_out:
        for b in errs:
            res = analyze_file(clip, b, EngineSettings(device="cpu"))
            errs[b] += wer(list(words_from_name(clip.stem)), [t.text for t in res.tokens])
    assert errs[out] <= errs[BASE] - 4, errs  # of 36 words: at least 4 more read right
    # the shipped reader is untouched
    assert load_bundle(BASE).manifest.training.get("adaptation") is None


def test_the_adapted_bundle_says_it_cannot_read_its_old_speaker(adapted, shared_data):
    _, out, _, _ = adapted
    res = analyze_file(shared_data / "grid" / "s1" / "video" / "bgbbzn.mp4", out, EngineSettings(device="cpu"))
    assert res.tokens and all(t.check is not None and t.check.sentence_cannot_read for t in res.tokens)


def test_adaptation_refuses_what_it_cannot_use(tmp_path, shared_data, clips):
    s4 = _sentences(_s4(shared_data)[:6])
    with pytest.raises(AdaptError, match="too few"):
        adapt_bundle(BASE, s4[:3], tmp_path / "a")
    wrong = [AdaptSentence(s4[0].clip, ("bin", "blue", "at", "w", "two", "now"))] + s4[1:]
    with pytest.raises(AdaptError, match="not a sentence of the reader's grammar"):
        adapt_bundle(BASE, wrong, tmp_path / "b")
    with pytest.raises(AdaptError, match="adaptation is for lip readers"):
        adapt_bundle(shipped_bundles_dir() / "everyday-actions", s4, tmp_path / "c")
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "keep.txt").write_text("mine")
    with pytest.raises(AdaptError, match="not empty"):
        adapt_bundle(BASE, s4, tmp_path / "d")
    assert (tmp_path / "d" / "keep.txt").read_text() == "mine"
    faceless = [AdaptSentence(clips["pool"], s.words) for s in s4[:5]]
    with pytest.raises(AdaptError, match="show a face"):
        adapt_bundle(BASE, faceless, tmp_path / "e")
    assert not (tmp_path / "e").exists()


def test_cancelling_writes_nothing(tmp_path, shared_data):
    stop = threading.Event()

    def progress(stage, frac):
        if stage == "cross-validating":
            stop.set()

    with pytest.raises(AdaptCancelled):
        adapt_bundle(BASE, _sentences(_s4(shared_data)[:5]), tmp_path / "x", method="numpy",
                     progress=progress, cancel=stop)
    assert not (tmp_path / "x").exists()


def test_an_adapted_bundle_is_not_adapted_again(adapted, tmp_path, shared_data):
    _, out, _, _ = adapted
    with pytest.raises(AdaptError, match="adapt grid-lips instead"):
        adapt_bundle(out, _sentences(_s4(shared_data)[:5]), tmp_path / "again")
