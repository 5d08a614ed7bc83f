"""Progress of a long command on stderr, by stage: a line redrawn in place on a terminal, and one
plain line per stage otherwise (a log file or pipe gets no carriage-return junk).

``kinesight train`` reports through it: the training side calls ``progress(stage, fraction)``
(models/data.py's Progress) for the clips' features, the head's fitting (the few-shot recipe's
cross-validation folds, or the epochs of a torch head) and the export.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

# Stages that report no fraction: no percentage beside them.
WITHOUT_FRACTION = frozenset({"starting", "backbone", "export"})
# What each stage of the training side is called on screen.
STAGE_TEXT = {
    "starting": "reading the clips and loading the backbone",
    "backbone": "preparing the backbone",
    "features": "features of every clip",
    "training": "fitting the head",
    "cross-validation": "fitting the head (cross-validation folds)",
    "export": "writing the bundle",
}


class StageProgress:
    """``progress(stage, fraction)`` drawn on ``stream``: on a terminal, one line per stage
    redrawn with its percentage and elapsed time; otherwise one line when a stage begins."""

    def __init__(self, prefix: str, stream: TextIO | None = None, *, tty: bool | None = None) -> None:
        self.prefix = prefix
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty() if tty is None else tty
        self.t0 = time.perf_counter()
        self._stage: str | None = None
        self._drawn = ""

    def __call__(self, stage: str, fraction: float) -> None:
        if stage == "done":
            self.close()
            return
        elapsed = time.perf_counter() - self.t0
        text = STAGE_TEXT.get(stage, stage)
        if stage != self._stage:
            self._end_line()
            self._stage = stage
            if not self.tty:
                print(f"{self.prefix}: {text} (after {elapsed:.1f} s)", file=self.stream, flush=True)
        if self.tty:
            done = "..." if stage in WITHOUT_FRACTION else f" {100 * min(max(fraction, 0.0), 1.0):3.0f}%"
            line = f"{self.prefix}: {text}{done}  [{elapsed:.0f} s]"
            pad = " " * max(0, len(self._drawn) - len(line))
            self.stream.write(f"\r{line}{pad}")
            self.stream.flush()
            self._drawn = line

    def _end_line(self) -> None:
        if self.tty and self._drawn:
            self.stream.write("\n")
            self.stream.flush()
            self._drawn = ""

    def close(self) -> None:
        """End the last drawn line (idempotent)."""
        self._end_line()
