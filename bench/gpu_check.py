"""Check the CUDA path on a machine with an NVIDIA GPU, side by side with the CPU.

    python bench/gpu_check.py [--bundle B] [--source CLIP_OR_FRAME_FOLDER]

Prints which execution provider really runs (and why CUDA is not used, if it is not), the
backbone's median ms/frame at batch 1 and 16 on CUDA and CPU, and offline analysis of one
source on both devices: wall time, speed against real time, and whether the top-1 labels
agree at every model-clock tick. Needs onnxruntime-gpu; absolute times only mean anything
on a GPU machine.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from engine.bundles import default_bundle_path, load_bundle
from engine.core.runtime import make_session, runtime_summary
from engine.core.settings import EngineSettings
from engine.pipeline import Recognizer
from engine.runners.offline import analyze_file


def _time_backbone(sess, size: tuple[int, int], batch: int, runs: int = 50) -> float:
    x = np.random.default_rng(0).standard_normal((batch, 3, *size)).astype(np.float32)
    for _ in range(5):
        sess.run(None, {"frames": x})
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        sess.run(None, {"frames": x})
        times.append((time.perf_counter() - t) * 1000 / batch)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bundle", default=None)
    ap.add_argument("--source", default=None, help="a video file or a folder of frames")
    args = ap.parse_args()
    bundle = load_bundle(args.bundle or default_bundle_path())
    print("runtime:", runtime_summary())
    size = bundle.manifest.input.size
    rows = []
    for device in ("cuda", "cpu"):
        sess, report = make_session(bundle.backbone_path, "auto" if device == "cuda" else "cpu")
        print(f"asked {device}: runs on {report}")
        if device == "cuda" and report.provider != "CUDA":
            continue
        for batch in (1, 16):
            rows.append((report.provider, batch, _time_backbone(sess, size, batch)))
    print("\nbackbone", bundle.manifest.backbone, f"{size[1]}x{size[0]}")
    print(f"{'provider':<8} {'batch':>5} {'ms/frame':>9}")
    for prov, batch, ms in rows:
        print(f"{prov:<8} {batch:>5} {ms:>9.3f}")
    if args.source:
        results = {}
        for device in ("cuda", "cpu"):
            # One Recognizer per device, as a user analysing a folder of files gets: the first
            # run pays for CUDA start-up and cuDNN tuning, the later ones show the steady speed.
            rec = Recognizer(bundle, EngineSettings(device=device if device == "cpu" else "auto", realtime=False))
            for attempt in ("first", "second", "third"):
                res = analyze_file(args.source, rec)
                results[device] = res
                print(f"analyze on {res.provider.provider} ({attempt} run): {len(res.predictions)} predictions, "
                      f"{res.frames} frames, {res.wall_s:.2f} s wall, {res.speed:.1f}x real time")
        a = [p for p in results["cuda"].predictions if p.top_k]
        b = [p for p in results["cpu"].predictions if p.top_k]
        same = sum(p.tick == q.tick and p.top_k[0][0] == q.top_k[0][0] for p, q in zip(a, b))
        print(f"top-1 agreement CUDA vs CPU: {same}/{max(len(a), len(b))} ticks")


if __name__ == "__main__":
    main()
