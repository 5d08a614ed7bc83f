"""Engine benchmarks: ratios measured side by side in one run, on this machine.

    (a) cached sliding window vs recomputing the backbone over all T frames per prediction
    (b) offline analysis throughput vs the backbone-only bound (same backbone, same batch,
        pre-decoded and pre-processed frames)
    (c) live end-to-end latency p50/p95 on a real clip paced at 30 fps, with dropped frames
    (d) decode ms per sampled frame: every frame decoded (before) vs frames the model clock
        cannot sample skipped (after, engine/io/video_file.py _NonRefSkipper), same clips
    (e) folder throughput (engine/runners/batch.py): 1 vs 2 worker processes and --ray on a local
        2-CPU Ray, files/s and the ratio to 1 worker (model loads included; Ray start apart)

Usage:  python bench/bench_engine.py [--only a,b,c,d,e] [--device cpu|auto|cuda] [--threads N]
                                     [--precision auto|float] [--compare [--repeats 3]]

``--compare`` runs (a)-(c) with the float backbone (before) and the int8 one (after) side by
side, interleaved round by round, plus the backbone alone and the pose stage per stage.

The bundle is the shipped default (EfficientNet-Lite0 224x224 + GRU window head, T=16 at
8 fps) or ``--bundle B``. Without a shipped bundle it exports the same architecture once into
``.cache/bench`` (torchvision MobileNetV2 with random weights if ``models.backbones`` is
missing, and says so).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import threading
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
CLIPS = ROOT.parent / "shared" / "data" / "clips"
CACHE = ROOT / ".cache" / "bench"
T = 16
SAMPLE_FPS = 8.0
BATCH = 16


def bench_bundle(explicit: str | None = None) -> tuple[Path, str]:
    """The bundle to measure: ``explicit``, else the shipped default bundle, else one exported
    (once) here. Returns (path, description)."""
    from engine.bundles import default_bundle_path, load_bundle
    from engine.core.errors import BundleError

    if explicit:
        m = load_bundle(explicit).manifest
        return Path(explicit), f"{m.name}: {m.backbone} {m.input.size[1]}x{m.input.size[0]}, {m.head.arch} {m.head.kind} head"
    try:
        shipped = default_bundle_path()
        m = load_bundle(shipped).manifest
        return shipped, f"shipped {m.name}: {m.backbone} {m.input.size[1]}x{m.input.size[0]}, {m.head.arch} {m.head.kind} head"
    except BundleError:
        pass
    out = CACHE / "effnet-lite0-gru-T16"
    note = out / "BACKBONE.txt"
    if (out / "manifest.json").is_file() and note.is_file():
        return out, note.read_text().strip()
    import torch

    from engine.bundles import WindowSpec
    from models.export import export_bundle

    torch.manual_seed(0)
    try:
        from models.backbones import build_backbone
        from models.heads import build_head

        try:
            backbone = build_backbone("efficientnet_lite0", size=224, pretrained=True)
            desc = "EfficientNet-Lite0 224x224 (ImageNet weights, models.backbones)"
        except Exception:  # noqa: BLE001 - weights package missing: same graph, random weights
            backbone = build_backbone("efficientnet_lite0", size=224, pretrained=False)
            desc = "EfficientNet-Lite0 224x224 (random weights, models.backbones)"
        head = build_head("gru", backbone.feature_dim, 10, hidden=128).eval()
        spec, dim, name = backbone.input_spec, backbone.feature_dim, "efficientnet_lite0"
    except ImportError:
        import torchvision
        from torch import nn

        from engine.bundles import InputSpec

        mb = torchvision.models.mobilenet_v2(weights=None)
        backbone = nn.Sequential(mb.features, nn.AdaptiveAvgPool2d(1), nn.Flatten()).eval()

        class MeanHead(nn.Module):
            def __init__(self) -> None:
                super().__init__()
                self.out = nn.Linear(1280, 10)

            def forward(self, x):
                return self.out(x.mean(1))

        head = MeanHead().eval()
        spec, dim, name = InputSpec(size=(224, 224), resize=256), 1280, "mobilenet_v2"
        desc = "torchvision MobileNetV2 224x224 with random weights (stand-in: models.backbones missing)"
    export_bundle(
        out, backbone=backbone, head=head, name="bench-effnet-gru", labels=[f"class{i}" for i in range(10)],
        window=WindowSpec(T, SAMPLE_FPS, 1), input_spec=spec, backbone_name=name, feature_dim=dim,
        head_arch="gru", streaming=False, description="benchmark bundle (untrained head)",
    )
    note.write_text(desc + "\n")
    return out, desc


def _pct(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q)) if values else float("nan")


def decode_all(path: Path):
    from engine.io.sources import open_source

    with open_source(path) as src:
        return list(src)


# --------------------------------------------------------------------------- (a)


def bench_sliding_window(bundle: Path, device: str, threads: int | None, predictions: int = 48,
                         precision: str = "auto") -> dict:
    """Per-prediction cost: cached features (1 backbone frame + head) vs naive (T frames + head)."""
    from engine.pipeline import Recognizer
    from engine.bundles.preprocess import preprocess
    from engine.core.runtime import make_session
    from engine.core.settings import EngineSettings

    rec = Recognizer(bundle, EngineSettings(device=device, threads=threads, precision=precision))
    frames = decode_all(CLIPS / "kinetics_cleaning_pool.mp4")
    sampled = [f for f in frames if rec.sample(f) is not None]
    rec.reset()
    spec = rec.manifest.input
    head, _ = make_session(rec.bundle.head_path, device, threads)  # the naive path's own head session
    T = rec.window_length  # noqa: N806 - the paper's name for the window length
    # The naive way runs the head over the whole window; a streaming head starts from zero state.
    zero_state = {f"{st.name}_in": np.zeros((st.shape[0], 1, *st.shape[2:]), np.float32) for st in rec.manifest.head.state}

    def naive_head(feats: np.ndarray) -> None:
        head.run(["logits"], {"features": feats[None], **zero_state})

    # Warm the window and both paths (first runs allocate).
    for f in sampled[:T]:
        rec.push(f)
    raw_window = [f.image for f in sampled[:T]]
    naive_head(rec.features(preprocess(raw_window, spec)))

    cached, naive_raw, naive_pre = [], [], []
    pre_window = list(preprocess(raw_window, spec))
    for i in range(predictions):
        f = sampled[T + i % (len(sampled) - T)]
        # cached: the engine's real path for one new frame
        t0 = time.perf_counter()
        out = rec.push(f)
        cached.append(time.perf_counter() - t0)
        assert out, "every sampled frame completes a prediction"
        # naive, as the seed tutorials do: a deque of the last T raw frames, all re-processed
        raw_window = raw_window[1:] + [f.image]
        t0 = time.perf_counter()
        feats = rec.features(preprocess(raw_window, spec))
        naive_head(feats)
        naive_raw.append(time.perf_counter() - t0)
        # naive with preprocessed tensors cached (only the backbone recomputed)
        pre_window = pre_window[1:] + [preprocess([f.image], spec)[0]]
        t0 = time.perf_counter()
        feats = rec.features(np.stack(pre_window))
        naive_head(feats)
        naive_pre.append(time.perf_counter() - t0)
    c, nr, npre = (statistics.median(x) * 1e3 for x in (cached, naive_raw, naive_pre))
    # The same cached window as offline analysis runs it: new frames reach the backbone in
    # batches of BATCH (one prediction each), so the per-frame backbone cost is the naive path's
    # own (it runs T frames as one batch); the live figure above also pays batch-1 inefficiency.
    rec.reset()
    stream = [s for s in (rec.sample(f) for f in frames) if s is not None]
    rec.infer(stream[:BATCH])  # fills the window
    batched, n_pred = [], 0
    for i in range(BATCH, len(stream) - BATCH + 1, BATCH):
        chunk = stream[i : i + BATCH]
        t0 = time.perf_counter()
        n_pred += len(rec.infer(chunk))  # preprocessing included, as in the naive path
        batched.append((time.perf_counter() - t0) / len(chunk))
    cb = statistics.median(batched) * 1e3
    return {"T": T, "cached_ms": c, "naive_ms": nr, "naive_pre_ms": npre, "ratio": nr / c, "ratio_pre": npre / c,
            "cached_batched_ms": cb, "ratio_batched": nr / cb}


# --------------------------------------------------------------------------- (b)


def bench_offline(bundle: Path, device: str, threads: int | None, repeats: int = 5, precision: str = "auto") -> dict:
    """analyze_file throughput vs the backbone alone on the same sampled frames, same batch.

    Each repeat times the bound and the analysis back to back on every clip, and the ratio is
    the median of the per-repeat ratios: paired measurements cancel most of the load that
    other processes put on a shared machine.
    """
    from engine.runners.offline import analyze_file
    from engine.pipeline import Recognizer
    from engine.core.settings import EngineSettings

    settings = EngineSettings(device=device, threads=threads, realtime=False, precision=precision)
    rec = Recognizer(bundle, settings)
    clips = sorted(CLIPS.glob("*"))
    # Backbone-only bound: frames decoded, sampled and preprocessed beforehand.
    tensors = {}
    for clip in clips:
        rec.reset()
        sampled = [rec.sample(f) for f in decode_all(clip)]
        # (views, 3, h, w) per frame -> (frames x views, 3, h, w): every backbone input
        tensors[clip] = np.concatenate([rec.prepare(s).tensor for s in sampled if s is not None])
    # On CUDA the bound runs the same fixed batch shape as analyze_file.
    rec.features(tensors[clips[0]][:BATCH], cuda_batch=BATCH)  # warm-up
    frames = sum(len(x) for x in tensors.values())
    bound_s, analyze_s, ratios = [], [], []
    for _ in range(repeats):
        b = a = 0.0
        for clip in clips:
            x = tensors[clip]
            t0 = time.perf_counter()
            for i in range(0, len(x), BATCH):
                rec.features(x[i : i + BATCH], cuda_batch=BATCH)
            b += time.perf_counter() - t0
            t0 = time.perf_counter()
            result = analyze_file(clip, rec, settings, batch_size=BATCH)
            a += time.perf_counter() - t0
            assert len(result.predictions) == len(x)
        bound_s.append(b)
        analyze_s.append(a)
        ratios.append(b / a)
    b, a = statistics.median(bound_s), statistics.median(analyze_s)
    video_s = sum(decode_duration(c) for c in clips)
    return {"frames": frames, "bound_fps": frames / b, "analyze_fps": frames / a,
            "ratio": statistics.median(ratios), "ratio_range": (min(ratios), max(ratios)),
            "video_s": video_s, "speed": video_s / a}


def decode_duration(clip: Path) -> float:
    from engine.io.sources import open_source

    with open_source(clip) as src:
        return src.duration_s or 0.0


# --------------------------------------------------------------------------- (d)


class _ClockOnly:
    """A model-clock frame filter without a model (what analyze_file passes), optionally
    without its rate (then the source cannot skip decoding: the "before" path)."""

    def __init__(self, clock, rate: float | None) -> None:
        self.clock = clock
        if rate:
            self.sample_fps = rate

    def __call__(self, index: int, pts: float) -> bool:
        return self.clock.peek(pts)


def bench_decode(bundle: Path, repeats: int = 5) -> dict:
    """Decode + RGB conversion per sampled frame, every frame decoded vs skipping, paired per repeat."""
    from engine.bundles import load_bundle
    from engine.io.video_file import VideoFileSource
    from engine.core.window import ModelClock

    rate = load_bundle(bundle).manifest.window.sample_fps
    clips = sorted(CLIPS.glob("*"))
    before, after, skipped = [], [], 0
    for _ in range(repeats):
        for clip in clips:
            for skip in (False, True):
                clock = ModelClock(rate)
                src = VideoFileSource(clip)
                n = 0
                t0 = time.perf_counter()
                for f in src.frames(want=_ClockOnly(clock, rate if skip else None)):
                    n += bool(clock.ticks_for(f.pts_s))
                dt = (time.perf_counter() - t0) * 1e3 / max(n, 1)
                src.close()
                (after if skip else before).append(dt)
    b, a = statistics.median(before), statistics.median(after)
    return {"before_ms": b, "after_ms": a, "ratio": a / b}


# --------------------------------------------------------------------------- (e)


def bench_folder(bundle: Path, device: str, copies: int = 2) -> dict:
    """engine/runners/batch.py over a folder of the real clips (each ``copies`` times), files/s."""
    import tempfile

    from engine.runners.batch import plan_jobs, run_batch
    from engine.core.settings import EngineSettings

    results = {}
    with tempfile.TemporaryDirectory(prefix="kinesight-bench-") as tmp:
        folder = Path(tmp) / "videos"
        folder.mkdir()
        for k in range(copies):
            for clip in sorted(CLIPS.glob("*")):
                (folder / f"{k}_{clip.name}").symlink_to(clip.resolve())
        sources = sorted(str(p) for p in folder.iterdir())
        settings = EngineSettings(device=device, realtime=False)
        runs = [("1 worker", 1, False), ("2 workers", 2, False)]
        try:
            import ray

            t0 = time.perf_counter()
            ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, logging_level="ERROR")
            results["ray_start_s"] = time.perf_counter() - t0
            runs.append(("--ray (local, 2 CPUs)", 2, True))
        except ImportError:
            results["ray_start_s"] = None
        for name, workers, use_ray in runs:
            out = Path(tmp) / name.split()[0].strip("-")
            jobs = plan_jobs(sources, out, ("csv", "json"))
            t0 = time.perf_counter()
            reports = run_batch(jobs, bundle, settings, workers=workers, use_ray=use_ray, force=True)
            wall = time.perf_counter() - t0
            assert all(r.status == "done" for r in reports), [r.error for r in reports]
            results[name] = len(sources) / wall
        if results["ray_start_s"] is not None:
            ray.shutdown()
    results["files"] = len(sources)
    return results


# --------------------------------------------------------------------------- (c)


def bench_live(bundle: Path, device: str, threads: int | None, precision: str = "auto") -> dict:
    """The live engine on a real 30 fps clip paced at real time: latency and drops."""
    from engine.runners.live import Engine
    from engine.core.settings import EngineSettings

    latencies, stages = [], {"decode": [], "preprocess": [], "backbone": [], "head": []}
    done = threading.Event()
    errors = []

    def on_prediction(p) -> None:
        t = p.timings
        latencies.append(t.latency_ms)
        for k in stages:
            stages[k].append(getattr(t, f"{k}_ms"))

    engine = Engine(bundle, EngineSettings(device=device, threads=threads, realtime=True, precision=precision),
                    on_prediction=on_prediction, on_finished=done.set, on_error=errors.append)
    engine.start(CLIPS / "kinetics_cleaning_pool.mp4")
    done.wait(60)
    stats = engine.stats
    engine.close()
    if errors:
        raise errors[0]
    return {
        "p50": _pct(latencies, 50), "p95": _pct(latencies, 95), "max": max(latencies),
        "predictions": len(latencies), "frames": stats.frames_seen, "dropped": stats.dropped_frames,
        **{f"{k}_ms": statistics.median(v) for k, v in stages.items()},
        "provider": str(engine.provider),
    }


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", default="a,b,c,d,e")
    ap.add_argument("--device", default="cpu", choices=("cpu", "auto", "cuda"))
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--bundle", default=None, help="bundle to measure (default: the shipped default bundle)")
    ap.add_argument("--clips", type=Path, default=CLIPS, help=f"folder of real clips (default: {CLIPS})")
    ap.add_argument("--precision", default="auto", choices=("auto", "float"),
                    help="backbone: auto = int8 on CPU when the bundle carries it, float = always float")
    ap.add_argument("--compare", action="store_true",
                    help="float (before) vs int8 (after) side by side, interleaved: (a)-(c) of --only, the "
                         "backbone alone, and the pose stage per stage (bench/engine_compare.py)")
    ap.add_argument("--repeats", type=int, default=3, help="rounds of --compare")
    args = ap.parse_args(argv)
    globals()["CLIPS"] = args.clips
    parts = set(args.only.split(","))
    bundle, desc = bench_bundle(args.bundle)
    from engine.core.runtime import default_threads, runtime_summary

    rt = runtime_summary()
    from engine.bundles import load_bundle

    w = load_bundle(bundle).manifest.window
    print(f"bundle: {desc}, T={w.length} at {w.sample_fps:g} fps")
    print(f"machine: {rt['cpu']}, onnxruntime {rt['onnxruntime']}, device={args.device}, "
          f"threads={args.threads or default_threads()}, precision={args.precision}")
    if args.compare:
        from engine_compare import compare

        return compare(sys.modules[__name__], bundle, args.device, args.threads, parts, args.repeats)
    if "a" in parts:
        r = bench_sliding_window(bundle, args.device, args.threads, precision=args.precision)
        print(f"(a) per prediction: cached window {r['cached_ms']:.2f} ms | naive recompute of T={r['T']} "
              f"{r['naive_ms']:.2f} ms -> ratio {r['ratio']:.1f}x (target >= {0.8 * r['T']:.1f}x); "
              f"naive with preprocessing cached {r['naive_pre_ms']:.2f} ms -> {r['ratio_pre']:.1f}x")
        print(f"(a) offline (new frames batched by {BATCH}): cached window {r['cached_batched_ms']:.2f} ms per "
              f"prediction vs naive {r['naive_ms']:.2f} ms -> ratio {r['ratio_batched']:.1f}x")
    if "b" in parts:
        r = bench_offline(bundle, args.device, args.threads, precision=args.precision)
        print(f"(b) offline: analyze_file {r['analyze_fps']:.1f} sampled frames/s vs backbone-only bound "
              f"{r['bound_fps']:.1f} frames/s (batch {BATCH}, {r['frames']} frames) -> ratio {r['ratio']:.2f} "
              f"[{r['ratio_range'][0]:.2f}..{r['ratio_range'][1]:.2f} over repeats] (target >= 0.85); {r['video_s']:.1f} s of video in {r['video_s'] / r['speed']:.2f} s = "
              f"{r['speed']:.1f}x real time")
    if "c" in parts:
        r = bench_live(bundle, args.device, args.threads, precision=args.precision)
        print(f"(c) live, 30 fps clip paced at real time: latency p50 {r['p50']:.1f} ms, p95 {r['p95']:.1f} ms "
              f"(max {r['max']:.1f}); {r['predictions']} predictions, {r['frames']} frames, {r['dropped']} dropped; "
              f"median stages: decode {r['decode_ms']:.2f}, preprocess {r['preprocess_ms']:.2f}, "
              f"backbone {r['backbone_ms']:.2f}, head {r['head_ms']:.2f} ms; {r['provider']}")
    if "d" in parts:
        r = bench_decode(bundle)
        print(f"(d) decode + RGB per sampled frame: every frame decoded {r['before_ms']:.2f} ms -> skipping frames "
              f"the clock cannot sample {r['after_ms']:.2f} ms ({r['ratio']:.2f}x the time)")
    if "e" in parts:
        r = bench_folder(bundle, args.device)
        one = r["1 worker"]
        cells = [f"{name} {fps:.3f} files/s ({fps / one:.2f}x)" for name, fps in r.items()
                 if name not in ("files", "ray_start_s")]
        ray_note = (f"; Ray started in {r['ray_start_s']:.1f} s (not counted)" if r["ray_start_s"] is not None
                    else "; --ray: not installed (pip install 'kinesight[ray]')")
        print(f"(e) folder of {r['files']} clips, CSV+JSON each: " + " | ".join(cells) + ray_note)
    return 0


if __name__ == "__main__":
    sys.exit(main())
