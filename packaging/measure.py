"""Measure the installed (packaged) Kinesight: cold start to first frame, and RSS after 60 s of playback.

    python packaging/measure.py [--app /opt/kinesight] [--runs 5] [--play-s 60]

Runs the packaged ``kinesight-gui`` offscreen (``QT_QPA_PLATFORM=offscreen``) with
``KINESIGHT_STARTUP_TRACE=1``, which makes the frozen entry print when the first video frame
reaches the video widget, counted from exec (``packaging/kinesight_entry.py``). "Cold" here is
a new process with the app's files in the page cache (the usual second launch); pass
``--drop-caches`` (root) to also time a launch with the caches dropped. Needs PyAV only to make a
70 s test clip from a real one in ../shared/data (the checkout's venv has it).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VERBOSE = False
CLIP = ROOT.parent / "shared" / "data" / "clips" / "kinetics_arm_wrestling.mp4"


def make_long_clip(out: Path, repeats: int = 7) -> Path:
    """A real clip played ``repeats`` times back to back (10 s each), re-encoded to H.264."""
    import av

    with av.open(str(CLIP)) as src_probe:
        s = src_probe.streams.video[0]
        rate, width, height = s.average_rate, s.codec_context.width, s.codec_context.height
    with av.open(str(out), "w") as dst:
        stream = dst.add_stream("libx264", rate=rate)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        n = 0
        for _ in range(repeats):
            with av.open(str(CLIP)) as src:
                for frame in src.decode(video=0):
                    # A fresh frame numbered on the output's clock (1/rate): the repeats continue
                    # the timeline instead of restarting it.
                    out_frame = av.VideoFrame.from_ndarray(frame.to_ndarray(format="rgb24"), format="rgb24")
                    out_frame.pts = n
                    n += 1
                    for packet in stream.encode(out_frame.reformat(format="yuv420p")):
                        dst.mux(packet)
        for packet in stream.encode():
            dst.mux(packet)
    return out


def _env(tmp: Path) -> dict[str, str]:
    return {"PATH": "/usr/bin:/bin", "HOME": str(tmp), "LANG": "C.UTF-8", "QT_QPA_PLATFORM": "offscreen",
            "KINESIGHT_STARTUP_TRACE": "1"}


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _children(pid: int) -> list[int]:
    out = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            out += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            pass
    return out


CPU_SECONDS: list[float] = []  # CPU time of the process at its first frame, one per launch


def launch(gui: str, source: Path, tmp: Path, settle_s: float = 0.0) -> tuple[subprocess.Popen, float]:
    """Start the GUI on ``source``; return (process, seconds to the first frame)."""
    proc = subprocess.Popen([gui, "--source", str(source), "--settings", str(tmp / "m.ini"), "--size", "1280x800"],
                            env=_env(tmp), cwd=tmp, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    for line in proc.stderr:  # the trace lines; Qt's own notes may come between them
        if "kinesight-gui:" in line and VERBOSE:
            print("   ", line.strip())
        if "first frame" in line:
            if "(cpu " in line:
                CPU_SECONDS.append(float(line.split("(cpu ")[1].split()[0]))
            return proc, float(line.split("first frame")[1].split()[0])
        if time.monotonic() > deadline:
            break
    proc.kill()
    raise RuntimeError("no first frame within 60 s")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--app", default="/opt/kinesight", help="the installed folder (or an unpacked tar.gz)")
    ap.add_argument("--runs", type=int, default=5, help="launches for the start-up time")
    ap.add_argument("--play-s", type=float, default=60.0, help="seconds of playback before reading RSS")
    ap.add_argument("--drop-caches", action="store_true", help="also time one launch after dropping the page cache (root)")
    ap.add_argument("--verbose", action="store_true", help="print the start-up trace of every launch")
    ap.add_argument("--no-rss", action="store_true", help="only the start-up times (no 70 s clip, no playback)")
    args = ap.parse_args()
    global VERBOSE
    VERBOSE = args.verbose
    args.app = str(Path(args.app).resolve())
    gui = str(Path(args.app) / "kinesight-gui")
    with tempfile.TemporaryDirectory(prefix="kinesight-measure-") as t:
        tmp = Path(t)
        t0 = time.monotonic()
        out = subprocess.run([str(Path(args.app) / "kinesight"), "--version"], env=_env(tmp), capture_output=True, text=True)
        print(f"kinesight --version: {time.monotonic() - t0:.2f} s ({out.stdout.splitlines()[0] if out.stdout else out.stderr})")
        starts = []
        if args.drop_caches:
            subprocess.run(["sync"])
            Path("/proc/sys/vm/drop_caches").write_text("3\n")
            proc, first = launch(gui, CLIP, tmp)
            proc.kill()
            proc.wait()
            print(f"first frame after dropping the page cache: {first:.2f} s")
        loads = []
        for _ in range(args.runs):
            loads.append(os.getloadavg()[0])
            proc, first = launch(gui, CLIP, tmp)
            proc.kill()
            proc.wait()
            starts.append(first)
        if starts:
            cpu = f"; CPU time at the first frame {min(CPU_SECONDS):.2f}-{max(CPU_SECONDS):.2f} s" if CPU_SECONDS else ""
            print(f"start to first frame: median {statistics.median(starts):.2f} s "
                  f"(min {min(starts):.2f}, max {max(starts):.2f}; {args.runs} launches{cpu}; "
                  f"load average {min(loads):.1f}-{max(loads):.1f} on {os.cpu_count()} cores)")
        if args.no_rss:
            return 0
        long_clip = make_long_clip(tmp / "long.mp4")
        proc, first = launch(gui, long_clip, tmp)
        # Keep reading stderr so that the app never blocks on a full pipe.
        import threading

        threading.Thread(target=lambda: proc.stderr.read(), daemon=True).start()
        samples = []
        t_start = time.monotonic()
        while time.monotonic() - t_start < args.play_s:
            time.sleep(5)
            samples.append((time.monotonic() - t_start, _rss_mb(proc.pid)))
        kids = _children(proc.pid)
        child_rss = sum(_rss_mb(k) for k in kids if Path(f"/proc/{k}").exists())
        rss = _rss_mb(proc.pid)
        alive = proc.poll() is None
        proc.kill()
        proc.wait()
        print(f"RSS after {args.play_s:.0f} s of playback: {rss:.0f} MB (GUI process; still running: {alive}); "
              f"analysis child {child_rss:.0f} MB" + ("" if kids else " (already finished)"))
        print("RSS over time: " + ", ".join(f"{s:.0f} s {m:.0f} MB" for s, m in samples))
    return 0


if __name__ == "__main__":
    sys.exit(main())
