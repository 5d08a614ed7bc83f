"""The GUI side of the task registry: a task's panel names -> the widgets that show its records.

``engine/tasks.py`` names, per task, the panels that show its records (``TaskSpec.gui_panels``);
the engine knows no Qt. This module is the one place that maps those names to the main window's
widgets, so the window never asks which task runs:

    label_overlay         the label and confidence drawn over the video
    topk_panel            the k most likely labels with bars
    probability_timeline  one probability lane per label on the timeline
    region_overlay        the located box on the video, the enlarged mouth crop beside it, and
                          the status bar's face field ("no face")
    transcript_panel      the running transcript (current word highlighted) and the words as
                          segments on the timeline

Each panel gets the same calls from the window: ``start`` (a new source, or nothing plays),
``records`` (every record, as it arrives), ``refresh`` (the newest record, at most 15 times a
second), ``analysed`` (a file's whole-file analysis) and ``position`` (the playhead moved).
A panel name this GUI does not know is skipped (a newer engine's task still runs).
"""

from __future__ import annotations

import logging

import numpy as np

from engine.core.prediction import PredictionState
from engine.tasks import task_spec

log = logging.getLogger(__name__)


class Panel:
    """One named panel; the default of every call does nothing."""

    def __init__(self, window) -> None:
        self.w = window

    def widgets(self) -> tuple:
        """Widgets shown only while this panel is active."""
        return ()

    def start(self, bundle, info) -> None:
        """A new source plays (``info``: its SourceInfo) or nothing does (``info`` None)."""

    def records(self, records: list) -> None:
        """Every record of the task since the last call, oldest first."""

    def refresh(self, latest) -> None:
        """The newest record, at most 15 times a second (text panels)."""

    def analysed(self, result) -> None:
        """A file's whole-file analysis (engine.io.results.AnalysisResult) is done."""

    def position(self, t_s: float) -> None:
        """The playhead is at ``t_s``."""


class LabelOverlay(Panel):
    def start(self, bundle, info) -> None:
        self.w.video.set_prediction(None)
        self.w.video.set_regions((), None)

    def records(self, records: list) -> None:
        self.w.video.set_prediction(records[-1])
        # A taught bundle's motion crop (where the model looks), the pose stage's person (the
        # skeleton); none: nothing found on this tick, so nothing stale stays drawn.
        self.w.video.set_regions(records[-1].regions, self.w.bridge.source_frame_size)


class TopKPanel(Panel):
    def widgets(self) -> tuple:
        return (self.w.topk,)

    def start(self, bundle, info) -> None:
        self.w.topk.set_labels(bundle.labels)
        self.w.topk.set_rows(min(self.w.controls_values.top_k, len(bundle.labels)))
        self.w.topk.show_prediction(None)

    def refresh(self, latest) -> None:
        self.w.topk.show_prediction(latest)


class ProbabilityTimeline(Panel):
    def start(self, bundle, info) -> None:
        if info is None:
            self.w.timeline.show_no_source(bundle.labels, words=False)
        else:
            self.w.timeline.reset(bundle.labels, info.duration_s)

    def records(self, records: list) -> None:
        self.w.timeline.add_predictions(records)

    def analysed(self, result) -> None:
        preds = [p for p in result.predictions if hasattr(p, "probs")]
        if preds:
            self.w.timeline.set_analysis(np.array([p.pts_s for p in preds]), np.array([p.probs for p in preds]),
                                         np.array([p.state == PredictionState.CONFIDENT for p in preds]))


class RegionOverlay(Panel):
    def widgets(self) -> tuple:
        return (self.w.mouth_view, self.w.lip_points)

    def start(self, bundle, info) -> None:
        self.w.mouth_view.clear()
        self.w.video.set_regions((), None)
        self.w.status.show_face(None)

    def refresh(self, latest) -> None:
        regions = latest.regions
        size = self.w.bridge.source_frame_size
        self.w.video.set_regions(regions, size)
        self.w.mouth_view.show_regions(self.w.last_frame_image, size, regions)
        names = {r.name for r in regions}
        self.w.status.show_face("speaking" if "speaking" in names else "face" if "mouth" in names else "no_face")


def speaking_samples(records) -> list[tuple[float, bool]]:
    """(pts_s, mouth moving as in speech) for each record (from its "speaking" region)."""
    return [(r.pts_s, any(g.name == "speaking" for g in r.regions)) for r in records]


class TranscriptPanel(Panel):
    def widgets(self) -> tuple:
        return (self.w.transcript,)

    def start(self, bundle, info) -> None:
        self.w.transcript.clear()
        if info is None:
            self.w.timeline.show_no_source((), words=True)
        else:
            self.w.timeline.reset((), info.duration_s, words=True)

    def records(self, records: list) -> None:
        # Every record, not only the newest: each completed word travels on one record only.
        # (The panel redraws only when its words or the highlighted one change.)
        self.w.transcript.add_updates(records)
        self.w.timeline.add_words([r.token for r in records if r.token is not None], speaking_samples(records))

    def analysed(self, result) -> None:
        self.w.transcript.set_file_words(result.tokens)
        self.w.timeline.set_analysis_words(result.tokens, speaking_samples(result.predictions))

    def position(self, t_s: float) -> None:
        self.w.transcript.set_position(t_s)


# The one mapping from the registry's panel names to this GUI's panels.
PANELS: dict[str, type[Panel]] = {
    "label_overlay": LabelOverlay,
    "topk_panel": TopKPanel,
    "probability_timeline": ProbabilityTimeline,
    "region_overlay": RegionOverlay,
    "transcript_panel": TranscriptPanel,
}


def panels_for(bundle, window) -> list[Panel]:
    """The panels of ``bundle``'s task (in the registry's order), bound to ``window``."""
    names = task_spec(bundle.manifest.task).gui_panels
    out = []
    for name in names:
        cls = PANELS.get(name)
        if cls is None:
            log.warning("panel %r of task %r is not one this GUI shows; skipped", name, bundle.manifest.task)
            continue
        out.append(cls(window))
    return out


def optional_widgets(window) -> tuple:
    """Every widget some panel shows (hidden unless the running task's panels show it)."""
    seen = []
    for cls in PANELS.values():
        for wdg in cls(window).widgets():
            if wdg not in seen:
                seen.append(wdg)
    return tuple(seen)
