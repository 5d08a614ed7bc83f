"""Events, the JSON schema, subtitles and the annotated video, on real clips and real bundles."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

from engine.core.prediction import Prediction, PredictionState, TimedToken
from engine.core.runtime import ProviderReport
from engine.io.events import SCHEMA_FILE, EventRules, action_events
from engine.io.exports import atomic_path, remove_stale_temporaries, write_text_atomic
from engine.io.results import AnalysisResult

C, U, N, W = PredictionState.CONFIDENT, PredictionState.UNCERTAIN, PredictionState.UNKNOWN, PredictionState.WARMING_UP


def _preds(spec: str, confs=None) -> list[Prediction]:
    """One prediction per character at 10 fps: w warming up, u uncertain, n unknown, a/b labels."""
    out = []
    for i, ch in enumerate(spec):
        state = {"w": W, "u": U, "n": N}.get(ch, C)
        label = ch if state is C else None
        conf = confs[i] if confs else (0.0 if state is W else 0.5 + 0.01 * i)
        out.append(Prediction(i / 10, i, i, (), (), label, conf, state))
    return out


def _texts(events) -> list[tuple[str, float, float]]:
    return [(e.text, round(e.start_s, 3), round(e.end_s, 3)) for e in events]


def test_events_merge_runs_and_keep_unknown_uncertain_and_warming_up_apart():
    preds = _preds("wwaaaunnbb", confs=[0, 0, 0.6, 0.9, 0.7, 0.3, 0.8, 0.8, 0.6, 0.7])
    events = action_events(preds, 10.0, 0.95)
    assert _texts(events) == [("(warming up)", 0.0, 0.2), ("a", 0.2, 0.5), ("(uncertain)", 0.5, 0.6),
                              ("(unknown)", 0.6, 0.8), ("b", 0.8, 0.95)]  # never past the end of the file
    a = events[1]
    assert a.peak_confidence == pytest.approx(0.9) and a.mean_confidence == pytest.approx(0.7333, abs=1e-3)
    assert a.records == 3 and events[0].mean_confidence == 0.0


def test_gap_filling_joins_a_label_across_a_short_uncertain_stretch_only():
    preds = _preds("aaauaaannnnnaa", confs=[0.8] * 3 + [0.1] + [0.6] * 3 + [0.5] * 5 + [0.9, 0.9])
    events = action_events(preds, 10.0, 0, EventRules(fill_gaps_s=0.2))
    # 0.1 s of uncertain is filled (its confidence does not count), 0.5 s of unknown is not
    assert _texts(events) == [("a", 0.0, 0.7), ("(unknown)", 0.7, 1.2), ("a", 1.2, 1.4)]
    assert events[0].mean_confidence == pytest.approx(0.7) and events[0].records == 6


def test_min_duration_absorbs_short_events_but_never_warming_up():
    events = action_events(_preds("wwwbaaaaaba"), 10.0, 0, EventRules(min_duration_s=0.25))
    # the short b after warming up goes to the next event; the short b inside a's run joins a
    assert _texts(events) == [("(warming up)", 0.0, 0.3), ("a", 0.3, 1.1)]
    with pytest.raises(Exception, match="min_duration must be 0 or more"):
        action_events([], 10.0, 0, EventRules(min_duration_s=-1))


@pytest.fixture(scope="module")
def ucf_result(tiny_bundle, clips) -> AnalysisResult:
    from engine.runners.offline import analyze_file
    from engine.core.settings import EngineSettings

    return analyze_file(clips["ucf"], tiny_bundle, EngineSettings(device="cpu", threshold=0.36))


def test_the_json_follows_the_versioned_schema(ucf_result, tmp_path):
    import jsonschema

    schema = json.loads(SCHEMA_FILE.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    data = json.loads(ucf_result.to_json(tmp_path / "a.json").read_text())
    jsonschema.validate(data, schema)
    assert data["schema_version"] == 1 and data["$schema"] == schema["$id"]
    assert [e["text"] for e in data["events"]] == [e.text for e in ucf_result.events()]
    broken = dict(data, events=[dict(data["events"][0], state="sleepy")])
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, schema)


def _stamp(s: str) -> float:
    h, m, rest = s.replace(",", ".").split(":")
    return int(h) * 3600 + int(m) * 60 + float(rest)


def parse_srt(text: str) -> list[tuple[float, float, str]]:
    cues = []
    for n, block in enumerate(b for b in text.strip().split("\n\n") if b.strip()):
        lines = block.strip().splitlines()
        assert lines[0] == str(n + 1)
        m = re.fullmatch(r"(\d\d:\d\d:\d\d,\d{3}) --> (\d\d:\d\d:\d\d,\d{3})", lines[1])
        assert m, lines[1]
        cues.append((_stamp(m[1]), _stamp(m[2]), "\n".join(lines[2:])))
    return cues


def parse_vtt(text: str) -> list[tuple[float, float, str]]:
    assert text.startswith("WEBVTT\n\n")
    cues = []
    for block in (b for b in text[len("WEBVTT\n\n"):].strip().split("\n\n") if b.strip()):
        lines = block.strip().splitlines()
        m = re.fullmatch(r"(\d\d:\d\d:\d\d\.\d{3}) --> (\d\d:\d\d:\d\d\.\d{3})", lines[0])
        assert m, lines[0]
        cues.append((_stamp(m[1]), _stamp(m[2]), "\n".join(lines[1:])))
    return cues


def _expected(events):
    return [(round(e.start_s, 3), round(e.end_s, 3), e.text) for e in events if e.end_s > e.start_s]


def test_srt_and_vtt_cues_are_the_events(ucf_result, tmp_path):
    events = ucf_result.events()
    assert len(events) >= 2
    for parse, write in ((parse_srt, ucf_result.to_srt), (parse_vtt, ucf_result.to_vtt)):
        cues = parse(write(tmp_path / "subs").read_text(encoding="utf-8"))
        got = [(round(a, 3), round(b, 3), re.sub(r" \(\d\.\d\d\)$", "", t)) for a, b, t in cues]
        assert got == _expected(events)
        assert all(t.endswith(f"({e.mean_confidence:.2f})") for (_, _, t), e in zip(cues, events) if e.label)


def test_lip_subtitles_are_the_words():
    words = [TimedToken("bin", 0.4, 0.7, 0.9), TimedToken("blue", 0.7, 1.1, 0.8), TimedToken("at", 1.3, 1.5, 0.6)]
    result = AnalysisResult([], ("bin", "blue", "at"), 2.0, 50, 1.0, ProviderReport("CPU", "cpu"),
                            task="lip", tokens=words, sample_fps=25.0)
    from engine.io.exports import srt_text

    assert [(a, b, t) for a, b, t in parse_srt(srt_text(result.events()))] == [
        (0.4, 0.7, "bin (0.90)"), (0.7, 1.1, "blue (0.80)"), (1.3, 1.5, "at (0.60)")]


def test_an_export_that_fails_leaves_the_old_file_and_no_temporary(tmp_path):
    target = write_text_atomic(tmp_path / "a.csv", "finished\n")
    with pytest.raises(RuntimeError):
        with atomic_path(target) as tmp:
            tmp.write_text("half")
            raise RuntimeError("cancelled")
    assert target.read_text() == "finished\n" and sorted(p.name for p in tmp_path.iterdir()) == ["a.csv"]
    stale = tmp_path / ".b.csv.999999999.kinesight-tmp"  # left by a process that no longer runs
    stale.write_text("half")
    assert remove_stale_temporaries(tmp_path) == [stale] and not stale.exists()


def _decode(path: Path) -> tuple[list[np.ndarray], object]:
    import av

    with av.open(str(path)) as c:
        s = c.streams.video[0]
        info = (s.codec_context.name, float(s.duration * s.time_base) if s.duration else None,
                [a.codec_context.name for a in c.streams.audio])
        return [f.to_ndarray(format="rgb24") for f in c.decode(s)], info


def test_the_annotated_video_is_h264_with_every_frame_the_overlay_and_the_audio(ucf_result, clips, tmp_path):
    from engine.io.annotate import write_annotated_video
    from engine.io.video_file import VideoFileSource

    out = write_annotated_video(ucf_result, clips["ucf"], tmp_path / "annotated.mp4")
    assert [p.name for p in tmp_path.iterdir()] == ["annotated.mp4"]  # no temporary left
    frames, (codec, duration, audio) = _decode(out)
    with VideoFileSource(clips["ucf"]) as src:
        source = [f.image for f in src]
        src_duration, src_fps = src.duration_s, src.fps
    assert codec == "h264" and len(frames) == len(source) == 164
    assert duration == pytest.approx(src_duration, abs=1.5 / src_fps)
    assert audio and audio[0].startswith("mp3")  # the AVI's MP3 track, copied
    band = max(18, source[0].shape[0] // 10)
    i = len(source) // 2
    top = np.abs(frames[i][:band].astype(int) - source[i][:band]).mean()
    rest = np.abs(frames[i][band + 8:].astype(int) - source[i][band + 8:]).mean()
    assert top > 25 and rest < 6, (top, rest)  # the overlay, and otherwise the same picture
