"""Rules over the engine's records: which rule fires at which prediction.

Times are the records' own timestamps (``pts_s``: media time for files, capture time for
cameras), never the wall clock, so a file analysed offline fires the same events at the same
times as the same file watched live.
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.core.prediction import Prediction, TimedToken, TranscriptUpdate
from engine.triggers.rules import Rule

# A gap this long between two records (a stalled source, a paused player) ends a hold: the
# label was not seen to hold across it.
MAX_GAP_S = 1.0
_EPS = 1e-6  # ticks are k / sample_fps: 1.0 - 0.875 - 0.125 must count as a whole second


@dataclass(frozen=True, slots=True)
class RuleEvent:
    """What a rule saw: ``kind`` "event" when it fired, "event_end" when the label stopped holding
    (rules with ``on_end``). ``confidence`` is the MEAN confidence over start..end; start and end
    are seconds of the source's time (end: the prediction at which the hold reached hold_s, or for
    event_end the last one at which it held; lip words: the word's own span)."""

    kind: str
    rule: str
    label: str
    confidence: float
    start_s: float
    end_s: float
    source: str
    bundle: str

    def to_dict(self) -> dict:
        """The event as JSON (the line a stream gets, the body of a POST, a command's stdin)."""
        return {"type": self.kind, "rule": self.rule, "label": self.label, "confidence": round(self.confidence, 4),
                "start": round(self.start_s, 4), "end": round(self.end_s, 4), "source": self.source,
                "bundle": self.bundle}


class _Hold:
    """One rule's state: the stretch its label holds now, and when it may fire again."""

    __slots__ = ("start", "last", "total", "count", "fired", "ready_at")

    def __init__(self) -> None:
        self.ready_at = float("-inf")  # the cool-down ends here
        self.clear()

    def clear(self) -> None:
        self.start: float | None = None
        self.last = 0.0
        self.total = 0.0
        self.count = 0
        self.fired = False


class RuleEvaluator:
    """Feeds records to the enabled rules and returns the events they fire. Cheap (a few
    comparisons per rule and record); not thread-safe: feed it from one thread."""

    def __init__(self, rules: list[Rule], *, source: str = "", bundle: str = "") -> None:
        self.rules = [r for r in rules if r.enabled]
        self.source = source
        self.bundle = bundle
        self._holds = [_Hold() for _ in self.rules]
        self._last_pts: float | None = None

    def reset(self) -> None:
        """Forget every hold and cool-down (a new source, a seek)."""
        for h in self._holds:
            h.ready_at = float("-inf")
            h.clear()
        self._last_pts = None

    def feed(self, record) -> list[RuleEvent]:
        """The events ``record`` (a Prediction or a TranscriptUpdate) fires, in rule order."""
        t = record.pts_s
        events: list[RuleEvent] = []
        if self._last_pts is not None:
            if t < self._last_pts - _EPS:  # a seek back: what held before is not what holds now
                self.reset()
            elif t - self._last_pts > MAX_GAP_S:
                events.extend(self.finish())
        self._last_pts = t
        for rule, hold in zip(self.rules, self._holds):
            if isinstance(record, TranscriptUpdate):
                event = self._word(rule, hold, record.token)
            elif isinstance(record, Prediction):
                event = self._label(rule, hold, record)
            else:
                event = None
            if event is not None:
                events.append(event)
        return events

    def finish(self) -> list[RuleEvent]:
        """End every hold (the source ended): the ``event_end`` of rules that fired and want one."""
        events = []
        for rule, hold in zip(self.rules, self._holds):
            if hold.fired and rule.on_end:
                events.append(self._event("event_end", rule, hold.total / hold.count, hold.start, hold.last))
            hold.clear()
        return events

    def _event(self, kind: str, rule: Rule, confidence: float, start: float, end: float) -> RuleEvent:
        return RuleEvent(kind, rule.name, rule.label, confidence, start, end, self.source, self.bundle)

    def _label(self, rule: Rule, hold: _Hold, p: Prediction) -> RuleEvent | None:
        # label is None while warming up, uncertain or unknown (no person is one of those).
        if p.label != rule.label or p.confidence < rule.min_confidence:
            ended = None
            if hold.fired and rule.on_end:
                ended = self._event("event_end", rule, hold.total / hold.count, hold.start, hold.last)
            hold.clear()
            return ended
        if hold.start is None:
            hold.start = p.pts_s
        hold.last = p.pts_s
        hold.total += p.confidence
        hold.count += 1
        if hold.fired or p.pts_s - hold.start < rule.hold_s - _EPS or p.pts_s < hold.ready_at - _EPS:
            return None
        hold.fired = True
        hold.ready_at = p.pts_s + rule.cooldown_s
        return self._event("event", rule, hold.total / hold.count, hold.start, p.pts_s)

    def feed_words(self, tokens: list[TimedToken]) -> list[RuleEvent]:
        """The events a file's words fire (an offline analysis holds its words in one list,
        those of the last sentence included, which no record reports)."""
        return [e for tok in tokens for rule, hold in zip(self.rules, self._holds)
                if (e := self._word(rule, hold, tok)) is not None]

    def _word(self, rule: Rule, hold: _Hold, tok: TimedToken | None) -> RuleEvent | None:
        # A lip word fires once it is complete: it "holds" for the time it was said.
        if (tok is None or tok.text != rule.label or tok.confidence < rule.min_confidence or tok.cannot_read
                or tok.end_s - tok.start_s < rule.hold_s - _EPS or tok.end_s < hold.ready_at - _EPS):
            return None
        hold.ready_at = tok.end_s + rule.cooldown_s
        return self._event("event", rule, tok.confidence, tok.start_s, tok.end_s)
