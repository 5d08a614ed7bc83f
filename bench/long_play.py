"""Long playback through the real desktop app (offscreen): does it stay up, and does it leak?

Drives Kinesight's real ``MainWindow`` (Qt offscreen unless ``--show``) and prints the process's
resident memory (RSS), its OS threads and Python threads, predictions so far and
``sys.getrefcount(None)`` (which fell by ~480 a second on PySide6 6.12.0 before the app
aborted; a *rise* is harmless: PyAV 18.1's ``VideoFrame.to_ndarray`` keeps one reference to
None per decoded frame, measured): after warm-up, every minute, and at the end. Not a test:
a tool to run before a release and to quote figures from.

Usage:
    python bench/long_play.py                      # webcam-like: a looping clip, live path, 10 min
    python bench/long_play.py --minutes 2          # the same for 2 minutes
    python bench/long_play.py --repeat 7           # a 70 s file (the clip 7 times) played to its end
    python bench/long_play.py --file video.mp4     # any file played to its end

The live mode feeds a real clip, decoded by PyAV and looped forever, through the engine's live
path as a camera would (``is_live``; frames arrive at the clip's own fps). ``--repeat`` joins
copies of the clip into one file without re-encoding (packets copied, timestamps shifted).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Iterator

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
CLIP = ROOT.parent / "shared" / "data" / "clips" / "kinetics_arm_wrestling.mp4"

from engine.core.frames import Frame  # noqa: E402
from engine.io.sources import FrameSource, VideoFileSource  # noqa: E402


def make_looped_clip(src: str | Path, dst: str | Path, repeat: int) -> Path:
    """Write ``repeat`` copies of the video stream of ``src`` one after the other into ``dst``
    (packets copied, no re-encoding: about a second for a 70 s file). Returns ``dst``."""
    import av

    with av.open(str(src)) as inp:
        packets = [p for p in inp.demux(inp.streams.video[0]) if p.dts is not None and p.size]
        first = min(p.dts for p in packets)
        step = max(p.duration or 0 for p in packets) or 1
        # One copy lasts from its first dts to one frame past its last pts (stream time base).
        span = max(p.pts if p.pts is not None else p.dts for p in packets) - first + step
    dst = Path(dst)
    with av.open(str(dst), "w") as out:
        out_stream = None
        for k in range(repeat):
            # Demuxed afresh per copy: muxing rebases a packet's timestamps in place.
            with av.open(str(src)) as inp:
                in_stream = inp.streams.video[0]
                if out_stream is None:
                    out_stream = out.add_stream_from_template(in_stream)
                for p in inp.demux(in_stream):
                    if p.dts is None or not p.size:
                        continue
                    p.dts += k * span
                    if p.pts is not None:
                        p.pts += k * span
                    p.stream = out_stream
                    out.mux(p)
    return dst


class LoopingVideoSource(FrameSource):
    """A real clip decoded over and over as one endless live source, like a webcam: frames come
    at the clip's fps in real time, timestamps keep rising, and it cannot seek."""

    is_live = True

    def __init__(self, path: str | Path) -> None:
        super().__init__()
        self._path = Path(path)
        probe = VideoFileSource(self._path)
        self.fps, self.size = probe.fps, probe.size
        probe.close()
        self.name = f"{self._path.name} (looped)"
        self.loops = 0
        self._closed = threading.Event()

    def __iter__(self) -> Iterator[Frame]:
        origin = time.monotonic()
        offset, index = 0.0, 0
        while not self._closed.is_set():
            src = VideoFileSource(self._path)
            pts = offset
            try:
                for frame in src:
                    pts = offset + frame.pts_s
                    # Arrive when a camera would: at the frame's time since the start.
                    if self._closed.wait(max(0.0, origin + pts - time.monotonic())):
                        return
                    yield Frame(index, pts, frame.image)
                    index += 1
            finally:
                src.close()
            offset = pts + 1.0 / (self.fps or 25.0)
            self.loops += 1

    def close(self) -> None:
        self._closed.set()


def process_stats() -> dict:
    """RSS (MB) and OS threads of this process (Linux /proc), Python threads, None's refcount."""
    status = {}
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            key, _, value = line.partition(":")
            status[key] = value.strip()
    except OSError:
        pass
    rss_kb = int(status.get("VmRSS", "0 kB").split()[0])
    return {
        "rss_mb": rss_kb / 1024.0,
        "os_threads": int(status.get("Threads", "0")),
        "py_threads": threading.active_count(),
        "none_refs": sys.getrefcount(None),
    }


def format_stats(label: str, elapsed_s: float, stats: dict, window) -> str:
    """One report line."""
    return (f"{label:>9} {elapsed_s:7.1f} s  RSS {stats['rss_mb']:7.1f} MB  threads {stats['os_threads']:3d} OS / "
            f"{stats['py_threads']:2d} Python  predictions {window.prediction_count:6d}  "
            f"frames painted {window.video.frames_painted:6d}  None refs {stats['none_refs']}")


def main(argv: list[str] | None = None) -> int:
    """Play, report every ``--every`` seconds, and say whether the app survived."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0, help="live mode: how long to play (default 10)")
    parser.add_argument("--file", help="play this file to its end instead of the live loop")
    parser.add_argument("--repeat", type=int, help="play a file made of the clip repeated N times, to its end")
    parser.add_argument("--clip", default=str(CLIP), help="the real clip to loop (default: kinetics_arm_wrestling.mp4)")
    parser.add_argument("--bundle", help="model bundle (default: the shipped one)")
    parser.add_argument("--every", type=float, default=60.0, help="seconds between reports (default 60)")
    parser.add_argument("--warmup", type=float, default=10.0, help="seconds before the reference figures (default 10)")
    parser.add_argument("--show", action="store_true", help="show the window instead of running offscreen")
    args = parser.parse_args(argv)
    if not args.show:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

    from PySide6.QtCore import QSettings, QTimer
    from PySide6.QtWidgets import QApplication

    from gui.app import qt_binding_problem
    from gui.main_window import MainWindow
    from gui.translations import install_language

    app = QApplication.instance() or QApplication([sys.argv[0]])
    problem = qt_binding_problem()
    if problem:
        print(f"long_play: {problem}", file=sys.stderr)
        return 1
    install_language("en")
    tmp = tempfile.TemporaryDirectory(prefix="kinesight-long-play-")
    settings = QSettings(str(Path(tmp.name) / "settings.ini"), QSettings.Format.IniFormat)
    if args.file:
        spec, mode = str(Path(args.file).resolve()), "file"
    elif args.repeat:
        spec = str(make_looped_clip(args.clip, Path(tmp.name) / f"looped-x{args.repeat}.mp4", args.repeat))
        mode = "file"
    else:
        spec, mode = LoopingVideoSource(args.clip), "live"

    window = MainWindow(settings, bundle_path=args.bundle)
    window.resize(1280, 800)
    window.show()
    started = time.monotonic()
    state = {"warm": None, "next": args.warmup, "end": None, "finished": False}
    print(f"long_play: {mode} {getattr(spec, 'name', spec)}; bundle {window.bundle_path}; "
          f"pid {os.getpid()}; Python {sys.version.split()[0]}")
    window.bridge.finished.connect(lambda: state.update(finished=True))

    def start() -> None:
        if window.bridge.bundle is None:
            QTimer.singleShot(100, start)
            return
        window.open_source(spec)
        print(format_stats("start", time.monotonic() - started, process_stats(), window), flush=True)

    def tick() -> None:
        now = time.monotonic() - started
        done = state["finished"] or (mode == "live" and now >= args.warmup + args.minutes * 60)
        if window.errors_shown:
            print(f"long_play: error dialog: {window.errors_shown[-1].what} ({window.errors_shown[-1].detail})")
            done = True
        if now >= state["next"] or done:
            stats = process_stats()
            label = "end" if done else ("warm" if state["warm"] is None else "")
            state["warm"] = state["warm"] or stats
            print(format_stats(label, now, stats, window), flush=True)
            while state["next"] <= now:
                state["next"] += args.every
        if done:
            state["end"] = stats  # the figures of the "end" line
            app.quit()
            return
        QTimer.singleShot(250, tick)

    QTimer.singleShot(0, start)
    QTimer.singleShot(250, tick)
    app.exec()
    window.close()
    warm, end = state["warm"], state["end"]
    if warm and end:
        print(f"long_play: survived {time.monotonic() - started:.0f} s; after warm-up RSS "
              f"{end['rss_mb'] - warm['rss_mb']:+.1f} MB, OS threads {end['os_threads'] - warm['os_threads']:+d}, "
              f"None refs {end['none_refs'] - warm['none_refs']:+d}; errors shown: {len(window.errors_shown)}")
    ok = bool(end) and not window.errors_shown and (mode == "live" or state["finished"])
    tmp.cleanup()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
