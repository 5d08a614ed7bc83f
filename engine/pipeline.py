"""The stage chain: one frame's walk from a source to the record its task reports.

    FrameSource --Frame(index, pts_s, RGB)--> [live: FrameRing + worker | offline: decode thread]
      sample   ModelClock: tick k at k / sample_fps takes the first frame at or after it
      prepare  the task's frame stages (lip: mouth crop; taught actions: whole frame + motion
               crop as two views; each publishes its box) -> preprocess
      infer    backbone.onnx (batched; a frame's views side by side) -> FeatureWindow (last T
               features, each computed once)
               -> head.onnx (window head over (1,T,D), or streaming head with its state)
               -> the task's output decoder (action: Prediction; lip: TranscriptUpdate)

Module map (each one concern):
    sources.py, video_file.py  frame sources: camera, file/URL (PyAV), image folder, fake
    frames.py     Frame records and the bounded FrameRing
    window.py     ModelClock and FeatureWindow
    preprocess.py frame -> backbone tensor, from the bundle's InputSpec
    stages.py     frame stages (mouth crop, motion crop)  decoders.py   output decoders
    motion.py     the crop that follows the moving region (input.roi "full+motion")
    tasks.py      the task registry: task -> stages, decoder, GUI panels, sinks
    pipeline.py   this file: the Recognizer, which chains the stages (no threads)
    live.py       Engine: capture thread + worker thread around a Recognizer, callbacks
    offline.py    analyze_file: a whole file as fast as possible (decode thread + batches)
    results.py    AnalysisResult: timelines, segments, CSV/JSON
    bundle.py, runtime.py, settings.py, prediction.py, errors.py, cli.py, analysis_process.py, memory.py

Live and offline share the Recognizer, so a file gives the same records at the same
model-clock ticks either way (when the live path drops nothing).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Iterable

import numpy as np

from engine.bundles import Bundle, load_bundle
from engine.bundles.preprocess import preprocess
from engine.core.decoders import HeadOutput, TickContext
from engine.core.errors import EngineError, InferenceError, KinesightError, in_stage
from engine.core.frames import Frame
from engine.core.prediction import Region, StageTimings, StreamStats
from engine.core.runtime import make_session, run_fixed_batch
from engine.core.settings import EngineSettings
from engine.core.stages import run_stages
from engine.core.window import FeatureWindow, ModelClock
from engine.hands.stage import tick_features as hand_tick_features
from engine.pose.stage import tick_features
from engine.tasks import task_spec


@dataclass(slots=True)
class SampledFrame:
    """A frame chosen by the model clock, on its way through the frame stages and the backbone."""

    frame: Frame
    ticks: range  # the model-clock ticks it fills (usually one)
    captured_at: float | None = None  # time.perf_counter() when it was decoded / captured
    decode_ms: float = 0.0
    tensor: np.ndarray | None = None  # (views, 3, h, w) float32 once prepared
    preprocess_ms: float = 0.0  # frame stages + preprocessing
    regions: tuple[Region, ...] = ()  # what the frame stages found
    body: np.ndarray | None = None  # (FEATURE_DIM,) body features (pose rois), after the backbone's


# A decoder that reads padded windows gets them once the window holds this many real steps
# (0.32 s at 25 fps): fewer frames than that hold no word.
PAD_MIN_STEPS = 8


@dataclass(slots=True)
class _TickWork:
    """A predicting tick inside :meth:`Recognizer.infer`: its frame, and the head's answer once
    known (None while the window is warming up)."""

    tick: int
    sampled: SampledFrame
    feature: np.ndarray | None = None
    head: HeadOutput | None = None
    head_ms: float = 0.0
    valid: int | None = None  # a padded warm-up window: its real steps


class Recognizer:
    """The stage chain of one bundle, with no threads of its own.

    ``push(frame)`` is the simple path; ``sample`` + ``prepare`` + ``infer`` split it so that
    the backbone can run on batches and the front of the chain on another thread.

    Threads: the chain has two halves that share no mutable state. The front (``sample``,
    ``wants``, ``prepare``) owns the model clock and the frame stages; the back (``infer``,
    ``features``, ``finish``) owns the ONNX sessions, the feature window, the head state and
    the decoder. Each half is driven by one thread at a time (``analyze_file`` runs the front
    on its decode thread and the back on the caller's); ``reset`` and ``configure`` only while
    neither runs.
    """

    def __init__(self, bundle: Bundle | str | Path, settings: EngineSettings | None = None) -> None:
        self.bundle = bundle if isinstance(bundle, Bundle) else load_bundle(bundle)
        self.settings = (settings or EngineSettings()).validated()
        self.manifest = m = self.bundle.manifest
        self.labels: tuple[str, ...] = m.labels
        self.task = task_spec(m.task)
        self.streaming = m.head.kind == "streaming"
        self._stages = self.task.frame_stages(self.bundle, self.settings)
        self.decoder = self.task.decoder(self.bundle, self.settings)
        self._pads_warmup = getattr(self.decoder, "reads_padded_windows", False) and not self.streaming
        self._open_sessions(self.settings)
        self._clock = ModelClock(m.window.sample_fps)
        self._window = FeatureWindow(self._checked_window_length(self.settings), m.feature_dim)
        self._clock.max_fill = self._window.window_length
        self._state: dict[str, np.ndarray] = {}
        self._last_head: HeadOutput | None = None
        # Work counters (benchmarks and tests read them): frames through the backbone, head runs.
        self.backbone_frames = 0
        self.head_runs = 0
        self.reset()

    def _open_sessions(self, settings: EngineSettings) -> None:
        """(Re)build the backbone and head ONNX sessions for ``settings.device`` / ``threads``."""
        self._backbone = None  # "pose" bundles have none: the keypoints are the features
        if self.manifest.input.views:
            self._backbone, self.provider = make_session(self.bundle.backbone_path, settings.device, settings.threads)
        self._head, head_provider = make_session(self.bundle.head_path, settings.device, settings.threads)
        if self._backbone is None:
            self.provider = head_provider
        head_input = {i.name: i.shape for i in self._head.get_inputs()}["features"]
        self._head_static_batch = head_input[0] if isinstance(head_input[0], int) else None
        self._head_static_window_length = head_input[1] if isinstance(head_input[1], int) else None
        self._head_output_names = [o.name for o in self._head.get_outputs()]
        self.has_novelty = "novelty" in self._head_output_names

    # -- what it is ------------------------------------------------------------------------
    @property
    def sample_fps(self) -> float:
        """Ticks per second of the model clock (from the bundle)."""
        return self.manifest.window.sample_fps

    @property
    def window_length(self) -> int:
        """T: features per window (the bundle's, or the settings' override)."""
        return self._window.window_length

    @property
    def reads_short_clips(self) -> bool:
        """Whether a stream shorter than the window is still read (its decoder takes padded
        windows while the window warms up: lip reading)."""
        return self._pads_warmup

    @property
    def prediction_stride(self) -> int:
        """A prediction every ``prediction_stride`` ticks (from the bundle)."""
        return self.manifest.window.prediction_stride

    def tick_time(self, tick: int) -> float:
        """Model-clock time of ``tick`` in seconds."""
        return self._clock.tick_time(tick)

    # -- settings --------------------------------------------------------------------------
    def check_settings(self, settings: EngineSettings) -> EngineSettings:
        """``settings`` validated for this bundle: an EngineError for a bad value or a window
        length its head cannot take."""
        settings = settings.validated()
        self._checked_window_length(settings)
        return settings

    def _checked_window_length(self, settings: EngineSettings) -> int:
        window_length = settings.window_length or self.manifest.window.window_length
        if self.streaming:
            return window_length  # streaming heads only use T to decide when warm-up ends
        if self._head_static_window_length is not None and window_length != self._head_static_window_length:
            raise EngineError(
                f"this bundle's head only takes windows of T={self._head_static_window_length}; "
                f"window_length={window_length} is not possible (leave it unset)"
            )
        return window_length

    def configure(self, settings: EngineSettings) -> None:
        """Apply new settings: decoding at once, a new window length keeps the newest
        features, a new device rebuilds the ONNX sessions, new lip landmarks the frame stages."""
        settings = self.check_settings(settings)
        old = self.settings
        self.decoder.configure(settings)
        if settings.device != old.device or settings.threads != old.threads:
            self._open_sessions(settings)
        if settings.lip_landmarks != old.lip_landmarks:  # the mouth stage runs the face mesh or not
            self._stages = self.task.frame_stages(self.bundle, settings)
        window_length = self._checked_window_length(settings)
        if window_length != self._window.window_length:
            self._window = self._window.resized(window_length)
            self._clock.max_fill = window_length
        self.settings = settings

    def reset(self, start_s: float = 0.0) -> None:
        """Forget every feature, state and smoothed probability; the clock restarts at ``start_s``."""
        self._clock.reset(start_s)
        self._window.clear()
        self.decoder.reset()
        for stage in self._stages:
            stage.reset()  # e.g. the crop box is smoothed over frames: start fresh too
        self._state = {
            s.name: np.zeros((s.shape[0], 1, *s.shape[2:]), dtype=np.float32) for s in self.manifest.head.state
        }
        self._last_head = None

    # -- the front: clock, frame stages, preprocessing --------------------------------------
    def wants(self, pts_s: float) -> bool:
        """Whether the frame at ``pts_s`` would fill a tick (does not advance the clock): lets a
        decoder skip converting frames the model will not see."""
        return self._clock.peek(pts_s)

    def sample(self, frame: Frame, *, captured_at: float | None = None, decode_ms: float = 0.0) -> SampledFrame | None:
        """Advance the model clock with this frame; returns it wrapped if the model needs it."""
        ticks = self._clock.ticks_for(frame.pts_s)
        if not ticks:
            return None
        return SampledFrame(frame, ticks, captured_at, decode_ms)

    def prepare(self, sampled: SampledFrame) -> SampledFrame:
        """Run the task's frame stages and preprocess into the backbone's (views, 3, h, w) tensor
        (one view, or the whole frame and the motion crop for ``input.roi = "full+motion"``)."""
        t0 = time.perf_counter()
        spec = self.manifest.input
        images, sampled.regions = run_stages(self._stages, sampled.frame.image)
        images = images if isinstance(images, list) else [images]
        if images:
            sampled.tensor = preprocess(images, spec)
        else:  # "pose", "hands": the keypoints alone, nothing for a backbone
            sampled.tensor = np.zeros((0, 3, *spec.size), np.float32)
        if spec.pose:
            sampled.body = tick_features(sampled.regions, sampled.frame.image.shape[0])
        elif spec.hands:
            sampled.body = hand_tick_features(sampled.regions, sampled.frame.image.shape[0])
        sampled.preprocess_ms = (time.perf_counter() - t0) * 1e3
        return sampled

    # -- the back: backbone, window, head, decoder ------------------------------------------
    def features(self, batch: np.ndarray, *, cuda_batch: int = 1) -> np.ndarray:
        """Backbone: (N, 3, h, w) float32 -> (N, D) features. On CUDA every run uses batches of
        exactly ``cuda_batch`` (see :func:`~engine.core.runtime.run_fixed_batch`)."""
        fixed = cuda_batch if self.provider.provider == "CUDA" else None
        try:
            out = run_fixed_batch(lambda x: self._backbone.run(["features"], {"frames": x})[0], batch, fixed)
        except Exception as exc:  # noqa: BLE001 - ORT raises its own exception types
            raise in_stage(InferenceError(f"the backbone failed on a batch of shape {batch.shape}: {exc}"),
                           "backbone") from exc
        self.backbone_frames += len(batch)
        return out

    def infer(self, batch: list[SampledFrame], *, stats: StreamStats = StreamStats(),
              cuda_batch: int = 1) -> list:
        """Backbone over the batch (one run), then window + head + decoder per tick; returns the
        task's records (``Prediction`` for actions), one per predicting tick, in tick order.

        Window heads also run once per batch, over every window the batch completes (offline
        analysis batches 16 frames: one head run instead of 16); streaming heads step once per
        tick, as their state requires. ``stats`` are stamped on the records.
        """
        if not batch:
            return []
        for s in batch:
            if s.tensor is None:
                try:
                    self.prepare(s)
                except KinesightError as exc:
                    raise in_stage(exc, exc.stage or "preprocess")
                except Exception as exc:  # noqa: BLE001 - any failure here is the stage's: say which
                    raise _stage_failed("preprocess", exc, s.frame) from exc
        t0 = time.perf_counter()
        x = np.stack([s.tensor for s in batch])  # (N, views, 3, h, w)
        if x.shape[1]:
            # every view of every frame in one backbone run; a frame's views side by side after it
            feats = self.features(x.reshape(-1, *x.shape[2:]), cuda_batch=cuda_batch).reshape(len(batch), -1)
        else:
            feats = np.zeros((len(batch), 0), np.float32)
        if self.manifest.input.keypoints:  # then the body (or hand) features of the keypoint stage
            feats = np.concatenate([feats, np.stack([s.body for s in batch])], axis=1)
        backbone_ms = (time.perf_counter() - t0) * 1e3 / len(batch)
        # 1. Slide the window tick by tick; note which ticks predict, and their windows.
        work: list[_TickWork] = []
        waiting: list[_TickWork] = []  # ticks whose window head runs below, batched
        windows: list[np.ndarray] = []
        for s, feat in zip(batch, feats):
            for tick in s.ticks:
                t1 = time.perf_counter()
                self._window.append(feat)
                if self.streaming:
                    # O(1) per tick: the state carries everything older; it must step every tick.
                    self._last_head = self._step_streaming_head(feat)
                head_ms = (time.perf_counter() - t1) * 1e3 if self.streaming else 0.0
                if tick % self.prediction_stride:
                    continue
                item = _TickWork(tick, s, feat, head_ms=head_ms)
                work.append(item)
                if not self._window.full:
                    # Warming up: no head answer yet, unless the decoder reads padded windows
                    # (lip reading: words of a short utterance, provisional words early on).
                    if self._pads_warmup and len(self._window) >= PAD_MIN_STEPS:
                        item.valid = len(self._window)
                        windows.append(self._padded_window())
                        waiting.append(item)
                    continue
                if self.streaming:
                    item.head = self._last_head
                else:
                    windows.append(self._window.window().copy())  # the view slides on: keep a copy
                    waiting.append(item)
        # 2. Window heads: every window of the batch in one run.
        if windows:
            t1 = time.perf_counter()
            outputs = self._run_window_head(np.stack(windows), cuda_batch)
            window_ms = (time.perf_counter() - t1) * 1e3 / len(windows)
            for i, item in enumerate(waiting):
                item.head, item.head_ms = outputs[i], window_ms
                if item.valid is not None:
                    item.head = replace(item.head, valid=item.valid)
        # 3. Decode in tick order (smoothing, hysteresis and token runs are sequential).
        now = time.perf_counter()
        records = []
        for item in work:
            s = item.sampled
            timings = StageTimings(
                decode_ms=s.decode_ms, preprocess_ms=s.preprocess_ms, backbone_ms=backbone_ms, head_ms=item.head_ms,
                latency_ms=(now - s.captured_at) * 1e3 if s.captured_at is not None else 0.0,
            )
            ctx = TickContext(item.tick, self._clock.tick_time(item.tick), s.frame.pts_s, s.frame.index, timings,
                              stats, s.regions, item.feature)
            try:
                records.append(self.decoder.decode(ctx, item.head))
            except Exception as exc:  # noqa: BLE001 - any failure here is the stage's: say which
                raise _stage_failed("decoder", exc, s.frame) from exc
        return records

    def _padded_window(self) -> np.ndarray:
        """The warming-up window as T steps: its first feature repeated before it (a still mouth)."""
        w = self._window.window()
        return np.concatenate([np.repeat(w[:1], self._window.window_length - len(w), axis=0), w])

    def _run_window_head(self, windows: np.ndarray, cuda_batch: int) -> list[HeadOutput]:
        """(N, T, D) windows -> N head outputs; one run, or one per window for a batch-1 graph."""
        self.head_runs += 1
        names = ["logits", "novelty"] if self.has_novelty else ["logits"]
        fixed = 1 if self._head_static_batch == 1 else (cuda_batch if self.provider.provider == "CUDA" else None)
        try:
            outs = run_fixed_batch(lambda x: self._head.run(names, {"features": x}), windows, fixed)
        except Exception as exc:  # noqa: BLE001 - ORT raises its own exception types
            raise in_stage(InferenceError(f"the head failed on windows of shape {windows.shape}: {exc}"),
                           "head") from exc
        logits = outs[0]
        novelty = np.ravel(outs[1]) if self.has_novelty else [None] * len(logits)
        return [HeadOutput(lg, None if nv is None else float(nv)) for lg, nv in zip(logits, novelty)]

    def _step_streaming_head(self, feature: np.ndarray) -> HeadOutput:
        """Streaming head: one step with the carried state."""
        self.head_runs += 1
        try:
            feeds = {"features": feature[None, None, :]}
            feeds.update({f"{name}_in": v for name, v in self._state.items()})
            outs = dict(zip(self._head_output_names, self._head.run(None, feeds)))
        except Exception as exc:  # noqa: BLE001 - ORT raises its own exception types
            raise in_stage(InferenceError(f"the streaming head failed: {exc}"), "head") from exc
        for name, value in outs.items():
            if name.endswith("_out"):
                self._state[name[:-4]] = value
        novelty = outs.get("novelty")
        return HeadOutput(outs["logits"][0], None if novelty is None else float(np.ravel(novelty)[0]))

    def finish(self, end_s: float) -> list:
        """The stream ended at ``end_s``: the decoder's timeline items (sequence tasks: every
        timed token; actions: none)."""
        return self.decoder.finish(end_s)

    # -- conveniences ----------------------------------------------------------------------
    def push(self, frame: Frame, *, captured_at: float | None = None, decode_ms: float = 0.0) -> list:
        """One frame in, the records it completes out (usually 0 or 1)."""
        s = self.sample(frame, captured_at=captured_at, decode_ms=decode_ms)
        return self.infer([s]) if s is not None else []

    def run(self, frames: Iterable[Frame]) -> list:
        """Every record for a sequence of frames (single-frame batches; for tests and tools)."""
        out: list = []
        for f in frames:
            out.extend(self.push(f))
        return out


def _stage_failed(stage: str, exc: Exception, frame: Frame) -> KinesightError:
    """An unexpected exception inside ``stage`` as an EngineError that names the stage and frame."""
    if isinstance(exc, KinesightError):
        return in_stage(exc, exc.stage or stage)
    h, w = frame.image.shape[:2] if frame.image.ndim >= 2 else (0, 0)
    return in_stage(EngineError(f"the {stage} stage failed on frame {frame.index} ({w}x{h} at {frame.pts_s:.2f} s): "
                                f"{type(exc).__name__}: {exc}"), stage)
