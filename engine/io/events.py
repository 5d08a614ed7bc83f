"""Events: what happened when, merged from the per-tick records of an analysis.

An :class:`Event` is a stretch of model-clock time with one state and one stable label, with
the peak and mean confidence of the records inside it. Action bundles give one event per run
of equal (state, label) records; "warming up", "uncertain" and "unknown" stay events of their
own (a person reading the timeline must see where the app did not answer). Sequence bundles
(lip reading) give one event per timed word. Lip mode's speech-activity signal gives
:class:`SpeakingSegment` stretches of its own (:func:`speaking_segments`).

Two rules tidy an action timeline (:class:`EventRules`):

* ``fill_gaps_s``: a stretch of "uncertain"/"unknown" no longer than this between two events
  of the same label is absorbed into them (one "drinking" event, not drinking / uncertain /
  drinking). Only the labelled records count towards the merged confidence.
* ``min_duration_s``: a labelled or uncertain/unknown event shorter than this is absorbed by
  its neighbour (the one before it, or the one after for the first event); warming up is
  never absorbed, it says the model could not answer yet.

The JSON an analysis writes (``AnalysisResult.to_dict``) follows
``resources/schema/analysis-v1.schema.json``; :data:`SCHEMA_ID` names that version.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from engine.core.errors import EngineError
from engine.core.prediction import PredictionState

SCHEMA_ID = "https://kinesight.dev/schema/analysis-v1.schema.json"
SCHEMA_VERSION = 1
SCHEMA_FILE = Path(__file__).resolve().parents[2] / "resources" / "schema" / "analysis-v1.schema.json"

_NOT_ANSWERED = (PredictionState.UNCERTAIN.value, PredictionState.UNKNOWN.value)


@dataclass(frozen=True)
class EventRules:
    """How records become events: gaps to fill and the shortest event kept (seconds; 0 = off)."""

    min_duration_s: float = 0.0
    fill_gaps_s: float = 0.0

    def validated(self) -> "EventRules":
        """These rules, or an EngineError saying which value is wrong."""
        for name in ("min_duration_s", "fill_gaps_s"):
            if getattr(self, name) < 0:
                raise EngineError(f"{name.replace('_s', '')} must be 0 or more seconds, not {getattr(self, name)}")
        return self


@dataclass(frozen=True)
class Event:
    """One event: [start_s, end_s) with a state and a label (None unless confident).

    ``peak_confidence``/``mean_confidence`` are over the records inside it (0 while warming
    up: there is no prediction yet); ``records`` is how many records it merged.
    """

    start_s: float
    end_s: float
    label: str | None
    state: str
    peak_confidence: float
    mean_confidence: float
    records: int = 1

    @property
    def duration_s(self) -> float:
        """end_s - start_s."""
        return self.end_s - self.start_s

    @property
    def text(self) -> str:
        """What a subtitle shows: the label, or the state in brackets ("(uncertain)")."""
        return self.label if self.label is not None else f"({self.state.replace('_', ' ')})"

    def to_dict(self) -> dict:
        """The event as in the JSON schema."""
        return {"start_s": round(self.start_s, 4), "end_s": round(self.end_s, 4), "label": self.label,
                "state": self.state, "text": self.text, "peak_confidence": round(self.peak_confidence, 4),
                "mean_confidence": round(self.mean_confidence, 4), "records": self.records}


@dataclass
class _Run:
    start: float
    end: float
    label: str | None
    state: str
    confs: list[float] = field(default_factory=list)

    def event(self) -> Event:
        confs = self.confs if self.state != PredictionState.WARMING_UP.value else []
        return Event(self.start, max(self.end, self.start), self.label, self.state,
                     max(confs) if confs else 0.0, sum(confs) / len(confs) if confs else 0.0,
                     max(len(self.confs), 1))


def action_events(predictions, sample_fps: float, duration_s: float, rules: EventRules = EventRules()) -> list[Event]:
    """Events of action predictions on the model clock (tick k starts at k / sample_fps),
    never past ``duration_s`` (when known), tidied by ``rules``."""
    rules = rules.validated()
    period = 1.0 / sample_fps if sample_fps else 0.0
    end_of_file = duration_s if duration_s > 0 else float("inf")
    runs: list[_Run] = []
    for p in predictions:
        t = min(p.tick * period if period else p.pts_s, end_of_file)
        key = (p.label, p.state.value)
        if runs and (runs[-1].label, runs[-1].state) == key:
            runs[-1].confs.append(p.confidence)
        else:
            if runs:
                runs[-1].end = t
            runs.append(_Run(t, t, p.label, p.state.value, [p.confidence]))
        runs[-1].end = min(t + period, end_of_file)
    if rules.fill_gaps_s > 0:
        runs = _fill_gaps(runs, rules.fill_gaps_s)
    if rules.min_duration_s > 0:
        runs = _drop_short(runs, rules.min_duration_s)
    return [r.event() for r in runs]


def _fill_gaps(runs: list[_Run], gap_s: float) -> list[_Run]:
    out: list[_Run] = []
    i = 0
    while i < len(runs):
        r = runs[i]
        if (out and i + 1 < len(runs) and r.state in _NOT_ANSWERED and r.end - r.start <= gap_s + 1e-9
                and out[-1].label is not None and out[-1].label == runs[i + 1].label
                and out[-1].state == runs[i + 1].state):
            nxt = runs[i + 1]
            out[-1].end = nxt.end
            out[-1].confs.extend(nxt.confs)  # the gap's own confidences are not the label's
            i += 2
            continue
        out.append(_Run(r.start, r.end, r.label, r.state, list(r.confs)))
        i += 1
    return out


def _merge_equal(runs: list[_Run]) -> list[_Run]:
    out: list[_Run] = []
    for r in runs:
        if out and (out[-1].label, out[-1].state) == (r.label, r.state):
            out[-1].end = r.end
            out[-1].confs.extend(r.confs)
        else:
            out.append(_Run(r.start, r.end, r.label, r.state, list(r.confs)))
    return out


def _drop_short(runs: list[_Run], min_s: float) -> list[_Run]:
    warming = PredictionState.WARMING_UP.value
    out = _merge_equal(runs)
    changed = True
    while changed:  # the shortest first would be fairer; in order is predictable and enough
        changed = False
        for i, r in enumerate(out):
            if r.state == warming or r.end - r.start >= min_s - 1e-9:
                continue
            if i > 0 and out[i - 1].state != warming:
                out[i - 1].end = r.end  # absorbed: the event before it goes on
            elif i + 1 < len(out):
                out[i + 1].start = r.start  # no answered event before it: the next one takes it over
            else:
                continue
            del out[i]
            out = _merge_equal(out)
            changed = True
            break
    return out


def token_events(tokens) -> list[Event]:
    """Sequence tasks: one event per timed token (a word, for lip reading)."""
    return [Event(t.start_s, t.end_s, t.text, PredictionState.CONFIDENT.value, t.confidence, t.confidence, 1)
            for t in tokens]


SPEAKING_REGION = "speaking"  # the Region the mouth stage publishes while the mouth moves as in speech


@dataclass(frozen=True)
class SpeakingSegment:
    """A stretch [start_s, end_s) of model-clock time in which the mouth moved as in speech
    (lip mode's visual speech-activity signal, ``engine/lips/mouth.py``)."""

    start_s: float
    end_s: float

    def to_dict(self) -> dict:
        """The segment as in the JSON schema."""
        return {"start_s": round(self.start_s, 4), "end_s": round(self.end_s, 4)}


def speaking_segments(records, sample_fps: float, duration_s: float = 0.0) -> list[SpeakingSegment]:
    """Runs of records whose frame showed a mouth moving as in speech (a ``"speaking"`` region),
    on the model clock (tick k spans [k, k + 1) / sample_fps), never past ``duration_s`` (when known).

    The signal is causal: it averages the last 0.4 s of lip movement, so a segment starts and
    ends a few frames after the lips do (on GRID s1, within about 0.3 s of the aligned words).
    """
    period = 1.0 / sample_fps if sample_fps else 0.0
    end_of_file = duration_s if duration_s > 0 else float("inf")
    out: list[SpeakingSegment] = []
    start = end = None
    for r in records:
        t = r.tick * period if period else r.pts_s
        on = any(g.name == SPEAKING_REGION for g in r.regions)
        if on and start is None:
            start = t
        elif not on and start is not None:
            out.append(SpeakingSegment(min(start, end_of_file), min(t, end_of_file)))
            start = None
        end = t + period
    if start is not None:
        out.append(SpeakingSegment(min(start, end_of_file), min(end, end_of_file)))
    return [s for s in out if s.end_s > s.start_s]


def top_events(events: list[Event], n: int = 3) -> list[tuple[str, float]]:
    """The ``n`` event texts with the most time, as (text, seconds), longest first: labels, and
    "(uncertain)"/"(unknown)" where the app did not answer (warming up is left out)."""
    totals: dict[str, float] = {}
    for e in events:
        if e.state != PredictionState.WARMING_UP.value:
            totals[e.text] = totals.get(e.text, 0.0) + e.duration_s
    return sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))[:n]
