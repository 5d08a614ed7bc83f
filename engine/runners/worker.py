"""One analysis worker (a process of engine/runners/batch.py, or a Ray actor of ray_runner.py):
load the model once, then analyse any number of files, returning failures as values.

Both runners import this module; neither imports the other's worker code.
"""

from __future__ import annotations

import os
import threading
import time

from engine.core.errors import EngineError, KinesightError
from engine.core.settings import EngineSettings
from engine.io.events import EventRules
from engine.io.results import AnalysisResult

_WORKER: dict = {}


def init_worker(bundle_root: str, settings_kwargs: dict, rules_kwargs: dict, batch_size: int,
                progress_q=None, parent_pid: int | None = None) -> None:
    """Load the model once for this worker (process or Ray actor)."""
    from engine.pipeline import Recognizer

    settings = EngineSettings(**settings_kwargs)
    _WORKER.update(recognizer=Recognizer(bundle_root, settings), settings=settings,
                   rules=EventRules(**rules_kwargs), batch_size=batch_size, progress_q=progress_q)
    if parent_pid is not None:
        # A driver killed with SIGKILL cannot stop its workers: they notice and leave.
        def watch() -> None:
            while os.getppid() == parent_pid:
                time.sleep(0.5)
            os._exit(1)

        threading.Thread(target=watch, name="kinesight-parent-watch", daemon=True).start()


def analyze_in_worker(source: str) -> AnalysisResult:
    """Analyse one file with this worker's model (``init_worker`` first)."""
    from engine.runners.offline import analyze_file

    q = _WORKER.get("progress_q")
    last = [0.0]

    def progress(done_s: float, total_s: float) -> None:
        now = time.monotonic()
        if q is not None and (now - last[0] >= 0.5 or done_s >= total_s):
            last[0] = now
            q.put((source, done_s, total_s))

    result = analyze_file(source, _WORKER["recognizer"], _WORKER["settings"], progress=progress,
                          batch_size=_WORKER["batch_size"])
    result.event_rules = _WORKER["rules"]
    return result


def safe_analyze(source: str):
    """Analyse one file; a failure is returned, not raised. Exceptions cross the process boundary
    as values: typed errors keep their type."""
    try:
        return analyze_in_worker(source)
    except KinesightError as exc:
        return exc
    except Exception as exc:  # noqa: BLE001 - one bad file must not stop the others
        return EngineError(f"unexpected {type(exc).__name__}: {exc}")
