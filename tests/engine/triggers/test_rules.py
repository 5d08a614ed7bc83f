"""Rules files and the evaluator: what fires when, on real Prediction / TranscriptUpdate records."""

from __future__ import annotations

import json

import pytest

from engine.core.errors import RulesError
from engine.core.prediction import Prediction, PredictionState, TimedToken, TranscriptUpdate
from engine.triggers import Rule, RuleEvaluator, check_labels, load_rules, parse_rules, save_rules

TICK = 0.125  # the shipped bundle's model clock: 8 predictions a second


def pred(t: float, label: str | None, conf: float, state=PredictionState.CONFIDENT) -> Prediction:
    labels = ("idle", "waving")
    probs = tuple(conf if name == label else 1.0 - conf for name in labels)
    return Prediction(pts_s=t, tick=round(t / TICK), frame_index=round(t * 25), top_k=tuple(zip(labels, probs)),
                      probs=probs, label=label, confidence=conf, state=state)


def stream(spec: list[tuple[float, str | None, float]]) -> list[Prediction]:
    """Predictions every tick: (seconds, label, confidence) stretches in order."""
    out, t = [], 0.0
    for seconds, label, conf in spec:
        for _ in range(round(seconds / TICK)):
            state = PredictionState.CONFIDENT if label else PredictionState.UNKNOWN
            out.append(pred(t, label, conf, state))
            t += TICK
    return out


def run(rule: Rule, preds) -> list:
    ev = RuleEvaluator([rule], source="clip.mp4", bundle="demo")
    return [e for p in preds for e in ev.feed(p)] + ev.finish()


def test_fires_once_the_label_has_held_long_enough_with_its_mean_confidence():
    rule = Rule(name="wave", label="waving", hold_s=1.0, min_confidence=0.6, cooldown_s=0.0)
    events = run(rule, stream([(1.0, "idle", 0.9), (0.5, "waving", 0.7), (2.0, "waving", 0.9)]))
    assert len(events) == 1
    e = events[0].to_dict()
    assert e["type"] == "event" and e["rule"] == "wave" and e["label"] == "waving"
    assert e["start"] == 1.0 and e["end"] == 2.0  # held from 1.0 s; reached 1 s at 2.0 s
    # mean over the 9 predictions from 1.0 to 2.0 s: 4 at 0.7, 5 at 0.9
    assert e["confidence"] == pytest.approx((4 * 0.7 + 5 * 0.9) / 9, abs=1e-4)
    assert e["source"] == "clip.mp4" and e["bundle"] == "demo"


def test_a_short_hold_low_confidence_or_unknown_does_not_fire():
    rule = Rule(name="wave", label="waving", hold_s=1.0, min_confidence=0.6)
    assert run(rule, stream([(0.875, "waving", 0.9), (0.25, None, 0.0), (0.875, "waving", 0.9)])) == []
    assert run(rule, stream([(3.0, "waving", 0.55)])) == []


def test_cool_down_holds_back_a_second_event_on_media_time():
    rule = Rule(name="wave", label="waving", hold_s=0.5, min_confidence=0.5, cooldown_s=3.0)
    flicker = [(1.0, "waving", 0.9), (0.25, "idle", 0.9)] * 4 + [(1.0, "waving", 0.9)]  # 6.25 s
    starts = [e.start_s for e in run(rule, stream(flicker))]
    # fires at 0.5 s; the holds starting 1.25, 2.5 s fall in the cool-down (to 3.5 s); 3.75 s fires
    assert starts == [0.0, 3.75]
    no_cooldown = [e.start_s for e in run(Rule(name="w", label="waving", hold_s=0.5, cooldown_s=0.0), stream(flicker))]
    assert no_cooldown == [0.0, 1.25, 2.5, 3.75, 5.0]


def test_end_event_when_a_fired_label_stops_holding_and_a_seek_back_starts_afresh():
    rule = Rule(name="wave", label="waving", hold_s=0.5, cooldown_s=60.0, on_end=True)
    preds = stream([(1.0, "waving", 0.8), (0.5, "idle", 0.9)])
    ev = RuleEvaluator([rule])
    events = [e for p in preds for e in ev.feed(p)]
    assert [(e.kind, e.start_s, e.end_s) for e in events] == [("event", 0.0, 0.5), ("event_end", 0.0, 0.875)]
    # the user seeks back to 0: the cool-down (till 60.5 s) belongs to what was seen before
    again = [e for p in preds for e in ev.feed(p)]
    assert [e.kind for e in again] == ["event", "event_end"]


def test_lip_words_fire_when_said_long_enough_and_readable():
    def upd(t, tok):
        return TranscriptUpdate(pts_s=t, tick=int(t * 25), frame_index=int(t * 25), state=PredictionState.CONFIDENT,
                                token=tok)

    rule = Rule(name="blue", label="blue", hold_s=0.15, min_confidence=0.5, cooldown_s=1.0)
    updates = [upd(0.5, None), upd(0.84, TimedToken("bin", 0.68, 0.84, 0.9)),
               upd(1.04, TimedToken("blue", 0.84, 1.04, 0.88)), upd(1.5, TimedToken("blue", 1.3, 1.5, 0.9)),
               upd(3.0, TimedToken("blue", 2.8, 3.0, 0.9)), upd(3.1, TimedToken("blue", 3.05, 3.1, 0.9))]
    events = run(rule, updates)
    # 1.5 s is inside the cool-down; 3.05-3.1 is shorter than hold_s
    assert [(e.start_s, e.end_s, e.confidence) for e in events] == [(0.84, 1.04, 0.88), (2.8, 3.0, 0.9)]


def test_rules_file_round_trips_and_bad_fields_are_named(tmp_path):
    rules = [Rule(name="wave", label="waving", action="http", target="http://127.0.0.1:9/hook"),
             Rule(name="log", label="idle", action="stream", target=str(tmp_path / "events.jsonl"), on_end=True)]
    path = save_rules(tmp_path / "r.json", rules, bundle="demo")
    assert load_rules(path) == rules
    doc = json.loads(path.read_text())
    assert doc["format"] == "kinesight-rules" and doc["format_version"] == 1

    def problem(rule: dict, **top) -> str:
        with pytest.raises(RulesError) as info:
            parse_rules({"format": "kinesight-rules", "format_version": 1, "rules": [rule], **top})
        return info.value.field

    ok = {"name": "a", "label": "waving"}
    assert problem({**ok, "hold_s": "long"}) == "rules[0].hold_s"
    assert problem({**ok, "min_confidence": 1.5}) == "rules[0].min_confidence"
    assert problem({**ok, "action": "email"}) == "rules[0].action"
    assert problem({**ok, "action": "http", "target": "ftp://x"}) == "rules[0].target"
    assert problem({**ok, "colour": "red"}) == "rules[0].colour"
    assert problem({"label": "x"}) == "rules[0].name"
    assert problem(ok, format_version=2) == "format_version"
    # listening beyond this machine is an explicit opt-in
    assert problem({**ok, "target": "tcp://0.0.0.0:8765"}) == "rules[0].target"
    assert parse_rules({"format": "kinesight-rules", "format_version": 1,
                        "rules": [{**ok, "target": "tcp://0.0.0.0:8765", "allow_remote": True}]})
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(RulesError, match="not JSON: .* line 1"):
        load_rules(tmp_path / "bad.json")
    with pytest.raises(RulesError, match="rules file not found"):
        load_rules(tmp_path / "missing.json")
    with pytest.raises(RulesError) as info:
        check_labels(rules, ("idle", "jumping"), "demo")
    assert info.value.field == "rules[0].label" and "jumping" in str(info.value)
