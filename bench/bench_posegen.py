"""Generation speed of the body-motion generator (models.posegen, issue 25 item 1).

    python bench/bench_posegen.py [--clips 1200] [--seconds 3] [--fps 15] [--sheets DIR]

Runs on one core (it sets the BLAS thread variables to 1 before numpy loads) and prints clips per
minute for single 3-s clips (all twelve actions and the other motions in turn), for
``generate_dataset`` and for 20-s sequences, plus the share of missed frames and outliers the
default (placeholder) NoiseModel produced. ``--sheets DIR`` also writes a contact sheet per action
at yaw 0 and 45 degrees (PNG) to look at.
"""

from __future__ import annotations

import os

for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, "1")

import argparse  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402


sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from models.posegen import (  # noqa: E402
    ACTIONS, ALL_MOTIONS, CameraSpec, NoiseModel, generate_clip, generate_dataset, generate_sequence, render_clip,
)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--clips", type=int, default=1200)
    ap.add_argument("--seconds", type=float, default=3.0)
    ap.add_argument("--fps", type=float, default=15.0)
    ap.add_argument("--sheets", type=Path, default=None)
    a = ap.parse_args(argv)
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})

    generate_clip("clap", 0)  # warm-up
    t0, c0 = time.perf_counter(), time.process_time()
    missed = frames = outliers = 0
    for i in range(a.clips):
        c = generate_clip(ALL_MOTIONS[i % len(ALL_MOTIONS)], i, a.seconds, a.fps)
        missed += int((~c.present).sum())
        frames += len(c.present)
        outliers += c.meta["noise_events"]["outliers"]
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    print(f"generate_clip: {a.clips} clips of {a.seconds:g} s at {a.fps:g} fps in {wall:.2f} s wall / {cpu:.2f} s CPU "
          f"-> {a.clips / wall * 60:,.0f} clips per minute on one core ({wall / a.clips * 1000:.2f} ms per clip)")
    print(f"  default NoiseModel (placeholders): {missed / frames:.1%} frames without a person, "
          f"{outliers / frames:.2%} hand/foot outlier frames")

    per = max(1, a.clips // (2 * len(ACTIONS)))
    t0 = time.perf_counter()
    d = generate_dataset(ACTIONS, per_action=per, seed=0, seconds=a.seconds, fps=a.fps, other_per_motion=per // 4)
    wall = time.perf_counter() - t0
    n = len(d.labels)
    print(f"generate_dataset: {n} clips {tuple(d.keypoints.shape)} in {wall:.2f} s -> {n / wall * 60:,.0f} clips per minute")

    t0 = time.perf_counter()
    n_seq = 30
    for s in range(n_seq):
        generate_sequence(s, seconds=20.0, fps=a.fps)
    wall = time.perf_counter() - t0
    print(f"generate_sequence: {n_seq} sequences of 20 s in {wall:.2f} s -> {n_seq / wall * 60:,.0f} per minute")

    if a.sheets:
        for name in ACTIONS:
            for yaw in (0, 45):
                cam = CameraSpec(640, 480, yaw_deg=yaw, pitch_deg=5, height_frac=0.8)
                render_clip(generate_clip(name, 0, camera=cam, noise=NoiseModel.none()),
                            a.sheets / f"{name}_yaw{yaw}.png", n_frames=8, cols=4, tile_width=360)
        print(f"contact sheets in {a.sheets}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
