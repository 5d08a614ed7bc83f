"""Lip mode with the shipped grid-lips bundle on real GRID clips: the visual speech-activity
signal exported as speaking segments (JSON, schema; the command: tests/e2e/test_lip_cli.py), and the
live engine delivering a file's last sentence at its end as offline analysis does."""

from __future__ import annotations

import json
import threading

import pytest

from engine.bundles import load_bundle, shipped_bundles_dir
from engine.core.settings import EngineSettings
from engine.io.events import SCHEMA_FILE
from engine.runners.live import Engine
from engine.runners.offline import analyze_file

BUNDLE = shipped_bundles_dir() / "grid-lips"
FPS = 25.0
# Two sentences whose words span different parts of the 3 s clip.
STEMS = ("bbaf3s", "bgbbzn")


def _clip(shared_data, stem):
    return shared_data / "grid" / "s1" / "video" / f"{stem}.mp4"


def spoken_span(shared_data, stem) -> tuple[float, float]:
    """(start_s, end_s) from the first spoken word to the last, from the corpus' own alignment
    (``start end word`` in 1/1000 frame at 25 fps; sil/sp are silence)."""
    rows = [line.split() for line in (shared_data / "grid" / "s1" / "align" / f"{stem}.align").read_text().splitlines()
            if line.strip()]
    words = [(int(a) / 1000 / FPS, int(b) / 1000 / FPS) for a, b, w in rows if w not in ("sil", "sp")]
    return words[0][0], words[-1][1]


@pytest.fixture(scope="module")
def bundle():
    return load_bundle(BUNDLE)


@pytest.fixture(scope="module")
def results(bundle, shared_data):
    return {stem: analyze_file(_clip(shared_data, stem), bundle, EngineSettings(device="cpu")) for stem in STEMS}


def _overlap(segments, a: float, b: float) -> float:
    return sum(max(0.0, min(s.end_s, b) - max(s.start_s, a)) for s in segments)


@pytest.mark.parametrize("stem", STEMS)
def test_speaking_segments_cover_the_spoken_words_and_not_the_silence(results, shared_data, stem):
    result = results[stem]
    segments = result.speaking()
    first, last = spoken_span(shared_data, stem)
    assert segments, "the talking face was never speaking"
    # Most of the time the words are said is speaking (the signal is causal: it trails the lips
    # by a few frames; measured 85-95 % on these clips).
    assert _overlap(segments, first, last) >= 0.75 * (last - first)
    # The silence before the first word and after the last one (beyond the signal's lag) is not.
    assert _overlap(segments, 0.0, max(0.0, first - 0.3)) == 0.0
    assert _overlap(segments, last + 0.5, result.duration_s) == 0.0
    assert all(0 <= s.start_s < s.end_s <= result.duration_s for s in segments)


def test_the_json_has_the_speaking_segments_and_follows_the_schema(results, tmp_path):
    import jsonschema

    result = results[STEMS[0]]
    data = json.loads(result.to_json(tmp_path / "a.json").read_text())
    jsonschema.validate(data, json.loads(SCHEMA_FILE.read_text()))
    assert data["speaking"] == [s.to_dict() for s in result.speaking()] and data["speaking"]
    assert data["transcript"] == result.transcript
    broken = dict(data, speaking=[{"start_s": 1.0}])
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, json.loads(SCHEMA_FILE.read_text()))


def test_an_action_timeline_has_no_speaking_field(tiny_bundle, clips):
    result = analyze_file(clips["ucf"], tiny_bundle, EngineSettings(device="cpu"))
    assert "speaking" not in result.to_dict() and result.speaking() == []


def test_the_live_engine_shows_the_last_sentence_when_a_file_ends(bundle, results, shared_data):
    """Played to its end, a file's transcript in the live engine is the offline one: the decoder
    is flushed at the end of the file (the last sentence has no pause after it to end it)."""
    stem = STEMS[0]
    records = []
    done = threading.Event()
    engine = Engine(bundle, EngineSettings(device="cpu", realtime=False, ring_capacity=200),
                    on_prediction=records.append, on_finished=done.set)
    try:
        engine.start(_clip(shared_data, stem))
        assert done.wait(60)
        engine.wait(0)
    finally:
        engine.close()
    offline = results[stem]
    words = [r.token.text for r in records if r.token is not None]
    assert offline.tokens and words == [t.text for t in offline.tokens]
    assert records[-1].transcript == offline.transcript
    # The flushed words carry their times, as offline (each word once, in order).
    live_tokens = [r.token for r in records if r.token is not None]
    assert [(round(t.start_s, 3), round(t.end_s, 3)) for t in live_tokens] == \
        [(round(t.start_s, 3), round(t.end_s, 3)) for t in offline.tokens]
