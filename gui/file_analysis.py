"""Whole-file analysis for the timeline: ``analyze_file`` in a child process.

For a file, the live engine plays it at its own pace for the overlay while this fills the
timeline for the whole file at once (faster than real time), at a lower priority so the
video never stutters. A new file, new settings or closing cancels the running analysis.
"""

from __future__ import annotations

import pickle
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

from PySide6.QtCore import QObject, Signal



def _child_command() -> list[str]:
    """How to start the analysis child: ``python -m engine.runners.analysis_process``, or, in the
    packaged app (PyInstaller sets ``sys.frozen``; there is no ``python -m``), the app's own
    executable with the hidden argument its entry dispatches on (packaging/kinesight_entry.py)."""
    if getattr(sys, "frozen", False):
        return [sys.executable, "--kinesight-analysis-child"]
    return [sys.executable, "-m", "engine.runners.analysis_process"]


class AnalysisJob(QObject):
    """Runs ``analyze_file`` in a child process (``python -m engine.runners.analysis_process``) to fill a
    file's whole timeline; a thread of this process waits on the child's pipe and re-emits.

    Signals: progress(done_s, total_s), done(AnalysisResult), failed(Exception); a cancelled
    job emits nothing more.
    """

    progress = Signal(float, float)
    done = Signal(object)
    failed = Signal(object)

    def __init__(self, path: Path, bundle, settings_kwargs: dict, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.path = Path(path)
        self._bundle_path = str(getattr(bundle, "root", bundle))
        # One inference thread: the live engine and the GUI keep the other core.
        self._settings_kwargs = {**settings_kwargs, "realtime": False, "threads": 1}
        self.cancel_event = threading.Event()
        self._proc: subprocess.Popen | None = None
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="kinesight-gui-analysis", daemon=True)

    def start(self) -> None:
        """Start the child process (returns at once)."""
        self._thread.start()

    @property
    def thread(self) -> threading.Thread:
        """The thread that talks to the child process."""
        return self._thread

    def cancel(self, timeout: float = 0.5) -> None:
        """Stop the analysis (its child process is killed) and wait up to ``timeout`` s for its thread."""
        self.cancel_event.set()
        # A cancelled analysis is worth nothing: end the child now rather than when it notices
        # (it may still be importing); its pipe closes and the reading thread ends with it.
        with self._lock:
            if self._proc is not None and self._proc.poll() is None:
                self._proc.kill()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout)

    def _close_stdin(self) -> None:
        with self._lock:
            proc = self._proc
            if proc is not None and proc.stdin is not None and not proc.stdin.closed:
                try:
                    proc.stdin.close()  # the child reads EOF and cancels
                except OSError:
                    pass

    def _run(self) -> None:
        # The child's stderr goes to a file, not a pipe (an unread pipe could fill and block it);
        # its last line explains a crash.
        errlog = tempfile.TemporaryFile()
        try:
            proc = subprocess.Popen(
                _child_command(),
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=errlog,
            )
        except OSError as exc:
            errlog.close()
            if not self.cancel_event.is_set():
                self.failed.emit(exc)
            return
        with self._lock:
            self._proc = proc
            if self.cancel_event.is_set():  # cancelled while the child was being started
                proc.kill()
        try:
            try:
                pickle.dump((str(self.path), self._bundle_path, self._settings_kwargs), proc.stdin)
                proc.stdin.flush()
            except (BrokenPipeError, OSError):
                pass
            while True:
                try:
                    message = pickle.load(proc.stdout)  # blocks without holding the GIL
                except Exception:  # noqa: BLE001 - EOF, a broken pipe or a damaged message: all end the job
                    if not self.cancel_event.is_set():
                        try:
                            code = proc.wait(2.0)
                        except subprocess.TimeoutExpired:
                            code = None
                        self.failed.emit(RuntimeError(
                            f"the analysis process ended unexpectedly (exit code {code})" + _last_line(errlog)
                        ))
                    return
                kind = message[0]
                if self.cancel_event.is_set():
                    return
                if kind == "progress":
                    self.progress.emit(message[1], message[2])
                elif kind == "done":
                    self.done.emit(message[1])
                    return
                elif kind == "error":
                    self.failed.emit(message[1])
                    return
        finally:
            self._close_stdin()
            try:
                proc.wait(0.3)
            except subprocess.TimeoutExpired:
                proc.kill()
                try:
                    # SIGKILL cannot be ignored, but a loaded machine may take a while to reap
                    # the child; this is a daemon thread, so waiting here holds nobody up.
                    proc.wait(10.0)
                except subprocess.TimeoutExpired:
                    pass
            if proc.stdout is not None:
                proc.stdout.close()
            errlog.close()


def _last_line(errlog) -> str:
    """': <the last non-empty line the child wrote to stderr>', or '' if it wrote none."""
    try:
        errlog.seek(0)
        lines = [ln.strip() for ln in errlog.read()[-4096:].decode("utf-8", "replace").splitlines() if ln.strip()]
    except (OSError, ValueError):
        return ""
    return f": {lines[-1]}" if lines else ""


class FileAnalysis(QObject):
    """Runs at most one :class:`AnalysisJob` at a time and hands its curves to the GUI.

    Signals (GUI thread): progress(fraction or None), analysed(AnalysisResult) (the whole file's
    records; for lip bundles its timed words too), failed(Exception).
    """

    progress = Signal(object)
    analysed = Signal(object)
    failed = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.job: AnalysisJob | None = None
        self.result = None
        self._key = None  # (path, bundle, settings) of the running job or of ``result``
        self._old: list[AnalysisJob] = []

    @property
    def running(self) -> bool:
        """True while an analysis is under way."""
        return self.job is not None and self.job.thread.is_alive()

    def start(self, path: Path, bundle, settings_kwargs: dict) -> None:
        """Analyse ``path`` with ``bundle`` (a running analysis of something else is cancelled).

        The same file, bundle and settings again (a finished file played once more) keep the
        analysis under way, or hand its finished curves over again, instead of starting over.
        """
        key = (str(Path(path)), str(getattr(bundle, "root", bundle)), repr(sorted(settings_kwargs.items())))
        if key == self._key and (self.result is not None or self.running):
            if self.result is not None:
                self._emit_curves(self.result)
            return
        self.cancel()
        self._key = key
        job = AnalysisJob(Path(path), bundle, settings_kwargs, parent=self)
        job.progress.connect(lambda done, total: self.progress.emit(done / total if total else None))
        job.done.connect(self._done)
        job.failed.connect(self._failed)
        self.job = job
        self.progress.emit(0.0)
        job.start()

    def cancel(self) -> None:
        """Forget the current analysis (its child process is killed; its thread ends soon after)."""
        job, self.job = self.job, None
        self.result = None
        self._key = None
        if job is not None:
            job.cancel(timeout=0.0)
            self._old.append(job)
        alive = []
        for j in self._old:
            if j.thread.is_alive():
                alive.append(j)
            else:
                j.deleteLater()  # a child of this object: it would otherwise live as long as the window
        self._old = alive

    def shutdown(self, timeout: float) -> None:
        """Cancel and wait up to ``timeout`` s for every analysis thread."""
        import time

        self.cancel()
        deadline = time.monotonic() + timeout
        for job in self._old:
            job.cancel(timeout=max(0.0, deadline - time.monotonic()))

    def threads(self) -> list[threading.Thread]:
        """Threads of running or cancelled-but-finishing analyses."""
        return [j.thread for j in self._old + ([self.job] if self.job else [])]

    def _done(self, result) -> None:
        if self.sender() is not self.job:
            return  # a cancelled job that finished anyway
        self.result = result
        self._emit_curves(result)

    def _emit_curves(self, result) -> None:
        # The task's panels take what they show from the result (curves, or words for lip mode).
        self.progress.emit(None)
        self.analysed.emit(result)

    def _failed(self, exc) -> None:
        if self.sender() is self.job:
            self.progress.emit(None)
            self.failed.emit(exc)
