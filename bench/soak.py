"""Soak: does a long live run, or many engine start/stop/switch cycles, leak anything?

Two modes, one report format. Every ``--every`` seconds (default 60) a line gives the process's
resident memory (RSS), OS threads, open file descriptors and the latency percentiles of the
predictions made since the last line; the run ends with one line:

    RSS growth X % after warm-up (highest line +Y %), threads +N, fds +N

(measured from the first report after ``--warmup`` seconds or cycles to the end; the highest line
shows a level the end happened to be below).

Usage:
    python bench/soak.py --minutes 30          # a real clip looped as a 30 fps live source through
                                               # the live Engine, plus start/stop/switch cycles
                                               # (``--cycles-per-minute``, default 5) in between
    python bench/soak.py --minutes 5 --gui     # the same through the real desktop app, offscreen
    python bench/soak.py --cycles 1000         # only start/stop/switch cycles, as fast as they go

A cycle: start a real clip file (owned by the engine: opened, decoded, closed), wait until the
model has run on one of its frames, switch to a second clip, wait again, switch to a synthetic
live source, stop. Each start/switch is gated on the engine's own callbacks (a frame seen and a
model run), so every cycle exercises the capture thread, the worker and the ONNX sessions.
Every ``--handover-every``-th cycle (default 10; 0: never) also forces the hand-over path: while
the synthetic source plays, its worker is held inside a prediction callback for longer than
``stop()`` and the hand-over wait together, and a real clip is started meanwhile, so the engine
builds a fresh Recognizer and the held worker frees the old one when it leaves (what a starved
CPU or a slow first CUDA batch causes in real use). The hand-overs that happened are counted by
the engine's recognizer changing identity.

Not a test: a tool to run before a release and to quote figures from (README, "Soak").
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
CLIPS = ROOT.parent / "shared" / "data" / "clips"
LIVE_CLIP = CLIPS / "kinetics_cleaning_pool.mp4"  # 30 fps: paced at its own rate = 30 fps
SWITCH_CLIPS = (CLIPS / "kinetics_arm_wrestling.mp4", CLIPS / "ucf101_apply_eye_makeup.avi")


def process_stats() -> dict:
    """RSS (MB), OS threads and open file descriptors of this process (Linux /proc)."""
    status = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, value = line.partition(":")
        status[key] = value.strip()
    return {
        "rss_mb": int(status.get("VmRSS", "0 kB").split()[0]) / 1024.0,
        "threads": int(status.get("Threads", "0")),
        "fds": len(os.listdir("/proc/self/fd")),
    }


class Latencies:
    """Prediction latencies (ms) collected from the engine worker, taken per report."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._values: list[float] = []
        self.total = 0

    def add(self, ms: float) -> None:
        with self._lock:
            self._values.append(ms)
            self.total += 1

    def take(self) -> list[float]:
        with self._lock:
            values, self._values = self._values, []
        return values


def percentiles(values: list[float]) -> str:
    if not values:
        return "latency -"
    p50, p95, p99 = np.percentile(values, [50, 95, 99])
    return f"latency p50 {p50:5.1f} p95 {p95:5.1f} p99 {p99:6.1f} ms (n={len(values)})"


class Reporter:
    """Prints a line per interval; remembers the warm-up reference and the last figures."""

    def __init__(self) -> None:
        self.reference: dict | None = None
        self.last: dict | None = None
        self.peak_mb = 0.0  # the highest RSS from the warm-up line on
        self.p95: list[float] = []

    def report(self, label: str, progress: str, latencies: list[float], *, reference: bool = False) -> None:
        s = process_stats()
        if reference and self.reference is None:
            self.reference = s
        self.last = s
        if self.reference is not None:
            self.peak_mb = max(self.peak_mb, s["rss_mb"])
        if latencies:
            self.p95.append(float(np.percentile(latencies, 95)))
        print(f"{label:>6} {progress}  RSS {s['rss_mb']:7.1f} MB  threads {s['threads']:3d}  fds {s['fds']:3d}  "
              f"{percentiles(latencies)}", flush=True)

    def summary(self) -> str:
        ref, end = self.reference or self.last, self.last
        growth = 100.0 * (end["rss_mb"] - ref["rss_mb"]) / ref["rss_mb"]
        peak = 100.0 * (max(self.peak_mb, end["rss_mb"]) - ref["rss_mb"]) / ref["rss_mb"]
        return (f"RSS growth {growth:.1f} % after warm-up (highest line {peak:+.1f} %), "
                f"threads {end['threads'] - ref['threads']:+d}, fds {end['fds'] - ref['fds']:+d}")


class CycleDriver:
    """Start/stop/switch cycles on one Engine, each step gated on the engine's callbacks; every
    ``handover_every``-th cycle also starts a source while the old worker is still busy."""

    def __init__(self, engine, handover_every: int = 0) -> None:
        from engine.runners.live import HANDOVER_TIMEOUT_S

        self.engine = engine
        self.frame_seen = threading.Event()
        self.cycles = 0
        self.handover_every = handover_every
        self.handovers = 0
        # Longer than stop()'s 1 s join plus the hand-over wait, so the new run cannot reuse
        # the held worker's Recognizer and must build its own.
        self.hold_s = 1.0 + HANDOVER_TIMEOUT_S + 1.0
        self._hold = threading.Event()  # set: the next prediction callback holds the worker
        self._holding = threading.Event()  # set by the held worker once it is held
        self._held: list[threading.Thread] = []  # workers held, until they have exited
        self._held_lock = threading.Lock()

    def wrap(self, inner):
        """The engine's on_prediction: ``inner``, except when a hand-over wants the worker held."""

        def on_prediction(p) -> None:
            if self._hold.is_set():
                self._hold.clear()
                with self._held_lock:
                    self._held.append(threading.current_thread())
                self._holding.set()
                time.sleep(self.hold_s)  # a worker busy in the middle of a run
                return
            inner(p)

        return on_prediction

    def settle(self, timeout: float = 30.0) -> None:
        """Wait until every held worker has exited, i.e. freed its replaced recognizer and
        trimmed the heap (before figures: a line taken while one still holds its old sessions
        counts memory that is about to go)."""
        deadline = time.monotonic() + timeout
        with self._held_lock:
            held = list(self._held)
        for thread in held + self.engine.threads():  # and the stopped run's own threads
            thread.join(max(0.0, deadline - time.monotonic()))
        with self._held_lock:
            self._held = [w for w in self._held if w.is_alive()]

    def _handover(self) -> None:
        # The synthetic camera is playing: hold its worker in a callback, then start a clip.
        self._holding.clear()
        self._hold.set()
        if not self._holding.wait(20.0):
            raise RuntimeError("no prediction within 20 s to hold the worker on")
        before = self.engine.recognizer
        self._start(str(SWITCH_CLIPS[0]))
        if self.engine.recognizer is not before:
            self.handovers += 1

    def _wait_model_run(self, timeout: float = 20.0) -> None:
        # The capture thread saw a frame; then wait until the worker ran the model on one.
        before = self.engine.recognizer.backbone_frames
        if not self.frame_seen.wait(timeout):
            raise RuntimeError("no frame within %.0f s of a start" % timeout)
        deadline = time.monotonic() + timeout
        while self.engine.recognizer.backbone_frames == before and time.monotonic() < deadline:
            if self.engine.stats.running is False:
                break  # a very short source may end first: that is a cycle too
            time.sleep(0.002)

    def _start(self, source) -> None:
        self.frame_seen.clear()
        self.engine.start(source)
        self._wait_model_run()

    def cycle(self) -> None:
        """File, other file, synthetic live source, [a clip while its worker is held], stop."""
        from engine.io.sources import FakeSource

        self._start(str(SWITCH_CLIPS[0]))
        self._start(str(SWITCH_CLIPS[1]))
        self._start(FakeSource(fps=30, n=None, live=True, seed=self.cycles))
        if self.handover_every and (self.cycles + 1) % self.handover_every == 0:
            self._handover()
        self.engine.stop()
        self.cycles += 1


def run_cycles(bundle: str | None, n: int, warmup: int, every: float, handover_every: int) -> int:
    from engine.bundles import default_bundle_path
    from engine.runners.live import Engine
    from engine.core.settings import EngineSettings

    lat = Latencies()
    engine = Engine(bundle or default_bundle_path(), EngineSettings())
    driver = CycleDriver(engine, handover_every)
    engine.on_prediction = driver.wrap(lambda p: lat.add(p.timings.latency_ms))
    engine.on_frame = lambda f: driver.frame_seen.set()
    errors: list[BaseException] = []
    engine.on_error = errors.append
    rep = Reporter()
    print(f"soak: {n} start/stop/switch cycles on {engine.bundle.manifest.name}, a forced hand-over every "
          f"{handover_every or 'no'} cycles; pid {os.getpid()}", flush=True)
    rep.report("start", f"cycle {0:5d}", [])
    started = time.monotonic()
    next_report = started + every
    for k in range(1, n + 1):
        driver.cycle()
        if k == warmup:
            driver.settle()
            rep.report("warm", f"cycle {k:5d}", lat.take(), reference=True)
        elif time.monotonic() >= next_report:
            driver.settle()
            rep.report("", f"cycle {k:5d}", lat.take())
            next_report += every
    engine.close()
    driver.settle()
    rep.report("end", f"cycle {n:5d}", lat.take())
    print(f"soak: {n} cycles in {time.monotonic() - started:.0f} s, {driver.handovers} hand-overs to a fresh "
          f"recognizer; engine errors: {len(errors)}" + (f" (first: {errors[0]})" if errors else ""))
    print(rep.summary(), flush=True)
    return 1 if errors else 0


def run_live(bundle: str | None, minutes: float, warmup_s: float, every: float, cycles_per_minute: int,
             handover_every: int) -> int:
    from long_play import LoopingVideoSource

    from engine.bundles import default_bundle_path
    from engine.runners.live import Engine
    from engine.core.settings import EngineSettings

    lat = Latencies()
    engine = Engine(bundle or default_bundle_path(), EngineSettings())
    driver = CycleDriver(engine, handover_every)
    engine.on_prediction = driver.wrap(lambda p: lat.add(p.timings.latency_ms))
    errors: list[BaseException] = []
    engine.on_error = errors.append
    engine.on_frame = lambda f: driver.frame_seen.set()
    live = LoopingVideoSource(LIVE_CLIP)
    rep = Reporter()
    print(f"soak: {LIVE_CLIP.name} looped live at {live.fps:g} fps for {minutes:g} min on "
          f"{engine.bundle.manifest.name} ({engine.provider}); {cycles_per_minute} start/stop/switch cycles a "
          f"minute; pid {os.getpid()}", flush=True)
    started = time.monotonic()
    end = started + warmup_s + minutes * 60
    engine.start(live)
    rep.report("start", f"{0:6.0f} s", [])
    warm_at, next_report = started + warmup_s, started + warmup_s + every
    warm = False
    while time.monotonic() < end:
        time.sleep(min(0.5, max(0.0, end - time.monotonic())))
        now = time.monotonic()
        if not warm and now >= warm_at:
            rep.report("warm", f"{now - started:6.0f} s", lat.take(), reference=True)
            warm = True
        elif warm and now >= next_report:
            latencies = lat.take()  # the live playback's latencies, before the cycles add theirs
            for _ in range(cycles_per_minute):
                driver.cycle()
            driver.settle()
            lat.take()
            engine.start(live)  # back to live playback
            rep.report("", f"{now - started:6.0f} s", latencies)
            next_report += every
    rep.report("end", f"{time.monotonic() - started:6.0f} s", lat.take())
    engine.close()
    print(f"soak: {lat.total} predictions, {driver.cycles} cycles ({driver.handovers} hand-overs), {live.loops} loops of the clip; "
          f"engine errors: {len(errors)}" + (f" (first: {errors[0]})" if errors else ""))
    print(f"soak: p95 latency per interval (ms): {' '.join(f'{v:.1f}' for v in rep.p95)}")
    print(rep.summary(), flush=True)
    return 1 if errors else 0


def run_gui(bundle: str | None, minutes: float, warmup_s: float, every: float, cycles_per_minute: int) -> int:
    """The live soak through the real MainWindow (offscreen): the bridge, painting and timeline."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    import tempfile

    from long_play import LoopingVideoSource
    from PySide6.QtCore import QSettings, QTimer
    from PySide6.QtWidgets import QApplication

    from engine.io.sources import FakeSource
    from gui.main_window import MainWindow
    from gui.translations import install_language

    app = QApplication.instance() or QApplication([sys.argv[0]])
    install_language("en")
    tmp = tempfile.TemporaryDirectory(prefix="kinesight-soak-")
    settings = QSettings(str(Path(tmp.name) / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(settings, bundle_path=bundle)
    window.resize(1280, 800)
    window.show()
    lat = Latencies()
    rep = Reporter()
    live = LoopingVideoSource(LIVE_CLIP)
    started = time.monotonic()
    state = {"warm": False, "next": started + warmup_s, "end": started + warmup_s + minutes * 60,
             "cycles": 0, "hooked": None}

    def hook_engine(_ready=None) -> None:
        # Latencies come from the engine's own records; wrap the bridge's callback once per engine.
        engine = window.bridge.engine
        if engine is not None and state["hooked"] is not engine:
            inner = engine.on_prediction

            def on_prediction(p, inner=inner):
                lat.add(p.timings.latency_ms)
                inner(p)

            engine.on_prediction = on_prediction
            state["hooked"] = engine

    window.bridge.engineReady.connect(hook_engine)
    print(f"soak: GUI offscreen, {LIVE_CLIP.name} looped live for {minutes:g} min; pid {os.getpid()}", flush=True)

    def start() -> None:
        if window.bridge.bundle is None:
            QTimer.singleShot(100, start)
            return
        window.open_source(live)
        rep.report("start", f"{time.monotonic() - started:6.0f} s", [])

    def tick() -> None:
        now = time.monotonic()
        if window.errors_shown:
            print(f"soak: error dialog: {window.errors_shown[-1].what} ({window.errors_shown[-1].detail})")
            app.quit()
            return
        if now >= state["end"]:
            rep.report("end", f"{now - started:6.0f} s", lat.take())
            app.quit()
            return
        if now >= state["next"]:
            latencies = lat.take()
            if state["warm"]:
                # Switch cycles through the app's own open path: two files, a synthetic camera, back.
                for k in range(cycles_per_minute):
                    for spec in (str(SWITCH_CLIPS[0]), str(SWITCH_CLIPS[1]), FakeSource(fps=30, n=None, live=True, seed=k)):
                        window.open_source(spec)
                        window.bridge.wait_idle(10.0)
                        app.processEvents()
                    state["cycles"] += 1
                window.open_source(live)
                window.bridge.wait_idle(10.0)
                lat.take()
            rep.report("" if state["warm"] else "warm", f"{now - started:6.0f} s", latencies,
                       reference=not state["warm"])
            state["warm"] = True
            state["next"] += every
        QTimer.singleShot(250, tick)

    QTimer.singleShot(0, start)
    QTimer.singleShot(250, tick)
    app.exec()
    errors = len(window.errors_shown)
    window.close()
    tmp.cleanup()
    print(f"soak: GUI {lat.total} predictions, {state['cycles']} cycles; error dialogs: {errors}")
    print(f"soak: p95 latency per interval (ms): {' '.join(f'{v:.1f}' for v in rep.p95)}")
    print(rep.summary(), flush=True)
    return 1 if errors else 0


def main(argv: list[str] | None = None) -> int:
    """Parse the options and run one mode."""
    from engine.core.memory import tune_malloc

    tune_malloc()  # as kinesight and kinesight-gui do at start
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--minutes", type=float, default=None, help="live playback for this long (default 5)")
    mode.add_argument("--cycles", type=int, help="only start/stop/switch cycles, this many")
    parser.add_argument("--gui", action="store_true", help="live playback through the desktop app (offscreen)")
    parser.add_argument("--bundle", help="model bundle (default: the shipped one)")
    parser.add_argument("--every", type=float, default=60.0, help="seconds between reports (default 60)")
    parser.add_argument("--warmup", type=float, default=None,
                        help="seconds (live) or cycles (--cycles) before the reference figures (default 60 s / 50)")
    parser.add_argument("--cycles-per-minute", type=int, default=5, help="live mode: switch cycles per report")
    parser.add_argument("--handover-every", type=int, default=10,
                        help="every Nth cycle starts a clip while the old worker is held busy (0: never; not --gui)")
    args = parser.parse_args(argv)
    if args.cycles:
        return run_cycles(args.bundle, args.cycles, int(args.warmup or 50), args.every, args.handover_every)
    minutes = 5.0 if args.minutes is None else args.minutes
    warmup = 60.0 if args.warmup is None else args.warmup
    if args.gui:
        return run_gui(args.bundle, minutes, warmup, args.every, args.cycles_per_minute)
    return run_live(args.bundle, minutes, warmup, args.every, args.cycles_per_minute, args.handover_every)


if __name__ == "__main__":
    sys.exit(main())
