"""Export the MTCNN face/landmark networks (P-, R-, O-Net) to ONNX for the torch-free locator.

The weights come from the ``facenet-pytorch`` wheel (MIT licence; ``pip install
facenet-pytorch==2.5.3 --no-deps``): they ship inside the package, so building a lip bundle
downloads nothing. ``engine/lips/face.py`` runs the three graphs with ONNX Runtime; this module is
the build step that makes them, and checks each against torch before it writes anything.

    python -m models.face_export OUT_DIR     # writes face_pnet.onnx, face_rnet.onnx, face_onet.onnx
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import types
import warnings
from pathlib import Path

import numpy as np
import torch

from engine.lips.face import ONET_FILE, PNET_FILE, RNET_FILE

PARITY_ATOL = 1e-4
OPSET = 17


def _mtcnn_module():
    """facenet_pytorch.models.mtcnn without the package's ``__init__``.

    The package ``__init__`` imports InceptionResnetV1, which imports ``requests`` (a download
    helper for face-recognition weights we never use); loading mtcnn.py by path avoids making
    ``requests`` a build dependency.
    """
    spec = importlib.util.find_spec("facenet_pytorch")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("facenet-pytorch is not installed: pip install facenet-pytorch==2.5.3 --no-deps")
    root = Path(list(spec.submodule_search_locations)[0])
    # A stand-in package object so mtcnn.py's relative import (.utils.detect_face) resolves
    # without executing facenet_pytorch/__init__.py.
    pkg_name = "_kinesight_facenet"
    if pkg_name not in sys.modules:
        for name, path in ((pkg_name, root), (f"{pkg_name}.models", root / "models")):
            mod = types.ModuleType(name)
            mod.__path__ = [str(path)]
            sys.modules[name] = mod
    mspec = importlib.util.spec_from_file_location(f"{pkg_name}.models.mtcnn", root / "models" / "mtcnn.py")
    module = importlib.util.module_from_spec(mspec)
    sys.modules[mspec.name] = module
    mspec.loader.exec_module(module)
    return module


def export_mtcnn(out_dir: str | Path) -> list[Path]:
    """Write the three MTCNN graphs into ``out_dir`` and check them against torch."""
    from engine.core.runtime import make_session  # the one place ONNX Runtime sessions are made

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    m = _mtcnn_module()
    nets = [
        # (file, net, example input, output names, dynamic axes)
        (PNET_FILE, m.PNet(), torch.rand(2, 3, 61, 77) * 2 - 1, ["reg", "prob"],
         {"image": {0: "batch", 2: "height", 3: "width"}, "reg": {0: "batch", 2: "h", 3: "w"},
          "prob": {0: "batch", 2: "h", 3: "w"}}),
        (RNET_FILE, m.RNet(), torch.rand(3, 3, 24, 24) * 2 - 1, ["reg", "prob"],
         {"image": {0: "batch"}, "reg": {0: "batch"}, "prob": {0: "batch"}}),
        (ONET_FILE, m.ONet(), torch.rand(3, 3, 48, 48) * 2 - 1, ["reg", "points", "prob"],
         {"image": {0: "batch"}, "reg": {0: "batch"}, "points": {0: "batch"}, "prob": {0: "batch"}}),
    ]
    written = []
    for fname, net, example, outputs, axes in nets:
        net.eval()
        path = out_dir / fname
        # The legacy exporter: these are plain conv/PReLU/linear graphs, and it writes one
        # self-contained file (the dynamo exporter may split weights into external data).
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the legacy exporter's deprecation notice
            torch.onnx.export(net, (example,), str(path), input_names=["image"], output_names=outputs,
                              dynamic_axes=axes, opset_version=OPSET, dynamo=False)
        sess = make_session(path, "cpu")[0]
        probe = example if fname != PNET_FILE else torch.rand(1, 3, 120, 97) * 2 - 1
        with torch.no_grad():
            want = [t.numpy() for t in net(probe)]
        got = sess.run(outputs, {"image": probe.numpy()})
        err = max(float(np.abs(a - b).max()) for a, b in zip(want, got))
        if err > PARITY_ATOL:
            raise RuntimeError(f"{fname}: ONNX Runtime differs from torch by {err:.2e}; not shipping it")
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out_dir")
    args = ap.parse_args(argv)
    for p in export_mtcnn(args.out_dir):
        print(f"{p} ({p.stat().st_size / 1e3:.0f} kB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
