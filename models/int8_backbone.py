"""An int8 twin of a bundle's backbone: static QDQ quantisation calibrated on real frames.

    python -m models.int8_backbone BUNDLE --devdata DIR [--exclude REL ...] [--extra CLIP ...]

Writes ``backbone_int8.onnx`` beside ``backbone.onnx`` and lists it in the manifest (sha256,
checked at load like every file) with its provenance under ``training.int8_backbone``: the
calibration clips, the settings, and the cosine similarity of its features to the float ones on
held-out real frames. The engine runs it on CPU (``EngineSettings.precision = "auto"``); float
stays selectable and is what CUDA runs.

Calibration: up to ``--per-clip`` frames of every clip in ``DEVDATA/MANIFEST.csv`` except the
``--exclude`` ones (plus ``--extra`` clips), sampled on the bundle's model clock and preprocessed
exactly as the engine does (``engine.bundles.preprocess``). The excluded clips (the teaching
benchmark's) are the held-out frames the cosine is measured on. Seeded: the same inputs give
the same file. ``resources/bundles/make_int8.sh`` runs it for the shipped bundle.
"""

from __future__ import annotations

import argparse
import csv
import json
import shutil
import tempfile
from pathlib import Path

import numpy as np

from engine.bundles import BACKBONE_INT8_FILE, MANIFEST, load_bundle, sha256_of
from engine.bundles.preprocess import preprocess

HELD_OUT_PER_CLIP = 8


def widened(src: Path, dst: Path) -> Path:
    """``src`` with float16-stored weights (models/half_weights.py) turned back into float32
    initializers, so the quantiser sees plain Conv weights; a float32 graph is copied as is."""
    import onnx
    from onnx import TensorProto, numpy_helper

    model = onnx.load(str(src))
    g = model.graph
    inits = {t.name: t for t in g.initializer}
    nodes, widened_inits = [], []
    for n in g.node:
        t = inits.get(n.input[0]) if n.op_type == "Cast" and n.input else None
        if t is not None and t.data_type == TensorProto.FLOAT16:
            widened_inits.append(numpy_helper.from_array(numpy_helper.to_array(t).astype(np.float32), n.output[0]))
            del inits[t.name]
        else:
            nodes.append(n)
    del g.initializer[:]
    g.initializer.extend(list(inits.values()) + widened_inits)
    del g.node[:]
    g.node.extend(nodes)
    onnx.save(model, str(dst))
    return dst


def clip_frames(paths: list[Path], spec, sample_fps: float, per_clip: int) -> np.ndarray:
    """(N, 3, h, w) float32: up to ``per_clip`` evenly spaced model-clock frames of each clip,
    preprocessed as the engine does."""
    from models.data import sample_frames

    out = []
    for p in paths:
        frames = sample_frames(p, sample_fps)
        idx = np.unique(np.linspace(0, len(frames) - 1, min(per_clip, len(frames))).round().astype(int))
        out.append(preprocess([frames[i] for i in idx], spec))
    return np.concatenate(out)


def quantise(fp_path: Path, out_path: Path, calibration: np.ndarray, *, float_ends: bool = False) -> Path:
    """Static QDQ int8 (uint8 activations, int8 per-channel weights, full range: the VNNI kernels
    of ONNX Runtime 1.31 do not saturate), MinMax ranges over ``calibration``; ``float_ends``
    leaves the first and the last convolution in float."""
    from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quantize_static
    from onnxruntime.quantization.shape_inference import quant_pre_process

    class _Reader(CalibrationDataReader):
        def __init__(self, data: np.ndarray) -> None:
            self._it = iter([{"frames": np.ascontiguousarray(data[i : i + 8])} for i in range(0, len(data), 8)])

        def get_next(self):
            return next(self._it, None)

    with tempfile.TemporaryDirectory() as tmp:
        plain = widened(fp_path, Path(tmp) / "fp32.onnx")
        pre = Path(tmp) / "pre.onnx"
        quant_pre_process(str(plain), str(pre), skip_symbolic_shape=True)
        import onnx

        convs = [n.name for n in onnx.load(str(pre)).graph.node if n.op_type == "Conv"]
        quantize_static(str(pre), str(out_path), _Reader(calibration), quant_format=QuantFormat.QDQ,
                        per_channel=True, activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8,
                        nodes_to_exclude=[convs[0], convs[-1]] if float_ends and convs else [])
    return out_path


def feature_cosine(float_path: Path, int8_path: Path, frames: np.ndarray) -> np.ndarray:
    """Per frame, the cosine similarity of the int8 graph's features to the float graph's."""
    from engine.core.runtime import make_session

    def feats(path: Path) -> np.ndarray:
        sess = make_session(path, "cpu")[0]
        return np.concatenate([sess.run(["features"], {"frames": frames[i : i + 16]})[0]
                               for i in range(0, len(frames), 16)])

    a, b = feats(float_path), feats(int8_path)
    return (a * b).sum(1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1) + 1e-12)


def build(bundle_dir: Path, devdata: Path, exclude: list[str], extra: list[Path], *, per_clip: int = 3,
          max_frames: int = 256, seed: int = 0, float_ends: bool = False) -> dict:
    """Quantise ``bundle_dir``'s backbone, write it into the bundle and its manifest; returns the provenance."""
    import onnxruntime

    bundle = load_bundle(bundle_dir)
    m = bundle.manifest
    rows = list(csv.DictReader((devdata / "MANIFEST.csv").open(encoding="utf-8")))
    excluded = set(exclude)
    calib_clips = [devdata / r["file"] for r in rows if r["file"] not in excluded] + list(extra)
    held_clips = [devdata / r for r in sorted(excluded) if (devdata / r).is_file()]
    calib = clip_frames(calib_clips, m.input, m.window.sample_fps, per_clip)
    rng = np.random.default_rng(seed)
    calib = calib[np.sort(rng.choice(len(calib), size=min(max_frames, len(calib)), replace=False))]
    out = bundle_dir / BACKBONE_INT8_FILE
    with tempfile.TemporaryDirectory() as tmp:
        q = quantise(bundle.backbone_path, Path(tmp) / BACKBONE_INT8_FILE, calib, float_ends=float_ends)
        shutil.copyfile(q, out)
    cos = feature_cosine(bundle.backbone_path, out, clip_frames(held_clips, m.input, m.window.sample_fps,
                                                                HELD_OUT_PER_CLIP)) if held_clips else np.zeros(0)
    provenance = {
        "method": "onnxruntime.quantization.quantize_static, QDQ, uint8 activations, int8 per-channel weights, MinMax"
                  + (", first and last convolution float" if float_ends else ""),
        "onnxruntime": onnxruntime.__version__,
        "calibration": {"clips": len(calib_clips), "frames": int(len(calib)), "per_clip": per_clip, "seed": seed,
                        "sources": sorted({str(p.relative_to(devdata)).split("/")[0] if p.is_relative_to(devdata)
                                           else p.name for p in calib_clips})},
        "held_out": {"clips": len(held_clips), "frames": int(len(cos)),
                     "feature_cosine_mean": round(float(cos.mean()), 4) if len(cos) else None,
                     "feature_cosine_min": round(float(cos.min()), 4) if len(cos) else None},
        "size_mb": round(out.stat().st_size / 1e6, 2),
    }
    data = json.loads((bundle_dir / MANIFEST).read_text(encoding="utf-8"))
    data["files"][BACKBONE_INT8_FILE] = sha256_of(out)
    data.setdefault("training", {})["int8_backbone"] = provenance
    (bundle_dir / MANIFEST).write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    load_bundle(bundle_dir)  # the checks a user's load makes, the new file's checksum included
    return provenance


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m models.int8_backbone", description=__doc__.split("\n\n")[0])
    p.add_argument("bundle", type=Path, help="bundle folder whose backbone to quantise (written in place)")
    p.add_argument("--devdata", type=Path, required=True, help="folder of real clips with MANIFEST.csv")
    p.add_argument("--exclude", nargs="*", default=[], help="MANIFEST.csv files kept out of calibration (held out)")
    p.add_argument("--extra", nargs="*", type=Path, default=[], help="more calibration clips")
    p.add_argument("--per-clip", type=int, default=3)
    p.add_argument("--max-frames", type=int, default=256)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--float-ends", action="store_true", help="leave the first and last convolution in float")
    a = p.parse_args(argv)
    prov = build(a.bundle, a.devdata, a.exclude, a.extra, per_clip=a.per_clip, max_frames=a.max_frames, seed=a.seed,
                 float_ends=a.float_ends)
    print(json.dumps(prov, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
