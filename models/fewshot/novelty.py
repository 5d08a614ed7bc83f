"""Novelty ("unknown") for a head that was not taught here, e.g. the shipped demo bundle: calibrate
a distance threshold on its training data and attach a ``novelty`` output to its head.onnx
(``python -m models.fewshot.novelty add-novelty BUNDLE DATA_DIR``)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from engine.bundles import load_bundle, write_manifest
from engine.core.errors import KinesightError
from models.fewshot.bundle import extract_clip_features
from models.fewshot.fit import ClipFeatures, FewShotConfig, BlasThreads, group_folds, subsample
from models.fewshot.model import FewShotError, MAX_NOVELTY_PROTOTYPES, NOVELTY_METHOD, unit_rows, clip_windows

# --- novelty for an existing head (the shipped demo bundle) ---------------------------------------

def _novelty_nodes(bank: np.ndarray, scale: float, prefix: str = "novelty/"):
    """Nodes and initialisers computing ``novelty`` from ``features`` (N, T, D): distance to ``bank``."""
    from onnx import helper, numpy_helper

    def init(name: str, arr) -> str:
        return numpy_helper.from_array(np.asarray(arr), prefix + name)

    inits = [init("axis1", np.array([1], np.int64)), init("bank_T", bank.T.astype(np.float32)),
             init("one", np.float32(1.0)), init("scale", np.float32(scale))]
    p = prefix
    nodes = [
        helper.make_node("ReduceMean", ["features", p + "axis1"], [p + "mean"], keepdims=0, name=p + "mean"),
        helper.make_node("LpNormalization", [p + "mean"], [p + "mean_unit"], axis=1, p=2, name=p + "mean_unit"),
        helper.make_node("MatMul", [p + "mean_unit", p + "bank_T"], [p + "sim"], name=p + "sim"),
        helper.make_node("ReduceMax", [p + "sim", p + "axis1"], [p + "max_sim"], keepdims=0, name=p + "max_sim"),
        helper.make_node("Sub", [p + "one", p + "max_sim"], [p + "distance"], name=p + "distance"),
        helper.make_node("Div", [p + "distance", p + "scale"], ["novelty"], name=p + "novelty"),
    ]
    return nodes, inits


def attach_novelty(head_path: str | Path, bank: np.ndarray, scale: float, out_path: str | Path | None = None) -> Path:
    """Add a ``novelty`` (N,) output to an existing head.onnx (any head that takes ``features``).

    The head's own nodes are kept as they are; the novelty branch reads the same ``features`` input.
    A head that already has a ``novelty`` output gets its branch replaced.
    """
    import onnx
    from onnx import TensorProto, helper

    model = onnx.load(str(head_path))
    g = model.graph
    keep_nodes = [n for n in g.node if not n.name.startswith("novelty/")]
    keep_inits = [t for t in g.initializer if not t.name.startswith("novelty/")]
    keep_outputs = [o for o in g.output if o.name != "novelty"]
    del g.node[:]
    g.node.extend(keep_nodes)
    del g.initializer[:]
    g.initializer.extend(keep_inits)
    del g.output[:]
    g.output.extend(keep_outputs)
    nodes, inits = _novelty_nodes(np.asarray(bank, np.float32), scale)
    g.node.extend(nodes)
    g.initializer.extend(inits)
    g.output.append(helper.make_tensor_value_info("novelty", TensorProto.FLOAT, ["batch"]))
    if not any(o.domain in ("", "ai.onnx") and o.version >= 18 for o in model.opset_import):
        raise FewShotError(f"{head_path} uses an ONNX opset below 18; re-export the head")
    onnx.checker.check_model(model)
    out = Path(out_path or head_path)
    onnx.save(model, str(out))
    return out


def calibrate_novelty(clips: Sequence[ClipFeatures], length: int, *, quantile: float = 0.99, margin: float = 1.5,
                      max_bank: int = MAX_NOVELTY_PROTOTYPES) -> tuple[np.ndarray, float, float, dict[str, Any]]:
    """Novelty bank, scale and threshold from training clips, calibrated by leaving each group out.

    Returns (bank (K, D) unit mean features, scale, threshold, calibration figures).
    """
    means, groups = [], []
    for c in clips:
        for v in c.views:
            w = clip_windows(v, length, 1)
            means.append(unit_rows(w.mean(1)))
            groups += [c.group] * len(w)
    m = np.concatenate(means).astype(np.float32)
    g = np.array(groups)
    held = []
    with BlasThreads(1):
        for fold in group_folds(list(g), max_folds=10):
            te = np.isin(g, fold)
            if te.all() or not te.any():
                continue
            held.append(1.0 - (m[te] @ m[~te].T).max(1))
    held_all = np.concatenate(held) if held else np.zeros(1, np.float32)
    scale = float(max(np.median(held_all), 1e-4))
    threshold = max(float(np.quantile(held_all / scale, quantile) * margin), 1.5)
    bank = m[subsample(len(m), max_bank)]
    calib = {"bank_windows": int(len(bank)), "held_out_windows": int(len(held_all)), "held_out_novelty_median": 1.0,
             "held_out_novelty_q99": round(float(np.quantile(held_all / scale, 0.99)), 4),
             "held_out_accepted": round(float((held_all / scale <= threshold).mean()), 4),
             "quantile": quantile, "margin": margin, "groups": int(len(set(groups)))}
    return bank, scale, threshold, calib


def add_novelty_to_bundle(bundle_dir: str | Path, data_dir: str | Path, *, cache_dir: str | Path | None = None,
                          views: int = 2, max_bank: int = MAX_NOVELTY_PROTOTYPES) -> dict[str, Any]:
    """Give an existing bundle (e.g. the shipped demo) a ``novelty`` output and an ``open_set`` manifest entry,
    calibrated on the dataset folder it was trained on (every video; groups held out in turn).
    """

    from models.data import scan_video_folder

    bundle = load_bundle(bundle_dir)
    m = bundle.manifest
    ds = scan_video_folder(data_dir)
    cfg = FewShotConfig(window=m.window.length, sample_fps=m.window.sample_fps, views=views)
    clips = extract_clip_features(ds.items, bundle.backbone_path, m.input, cfg, cache_dir=cache_dir)
    bank, scale, threshold, calib = calibrate_novelty(clips, m.window.length, max_bank=max_bank)
    attach_novelty(bundle.head_path, bank, scale)
    open_set = {"threshold": round(threshold, 4), "method": NOVELTY_METHOD, "output": "novelty",
                "calibration": {**calib, "dataset": Path(data_dir).name, "videos": len(ds.items)}}
    write_manifest(bundle.root, replace(m, open_set=open_set))  # with a fresh sha256 of the new head.onnx
    load_bundle(bundle.root)
    return open_set


def main(argv: list[str] | None = None) -> int:
    """``python -m models.fewshot.novelty add-novelty BUNDLE DATA_DIR``: calibrate and attach the unknown detector."""
    import argparse

    ap = argparse.ArgumentParser(prog="python -m models.fewshot.novelty", description=main.__doc__)
    sub = ap.add_subparsers(dest="command", required=True)
    a = sub.add_parser("add-novelty", help="add a novelty output and open_set to an existing bundle")
    a.add_argument("bundle", type=Path)
    a.add_argument("data_dir", type=Path, help="the dataset folder the bundle was trained on")
    a.add_argument("--cache", type=Path, default=None)
    a.add_argument("--bank", type=int, default=MAX_NOVELTY_PROTOTYPES,
                   help="training windows kept for the distance (1280 floats each)")
    args = ap.parse_args(argv)
    try:
        res = add_novelty_to_bundle(args.bundle, args.data_dir, cache_dir=args.cache, max_bank=args.bank)
    except KinesightError as exc:
        print(f"error: {exc}")
        return 1
    print(f"{args.bundle}: novelty output added, open_set threshold {res['threshold']} "
          f"({res['calibration']['held_out_accepted']:.1%} of held-out training windows accepted)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
