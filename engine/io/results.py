"""Timelines of analysed files: every record, the segments and events a person reads, and
the exports (CSV, JSON, SRT, WebVTT; all written atomically, see engine/io/exports.py).

:class:`AnalysisResult` is what ``analyze_file`` returns: for action bundles the predictions
and their :meth:`~AnalysisResult.segments` (one per stretch of the same state and label); for
sequence bundles (lip) the timed tokens and the transcript as well.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from engine.core.prediction import PredictionState, TimedToken
from engine.core.runtime import ProviderReport
from engine.io.events import (
    SCHEMA_ID,
    SCHEMA_VERSION,
    Event,
    EventRules,
    SpeakingSegment,
    action_events,
    speaking_segments,
    token_events,
)
from engine.io.exports import write_srt, write_text_atomic, write_vtt


@dataclass(frozen=True)
class Segment:
    """A stretch of time with one state and one stable label (None unless the state is
    confident); ``mean_confidence`` is 0 while warming up (there is no prediction yet)."""

    start_s: float
    end_s: float
    label: str | None
    mean_confidence: float
    state: PredictionState = PredictionState.CONFIDENT

    @property
    def text(self) -> str:
        """The label, or the state in brackets: "(warming up)", "(uncertain)"."""
        return self.label if self.label is not None else f"({self.state.value.replace('_', ' ')})"


@dataclass
class AnalysisResult:
    """Every record for a file, analysed offline, and how the analysis went.

    ``predictions`` holds the task's records (``Prediction`` for actions, ``TranscriptUpdate``
    for lip reading); ``tokens`` the timed tokens of sequence tasks (empty for actions).
    """

    predictions: list
    labels: tuple[str, ...]
    duration_s: float
    frames: int
    wall_s: float
    provider: ProviderReport
    warnings: list[str] = field(default_factory=list)
    source: str = ""
    bundle_name: str = ""
    sample_fps: float = 0.0
    cancelled: bool = False
    task: str = "action"
    tokens: list[TimedToken] = field(default_factory=list)
    event_rules: EventRules = field(default_factory=EventRules)

    def events(self, rules: EventRules | None = None) -> list[Event]:
        """The timeline's events (engine/io/events.py) under ``rules`` (default: ``event_rules``):
        merged action records with peak/mean confidence, or one event per word (lip)."""
        if self._words:
            return token_events(self.tokens)
        return action_events(self.predictions, self.sample_fps, self.duration_s, rules or self.event_rules)

    def to_srt(self, path: str | Path) -> Path:
        """The events as SubRip subtitles (one cue per event), written atomically."""
        return write_srt(self.events(), path)

    def to_vtt(self, path: str | Path) -> Path:
        """The events as WebVTT subtitles (one cue per event), written atomically."""
        return write_vtt(self.events(), path)

    def speaking(self) -> list[SpeakingSegment]:
        """Tasks that crop the mouth: the stretches where it moved as in speech (else none)."""
        if not self._reads_mouth:
            return []
        return speaking_segments(self.predictions, self.sample_fps, self.duration_s)

    @property
    def _words(self) -> bool:
        from engine.tasks import reports_words

        return reports_words(self.task)

    @property
    def _reads_mouth(self) -> bool:
        from engine.tasks import TASKS

        spec = TASKS.get(self.task)
        return spec is not None and spec.roi == "mouth"

    @property
    def transcript(self) -> str:
        """Sequence tasks: every token, joined by spaces ("" for actions)."""
        return " ".join(t.text for t in self.tokens)

    @property
    def checks_reading(self) -> bool:
        """Whether the reader said, for this file, when it cannot read (lip bundles that carry
        the speaker check; engine/lips/novelty.py)."""
        return self._words and any(p.checks_reading for p in self.predictions)  # TranscriptUpdates

    def reading(self) -> dict:
        """Whether the file could be read: ``checked`` (the bundle says when it cannot read),
        ``cannot_read`` and ``reason`` for the whole file (null when unchecked; "nothing_read"
        when no word was read), and one entry per sentence with its measures."""
        if not self.checks_reading:
            return {"checked": False, "cannot_read": None, "reason": None, "sentences": []}
        sentences: dict[int, dict] = {}
        for t in self.tokens:
            c = t.check
            if c is None:
                continue
            s = sentences.setdefault(c.sentence, {
                "start_s": round(t.start_s, 4), "end_s": 0.0, "words": [], "cannot_read": c.sentence_cannot_read,
                "reason": (c.reason or None) if c.sentence_cannot_read else None,
                "speaker_distance": round(c.speaker_distance, 3), "entropy": round(c.entropy, 4)})
            s["end_s"] = round(t.end_s, 4)
            s["words"].append(t.text)
        out = []
        for s in sentences.values():
            words = s.pop("words")
            out.append({**s, "text": " ".join(words)})
        flagged = [s for s in out if s["cannot_read"]]
        if not out:
            return {"checked": True, "cannot_read": True, "reason": "nothing_read", "sentences": []}
        return {"checked": True, "cannot_read": bool(flagged), "reason": flagged[0]["reason"] if flagged else None,
                "sentences": out}

    @property
    def speed(self) -> float:
        """Seconds of video analysed per second of wall time."""
        return self.duration_s / self.wall_s if self.wall_s > 0 else float("inf")

    def segments(self) -> list[Segment]:
        """Consecutive predictions with the same state and label, merged; on the model clock,
        and never past the end of the file (action tasks; sequence tasks have ``tokens``)."""
        segs: list[Segment] = []
        if self._words:
            return segs
        period = 1.0 / self.sample_fps if self.sample_fps else 0.0
        end_of_file = self.duration_s if self.duration_s > 0 else float("inf")
        key, start, confs, end = None, None, [], 0.0

        def close(until: float) -> None:
            label, state = key
            mean = float(np.mean(confs)) if confs and state is not PredictionState.WARMING_UP else 0.0
            segs.append(Segment(start, max(min(until, end_of_file), start), label, mean, state))

        for p in self.predictions:
            t = min(p.tick * period if period else p.pts_s, end_of_file)
            if start is None or (p.label, p.state) != key:
                if start is not None:
                    close(t)
                key, start, confs = (p.label, p.state), t, []
            confs.append(p.confidence)
            end = t + period
        if start is not None:
            close(end)
        return segs

    def csv_text(self) -> str:
        """What :meth:`to_csv` writes."""
        f = io.StringIO(newline="")
        w = csv.writer(f)
        if self._words:
            w.writerow(["start_s", "end_s", "token", "confidence"])
            for t in self.tokens:
                w.writerow([f"{t.start_s:.4f}", f"{t.end_s:.4f}", t.text, f"{t.confidence:.4f}"])
            return f.getvalue()
        w.writerow(["pts_s", "label", "state", "confidence", *self.labels])
        for p in self.predictions:
            w.writerow([f"{p.pts_s:.4f}", p.label or "", p.state.value, f"{p.confidence:.4f}",
                        *(f"{x:.4f}" for x in p.probs)])
        return f.getvalue()

    def to_csv(self, path: str | Path) -> Path:
        """Actions: one row per prediction (pts_s, label, state, confidence, then one column
        per label). Sequence tasks: one row per token (start_s, end_s, token, confidence).
        Written atomically (a temporary file renamed over ``path``)."""
        return write_text_atomic(path, self.csv_text())

    def to_dict(self) -> dict:
        """The JSON-ready timeline (what :meth:`to_json` writes)."""
        return {
            "$schema": SCHEMA_ID,
            "schema_version": SCHEMA_VERSION,
            "source": self.source,
            "bundle": self.bundle_name,
            "labels": list(self.labels),
            "sample_fps": self.sample_fps,
            "duration_s": round(self.duration_s, 4),
            "frames": self.frames,
            "wall_s": round(self.wall_s, 4),
            "provider": asdict(self.provider),
            "warnings": list(self.warnings),
            "cancelled": self.cancelled,
            "task": self.task,
            "segments": [
                {"start_s": round(s.start_s, 4), "end_s": round(s.end_s, 4), "label": s.label,
                 "state": s.state.value, "mean_confidence": round(s.mean_confidence, 4)}
                for s in self.segments()
            ],
            "event_rules": {"min_duration_s": self.event_rules.min_duration_s,
                            "fill_gaps_s": self.event_rules.fill_gaps_s},
            "events": [e.to_dict() for e in self.events()],
            "predictions": [self._record_dict(p) for p in self.predictions],
            **({"tokens": [t.to_dict() for t in self.tokens], "transcript": self.transcript,
                "reading": self.reading()} if self._words else {}),
            **({"speaking": [s.to_dict() for s in self.speaking()]} if self._reads_mouth else {}),
        }

    def _record_dict(self, record) -> dict:
        data = record.to_dict()
        if not self._words:
            data["probs"] = [round(x, 5) for x in record.probs]
        return data

    def to_json(self, path: str | Path) -> Path:
        """The whole timeline (summary, events, segments, predictions) as JSON, written
        atomically; its layout is ``resources/schema/analysis-v1.schema.json``."""
        return write_text_atomic(path, json.dumps(self.to_dict(), indent=1, ensure_ascii=False) + "\n")
