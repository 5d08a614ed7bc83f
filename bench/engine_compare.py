"""``bench_engine.py --compare``: the float backbone (before) and its int8 twin (after) side by side.

Each round runs every part once per arm, alternating which arm goes first, so load that comes
and goes on a shared machine falls on both; the table gives each round's figures and the median.
Parts: (a) cached window vs naive recompute (live and batched), (b) offline analysis vs the
backbone-only bound, (c) live latency; then the backbone alone (ms per frame at batch 1 and 16)
and the pose stage per stage on a real person (detect, landmarks, body features, then the
backbone on the whole frame as a "pose+full" bundle runs it, float vs int8).
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path

import numpy as np

ARMS = ("float", "auto")  # before, after (auto = int8 on CPU)
NAMES = {"float": "float (before)", "auto": "int8 (after)"}
POSE_CLIP = Path(__file__).resolve().parents[2] / "devdata" / "RJ-song_MediapipePy_movement_detect" / "videos_squat.mp4"


def backbone_alone(bundle: Path, threads: int | None, frames: np.ndarray, rounds: int = 4) -> dict[str, dict]:
    """ms per frame of the backbone session alone, batch 1 and batch 16, arms interleaved."""
    from engine.core.settings import EngineSettings
    from engine.pipeline import Recognizer

    recs = {arm: Recognizer(bundle, EngineSettings(device="cpu", threads=threads, precision=arm)) for arm in ARMS}
    x1, x16 = frames[:1], frames[:16]
    out = {arm: {"b1": [], "b16": []} for arm in ARMS}
    for rec in recs.values():
        rec.features(x16)  # warm-up
    for _ in range(rounds):
        for arm, rec in recs.items():
            t0 = time.perf_counter()
            for _ in range(8):
                rec.features(x1)
            out[arm]["b1"].append((time.perf_counter() - t0) / 8 * 1e3)
            t0 = time.perf_counter()
            rec.features(x16)
            out[arm]["b16"].append((time.perf_counter() - t0) / 16 * 1e3)
    return {arm: {k: statistics.median(v) for k, v in d.items()} for arm, d in out.items()}


def pose_stages(bundle: Path, threads: int | None, clip: Path, ticks: int = 40) -> dict[str, dict]:
    """Per stage ms (median over ``ticks`` model-clock frames of a real person) of a "pose+full" tick."""
    from engine.bundles.preprocess import preprocess
    from engine.core.settings import EngineSettings
    from engine.core.window import ModelClock
    from engine.io.sources import open_source
    from engine.pipeline import Recognizer
    from engine.pose.estimator import PoseEstimator
    from engine.pose.features import body_features
    from engine.pose.stage import model_paths

    clock = ModelClock(8.0)
    with open_source(clip) as src:
        images = [f.image for f in src.frames(want=lambda _i, pts: clock.peek(pts)) if clock.ticks_for(f.pts_s)][:ticks]
    est = PoseEstimator(*model_paths(), threads=threads or 2)
    recs = {arm: Recognizer(bundle, EngineSettings(device="cpu", threads=threads, precision=arm)) for arm in ARMS}
    spec = recs["float"].manifest.input
    st = {k: [] for k in ("detect", "detect_model", "landmarks", "landmarks_model", "body_features", "preprocess",
                          *(f"backbone {arm}" for arm in ARMS))}
    people = 0
    for i, image in enumerate(images):
        res = est.process(image, i / 8.0)
        st["detect"].append(res.detect_ms)
        st["detect_model"].append(res.detect_infer_ms)
        st["landmarks"].append(res.landmark_ms)
        st["landmarks_model"].append(res.landmark_infer_ms)
        people += res.state == "person"
        t0 = time.perf_counter()
        body_features(res.keypoints, res.state == "person", float(image.shape[0]))
        st["body_features"].append((time.perf_counter() - t0) * 1e3)
        t0 = time.perf_counter()
        x = preprocess([image], spec)
        st["preprocess"].append((time.perf_counter() - t0) * 1e3)
        for arm in (ARMS if i % 2 else ARMS[::-1]):
            t0 = time.perf_counter()
            recs[arm].features(x)
            st[f"backbone {arm}"].append((time.perf_counter() - t0) * 1e3)
    med = {k: statistics.median(v[1:] or v) for k, v in st.items()}
    med["detections_run"] = est.stats["detections_run"]
    med["person_ticks"] = people
    med["ticks"] = len(images)
    return med


def compare(bench, bundle: Path, device: str, threads: int | None, parts: set[str], repeats: int) -> int:
    """Run the rounds and print the side-by-side table; ``bench`` is the bench_engine module."""
    from engine.bundles import load_bundle
    from engine.bundles.preprocess import preprocess

    if load_bundle(bundle).backbone_int8_path is None:
        print(f"{bundle} carries no int8 backbone: nothing to compare (resources/bundles/make_int8.sh)")
        return 1
    rows: dict[str, dict[str, list[float]]] = {}

    def add(name: str, arm: str, value: float) -> None:
        rows.setdefault(name, {a: [] for a in ARMS})[arm].append(value)

    frames = bench.decode_all(bench.CLIPS / "kinetics_cleaning_pool.mp4")[::4][:16]
    x = preprocess([f.image for f in frames], load_bundle(bundle).manifest.input)
    for r in range(repeats):
        order = ARMS if r % 2 == 0 else ARMS[::-1]
        for arm in order:
            if "a" in parts:
                a = bench.bench_sliding_window(bundle, device, threads, precision=arm)
                add("(a) live: naive / cached (x)", arm, a["ratio"])
                add("(a) live: cached ms per prediction", arm, a["cached_ms"])
                add("(a) live: naive ms per prediction", arm, a["naive_ms"])
                add("(a) batched by 16: naive / cached (x)", arm, a["ratio_batched"])
            if "b" in parts:
                b = bench.bench_offline(bundle, device, threads, repeats=2, precision=arm)
                add("(b) analyze_file / bound", arm, b["ratio"])
                add("(b) analyze_file sampled frames/s", arm, b["analyze_fps"])
                add("(b) bound frames/s", arm, b["bound_fps"])
            if "c" in parts:
                c = bench.bench_live(bundle, device, threads, precision=arm)
                add("(c) live latency p50 ms", arm, c["p50"])
                add("(c) live latency p95 ms", arm, c["p95"])
                add("(c) live backbone ms (median)", arm, c["backbone_ms"])
                add("(c) dropped frames", arm, c["dropped"])
        bb = backbone_alone(bundle, threads, x)
        for arm in ARMS:
            add("backbone alone, batch 1, ms/frame", arm, bb[arm]["b1"])
            add("backbone alone, batch 16, ms/frame", arm, bb[arm]["b16"])
        print(f"round {r + 1}/{repeats} done", flush=True)
    print(f"\n{'':42s} {NAMES['float']:>34s} {NAMES['auto']:>34s}")
    for name, d in rows.items():
        cells = [f"{statistics.median(v):8.2f} [{' '.join(f'{x:.2f}' for x in v)}]" for v in d.values()]
        print(f"{name:42s} {cells[0]:>34s} {cells[1]:>34s}")
    for k in ("b1", "b16"):
        ratios = [f / q for f, q in zip(rows[f"backbone alone, batch {k[1:]}, ms/frame"]["float"],
                                        rows[f"backbone alone, batch {k[1:]}, ms/frame"]["auto"])]
        print(f"int8 speed-up of the backbone, batch {k[1:]}: {statistics.median(ratios):.2f}x "
              f"[{' '.join(f'{x:.2f}' for x in ratios)}]")
    clip = POSE_CLIP if POSE_CLIP.is_file() else bench.CLIPS / "kinetics_arm_wrestling.mp4"
    p = pose_stages(bundle, threads, clip)
    print(f"\npose stage per tick on {clip.name} ({p['person_ticks']}/{p['ticks']} ticks with a person, "
          f"{p['detections_run']} detections), median ms; the pose models stay float:")
    print(f"  detect {p['detect']:.2f} (model {p['detect_model']:.2f}), landmarks {p['landmarks']:.2f} "
          f"(model {p['landmarks_model']:.2f}), body features {p['body_features']:.3f}, preprocess {p['preprocess']:.2f}")
    pose_ms = p["detect"] + p["landmarks"] + p["body_features"] + p["preprocess"]
    f, q = p["backbone float"], p["backbone auto"]
    print(f"  'pose+full' tick: pose {pose_ms:.2f} + backbone float {f:.2f} = {pose_ms + f:.2f} ms | "
          f"pose {pose_ms:.2f} + backbone int8 {q:.2f} = {pose_ms + q:.2f} ms "
          f"({(pose_ms + f) / (pose_ms + q):.2f}x; backbone alone {f / q:.2f}x)")
    return 0
