"""Lip mode figures: crop jitter, lag on a moving face, locator + crop cost, end-to-end fps.

    python bench/bench_lips.py [--bundle resources/bundles/grid-lips] [--json OUT]

- jitter: frame-to-frame std (px) of the crop centre on a still-head GRID clip, with and without
  the One-Euro smoothing (the raw per-frame landmarks are the "without").
- lag: a real GRID frame translated at a constant speed (synthetic moving face); the lag is how
  many frames the smoothed crop centre trails the true (translated) mouth centre, in the steady
  state, for a slow and a fast head.
- cost: ms per frame of a full detection, of the O-Net tracking step, and of the whole mouth
  stage (detection every N frames + tracking + smoothing + warp) over a clip.
- fps: frames per second of the whole offline lip path (decode, crop, backbone, head, decoder)
  on GRID clips, and of the backbone and head alone.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from engine.bundles import load_bundle, shipped_bundles_dir  # noqa: E402
from engine.io.sources import open_source  # noqa: E402
from engine.lips.face import MtcnnLocator  # noqa: E402
from engine.lips.mouth import MouthTracker, measure  # noqa: E402

GRID = ROOT.parent / "shared" / "data" / "grid" / "s1"


def frames_of(path: Path) -> list[np.ndarray]:
    with open_source(path) as src:
        return [f.image for f in src]


def jitter(locator, frames) -> dict:
    out = {}
    for smooth in (False, True):
        tr = MouthTracker(locator, smooth=smooth)
        c = np.array([(o.box.cx, o.box.cy, o.box.width) for o in (tr.observe(f) for f in frames)])
        d = np.diff(c, axis=0)
        out["smoothed" if smooth else "raw"] = {"centre_px_std": round(float(np.hypot(d[:, 0], d[:, 1]).std()), 3),
                                                "x_px_std": round(float(d[:, 0].std()), 3),
                                                "y_px_std": round(float(d[:, 1].std()), 3),
                                                "width_px_std": round(float(d[:, 2].std()), 3)}
    return out


def lag(locator, frame: np.ndarray, speed_px: float, n: int = 60) -> dict:
    """Constant-speed translation (after 10 still frames); lag = mean shortfall / speed."""
    h, w = frame.shape[:2]
    canvas = cv2.copyMakeBorder(frame, 0, 0, 0, int(speed_px * n) + 8, cv2.BORDER_REPLICATE)
    tr = MouthTracker(locator)
    truth0 = None
    errs = []
    for k in range(n + 10):
        dx = speed_px * max(0, k - 10)
        m = np.float32([[1, 0, dx], [0, 1, 0]])
        im = cv2.warpAffine(canvas, m, (canvas.shape[1], h), borderMode=cv2.BORDER_REPLICATE)
        obs = tr.observe(im)
        if obs.face is None or obs.box is None:
            continue
        if truth0 is None:
            truth0 = measure(obs.face)[0] - dx
        if k >= 25:  # steady state
            errs.append((truth0 + dx) - obs.box.cx)
    e = float(np.mean(errs))
    return {"speed_px_per_frame": speed_px, "trail_px": round(e, 2), "lag_frames": round(e / speed_px, 2)}


def cost(locator, frames) -> dict:
    """Wall and CPU milliseconds (CPU time is what a busy shared machine does not inflate)."""
    def timed(fn, n):
        w, c = time.perf_counter(), time.process_time()
        fn()
        return (time.perf_counter() - w) / n * 1e3, (time.process_time() - c) / n * 1e3

    faces = locator.detect(frames[0])
    det = timed(lambda: [locator.detect(f) for f in frames[:20]], 20)
    state = {"prev": faces[0]}

    def track():
        for f in frames:
            state["prev"] = locator.track(f, state["prev"]) or state["prev"]

    trk = timed(track, len(frames))
    tr = MouthTracker(locator)
    stage = timed(lambda: [tr.crop(f) for f in frames], len(frames))
    return {"detect_ms": {"wall": round(det[0], 2), "cpu": round(det[1], 2)},
            "track_ms": {"wall": round(trk[0], 2), "cpu": round(trk[1], 2)},
            "mouth_stage_ms_per_frame": {"wall": round(stage[0], 2), "cpu": round(stage[1], 2)},
            "detect_every": tr.detect_every}


def model_fps(bundle_path: Path, clips: list[Path]) -> dict:
    from engine.runners.offline import analyze_file
    from engine.core.runtime import make_session
    from engine.core.settings import EngineSettings

    frames = 0
    t, c0 = time.perf_counter(), time.process_time()
    for c in clips:
        frames += analyze_file(c, bundle_path, EngineSettings(device="cpu")).frames
    wall, cpu = time.perf_counter() - t, time.process_time() - c0
    b = load_bundle(bundle_path)
    bb, _ = make_session(b.backbone_path, "cpu")
    hd, _ = make_session(b.head_path, "cpu")
    x = np.random.rand(16, 3, *b.manifest.input.size).astype(np.float32)
    f = np.random.rand(16, b.manifest.window.window_length, b.manifest.feature_dim).astype(np.float32)
    bb.run(None, {"frames": x}); hd.run(None, {"features": f[:1]})
    t = time.perf_counter()
    for _ in range(10):
        bb.run(None, {"frames": x})
    bb_ms = (time.perf_counter() - t) / 160 * 1e3
    t = time.perf_counter()
    for _ in range(10):
        hd.run(None, {"features": f[:1]})
    hd_ms = (time.perf_counter() - t) / 10 * 1e3
    return {"end_to_end_fps": round(frames / wall, 1), "end_to_end_fps_per_cpu_second": round(frames / cpu, 1),
            "clips": len(clips),
            "backbone_ms_per_frame": round(bb_ms, 3), "head_ms_per_window": round(hd_ms, 2)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bundle", type=Path, default=shipped_bundles_dir() / "grid-lips")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    locator = MtcnnLocator(args.bundle)
    still = frames_of(GRID / "video" / "bbaf3s.mp4")
    report = {
        "jitter_still_head": jitter(locator, still),
        "lag_moving_face": [lag(locator, still[0], s) for s in (2.0, 8.0)],
        "cost": cost(locator, still),
        "model": model_fps(args.bundle, [GRID / "video" / "bbaf3s.mp4", GRID / "raw" / "bbaf3s.mpg"]),
    }
    print(json.dumps(report, indent=2))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
