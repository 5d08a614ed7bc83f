"""Frame stages: per-frame work a task needs before preprocessing and the backbone.

A stage takes an RGB frame and returns the image the next stage (finally the backbone's
preprocessing) sees, plus the :class:`~engine.core.prediction.Region` records it found, which travel
on the task's output record so a GUI can draw them. Which stages run is the task's choice
(``engine/tasks.py``): none for actions with ``input.roi = "full"``; the motion crop for taught
actions (``"full+motion"``); the mouth crop for lip reading.

The last stage may return a list of images instead of one: *views* of the same frame, each run
through the backbone, whose features are concatenated in order (``"full+motion"``: the whole
frame, then the crop around what moves).

Stages keep state across frames (e.g. a smoothed box): ``reset()`` forgets it on a new source
or a seek. They run on the thread that prepares frames (see :class:`~engine.pipeline.Recognizer`).
"""

from __future__ import annotations

from typing import Protocol

import numpy as np

from engine.core.prediction import Region


class FrameStage(Protocol):
    """One step of a task's frame chain."""

    name: str

    def __call__(self, image: np.ndarray) -> tuple[np.ndarray, tuple[Region, ...]]:
        """(H, W, 3) uint8 RGB -> (the image for the next stage, what was found)."""
        ...

    def reset(self) -> None:
        """Forget what was carried over from earlier frames."""
        ...


def run_stages(stages: list[FrameStage], image: np.ndarray) -> tuple[np.ndarray | list[np.ndarray], tuple[Region, ...]]:
    """Run ``image`` through ``stages`` in order; returns the last image (or the last stage's list
    of views) and every region found."""
    regions: tuple[Region, ...] = ()
    for stage in stages:
        image, found = stage(image)
        regions += found
    return image, regions
