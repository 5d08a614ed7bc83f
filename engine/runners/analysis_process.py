"""The whole-file analysis as a child process of the GUI: ``python -m engine.runners.analysis_process``.

A process, not a thread: ``analyze_file`` decodes and preprocesses in Python at full speed,
and inside the GUI's process that work competes with the GUI thread for the interpreter lock
(measured on two cores: event-loop stalls of 60-100 ms). In its own process it competes for
CPU only, at a lower priority than the GUI. This module never imports Qt.

Protocol (pickle streams): the parent writes (video path, bundle path, EngineSettings kwargs)
to the child's stdin and keeps stdin open; closing it cancels the analysis. The child writes
("progress", done_s, total_s)..., then ("done", AnalysisResult) or ("error", exception).
"""

from __future__ import annotations

import os
import pickle
import sys
import threading
import time


def main() -> int:
    """Child-process entry point."""
    stdin = sys.stdin.buffer
    # Keep the message stream clean: anything printed by libraries goes to stderr instead.
    out = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    try:
        os.nice(10)  # below the GUI and the live engine
    except (AttributeError, OSError):
        pass
    try:
        path, bundle_path, settings_kwargs = pickle.load(stdin)
    except Exception:  # noqa: BLE001 - the parent went away before saying what to do
        return 1
    cancel = threading.Event()

    def wait_for_cancel() -> None:
        try:
            stdin.read()  # returns when the parent closes our stdin (cancel) or dies
        except OSError:
            pass
        cancel.set()

    threading.Thread(target=wait_for_cancel, name="kinesight-analysis-cancel", daemon=True).start()
    last = [0.0]

    def send(message) -> None:
        try:
            pickle.dump(message, out)
            out.flush()
        except (BrokenPipeError, OSError):
            cancel.set()  # nobody listens any more

    def progress(done_s: float, total_s: float | None) -> None:
        now = time.monotonic()
        if now - last[0] >= 0.1:  # ten updates a second are plenty for a progress line
            last[0] = now
            send(("progress", float(done_s), float(total_s or 0.0)))

    try:
        from engine.runners.offline import analyze_file
        from engine.core.settings import EngineSettings

        result = analyze_file(path, bundle_path, EngineSettings(**settings_kwargs), progress=progress, cancel=cancel)
    except Exception as exc:  # noqa: BLE001 - handed to the GUI, which tells the user
        try:
            pickle.dumps(exc)
        except Exception:  # noqa: BLE001 - an exception that does not pickle: keep its text
            exc = RuntimeError(f"{type(exc).__name__}: {exc}")
        send(("error", exc))
        return 0
    if not cancel.is_set():
        send(("done", result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
