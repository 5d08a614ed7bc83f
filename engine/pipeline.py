"""The recognition pipeline: one frame's walk from a source to a Prediction.

    FrameSource --Frame--> FrameRing (bounded, drop-oldest) --> engine worker:
        ModelClock (sample by timestamp at sample_fps) --> preprocess --> backbone (ONNX)
        --> FeatureWindow (T cached features) --> head (window or streaming) --> PostProcessor
        --> Prediction --> callbacks / JSONL / timeline

:class:`Recognizer` is the stateful core (no threads). :class:`Engine` runs it live: a capture
thread fills the ring, a worker thread drains it. :func:`analyze_file` runs it offline: a decode
thread feeds batches to the backbone. Both share the Recognizer, so a file gives the same
predictions at the same model-clock ticks either way (when the live path drops nothing).

Threads of the Engine's callbacks:
    on_frame                                  the capture thread (every frame, sampled or not)
    on_prediction, on_error, on_warning, on_finished   the engine worker thread
Callbacks must return quickly; a GUI re-emits them as queued signals.
"""

from __future__ import annotations

import csv
import json
import logging
import queue
import threading
import time
from collections import deque
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Callable, Iterable

import numpy as np

from engine.bundle import Bundle, load_bundle
from engine.errors import EngineError, InferenceError, KinesightError, SourceError
from engine.frames import Frame, FrameRing
from engine.postprocess import PostProcessor, softmax
from engine.prediction import Prediction, PredictionState, StageTimings
from engine.preprocess import preprocess
from engine.runtime import ProviderReport, make_session
from engine.settings import EngineSettings
from engine.sources import FrameSource, VideoFileSource, open_source
from engine.window import FeatureWindow, ModelClock

log = logging.getLogger(__name__)


# --------------------------------------------------------------------------- settings, records


@dataclass(frozen=True)
class EngineStats:
    """A snapshot of the live engine's counters."""

    input_fps: float = 0.0
    model_fps: float = 0.0
    dropped_frames: int = 0
    frames_seen: int = 0
    running: bool = False
    predictions: int = 0
    paused: bool = False


@dataclass(slots=True)
class SampledFrame:
    """A frame chosen by the model clock, on its way through preprocessing and the backbone."""

    frame: Frame
    ticks: range
    captured_at: float | None = None  # time.perf_counter() when it was decoded / captured
    decode_ms: float = 0.0
    tensor: np.ndarray | None = None  # (3, h, w) float32 once preprocessed
    preprocess_ms: float = 0.0


class _RateMeter:
    """Events per second over the last ``span`` seconds of wall time."""

    def __init__(self, span: float = 2.0) -> None:
        self.span = span
        self._times: deque[float] = deque()
        self._lock = threading.Lock()  # written by one thread, read by others (stats)

    def add(self, n: int = 1, now: float | None = None) -> None:
        now = time.perf_counter() if now is None else now
        with self._lock:
            for _ in range(n):
                self._times.append(now)
            while self._times and now - self._times[0] > self.span:
                self._times.popleft()

    @property
    def rate(self) -> float:
        with self._lock:
            if len(self._times) < 2:
                return 0.0
            dt = self._times[-1] - self._times[0]
            return (len(self._times) - 1) / dt if dt > 0 else 0.0

    def reset(self) -> None:
        with self._lock:
            self._times.clear()


# --------------------------------------------------------------------------- the core


def _run_fixed_batch(run: Callable[[np.ndarray], np.ndarray], x: np.ndarray, size: int | None) -> np.ndarray:
    """``run(x)``, but fed in chunks of exactly ``size`` rows (the last zero-padded) when size is set."""
    n = len(x)
    if size is None or n == size:
        return run(x)
    outs = []
    for i in range(0, n, size):
        chunk = x[i : i + size]
        if len(chunk) < size:
            chunk = np.concatenate([chunk, np.zeros((size - len(chunk), *x.shape[1:]), dtype=x.dtype)])
        outs.append(run(chunk)[: min(size, n - i)])
    return np.concatenate(outs)


class Recognizer:
    """The stateful core: frames -> model clock -> features -> window -> head -> postprocess.

    Not thread-safe: one thread drives it (the engine worker, or ``analyze_file``'s caller).
    ``push(frame)`` is the simple path; ``sample`` + ``prepare`` + ``infer`` split it so the
    backbone can run on batches and preprocessing on another thread.
    """

    def __init__(self, bundle: Bundle | str | Path, settings: EngineSettings | None = None) -> None:
        self.bundle = bundle if isinstance(bundle, Bundle) else load_bundle(bundle)
        self.settings = (settings or EngineSettings()).validated()
        m = self.bundle.manifest
        self.manifest = m
        self.labels: tuple[str, ...] = m.labels
        self._cropper = None
        if m.input.roi == "mouth":
            from engine.lips import MouthCropper

            self._cropper = MouthCropper.for_bundle(self.bundle)
        self._open_sessions(self.settings)
        self.streaming = m.head.kind == "streaming"
        self.clock = ModelClock(m.window.sample_fps)
        self.window = FeatureWindow(self._window_length(self.settings), m.feature_dim)
        self.clock.max_fill = self.window.length
        self.post = PostProcessor(self.settings.smoothing, self.settings.hold_s, self.settings.threshold)
        self._state: dict[str, np.ndarray] = {}
        self._last_logits: np.ndarray | None = None
        self._model_rate = _RateMeter()
        self.input_fps = 0.0  # set by the engine that feeds frames
        self.dropped_frames = 0  # idem
        # Work counters: frames through the backbone and head runs (benchmarks and tests read them).
        self.backbone_frames = 0
        self.head_runs = 0
        self.cuda_batch = 1  # batch size of every ONNX run on CUDA (see _fixed_batch)
        self.reset()

    def _open_sessions(self, settings: EngineSettings) -> None:
        """(Re)build the backbone and head ONNX sessions for ``settings.device`` / ``threads``."""
        self._backbone, self.provider = make_session(self.bundle.backbone_path, settings.device, settings.threads)
        self._head, _ = make_session(self.bundle.head_path, settings.device, settings.threads)
        self._inspect_head()

    def _inspect_head(self) -> None:
        head_input = {i.name: i.shape for i in self._head.get_inputs()}["features"]
        self._head_static_batch = head_input[0] if isinstance(head_input[0], int) else None
        self._head_static_t = head_input[1] if isinstance(head_input[1], int) else None
        self._head_output_names = [o.name for o in self._head.get_outputs()]

    # -- configuration ----------------------------------------------------------------
    @property
    def sample_fps(self) -> float:
        """Ticks per second of the model clock (from the bundle)."""
        return self.manifest.window.sample_fps

    @property
    def window_length(self) -> int:
        """T: features per window (the bundle's, or the settings' override)."""
        return self.window.length

    @property
    def stride(self) -> int:
        """A prediction every ``stride`` ticks."""
        return self.manifest.window.stride

    def _window_length(self, settings: EngineSettings) -> int:
        t = settings.window_length or self.manifest.window.length
        if self.streaming:
            return t  # streaming heads only use T to decide when warm-up ends
        if self._head_static_t is not None and t != self._head_static_t:
            raise EngineError(
                f"this bundle's head only takes windows of T={self._head_static_t}; "
                f"window_length={t} is not possible (leave it unset)"
            )
        return t

    def configure(self, settings: EngineSettings) -> None:
        """Apply new settings: post-processing at once, a new window length keeps the newest
        features, a new device rebuilds the ONNX sessions."""
        settings = settings.validated()
        old = self.settings
        self.post.configure(settings.smoothing, settings.hold_s, settings.threshold)
        if settings.device != old.device or settings.threads != old.threads:
            self._open_sessions(settings)
        t = self._window_length(settings)
        if t != self.window.length:
            self.window = self.window.resized(t)
            self.clock.max_fill = t
        self.settings = settings

    def reset(self, start_s: float = 0.0) -> None:
        """Forget every feature, state and smoothed probability; the clock restarts at ``start_s``."""
        self.clock.reset(start_s)
        self.window.clear()
        self.post.reset()
        self._state = {
            s.name: np.zeros((s.shape[0], 1, *s.shape[2:]), dtype=np.float32) for s in self.manifest.head.state
        }
        self._last_logits = None
        self._model_rate.reset()
        if self._cropper is not None:
            self._cropper.reset()  # the crop box is smoothed over frames: start fresh too

    # -- the stages ---------------------------------------------------------------------
    def sample(self, frame: Frame, *, captured_at: float | None = None, decode_ms: float = 0.0) -> SampledFrame | None:
        """Advance the model clock with this frame; returns it wrapped if the model needs it."""
        ticks = self.clock.ticks_for(frame.pts_s)
        if not ticks:
            return None
        return SampledFrame(frame, ticks, captured_at, decode_ms)

    def prepare(self, sampled: SampledFrame) -> SampledFrame:
        """Preprocess the frame's image into the backbone's (3, h, w) tensor (any thread)."""
        t0 = time.perf_counter()
        image = sampled.frame.image
        if self._cropper is not None:
            image = self._cropper.crop(image)
        sampled.tensor = preprocess([image], self.manifest.input)[0]
        sampled.preprocess_ms = (time.perf_counter() - t0) * 1e3
        return sampled

    def features(self, batch: np.ndarray) -> np.ndarray:
        """Backbone: (N, 3, h, w) float32 -> (N, D) features."""
        n = len(batch)
        try:
            out = _run_fixed_batch(
                lambda x: self._backbone.run(["features"], {"frames": x})[0], batch, self._fixed_batch()
            )
        except Exception as exc:  # noqa: BLE001 - ORT raises its own exception types
            raise InferenceError(f"the backbone failed on a batch of shape {batch.shape}: {exc}") from exc
        self.backbone_frames += n
        return out

    def _fixed_batch(self) -> int | None:
        """The one batch size every run uses on CUDA, None on CPU (any size is free there).

        On CUDA a new input shape costs 0.3-0.9 s (cuDNN set-up and tuning; measured on an H100
        against 0.18 ms/frame once set up) and ORT keeps only the last shape per node, so
        alternating sizes pays it again and again. Live runs use 1; offline analysis sets
        ``cuda_batch`` to its batch size.
        """
        return self.cuda_batch if self.provider.provider == "CUDA" else None

    def _head_logits(self, feature: np.ndarray) -> np.ndarray:
        """Streaming head: one step with the carried state; returns (C,) logits."""
        self.head_runs += 1
        try:
            feeds = {"features": feature[None, None, :]}
            feeds.update({f"{name}_in": v for name, v in self._state.items()})
            outs = self._head.run(None, feeds)
        except Exception as exc:  # noqa: BLE001 - ORT raises its own exception types
            raise InferenceError(f"the streaming head failed: {exc}") from exc
        for name, value in zip(self._head_output_names, outs):
            if name.endswith("_out"):
                self._state[name[:-4]] = value
        return outs[self._head_output_names.index("logits")][0]

    def infer(self, batch: list[SampledFrame]) -> list[Prediction]:
        """Backbone over the batch (one run), then window + head + postprocess per tick.

        Window heads also run once per batch, over every window the batch completes (offline
        analysis batches 16 frames: one head run instead of 16); streaming heads step once per
        tick, as their state requires.
        """
        if not batch:
            return []
        for s in batch:
            if s.tensor is None:
                self.prepare(s)
        t0 = time.perf_counter()
        feats = self.features(np.stack([s.tensor for s in batch]))
        backbone_ms = (time.perf_counter() - t0) * 1e3 / len(batch)
        # 1. Slide the window tick by tick; note which ticks predict and with what.
        pending: list[tuple[int, SampledFrame, np.ndarray | int | None, float]] = []
        windows: list[np.ndarray] = []
        for s, feat in zip(batch, feats):
            for tick in s.ticks:
                t1 = time.perf_counter()
                self.window.append(feat)
                head_ms = 0.0
                if self.streaming:
                    # O(1) per tick: the state carries everything older; it must step every tick.
                    self._last_logits = self._head_logits(feat)
                    head_ms = (time.perf_counter() - t1) * 1e3
                self._model_rate.add(1)
                if tick % self.stride:
                    continue
                if not self.window.full:
                    pending.append((tick, s, None, head_ms))
                elif self.streaming:
                    pending.append((tick, s, self._last_logits, head_ms))
                else:
                    windows.append(self.window.window().copy())  # the view slides on: keep a copy
                    pending.append((tick, s, len(windows) - 1, 0.0))
        # 2. Window heads: all windows of the batch in one run.
        window_logits = None
        window_ms = 0.0
        if windows:
            t1 = time.perf_counter()
            window_logits = self._window_logits(np.stack(windows))
            window_ms = (time.perf_counter() - t1) * 1e3 / len(windows)
        # 3. Post-process in tick order (smoothing and hysteresis are sequential).
        predictions = []
        for tick, s, logits, head_ms in pending:
            if isinstance(logits, int):
                logits, head_ms = window_logits[logits], window_ms
            predictions.append(self._predict(tick, s, logits, backbone_ms, head_ms))
        return predictions

    def _window_logits(self, windows: np.ndarray) -> np.ndarray:
        """(N, T, D) windows -> (N, C) logits; one run, or one per window for a batch-1 graph."""
        self.head_runs += 1
        try:
            fixed = 1 if self._head_static_batch == 1 else self._fixed_batch()
            return _run_fixed_batch(lambda x: self._head.run(["logits"], {"features": x})[0], windows, fixed)
        except Exception as exc:  # noqa: BLE001 - ORT raises its own exception types
            raise InferenceError(f"the head failed on windows of shape {windows.shape}: {exc}") from exc

    def _predict(self, tick: int, s: SampledFrame, logits: np.ndarray | None, backbone_ms: float,
                 head_ms: float) -> Prediction:
        tick_time = self.clock.tick_time(tick)
        k = min(self.settings.top_k, len(self.labels))
        if logits is None:
            probs = np.zeros(len(self.labels))
            state, label, conf, top = PredictionState.WARMING_UP, None, 0.0, ()
        else:
            decision = self.post.update(softmax(logits), tick_time)
            probs = decision.probs
            order = np.argsort(-probs, kind="stable")[:k]
            top = tuple((self.labels[i], float(probs[i])) for i in order)
            if decision.label_index is None:
                state, label = PredictionState.UNCERTAIN, None
            else:
                state, label = PredictionState.CONFIDENT, self.labels[decision.label_index]
            conf = decision.confidence
        now = time.perf_counter()
        timings = StageTimings(
            decode_ms=s.decode_ms,
            preprocess_ms=s.preprocess_ms,
            backbone_ms=backbone_ms,
            head_ms=head_ms,
            latency_ms=(now - s.captured_at) * 1e3 if s.captured_at is not None else 0.0,
        )
        return Prediction(
            pts_s=s.frame.pts_s,
            tick=tick,
            frame_index=s.frame.index,
            top_k=top,
            probs=tuple(float(p) for p in probs),
            label=label,
            confidence=float(conf),
            state=state,
            timings=timings,
            input_fps=self.input_fps,
            model_fps=self._model_rate.rate,
            dropped_frames=self.dropped_frames,
        )

    def push(self, frame: Frame, *, captured_at: float | None = None, decode_ms: float = 0.0) -> list[Prediction]:
        """One frame in, the predictions it completes out (usually 0 or 1)."""
        s = self.sample(frame, captured_at=captured_at, decode_ms=decode_ms)
        return self.infer([s]) if s is not None else []

    def run(self, frames: Iterable[Frame]) -> list[Prediction]:
        """Every prediction for a sequence of frames (single-frame batches; for tests/tools)."""
        out: list[Prediction] = []
        for f in frames:
            out.extend(self.push(f))
        return out


# --------------------------------------------------------------------------- live engine


@dataclass(slots=True)
class CapturedFrame:
    """A frame in the live ring, with when it was captured and which seek epoch it belongs to."""

    frame: Frame
    epoch: int
    captured_at: float
    decode_ms: float


HANDOVER_TIMEOUT_S = 2.0  # how long a new run waits for a busy old worker (see Engine._launch)


class _Run:
    """The state of one started source: its threads, ring and control flags."""

    def __init__(self, source: FrameSource, owned: bool, capacity: int) -> None:
        self.source = source
        self.owned = owned
        self.ring: FrameRing[CapturedFrame] = FrameRing(capacity)
        self.stop = threading.Event()
        self.running = threading.Event()
        self.running.set()  # cleared while paused
        self.lock = threading.Lock()
        self.seek_to: float | None = None
        self.epoch = 0
        self.epoch_start: dict[int, float] = {0: 0.0}
        self.error: BaseException | None = None
        self.frames_seen = 0
        self.input_rate = _RateMeter()
        self.predictions = 0
        self.capture: threading.Thread | None = None
        self.worker: threading.Thread | None = None
        self.finished = threading.Event()


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
        self._run: _Run | None = None
        self._closed = False
        self.last_error: BaseException | None = None
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
            model_fps=self._recognizer._model_rate.rate,
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
    def start(self, source: FrameSource | str | int | Path) -> None:
        """Play ``source`` (stopping the current one first). Opening errors raise here."""
        if self._closed:
            raise EngineError("this engine was closed; create a new one")
        self.stop()
        owned = not isinstance(source, FrameSource)
        src = open_source(source) if owned else source
        self._launch(src, owned)

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
            run = _Run(src, owned, self._settings.ring_capacity)
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
            if new.window_length is not None and not self._recognizer.streaming:
                self._recognizer._window_length(new)  # raises now for an impossible T
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
    def _capture_loop(self, run: _Run) -> None:
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

    def _worker_loop(self, run: _Run) -> None:
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
                rec.input_fps = run.input_rate.rate
                rec.dropped_frames = run.ring.dropped
                batch: list[SampledFrame] = []
                for item in items:
                    if item.epoch != epoch:
                        self._deliver(run, rec.infer(batch))
                        batch = []
                        epoch = item.epoch
                        rec.reset(run.epoch_start.get(epoch, item.frame.pts_s))
                    s = rec.sample(item.frame, captured_at=item.captured_at, decode_ms=item.decode_ms)
                    if s is not None:
                        batch.append(s)
                self._deliver(run, rec.infer(batch))
                if run.stop.is_set():
                    break
        except BaseException as exc:  # noqa: BLE001 - every failure reaches the caller
            run.error = run.error or (exc if isinstance(exc, KinesightError) else _wrap(exc, "running the model"))
            run.stop.set()
            run.ring.close()
        finally:
            self._finish(run)

    def _deliver(self, run: _Run, predictions: list[Prediction]) -> None:
        for p in predictions:
            if run.stop.is_set():
                return
            run.predictions += 1
            if self.on_prediction is not None:
                try:
                    self.on_prediction(p)
                except Exception as exc:  # noqa: BLE001 - a caller bug must not vanish
                    raise EngineError(f"the on_prediction callback raised {type(exc).__name__}: {exc}") from exc

    def _finish(self, run: _Run) -> None:
        # Wait briefly for the capture thread so its error (if any) is reported too.
        if run.capture is not None and run.capture is not threading.current_thread():
            run.capture.join(0.5)
        for w in run.source.warnings:
            if w not in self.warnings:
                self.warnings.append(w)
                if self.on_warning is not None:
                    self._safe_call(self.on_warning, w)
        if run.error is not None:
            self.last_error = run.error
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


# --------------------------------------------------------------------------- offline analysis


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
    """Every prediction for a file, analysed offline, and how the analysis went."""

    predictions: list[Prediction]
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

    @property
    def speed(self) -> float:
        """Seconds of video analysed per second of wall time."""
        return self.duration_s / self.wall_s if self.wall_s > 0 else float("inf")

    def segments(self) -> list[Segment]:
        """Consecutive predictions with the same state and label, merged; on the model clock,
        and never past the end of the file."""
        segs: list[Segment] = []
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

    def to_csv(self, path: str | Path) -> Path:
        """One row per prediction: pts_s, label, state, confidence, then one column per label."""
        path = Path(path)
        with open(path, "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow(["pts_s", "label", "state", "confidence", *self.labels])
            for p in self.predictions:
                w.writerow([f"{p.pts_s:.4f}", p.label or "", p.state.value, f"{p.confidence:.4f}",
                            *(f"{x:.4f}" for x in p.probs)])
        return path

    def to_dict(self) -> dict:
        """The JSON-ready timeline (what :meth:`to_json` writes)."""
        return {
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
            "segments": [
                {"start_s": round(s.start_s, 4), "end_s": round(s.end_s, 4), "label": s.label,
                 "state": s.state.value, "mean_confidence": round(s.mean_confidence, 4)}
                for s in self.segments()
            ],
            "predictions": [{**p.to_dict(), "probs": [round(x, 5) for x in p.probs]} for p in self.predictions],
        }

    def to_json(self, path: str | Path) -> Path:
        """The whole timeline (summary, segments, predictions) as JSON."""
        path = Path(path)
        path.write_text(json.dumps(self.to_dict(), indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        return path


_END = object()


def analyze_file(
    path: str | Path | FrameSource,
    bundle: Bundle | str | Path | Recognizer,
    settings: EngineSettings = EngineSettings(),
    *,
    progress: Callable[[float, float], None] | None = None,
    cancel: threading.Event | None = None,
    batch_size: int = 16,
) -> AnalysisResult:
    """Analyse a whole file as fast as possible and return its timeline.

    A decode thread decodes, samples on the model clock and preprocesses (only the sampled
    frames are converted to RGB) while this thread runs the backbone on batches of up to
    ``batch_size`` (whatever is decoded when the backbone is free); the predictions equal the live engine's at the same ticks. ``progress`` is
    called as (done_s, total_s) on this thread; setting ``cancel`` returns what was analysed
    so far with ``cancelled=True``.
    """
    if batch_size < 1:
        raise EngineError("batch_size must be at least 1")
    t_start = time.perf_counter()
    rec = bundle if isinstance(bundle, Recognizer) else Recognizer(bundle, replace(settings, realtime=False))
    rec.reset(0.0)
    owned = not isinstance(path, FrameSource)
    src = open_source(path) if owned else path
    if src.is_live:
        if owned:
            src.close()
        raise SourceError(f"{src.name} is a live source; analyse a file, or use `kinesight run` for live input")
    total_s = src.duration_s or 0.0
    stop = threading.Event()
    q: queue.Queue = queue.Queue(maxsize=4 * batch_size)
    counters = {"frames": 0, "last_pts": 0.0}

    def put(item) -> bool:
        while not stop.is_set():
            try:
                q.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def decode() -> None:
        # Producer: decode + sample + preprocess. Sampling decisions are made here, in frame
        # order, with the recognizer's own clock (the consumer never touches the clock).
        clock = rec.clock
        try:
            t0 = time.perf_counter()
            for frame in src.frames(want=lambda index, pts: clock.peek(pts)):
                decode_ms = (time.perf_counter() - t0) * 1e3
                counters["frames"] = frame.index + 1
                counters["last_pts"] = frame.pts_s
                s = rec.sample(frame, captured_at=None, decode_ms=decode_ms)
                if s is not None and not put(rec.prepare(s)):
                    return
                if stop.is_set():
                    return
                t0 = time.perf_counter()
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer, raised there
            put(exc)
            return
        put(_END)

    producer = threading.Thread(target=decode, name="kinesight-decode", daemon=True)
    producer.start()
    predictions: list[Prediction] = []
    cancelled = False
    error: BaseException | None = None
    live_cuda_batch, rec.cuda_batch = rec.cuda_batch, batch_size
    try:
        done = False
        while not done:
            if cancel is not None and cancel.is_set():
                cancelled = True
                break
            batch: list[SampledFrame] = []
            item = q.get()
            while True:
                if item is _END:
                    done = True
                    break
                if isinstance(item, BaseException):
                    error = item
                    done = True
                    break
                batch.append(item)
                if len(batch) >= batch_size:
                    break
                # Take what is decoded already, never wait for a full batch: the backbone starts
                # at once and never idles while the decoder catches up (batch size is a maximum).
                try:
                    item = q.get_nowait()
                except queue.Empty:
                    break
            predictions.extend(rec.infer(batch))
            if progress is not None and batch:
                progress(batch[-1].frame.pts_s, total_s)
    finally:
        rec.cuda_batch = live_cuda_batch
        stop.set()
        producer.join(5.0)
        if owned:
            src.close()
    if error is not None:
        raise error if isinstance(error, KinesightError) else _wrap(error, "decoding")
    duration = total_s or counters["last_pts"]
    if progress is not None and not cancelled:
        progress(duration, total_s or duration)
    warnings = list(src.warnings)
    window_s = rec.window_length / rec.sample_fps
    if not cancelled and duration < window_s:
        warnings.append(
            f"{getattr(src, 'name', path)} is {duration:.2f} s long, shorter than the model's window "
            f"(T={rec.window_length} features at {rec.sample_fps:g} fps = {window_s:.2f} s): "
            "it can only warm up, never name an action; analyse a longer clip"
        )
    if cancelled:
        warnings.append(f"analysis cancelled at {counters['last_pts']:.1f} s")
    return AnalysisResult(
        predictions=predictions,
        labels=rec.labels,
        duration_s=duration,
        # Every decoded frame (the source's count of its full pass); the last sampled frame's
        # index undercounts when the frames after it are not sampled.
        frames=counters["frames"] if cancelled else (getattr(src, "frames_decoded", 0) or counters["frames"]),
        wall_s=time.perf_counter() - t_start,
        provider=rec.provider,
        warnings=warnings,
        source=str(getattr(src, "name", path)),
        bundle_name=rec.manifest.name,
        sample_fps=rec.sample_fps,
        cancelled=cancelled,
    )
