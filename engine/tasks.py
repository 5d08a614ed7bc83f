"""The task registry: the one place that maps a bundle's ``task`` to what runs and what shows.

A task names (a) the frame stages that run before preprocessing and the backbone, (b) the
output decoder that turns head outputs into the records the task reports, (c) the head
outputs its decoder reads, and (d) the GUI panels and export sinks that show its records
(by name: the engine knows no Qt; ``gui/`` maps the names to widgets).

    action     no frame stages (whole frame), the motion crop or the pose stage (body keypoints);
               ActionDecoder -> Prediction (label, top-k, "unknown")
    lip        MouthCropStage; TranscriptDecoder -> TranscriptUpdate (timed words, transcript)
    lip-words  the lip task's mouth crop; LipWordsDecoder -> Prediction: words or phrases a user
               taught (silent commands, models/teach_lips.py), one label per window, "unknown"
               (also for a window where the mouth did not move as in speech)
    sequence   reads no frames: multichannel time series, no backbone; its own manifest section
               and runner (engine/sequences/, ``kinesight analyze-seq``)

What a task's records are (``TaskSpec.records``) decides its timeline and exports: "labels"
(Prediction: events, segments, per-label probabilities) or "words" (TranscriptUpdate: timed
tokens and a transcript); :func:`reports_words` asks it by task name.

Adding a task means one subpackage of ``engine/`` (its stages, its decoder, and a ``task.py``
with the factories that build them for a bundle), one ``register_task`` entry here, and its
panel on the GUI side, each with its tests. A name registered twice is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from engine.actions import task as actions
from engine.core.decoders import OutputDecoder
from engine.core.errors import BundleError
from engine.core.settings import EngineSettings
from engine.core.stages import FrameStage
from engine.lips import task as lips
from engine.sequences import spec as sequences


@dataclass(frozen=True)
class TaskSpec:
    """What a task runs and shows. ``logits_ranks``: ranks the head's ``logits`` may have
    ((N, C) = 2, per-step (N, S, V) = 3); ``roi``: the ``input.roi`` its stages produce
    (``rois``: every one a bundle of the task may declare);
    ``records``: "labels" (its decoder gives Predictions) or "words" (TranscriptUpdates)."""

    name: str
    description: str
    roi: str
    logits_ranks: tuple[int, ...]
    # None: the task reads no frames (time series): its bundles have no backbone and no window,
    # and its own runner decodes (``decoder`` None too).
    # (bundle, settings or None) -> the stages that turn a frame into the backbone's input
    frame_stages: Callable[[Any, EngineSettings | None], list[FrameStage]] | None
    decoder: Callable[[Any, EngineSettings], OutputDecoder] | None
    gui_panels: tuple[str, ...]
    sinks: tuple[str, ...]
    records: str = "labels"
    other_rois: tuple[str, ...] = ()
    # Tasks that read no frames: their manifest section (data, where -> section record) and the
    # check of head.onnx's inputs and outputs (manifest, ins, outs -> problems).
    parse_section: Callable[[dict, str], Any] | None = None
    check_head: Callable[[Any, dict, dict], list[str]] | None = None
    # What a whole analysis should warn about (source name, records, timed tokens -> warnings),
    # e.g. lip reading that found a face and read no word.
    result_warnings: Callable[[str, list, list], list[str]] | None = None
    # The task's own bundle files, checked when a bundle loads (bundle -> None, or a BundleError);
    # lip: the speaker statistics of engine/lips/novelty.py.
    check_bundle: Callable[[Any], None] | None = None

    @property
    def rois(self) -> tuple[str, ...]:
        """Every ``input.roi`` a bundle of this task may declare."""
        return (self.roi, *self.other_rois)

    @property
    def reads_frames(self) -> bool:
        """Whether the task's bundles read video frames (a backbone), or time series."""
        return self.frame_stages is not None


TASKS: dict[str, TaskSpec] = {}


def register_task(spec: TaskSpec) -> TaskSpec:
    """Add ``spec`` to the registry; a second task of the same name is refused (ValueError)."""
    if spec.name in TASKS:
        raise ValueError(f"task {spec.name!r} is registered twice")
    TASKS[spec.name] = spec
    return spec


register_task(TaskSpec(
    name="action",
    description="what the person does: one label per window, with top-k and confidence",
    roi="full",
    # taught bundles: the whole frame and a crop around what moves (engine/actions/motion.py);
    # the body's keypoints alone, or with the whole frame or the person's region (engine/pose/);
    # hand gestures from the hands' keypoints (engine/hands/)
    other_rois=("full+motion", "pose", "pose+full", "pose+person", "hands"),
    logits_ranks=(2,),
    frame_stages=actions.frame_stages,
    decoder=actions.decoder,
    gui_panels=("label_overlay", "topk_panel", "probability_timeline"),
    sinks=("csv", "json", "jsonl"),
))

register_task(TaskSpec(
    name="lip",
    description="what is said: words read from the mouth, with their times",
    roi="mouth",
    logits_ranks=(2, 3),
    frame_stages=lips.frame_stages,
    decoder=lips.transcript_decoder,
    gui_panels=("region_overlay", "transcript_panel"),
    sinks=("json", "jsonl"),
    records="words",
    result_warnings=lips.result_warnings,
    check_bundle=lips.check_bundle,
))

# Taught silent commands: the lip task's mouth crop and per-frame lip features, then the
# few-shot head of models/fewshot/ over a window, decoded like actions (smoothing,
# hysteresis, "uncertain", "unknown" from the head's novelty output, and from a window
# without speech when the bundle asks: engine/lips/words.py).
register_task(TaskSpec(
    name="lip-words",
    description="which taught word or phrase the lips say: one label per window, with top-k",
    roi="mouth",
    logits_ranks=(2,),
    frame_stages=lips.frame_stages,
    decoder=lips.words_decoder,
    gui_panels=("region_overlay", "label_overlay", "topk_panel", "probability_timeline"),
    sinks=("csv", "json", "jsonl"),
))


# Multichannel time series (sensors, keypoints): a bundle whose task reads no frames.
register_task(TaskSpec(
    name="sequence",
    description="what a multichannel time series is: a class, or numeric targets per sequence or per step",
    roi="",
    logits_ranks=(2, 3),
    frame_stages=None,
    decoder=None,
    gui_panels=(),
    sinks=("csv", "json"),
    parse_section=sequences.parse_section,
    check_head=sequences.check_head,
))

def task_spec(name: str) -> TaskSpec:
    """The registered task ``name``; a BundleError naming the known tasks otherwise."""
    try:
        return TASKS[name]
    except KeyError:
        raise BundleError(unknown_task_message(name)) from None


def reports_words(name: str) -> bool:
    """Whether task ``name`` reports timed words (TranscriptUpdate records) rather than labels
    (Prediction records); an unknown name counts as labels."""
    spec = TASKS.get(name)
    return spec is not None and spec.records == "words"


def unknown_task_message(name: object) -> str:
    """Why a bundle with task ``name`` cannot run here, and what to do."""
    return (f"task {name!r} is not one this Kinesight can run (it knows: {', '.join(TASKS)}); "
            "use a bundle made for one of those, or a newer Kinesight")
