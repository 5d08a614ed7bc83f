"""The bridge between the Qt-free engine and the GUI thread.

The engine calls back on its own threads (predictions, errors and the end of a stream on the
engine worker, frames on the capture thread). ``EngineBridge`` turns those calls into Qt
signals delivered on the GUI thread, coalescing so nothing queues up without bound: the
newest frame wins, and predictions are handed over in batches with at most one signal in
flight. Everything slow (loading a bundle, creating ONNX sessions, opening a camera or URL,
stopping an engine) runs on one control thread, in order, never on the GUI thread.

At a cold start the source does not wait for the model: while the control thread builds the
ONNX Runtime sessions, a thread of its own opens the source and shows its first frame (see
:class:`SourceAhead`); the engine then plays that already opened source.
"""

from __future__ import annotations

import queue
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from PySide6.QtCore import QObject, Signal

from engine.core.frames import Frame, FrameSource
from engine.core.prediction import Prediction


def fit_frame(frame: Frame, size: tuple[int, int]) -> Frame:
    """The frame scaled (aspect kept) to fit ``size`` = (width, height) device pixels."""
    import cv2

    h, w = frame.image.shape[:2]
    scale = min(size[0] / w, size[1] / h)
    if scale <= 0 or abs(scale - 1.0) < 0.01:
        return frame
    nw, nh = max(1, round(w * scale)), max(1, round(h * scale))
    # (H, W, 3) RGB -> (nh, nw, 3) RGB; area averaging when shrinking avoids aliasing.
    image = cv2.resize(frame.image, (nw, nh), interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR)
    return Frame(frame.index, frame.pts_s, image)


@dataclass(frozen=True)
class SourceInfo:
    """What the GUI needs to know about an opened source."""

    spec: Any
    fps: float
    duration_s: float | None
    frame_count: int | None
    is_live: bool
    size: tuple[int, int] | None
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class EngineReady:
    """Emitted once an engine runs a source: the bundle, the provider report and the source."""

    bundle: Any
    provider: Any
    source: SourceInfo
    bundle_changed: bool = True


@dataclass
class _Latest:
    """Latest-wins hand-over slot guarded by a lock (one pending signal at most)."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    frame: Frame | None = None
    frame_pending: bool = False
    predictions: list = field(default_factory=list)
    predictions_pending: bool = False
    frames_coalesced: int = 0
    frame_ahead: bool = False  # the waiting frame was shown ahead of the model (SourceAhead)


class SourceAhead:
    """A source opened on a thread of its own while the model loads, its first frame shown at once.

    ``show_first(frame)`` is called on that thread with the source's first frame (not at all if
    decoding it failed: the engine's own read reports that, typed). The control thread takes
    the opened source with :meth:`take` and hands it to the engine; a source nobody takes (the
    bundle failed, a newer source was asked for, the window closed) is closed by :meth:`discard`.
    """

    def __init__(self, spec: Any, show_first: Callable[[Frame], None]) -> None:
        self.spec = spec
        self._show_first = show_first
        self._lock = threading.Lock()
        self._source: FrameSource | None = None
        self._error: BaseException | None = None
        self._discarded = False
        self._done = False
        # Daemon for the same reason as the control thread: a URL can block inside FFmpeg.
        self.thread = threading.Thread(target=self._run, name="kinesight-gui-open", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        from engine.io.sources import open_source

        source = None
        try:
            source = open_source(self.spec)
            with self._lock:
                discarded = self._discarded
            if not discarded:
                frames = iter(source)
                try:
                    frame = next(frames, None)
                finally:
                    # A file's next pass starts again at its first frame, so the engine loses
                    # nothing (a camera or stream just moves on).
                    getattr(frames, "close", lambda: None)()
                if frame is not None:
                    self._show_first(frame)
        except BaseException as exc:  # noqa: BLE001 - handed to the control thread by take()
            if source is None:
                self._error = exc  # opening failed: the open reports it as it always did
            # A first frame that fails to decode is not reported here: the engine's own read
            # of the source fails the same way and reports it with its type.
        finally:
            with self._lock:
                self._source, self._done = source, True
                close_now = self._discarded and source is not None
            if close_now:
                source.close()

    def take(self) -> FrameSource:
        """The opened source, once it is open and its first frame read; raises what opening raised."""
        self.thread.join()
        if self._error is not None:
            raise self._error
        with self._lock:
            source, self._source = self._source, None
        return source

    def discard(self) -> None:
        """Close the source unless it was taken (now, or when the opening thread is done with it)."""
        with self._lock:
            self._discarded = True
            source = self._source if self._done else None
            if source is not None:
                self._source = None
        if source is not None:
            source.close()


class EngineBridge(QObject):
    """Owns the engine and its control thread; re-emits engine callbacks as GUI-thread signals.

    Signals (all delivered on the GUI thread):
      frameReady: a new frame waits in :meth:`take_frame` (newest only).
      predictionsReady: predictions wait in :meth:`take_predictions` (in order).
      engineReady(EngineReady): a source started playing with a (new) engine.
      openFailed(Exception): a bundle or source could not be opened; the previous state is kept stopped.
      engineError(Exception): the running engine reported an error (camera lost, decode error...).
      finished(): the source ended (end of file).
      warning(str): a problem that did not stop the source (a file that ended early...).
      busy(bool): the control thread started/finished a slow operation.
      modelLoading(str): a model bundle (named by its file or folder) started loading.
    """

    frameReady = Signal()
    predictionsReady = Signal()
    engineReady = Signal(object)
    openFailed = Signal(object)
    engineError = Signal(object)
    finished = Signal()
    warning = Signal(str)
    busy = Signal(bool)
    modelLoading = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._latest = _Latest()
        self._tasks: queue.Queue = queue.Queue()
        # Daemon: opening a network stream can block in a library call we cannot interrupt;
        # it must never keep the process alive after the window closed.
        self._thread = threading.Thread(target=self._control_loop, name="kinesight-gui-control", daemon=True)
        self._thread.start()
        self._engine = None
        self._bundle = None
        self._bundle_path: Path | None = None
        self._accepting = False  # drop callbacks from an engine that is being stopped
        self._closed = False
        self.last_error: BaseException | None = None
        # Device pixels of the video pane; frames are scaled to it on the capture thread so the
        # GUI thread only blits them. Set from the GUI thread (a tuple assignment is atomic).
        self.display_size: tuple[int, int] | None = None
        # (w, h) of the newest frame before scaling: the pixels the engine's regions refer to.
        self.source_frame_size: tuple[int, int] | None = None
        # Sources opened ahead of the model (cold start). Sequence numbers keep the frames of
        # a run that is about to be replaced off the screen once a newer source showed its
        # first frame: _open_seq counts opens and stops (GUI thread), _shown_seq is the open
        # whose first frame was shown ahead, _run_seq the open the engine plays now.
        self._aheads: set[SourceAhead] = set()
        self._open_seq = 0
        self._shown_seq = 0
        self._run_seq = 0

    # -- properties read on the GUI thread ---------------------------------------------
    @property
    def engine(self):
        """The engine in use (None before the first bundle loaded)."""
        return self._engine

    @property
    def bundle(self):
        """The loaded bundle the engine runs."""
        return self._bundle

    @property
    def bundle_path(self) -> Path | None:
        """The path the running bundle was opened from (folder or .zip)."""
        return self._bundle_path

    @property
    def frames_coalesced(self) -> int:
        """Frames that were replaced by a newer one before the GUI painted them."""
        return self._latest.frames_coalesced

    def threads(self) -> list[threading.Thread]:
        """The control thread and any source-opening thread (for tests and shutdown checks)."""
        return [self._thread] + [a.thread for a in list(self._aheads) if a.thread.is_alive()]

    # -- commands (GUI thread; executed in order on the control thread) ----------------
    def open(self, bundle_path: Path, settings_kwargs: dict, spec: Any | None) -> None:
        """(Re)load ``bundle_path`` if it changed, then play ``spec`` (None: only load the bundle).

        While no model has loaded yet (a cold start), the source opens at once on a thread of
        its own and its first frame is shown before the model is ready.
        """
        if self._closed:
            return
        ahead = None
        if spec is not None:
            self._open_seq += 1
            if self._engine is None and not isinstance(spec, FrameSource):
                # Building the sessions takes most of a cold start (~0.3-0.6 s here); the user
                # sees the video meanwhile. Only then: a model switch or a new source on a
                # loaded model would flash another frame before the engine's own.
                seq = self._open_seq
                ahead = SourceAhead(spec, lambda frame: self._show_ahead(seq, frame))
                self._aheads.add(ahead)
        seq = self._open_seq
        self._submit(lambda: self._do_open(Path(bundle_path), dict(settings_kwargs), spec, ahead, seq))

    def reload_bundle(self) -> None:
        """Make the next :meth:`open` load its bundle again, even from the same path (a correction
        re-taught it in place)."""
        self._submit(lambda: setattr(self, "_bundle_path", None))

    def pause(self) -> None:
        """Pause the source (files stop; cameras keep being read)."""
        self._submit(lambda: self._engine and self._engine.pause())

    def resume(self) -> None:
        """Resume after :meth:`pause`."""
        self._submit(lambda: self._engine and self._engine.resume())

    def seek(self, t_s: float) -> None:
        """Jump to ``t_s`` seconds in the file that plays."""
        self._submit(lambda: self._engine and self._engine.seek(float(t_s)))

    def update_settings(self, **kwargs) -> None:
        """Change engine settings (top_k, smoothing, threshold, window_length...) while running."""
        self._submit(lambda: self._engine and self._engine.update_settings(**kwargs))

    def stop(self) -> None:
        """Stop the running source (the engine and its model stay loaded)."""
        self._open_seq += 1  # a source still opening ahead shows no frame after this
        self._submit(lambda: self._do_stop(forget_ahead=True))

    def wait_idle(self, timeout: float = 5.0) -> bool:
        """Block until every queued command ran (tests and shutdown only)."""
        done = threading.Event()
        self._submit(done.set)
        return done.wait(timeout)

    def close(self, timeout: float = 1.0) -> None:
        """Stop everything within ``timeout`` seconds: pending commands are dropped."""
        if self._closed:
            return
        self._closed = True
        self._accepting = False
        deadline = time.monotonic() + timeout
        # Drop queued commands: the user is leaving, nothing should start now.
        try:
            while True:
                self._tasks.get_nowait()
        except queue.Empty:
            pass
        self._tasks.put(None)
        for ahead in list(self._aheads):  # dropped with their commands: nothing will take them
            ahead.discard()
        self._thread.join(max(0.0, deadline - time.monotonic()) * 0.5)
        engine = self._engine
        if engine is not None:
            try:
                engine.close(timeout=max(0.05, deadline - time.monotonic()))
            except Exception as exc:  # noqa: BLE001 - shutting down: record, never raise into Qt
                self.last_error = exc
        self._thread.join(max(0.0, deadline - time.monotonic()))

    # -- hand-over to the GUI thread ---------------------------------------------------
    def take_frame(self) -> Frame | None:
        """The newest frame since the last call (None if none came)."""
        with self._latest.lock:
            frame, self._latest.frame = self._latest.frame, None
            self._latest.frame_pending = False
            return frame

    def take_predictions(self) -> list[Prediction]:
        """Every prediction since the last call, oldest first."""
        with self._latest.lock:
            preds, self._latest.predictions = self._latest.predictions, []
            self._latest.predictions_pending = False
            return preds

    # -- engine callbacks (engine / capture threads) -----------------------------------
    def _current_run(self) -> bool:
        # False for an engine being stopped, or one whose source a newer open already replaced
        # on the screen with its first frame.
        return self._accepting and self._run_seq >= self._shown_seq

    def _on_frame(self, frame: Frame) -> None:
        if self._current_run():
            self._post_frame(frame, ahead=False)

    def _show_ahead(self, seq: int, frame: Frame) -> None:
        # On a SourceAhead's thread: only the newest open shows its frame, and not after a stop.
        if self._closed or seq != self._open_seq:
            return
        self._shown_seq = seq
        self._post_frame(frame, ahead=True)

    def _post_frame(self, frame: Frame, *, ahead: bool) -> None:
        self.source_frame_size = (frame.image.shape[1], frame.image.shape[0])
        size = self.display_size
        if size is not None:
            frame = fit_frame(frame, size)
        with self._latest.lock:
            if self._latest.frame is not None:
                self._latest.frames_coalesced += 1
            self._latest.frame = frame
            self._latest.frame_ahead = ahead
            emit = not self._latest.frame_pending
            self._latest.frame_pending = True
        if emit:
            self.frameReady.emit()

    def _on_prediction(self, prediction: Prediction) -> None:
        if not self._current_run():
            return
        with self._latest.lock:
            self._latest.predictions.append(prediction)
            # A GUI that stalls must not make memory grow: keep the newest few thousand.
            if len(self._latest.predictions) > 5000:
                del self._latest.predictions[:-5000]
            emit = not self._latest.predictions_pending
            self._latest.predictions_pending = True
        if emit:
            self.predictionsReady.emit()

    def _on_error(self, error: BaseException) -> None:
        self.last_error = error
        if self._accepting:
            self.engineError.emit(error)

    def _on_warning(self, text: str) -> None:
        if self._accepting:
            self.warning.emit(str(text))

    def _on_finished(self) -> None:
        if self._accepting:
            self.finished.emit()

    # -- control thread ------------------------------------------------------------------
    def _submit(self, fn: Callable[[], Any]) -> None:
        if not self._closed:
            self._tasks.put(fn)

    def _control_loop(self) -> None:
        # (Not run at a lower OS priority: these threads share the interpreter lock with the GUI
        # thread, and a descheduled low-priority lock holder stalls the GUI longer; measured.)
        while True:
            fn = self._tasks.get()
            if fn is None:
                return
            try:
                fn()
            except Exception as exc:  # noqa: BLE001 - every failure reaches the user as a signal
                self.last_error = exc
                if not self._closed:
                    self.openFailed.emit(exc)

    def _do_stop(self, *, forget_ahead: bool = False) -> None:
        self._accepting = False
        if self._engine is not None:
            self._engine.stop()
        self._drop_stale(forget_ahead=forget_ahead)

    def _drop_stale(self, *, forget_ahead: bool = False) -> None:
        # The stopped run's frame and predictions go; a first frame shown ahead of the model
        # belongs to the source about to play and stays until the GUI painted it.
        with self._latest.lock:
            if forget_ahead or not self._latest.frame_ahead:
                self._latest.frame = None
                self._latest.frame_pending = False
            self._latest.predictions = []
            self._latest.predictions_pending = False

    def _make_engine(self, bundle, settings_kwargs: dict):
        from engine.runners.live import Engine
        from engine.core.settings import EngineSettings

        return Engine(
            bundle, EngineSettings(**settings_kwargs),
            on_prediction=self._on_prediction, on_frame=self._on_frame,
            on_error=self._on_error, on_finished=self._on_finished, on_warning=self._on_warning,
        )

    def _do_open(self, bundle_path: Path, settings_kwargs: dict, spec: Any | None,
                 ahead: SourceAhead | None = None, seq: int = 0) -> None:
        self.busy.emit(True)
        opened_ahead = ahead
        try:
            bundle_changed = self._engine is None or bundle_path != self._bundle_path
            if bundle_changed:
                from engine.bundles import load_bundle

                self.modelLoading.emit(bundle_path.stem if bundle_path.suffix.lower() == ".zip" else bundle_path.name)
                # A bad bundle raises here, before anything that plays now is touched.
                bundle = load_bundle(bundle_path)
                self._do_stop()
                engine = self._make_engine(bundle, settings_kwargs)
                if self._closed:  # the window closed while the model loaded
                    engine.close(timeout=0.2)
                    return
                old, self._engine = self._engine, engine
                self._bundle, self._bundle_path = bundle, bundle_path
                if old is not None:
                    old.close(timeout=1.0)
            else:
                self._do_stop()
                self._engine.update_settings(**settings_kwargs)
            if spec is None:
                if not self._closed:
                    self.engineReady.emit(EngineReady(self._bundle, self._engine.provider, None, bundle_changed))
                return
            if self._closed:
                return
            # Opened ahead (cold start) or by the engine here; either way opening errors raise
            # now, after any bundle error, as they always did.
            source = ahead.take() if ahead is not None else spec
            self._drop_stale()
            self._run_seq = seq
            self._accepting = True
            try:
                # The engine owns the source from here (closes it when its run stops).
                self._engine.start(source, owned=True if ahead is not None else None)
                ahead = None
            except BaseException:
                self._accepting = False
                raise
            source = self._engine.source
            info = SourceInfo(
                spec=spec,
                fps=float(getattr(source, "fps", 0.0) or 0.0),
                duration_s=None if getattr(source, "is_live", False) else getattr(source, "duration_s", None),
                frame_count=getattr(source, "frame_count", None),
                is_live=bool(getattr(source, "is_live", False)),
                size=getattr(source, "size", None),
                warnings=tuple(getattr(source, "warnings", ()) or ()),
            )
            if not self._closed:
                self.engineReady.emit(EngineReady(self._bundle, self._engine.provider, info, bundle_changed))
        finally:
            if ahead is not None:  # not handed to the engine: the bundle or the engine failed
                ahead.discard()
            if opened_ahead is not None:
                self._aheads.discard(opened_ahead)
            self.busy.emit(False)
