"""The live engine: a capture thread and a worker thread around a Recognizer, with callbacks.

    capture thread: source -> (pace files at their fps) -> on_frame -> FrameRing (drop-oldest)
    worker thread:  FrameRing -> Recognizer (sample, infer) -> on_prediction / on_error /
                    on_warning / on_finished

Threads of the Engine's callbacks:
    on_frame                                  the capture thread (every frame, sampled or not)
    on_prediction, on_error, on_warning, on_finished   the engine worker thread
Callbacks must return quickly; a GUI re-emits them as queued signals.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import fields, replace
from pathlib import Path
from typing import Callable

from engine.bundles import Bundle, load_bundle
from engine.core.errors import EngineError, InferenceError, KinesightError, SourceError
from engine.core.frames import Frame, FrameRing
from engine.core.memory import trim_heap
from engine.core.prediction import Prediction, StreamStats, TranscriptUpdate
from engine.core.runtime import ProviderReport, mark_cuda_failed
from engine.core.settings import EngineSettings
from engine.io.sources import FrameSource, open_source
from engine.io.video_file import VideoFileSource
from engine.pipeline import Recognizer, SampledFrame
from engine.runners.live_run import CapturedFrame, EngineStats, HANDOVER_TIMEOUT_S, LiveRun

log = logging.getLogger(__name__)


class Engine:
    """The live engine: a capture thread and a worker thread around a :class:`Recognizer`.

    ``start(source)`` opens (if given a spec) and plays a source; errors opening it raise
    right there (typed :class:`SourceError`). Errors later travel to ``on_error`` on the worker
    thread; without an ``on_error`` they are kept and raised by :meth:`wait`.
    Callback threads: ``on_frame`` on the capture thread; ``on_prediction``, ``on_error``,
    ``on_warning`` and ``on_finished`` on the worker thread. ``on_finished()`` is called once
    per started source, whether it ended, was stopped or failed.
    """

    def __init__(
        self,
        bundle: Bundle | str | Path,
        settings: EngineSettings = EngineSettings(),
        *,
        on_prediction: Callable[[Prediction], None] | None = None,
        on_frame: Callable[[Frame], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
        on_finished: Callable[[], None] | None = None,
        on_warning: Callable[[str], None] | None = None,
    ) -> None:
        self.bundle = bundle if isinstance(bundle, Bundle) else load_bundle(bundle)
        self._settings = settings.validated()
        self._recognizer = Recognizer(self.bundle, self._settings)
        self.on_prediction = on_prediction
        self.on_frame = on_frame
        self.on_error = on_error
        self.on_finished = on_finished
        self.on_warning = on_warning
        self._lock = threading.RLock()
        self._pending_settings: EngineSettings | None = None
        self._run: LiveRun | None = None
        self._closed = False
        self.warnings: list[str] = []

    # -- properties ------------------------------------------------------------------
    @property
    def provider(self) -> ProviderReport:
        """Which execution provider really runs the model, and why not CUDA."""
        return self._recognizer.provider

    @property
    def recognizer(self) -> Recognizer:
        """The core the worker drives (read-only use from other threads)."""
        return self._recognizer

    @property
    def settings(self) -> EngineSettings:
        """The settings in force, or about to be at the next tick."""
        with self._lock:
            return self._pending_settings or self._settings

    @property
    def source(self) -> FrameSource | None:
        """The source of the current (or last) run."""
        run = self._run
        return run.source if run else None

    @property
    def stats(self) -> EngineStats:
        """Counters of the current run (safe from any thread)."""
        run = self._run
        if run is None:
            return EngineStats()
        return EngineStats(
            input_fps=run.input_rate.rate,
            model_fps=run.model_rate.rate,
            dropped_frames=run.ring.dropped,
            frames_seen=run.frames_seen,
            running=not run.finished.is_set(),
            predictions=run.predictions,
            paused=not run.running.is_set(),
        )

    def threads(self) -> list[threading.Thread]:
        """The current run's threads (for shutdown checks)."""
        run = self._run
        return [t for t in (run.capture, run.worker) if t is not None] if run else []

    # -- control (any thread) -------------------------------------------------------
    def start(self, source: FrameSource | str | int | Path, *, owned: bool | None = None) -> None:
        """Play ``source`` (stopping the current one first). Opening errors raise here.

        ``owned``: the engine closes the source when its run stops; by default only a source it
        opened itself from a spec (a caller that opened one ahead of the engine passes True).
        """
        if self._closed:
            raise EngineError("this engine was closed; create a new one")
        self.stop()
        from_spec = not isinstance(source, FrameSource)
        src = open_source(source) if from_spec else source
        self._launch(src, from_spec if owned is None else bool(owned))

    def _launch(self, src: FrameSource, owned: bool, *, seek_to: float | None = None, paused: bool = False) -> None:
        prev = self._run
        if prev is not None and prev.worker is not None and prev.worker is not threading.current_thread():
            # A stop() that timed out can leave the old worker inside a model run (a slow CPU,
            # or cuDNN tuning on a first CUDA batch). The Recognizer is not thread-safe: give
            # that worker a moment to leave, else let the new run have a Recognizer of its own.
            prev.worker.join(HANDOVER_TIMEOUT_S)
            if prev.worker.is_alive():
                log.warning("the previous engine worker is still busy; starting with a fresh recognizer")
                self._recognizer = Recognizer(self.bundle, self._settings)
        with self._lock:
            self._apply_pending_settings()
            self._recognizer.reset(0.0)
            run = LiveRun(src, owned, self._settings.ring_capacity)
            run.seek_to = seek_to
            if paused:
                run.running.clear()
            self._run = run
        run.capture = threading.Thread(target=self._capture_loop, args=(run,), name="kinesight-capture", daemon=True)
        run.worker = threading.Thread(target=self._worker_loop, args=(run,), name="kinesight-engine", daemon=True)
        run.worker.start()
        run.capture.start()

    def pause(self) -> None:
        """Stop delivering frames (a camera keeps being read so it does not lag on resume)."""
        run = self._run
        if run:
            run.running.clear()

    def resume(self) -> None:
        """Deliver frames again after :meth:`pause` (file pacing restarts from here)."""
        run = self._run
        if run:
            run.running.set()

    def seek(self, t_s: float) -> None:
        """Jump to ``t_s`` seconds (file and folder sources); predictions restart warming up.

        After the end of a file this plays it again from ``t_s`` (on_finished fires again at its end).
        """
        run = self._run
        if run is None:
            raise EngineError("nothing is playing: start a source before seeking")
        if run.source.is_live:
            raise SourceError(f"{run.source.name or 'this source'} is live and cannot seek")
        t_s = max(0.0, float(t_s))
        if run.finished.is_set():
            # The file had played to its end (or failed): seeking plays it again from t_s.
            if run.stop.is_set() and run.owned:
                raise EngineError("the source was stopped and closed; start it again")
            self._launch(run.source, run.owned, seek_to=t_s, paused=not run.running.is_set())
            return
        with run.lock:
            run.seek_to = t_s

    def update_settings(self, **changes) -> None:
        """Change settings (thread-safe); they apply before the next frame is processed."""
        valid = {f.name for f in fields(EngineSettings)}
        unknown = set(changes) - valid
        if unknown:
            raise EngineError(f"unknown engine settings: {', '.join(sorted(unknown))}")
        with self._lock:
            new = replace(self._pending_settings or self._settings, **changes).validated()
            self._recognizer.check_settings(new)  # raises now for an impossible window length
            self._pending_settings = new
            if self._run is None or self._run.finished.is_set():
                self._apply_pending_settings()

    def _apply_pending_settings(self) -> None:
        with self._lock:
            new, self._pending_settings = self._pending_settings, None
        if new is not None and new != self._settings:
            self._recognizer.configure(new)
            self._settings = new

    def stop(self, timeout: float = 1.0) -> None:
        """Stop the current source and wait (at most ``timeout`` s) for its threads."""
        run = self._run
        if run is None:
            return
        run.stop.set()
        run.running.set()
        run.ring.close()
        me = threading.current_thread()
        deadline = time.monotonic() + timeout
        for t in (run.worker, run.capture):
            if t is not None and t is not me and t.is_alive():
                t.join(max(0.0, deadline - time.monotonic()))
        if run.owned and not (run.capture and run.capture.is_alive()):
            run.source.close()
        alive = [t.name for t in (run.worker, run.capture) if t is not None and t is not me and t.is_alive()]
        if alive:
            log.warning("engine threads still busy after %.1f s: %s (they exit on their own)", timeout, alive)

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the current source has finished; True if it has.

        Raises the run's error if there is no ``on_error`` callback to receive it.
        """
        run = self._run
        if run is None:
            return True
        done = run.finished.wait(timeout)
        if done and run.error is not None and self.on_error is None:
            err, run.error = run.error, None
            raise err
        return done

    def close(self, timeout: float = 1.0) -> None:
        """Stop everything and release the models; joins all threads within ``timeout`` s."""
        if self._closed:
            return
        self.stop(timeout)
        self._closed = True

    def __enter__(self) -> "Engine":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- threads ----------------------------------------------------------------------
    def _capture_loop(self, run: LiveRun) -> None:
        """Capture thread: read frames, pace file sources, hand them to the ring."""
        src = run.source
        try:
            frames = iter(src)
            pace_origin: tuple[float, float] | None = None  # (wall, pts) that pts are paced from
            while not run.stop.is_set():
                if not run.running.is_set():
                    if src.is_live:
                        # Keep reading a camera while paused, or it hands out stale frames later.
                        if next(frames, None) is None:
                            break
                        continue
                    run.running.wait(0.05)
                    pace_origin = None
                    if run.seek_to is None:
                        continue
                with run.lock:
                    target, run.seek_to = run.seek_to, None
                if target is not None:
                    src.seek(target)
                    run.epoch += 1
                    run.epoch_start[run.epoch] = target
                    run.ring.clear()
                    pace_origin = None
                t0 = time.perf_counter()
                frame = next(frames, None)
                if frame is None:
                    if src.is_live and isinstance(src, VideoFileSource) and not run.stop.is_set() and not src.warnings:
                        # A network stream never ends on its own: it was closed or the connection
                        # dropped. The frames so far were delivered; say so instead of stopping quietly.
                        src.warnings.append(f"{src.name} stopped delivering frames after {run.frames_seen} frames "
                                            "(the stream ended or the connection dropped)")
                    break
                decode_ms = (time.perf_counter() - t0) * 1e3
                # Pace files, and URLs too (an http:// file would otherwise arrive in one burst;
                # a real live stream's timestamps already run at real time, so pacing is a no-op).
                if self._settings.realtime and (not src.is_live or isinstance(src, VideoFileSource)):
                    now = time.perf_counter()
                    if pace_origin is None:
                        pace_origin = (now, frame.pts_s)
                    delay = pace_origin[0] + (frame.pts_s - pace_origin[1]) - now
                    if delay > 0 and run.stop.wait(delay):
                        break
                run.frames_seen += 1
                run.input_rate.add(1)
                if self.on_frame is not None:
                    self.on_frame(frame)
                run.ring.put(CapturedFrame(frame, run.epoch, time.perf_counter(), decode_ms))
        except BaseException as exc:  # noqa: BLE001 - delivered to the caller by the worker
            run.error = exc if isinstance(exc, KinesightError) else _wrap(exc, "reading frames")
        finally:
            run.ring.close()
            if run.owned and run.stop.is_set():
                # stop() does not close a source under a read that outlived its timeout (not
                # safe for FFmpeg or a camera); the read has returned now, so close it here.
                run.source.close()

    def _worker_loop(self, run: LiveRun) -> None:
        """Engine worker: drain the ring, run the recognizer, call back."""
        rec = self._recognizer
        epoch = 0
        try:
            while True:
                items = run.ring.drain(timeout=0.1)
                if self._pending_settings is not None:
                    self._apply_pending_settings()
                if not items:
                    if run.ring.closed and len(run.ring) == 0:
                        break
                    continue
                batch: list[SampledFrame] = []
                for item in items:
                    if item.epoch != epoch:
                        self._infer_and_deliver(run, batch)
                        batch = []
                        epoch = item.epoch
                        rec.reset(run.epoch_start.get(epoch, item.frame.pts_s))
                        run.tokens_delivered, run.last_record = 0, None
                    s = rec.sample(item.frame, captured_at=item.captured_at, decode_ms=item.decode_ms)
                    if s is not None:
                        batch.append(s)
                self._infer_and_deliver(run, batch)
                if run.stop.is_set():
                    break
            if not run.stop.is_set() and run.error is None:
                self._flush(run)
        except BaseException as exc:  # noqa: BLE001 - every failure reaches the caller
            run.error = run.error or (exc if isinstance(exc, KinesightError) else _wrap(exc, "running the model"))
            run.stop.set()
            run.ring.close()
        finally:
            self._finish(run)
            if rec is not self._recognizer:
                # This worker outlived a hand-over (see _launch) and its recognizer was replaced:
                # it is freed now. glibc keeps the freed sessions' heap in its arenas, which the
                # soak measured as RSS that only ever rose (+11 MB per hand-over); return it.
                del rec
                trim_heap()

    def _infer_and_deliver(self, run: LiveRun, batch: list[SampledFrame]) -> None:
        if not batch:
            return
        stats = StreamStats(run.input_rate.rate, run.model_rate.rate, run.ring.dropped)
        try:
            records = self._recognizer.infer(batch, stats=stats)
        except InferenceError as exc:
            if self._recognizer.provider.provider != "CUDA":
                raise
            self._fall_back_to_cpu(exc)
            if exc.stage == "backbone":
                records = self._recognizer.infer(batch, stats=stats)  # nothing of it reached the window yet
            else:
                # The window already holds this batch's features: start it afresh rather than twice.
                self._recognizer.reset(batch[-1].frame.pts_s)
                run.tokens_delivered, run.last_record = 0, None
                records = []
        run.model_rate.add(sum(len(s.ticks) for s in batch))
        self._deliver(run, records)

    def _fall_back_to_cpu(self, exc: InferenceError) -> None:
        """CUDA failed mid-run (a lost device, out of memory, a driver reset): rebuild the sessions
        on the CPU and say so through ``on_warning``; the run goes on. Worker thread only."""
        reason = str(exc).split(": ", 1)[-1].splitlines()[0] if str(exc) else type(exc).__name__
        mark_cuda_failed(f"CUDA failed while running: {reason}")
        with self._lock:
            self._settings = replace(self._settings, device="cpu")
            if self._pending_settings is not None:
                self._pending_settings = replace(self._pending_settings, device="cpu")
        self._recognizer.configure(self._settings)
        msg = f"the GPU failed while running the model ({reason}); running on the CPU from now on"
        log.warning(msg)
        self.warnings.append(msg)
        if self.on_warning is not None:
            self._safe_call(self.on_warning, msg)

    def _deliver(self, run: LiveRun, predictions: list[Prediction]) -> None:
        for p in predictions:
            if run.stop.is_set():
                return
            run.predictions += 1
            run.last_record = p
            if getattr(p, "token", None) is not None:
                run.tokens_delivered += 1
            if self.on_prediction is not None:
                try:
                    self.on_prediction(p)
                except Exception as exc:  # noqa: BLE001 - a caller bug must not vanish
                    raise EngineError(f"the on_prediction callback raised {type(exc).__name__}: {exc}") from exc

    def _flush(self, run: LiveRun) -> None:
        """The source ended on its own: deliver the words the decoder still holds (a lip
        reader decodes an utterance only at a pause or once later frames are seen, so the last
        sentence of a file would otherwise never appear). One record per word, as the decoder
        reports words, each a copy of the newest record with that ``token`` and the final
        transcript; offline analysis gets the same words from ``Recognizer.finish``.
        Worker thread only."""
        last = run.last_record
        if not isinstance(last, TranscriptUpdate):
            return  # actions keep nothing for the end, and nothing was read yet
        src = run.source
        end_s = getattr(src, "duration_s", None) or last.pts_s
        tokens = self._recognizer.finish(end_s)
        new = tokens[run.tokens_delivered:]
        transcript = " ".join(t.text for t in tokens)
        self._deliver(run, [replace(last, token=t, current=None, partial=(), transcript=transcript) for t in new])

    def _finish(self, run: LiveRun) -> None:
        # Wait briefly for the capture thread so its error (if any) is reported too.
        if run.capture is not None and run.capture is not threading.current_thread():
            run.capture.join(0.5)
        for w in run.source.warnings:
            if w not in self.warnings:
                self.warnings.append(w)
                if self.on_warning is not None:
                    self._safe_call(self.on_warning, w)
        if run.error is not None:
            if self.on_error is not None:
                self._safe_call(self.on_error, run.error)
            else:
                log.error("engine error (no on_error callback; raised by Engine.wait()): %s", run.error)
        run.finished.set()
        if self.on_finished is not None:
            self._safe_call(self.on_finished)

    @staticmethod
    def _safe_call(fn: Callable, *args) -> None:
        try:
            fn(*args)
        except Exception:  # noqa: BLE001 - the error path itself failed: log loudly, keep shutting down
            log.exception("an engine callback raised while reporting")


def _wrap(exc: BaseException, doing: str) -> EngineError:
    err = EngineError(f"unexpected {type(exc).__name__} while {doing}: {exc}")
    err.__cause__ = exc
    return err

