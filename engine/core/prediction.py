"""What the engine tells its callers: one record per model-clock step, typed per task.

Action bundles give a :class:`Prediction` (label, confidence, top-k); sequence bundles (lip
reading) give a :class:`TranscriptUpdate` (timed tokens and a running transcript). Both carry
the same clock, frame, timing and rate fields, and the regions their frame stages found.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum


# What "unknown" means, in the words the command line shows beside it (never a probability: the
# probabilities of an unknown window belong to classes the input is not like).
UNKNOWN_MEANS = "not like anything taught"


class PredictionState(str, Enum):
    """How much to trust the current label."""

    WARMING_UP = "warming_up"  # fewer than T features seen so far
    CONFIDENT = "confident"  # the stable label's smoothed probability is above the threshold
    UNCERTAIN = "uncertain"  # nothing is above the threshold
    UNKNOWN = "unknown"  # the input is unlike the training data (the head's novelty is above the bundle's threshold)


@dataclass(frozen=True, slots=True)
class StageTimings:
    """Milliseconds spent per stage for the prediction's newest frame."""

    decode_ms: float = 0.0
    preprocess_ms: float = 0.0  # frame stages (e.g. the mouth crop) and preprocessing
    backbone_ms: float = 0.0
    head_ms: float = 0.0
    latency_ms: float = 0.0  # capture (or decode) of the newest frame -> prediction ready

    def to_dict(self) -> dict:
        """Rounded milliseconds by stage (for JSON exports)."""
        return {"decode": round(self.decode_ms, 3), "preprocess": round(self.preprocess_ms, 3),
                "backbone": round(self.backbone_ms, 3), "head": round(self.head_ms, 3),
                "latency": round(self.latency_ms, 3)}


@dataclass(frozen=True, slots=True)
class StreamStats:
    """Rates of the stream a record came from (the live engine measures them; offline: zeros)."""

    input_fps: float = 0.0
    model_fps: float = 0.0
    dropped_frames: int = 0


#: the region the pose stage reports a person as (box and 33 keypoints); exports and the GUI read it
PERSON_REGION = "person"
#: the regions the hands stage reports each hand as (box and 21 keypoints), by the person's own side
HAND_REGIONS = {"left": "hand_left", "right": "hand_right"}


@dataclass(frozen=True, slots=True)
class Region:
    """Something a frame stage found in the frame, for the GUI to draw: ``name`` (e.g.
    "mouth", "person") and its box (x0, y0, x1, y1) in the source frame's pixels; ``points``:
    keypoints found in it as (x, y, visibility) in the same pixels (the pose stage's 33 body
    landmarks, MediaPipe's order), empty for a box alone."""

    name: str
    box: tuple[int, int, int, int]
    points: tuple[tuple[float, float, float], ...] = ()


@dataclass(frozen=True, slots=True)
class Prediction:
    """An action bundle's answer at one model-clock tick.

    pts_s: source timestamp of the newest frame in the window (seconds).
    tick: index of that frame on the model clock (k means k / sample_fps seconds).
    top_k: (label, smoothed probability) pairs, most likely first.
    probs: smoothed probabilities of every label, in the bundle's label order.
    label/confidence: the stable (hysteresis-filtered) label and its smoothed probability;
      label is None while warming up, uncertain or unknown.
    novelty: the head's novelty score for this window (larger = less like the training data),
      None when the head has no ``novelty`` output.
    """

    pts_s: float
    tick: int
    frame_index: int
    top_k: tuple[tuple[str, float], ...]
    probs: tuple[float, ...]
    label: str | None
    confidence: float
    state: PredictionState
    timings: StageTimings = field(default_factory=StageTimings)
    input_fps: float = 0.0
    model_fps: float = 0.0
    dropped_frames: int = 0
    regions: tuple[Region, ...] = ()
    novelty: float | None = None

    def to_dict(self) -> dict:
        """A JSON-ready dict (for JSONL/CSV exports)."""
        return {
            "pts_s": round(self.pts_s, 4),
            "tick": self.tick,
            "frame_index": self.frame_index,
            "label": self.label,
            "confidence": round(self.confidence, 4),
            "state": self.state.value,
            "top_k": [[name, round(p, 4)] for name, p in self.top_k],
            "novelty": None if self.novelty is None else round(self.novelty, 4),
            "timings_ms": self.timings.to_dict(),
            "input_fps": round(self.input_fps, 2),
            "model_fps": round(self.model_fps, 2),
            "dropped_frames": self.dropped_frames,
            **({"keypoints": keypoints} if (keypoints := person_keypoints(self.regions)) else {}),
            **({"hands": hands} if (hands := hand_keypoints(self.regions)) else {}),
        }


def person_keypoints(regions: tuple[Region, ...]) -> dict | None:
    """The pose stage's person as JSON (box and 33 keypoints [x, y, visibility] in source
    pixels, MediaPipe Pose's order), or None when the tick has none."""
    person = next((r for r in regions if r.name == PERSON_REGION and r.points), None)
    if person is None:
        return None
    return {"box": list(person.box), "points": [list(pt) for pt in person.points]}


def hand_keypoints(regions: tuple[Region, ...]) -> dict | None:
    """The hands stage's hands as JSON (``{"left"|"right": {"box", "points"}}``, 21 keypoints
    [x, y, presence] in source pixels, MediaPipe Hands' order), or None when the tick has none."""
    hands = {side: {"box": list(r.box), "points": [list(pt) for pt in r.points]}
             for side, name in HAND_REGIONS.items() for r in regions if r.name == name and r.points}
    return hands or None


@dataclass(frozen=True, slots=True)
class ReadingCheck:
    """Whether a reader can vouch for one word it read (engine/lips/novelty.py).

    cannot_read: the word is not to be trusted; reason: why ("unfamiliar_face": the mouth is
    unlike the speaker the reader knows; "unsure": the lips do not fit the sentences it knows;
    "low_confidence": this word alone; "" when it can be read). sentence: index of the
    utterance the word belongs to, and whether that whole utterance cannot be read, with the
    utterance's measures: its mean speaker distance (~1 on the training speaker) and its
    posterior entropy over speech frames.
    """

    cannot_read: bool
    reason: str
    sentence: int
    sentence_cannot_read: bool
    speaker_distance: float
    entropy: float

    def to_dict(self) -> dict:
        """The word's flag and reason (JSON)."""
        return {"cannot_read": self.cannot_read, "reason": self.reason or None}


@dataclass(frozen=True, slots=True)
class TimedToken:
    """One decoded token (a word, for lip reading) and the model-clock time it spans.

    check: whether the reader can vouch for it; None when the bundle carries no check.
    """

    text: str
    start_s: float
    end_s: float
    confidence: float
    check: ReadingCheck | None = None

    @property
    def cannot_read(self) -> bool:
        """True when the reader says this word cannot be trusted (False when unchecked)."""
        return self.check is not None and self.check.cannot_read

    def to_dict(self) -> dict:
        """Text, times, confidence, and the flag (``cannot_read`` null when unchecked)."""
        return {"text": self.text, "start_s": round(self.start_s, 4), "end_s": round(self.end_s, 4),
                "confidence": round(self.confidence, 4),
                **(self.check.to_dict() if self.check is not None else {"cannot_read": None, "reason": None})}


@dataclass(frozen=True, slots=True)
class TranscriptUpdate:
    """A sequence bundle's answer at one model-clock tick.

    token: the token completed at this tick (None if none was); current: the token being
    read now (provisional, None during silence); transcript: every completed token so far,
    joined by spaces. partial: the words of the sentence still being spoken, as read so far
    (provisional: they may change until the sentence ends and its words become tokens).
    checks_reading: whether the reader says when it cannot read (each
    token then carries its :class:`ReadingCheck`). The other fields mean what they mean in
    :class:`Prediction`.
    """

    pts_s: float
    tick: int
    frame_index: int
    state: PredictionState
    token: TimedToken | None = None
    current: str | None = None
    transcript: str = ""
    timings: StageTimings = field(default_factory=StageTimings)
    input_fps: float = 0.0
    model_fps: float = 0.0
    dropped_frames: int = 0
    regions: tuple[Region, ...] = ()
    checks_reading: bool = False
    partial: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        """A JSON-ready dict (for JSONL exports)."""
        tok = self.token
        return {
            "pts_s": round(self.pts_s, 4),
            "tick": self.tick,
            "frame_index": self.frame_index,
            "state": self.state.value,
            "token": None if tok is None else tok.to_dict(),
            "current": self.current,
            "transcript": self.transcript,
            "timings_ms": self.timings.to_dict(),
            "input_fps": round(self.input_fps, 2),
            "model_fps": round(self.model_fps, 2),
            "dropped_frames": self.dropped_frames,
        }
