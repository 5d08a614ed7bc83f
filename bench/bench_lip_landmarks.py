"""Lip landmarks (issue #23 part 2): today's mouth crop against the face-mesh (lip-corner) crop.

    python bench/bench_lip_landmarks.py [--clips 10] [--wer] [--json OUT]

Both crops run on the same MTCNN face (detected every 10 frames, O-Net tracking between) and the
same One-Euro smoothing; they differ in what places the box:
- "face" (today's, engine/lips/mouth.py ``measure``): centre = MTCNN's mouth corners, angle = the
  eye line, width from the eye distance and the eye-mouth distance;
- "lips" (``align="lips"``): centre = the face mesh's mouth corners (61, 291), angle = their line,
  width = LIP_SCALE x their distance.

- jitter: GRID s1 clips (still heads): per clip, the std of the frame-to-frame change of the crop
  centre (px) and width (px, and % of the width), raw and smoothed; medians over clips.
- lag: a moving head made from real frames: each frame of a GRID clip (on a canvas widened to the
  right) is shifted right by
  dx(k) = speed x (k - 10) after 10 still frames (border replicated). The crop centre on the
  shifted clip minus the same tracker's centre on the unshifted clip should equal dx; the lag is
  the mean shortfall in the steady state (k >= 15) / speed, in frames.
- mesh cost: ms per face-mesh inference (wall and CPU).
- --wer: the shipped reader's WER on s1's held-out sentences (40 val + 20 raw, H.264 and the
  MPEG-1 originals) with lip_landmarks "off" (today's crop) and "crop" (the lip-corner crop).
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

from engine.bundles import shipped_bundles_dir  # noqa: E402
from engine.io.sources import open_source  # noqa: E402
from engine.lips.face import MtcnnLocator  # noqa: E402
from engine.lips.facemesh import FaceMesh  # noqa: E402
from engine.lips.mouth import MouthTracker  # noqa: E402

GRID = ROOT.parent / "shared" / "data" / "grid" / "s1"


def frames_of(path: Path) -> list[np.ndarray]:
    with open_source(path) as src:
        return [f.image for f in src]


def boxes(tracker: MouthTracker, frames) -> np.ndarray:
    """(n, 3) cx, cy, width per frame (NaN where there is no box)."""
    out = []
    for f in frames:
        o = tracker.observe(f)
        out.append((o.box.cx, o.box.cy, o.box.width) if o.box is not None else (np.nan,) * 3)
    return np.array(out, np.float64)


def jitter(c: np.ndarray) -> dict:
    d = np.diff(c, axis=0)
    d = d[~np.isnan(d).any(1)]
    return {"centre_px": float(np.hypot(d[:, 0], d[:, 1]).std()), "x_px": float(d[:, 0].std()),
            "y_px": float(d[:, 1].std()), "width_px": float(d[:, 2].std()),
            "width_pct": float(100 * d[:, 2].std() / np.nanmean(c[:, 2]))}


def shifted(frames, speed: float) -> tuple[list[np.ndarray], np.ndarray]:
    """The frames on a canvas widened to the right (border replicated), each shifted right by
    dx(k) = speed x (k - 10) after 10 still frames; also the unshifted frames on the same canvas."""
    pad = int(speed * len(frames)) + 8
    canvas = [cv2.copyMakeBorder(f, 0, 0, 0, pad, cv2.BORDER_REPLICATE) for f in frames]
    h, w = canvas[0].shape[:2]
    dxs = np.array([speed * max(0, k - 10) for k in range(len(frames))])
    out = [cv2.warpAffine(f, np.float32([[1, 0, dx], [0, 1, 0]]), (w, h), borderMode=cv2.BORDER_REPLICATE)
           for f, dx in zip(canvas, dxs)]
    return out, canvas, dxs


def lag(make, frames, speed: float, settle: int = 15) -> dict:
    """Steady-state shortfall of the crop centre behind a constant-speed head (frames >= settle)."""
    moving_frames, still_frames, dxs = shifted(frames, speed)
    still, moving = boxes(make(), still_frames), boxes(make(), moving_frames)
    short = (dxs - (moving[:, 0] - still[:, 0]))[settle:]
    short = short[~np.isnan(short)]
    return {"speed_px_per_frame": speed, "frames": int(len(short)), "trail_px": round(float(short.mean()), 3),
            "trail_px_std": round(float(short.std()), 3), "lag_frames": round(float(short.mean() / speed), 3)}


def wer_of(settings_value: str, bundle: Path) -> dict:
    from engine.core.settings import EngineSettings
    from engine.runners.offline import analyze_file
    from models.grid_data import read_align, split_ids
    from models.lipread import wer

    ids = split_ids()
    sets = {"val_h264": [GRID / "video" / f"{i}.mp4" for i in ids["val"]],
            "raw_h264": [GRID / "video" / f"{i}.mp4" for i in ids["raw"]],
            "raw_mpeg1": [GRID / "raw" / f"{i}.mpg" for i in ids["raw"]]}
    out = {}
    for name, clips in sets.items():
        errs = words = 0
        for clip in clips:
            res = analyze_file(clip, bundle, EngineSettings(device="cpu", threads=1, lip_landmarks=settings_value))
            ref = [w for _, _, w in read_align(GRID / "align" / f"{clip.stem}.align")]
            errs += wer(ref, [t.text for t in res.tokens])
            words += len(ref)
        out[name] = {"wer": round(errs / max(1, words), 4), "words": words}
        print(settings_value, name, out[name], flush=True)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bundle", type=Path, default=shipped_bundles_dir() / "grid-lips")
    ap.add_argument("--clips", type=int, default=10, help="still-head GRID s1 clips for the jitter")
    ap.add_argument("--wer", action="store_true", help="also the reader's held-out WER with each crop (minutes)")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    locator, mesh = MtcnnLocator(args.bundle), FaceMesh()
    makers = {
        "face": lambda smooth=True: MouthTracker(locator, smooth=smooth),
        "lips": lambda smooth=True: MouthTracker(locator, smooth=smooth, mesh=mesh, align="lips"),
    }
    clips = sorted((GRID / "video").glob("*.mp4"))[:: max(1, 800 // args.clips)][: args.clips]
    per: dict = {k: {"raw": [], "smoothed": []} for k in makers}
    ratio = []
    for clip in clips:
        frames = frames_of(clip)
        for kind, make in makers.items():
            for smooth in (False, True):
                per[kind]["smoothed" if smooth else "raw"].append(jitter(boxes(make(smooth), frames)))
        ratio.append(float(np.nanmean(boxes(makers["face"](), frames)[:, 2]) / np.nanmean(boxes(makers["lips"](), frames)[:, 2])))
    report: dict = {"clips": [c.stem for c in clips], "jitter_still_head_median": {
        kind: {mode: {k: round(float(np.median([r[k] for r in rows])), 3) for k in rows[0]} for mode, rows in modes.items()}
        for kind, modes in per.items()},
        "width_face_over_lips_crop": round(float(np.median(ratio)), 3)}
    moving = frames_of(GRID / "video" / "bbaf3s.mp4")
    report["lag_moving_head"] = {kind: [lag(make, moving, s) for s in (2.0, 8.0)] for kind, make in makers.items()}
    face = locator.detect(moving[0])[0]
    w, c = time.perf_counter(), time.process_time()
    for f in moving[:50]:
        mesh.lips(f, face)
    report["mesh_ms"] = {"wall": round((time.perf_counter() - w) / 50 * 1e3, 2), "cpu": round((time.process_time() - c) / 50 * 1e3, 2)}
    if args.wer:
        report["wer"] = {v: wer_of(v, args.bundle) for v in ("off", "crop")}
    print(json.dumps(report, indent=2))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
