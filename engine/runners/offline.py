"""Whole-file analysis: a file analysed as fast as the CPU/GPU allows, into a timeline.

    decode thread: source.frames(want=Recognizer.wants) -> sample -> frame stages + preprocess
        -> bounded queue
    caller's thread: batches of up to ``batch_size`` -> Recognizer.infer -> records
        -> AnalysisResult (engine/io/results.py)

The model clock is the live engine's, so the records equal the live ones at the same ticks.
"""

from __future__ import annotations

import queue
import threading
import time
from dataclasses import replace
from pathlib import Path
from typing import Callable

from engine.bundles import Bundle
from engine.core.errors import EngineError, KinesightError, SourceError
from engine.core.settings import EngineSettings
from engine.io.results import AnalysisResult
from engine.io.sources import FrameSource, open_source
from engine.pipeline import Recognizer, SampledFrame


_END = object()


class _ClockFilter:
    """The frame filter of the model clock: whether a frame fills a tick (``Recognizer.wants``),
    and the clock's rate, which lets a video source skip decoding frames that cannot fill one."""

    def __init__(self, rec: Recognizer) -> None:
        self.rec = rec
        self.sample_fps = rec.sample_fps

    def __call__(self, index: int, pts_s: float) -> bool:
        return self.rec.wants(pts_s)


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
    ``batch_size`` (whatever is decoded when the backbone is free); the records equal the live
    engine's at the same ticks. ``progress`` is called as (done_s, total_s) on this thread;
    setting ``cancel`` returns what was analysed so far with ``cancelled=True``.
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
        # order, on the front half of the Recognizer (the consumer only drives the back half).
        try:
            t0 = time.perf_counter()
            for frame in src.frames(want=_ClockFilter(rec)):
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
            predictions.extend(rec.infer(batch, cuda_batch=batch_size))
            if progress is not None and batch:
                progress(batch[-1].frame.pts_s, total_s)
    finally:
        stop.set()
        producer.join(5.0)
        if owned:
            src.close()
    if error is not None:
        if isinstance(error, KinesightError):
            raise error
        raise EngineError(f"unexpected {type(error).__name__} while decoding: {error}") from error
    duration = total_s or counters["last_pts"]
    stopped = getattr(src, "stopped_at_s", None)
    if stopped is not None and not cancelled:
        # A damaged file: what decoded is its duration (the warning says where it stopped), and
        # the progress ends there, complete, rather than at the container's promise.
        duration = total_s = stopped
    if progress is not None and not cancelled:
        progress(duration, total_s or duration)
    warnings = list(src.warnings)
    window_s = rec.window_length / rec.sample_fps
    if not cancelled and duration < window_s and not rec.reads_short_clips:
        warnings.append(
            f"{getattr(src, 'name', path)} is {duration:.2f} s long, shorter than the model's window "
            f"(T={rec.window_length} features at {rec.sample_fps:g} fps = {window_s:.2f} s): "
            "it can only warm up, never give an answer; analyse a longer clip"
        )
    if cancelled:
        warnings.append(f"analysis cancelled at {counters['last_pts']:.1f} s")
    tokens = rec.finish(counters["last_pts"] if cancelled else duration)  # sequence tasks: every timed token
    if not cancelled and rec.task.result_warnings is not None:
        warnings.extend(rec.task.result_warnings(str(getattr(src, "name", path)), predictions, tokens))
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
        task=rec.task.name,
        tokens=tokens,
    )
