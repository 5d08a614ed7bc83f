"""The task seam: a bundle's task picks its frame stages and output decoder (engine/tasks.py);
an unknown task is refused; a toy sequence task reads timed tokens from a real talking face."""

from __future__ import annotations

import json
import shutil

import pytest

from engine.bundles import load_bundle
from engine.core.errors import BundleError
from engine.core.prediction import PredictionState, TranscriptUpdate
from engine.core.settings import EngineSettings
from engine.io.sources import open_source
from engine.lips.yunet import YUNET_ENV
from engine.pipeline import Recognizer
from engine.runners.offline import analyze_file
from engine.tasks import TASKS, reports_words


def _with_manifest(bundle, tmp_path, name, **changes):
    out = tmp_path / name
    shutil.copytree(bundle, out)
    manifest = json.loads((out / "manifest.json").read_text())
    for key, value in changes.items():
        if "." in key:
            outer, inner = key.split(".")
            manifest[outer][inner] = value
        else:
            manifest[key] = value
    (out / "manifest.json").write_text(json.dumps(manifest))
    return out


def test_a_bundle_with_an_unknown_task_is_refused_with_a_clear_message(tiny_bundle, tmp_path):
    odd = _with_manifest(tiny_bundle, tmp_path, "signs", task="sign_language")
    with pytest.raises(BundleError) as err:
        load_bundle(odd)
    message = str(err.value)
    assert "task 'sign_language' is not one this Kinesight can run (it knows: action, lip, lip-words, sequence)" in message
    assert "newer Kinesight" in message


def test_a_task_and_its_input_region_must_agree(tiny_bundle, tmp_path):
    lip_on_full_frames = _with_manifest(tiny_bundle, tmp_path, "lip-full", task="lip")
    with pytest.raises(BundleError, match="input.roi must be 'mouth' for task 'lip'"):
        load_bundle(lip_on_full_frames)


def test_the_registry_names_stages_decoder_and_panels_for_every_task(tiny_bundle):
    assert set(TASKS) == {"action", "lip", "lip-words", "sequence"}
    for spec in TASKS.values():
        assert spec.sinks and spec.logits_ranks
        # A task that reads frames has stages, a decoder and panels; one that reads time series
        # parses its own manifest section and checks its head instead.
        assert spec.reads_frames == bool(spec.gui_panels) == (spec.decoder is not None) != bool(spec.parse_section)
    # Taught lip words read the mouth as the lip reader does, and report labels as actions do.
    assert TASKS["lip-words"].frame_stages is TASKS["lip"].frame_stages
    assert [reports_words(t) for t in ("action", "lip", "lip-words")] == [False, True, False]
    bundle = load_bundle(tiny_bundle)
    assert TASKS["action"].frame_stages(bundle) == []  # actions see the whole frame
    rec = Recognizer(bundle, EngineSettings(device="cpu"))
    assert type(rec.decoder).__name__ == "ActionDecoder" and rec.task is TASKS["action"]


@pytest.fixture()
def grid_clip(shared_data, monkeypatch):
    monkeypatch.setenv(YUNET_ENV, str(shared_data / "models" / "yunet" / "yunet_n_dynamic.onnx"))
    return sorted((shared_data / "grid" / "s1" / "video").glob("*.mp4"))[0]


def test_a_sequence_task_yields_timed_tokens_on_a_real_clip(toy_sequence_bundle, grid_clip, capsys):
    from kinesight.cli import main

    result = analyze_file(grid_clip, toy_sequence_bundle, EngineSettings(device="cpu"))
    updates = result.predictions
    assert len(updates) == 30 and all(isinstance(u, TranscriptUpdate) for u in updates)
    assert [u.state for u in updates[:7]] == [PredictionState.WARMING_UP] * 7  # T = 8 at 10 fps
    # Timed tokens, in order, inside the clip and after warm-up, none overlapping.
    tokens = result.tokens
    assert len(tokens) >= 3
    assert all(0.7 - 1e-9 <= t.start_s < t.end_s <= 3.0 + 1e-9 and 0 < t.confidence <= 1 for t in tokens)
    assert all(a.end_s <= b.start_s + 1e-9 for a, b in zip(tokens, tokens[1:]))
    assert {t.text for t in tokens} <= set(load_bundle(toy_sequence_bundle).labels[1:])  # never the blank
    # The running transcript grows token by token and ends as the whole transcript.
    assert result.transcript == " ".join(t.text for t in tokens)
    assert updates[-1].transcript == " ".join(t.text for t in tokens if t.end_s <= updates[-1].tick / 10 + 1e-9)
    # The mouth-crop stage published its box on every record.
    assert all(len(u.regions) == 1 and u.regions[0].name == "mouth" for u in updates)
    # The single-frame path (what the live engine runs) reads the same tokens.
    rec = Recognizer(toy_sequence_bundle, EngineSettings(device="cpu"))
    with open_source(grid_clip) as src:
        rec.run(src)
    assert rec.finish(3.0) == tokens
    # And the command line prints them with the transcript.
    assert main(["analyze", str(grid_clip), "--bundle", str(toy_sequence_bundle), "--device", "cpu",
                 "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert f"transcript: {result.transcript}" in out and f"{tokens[0].start_s:7.2f} - {tokens[0].end_s:7.2f} s  {tokens[0].text}" in out


def test_a_task_registered_twice_is_refused():
    from engine.tasks import register_task

    with pytest.raises(ValueError, match="registered twice"):
        register_task(TASKS["action"])
    assert list(TASKS) == ["action", "lip", "lip-words", "sequence"]
