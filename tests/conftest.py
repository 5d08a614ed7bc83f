"""Shared fixtures: the real data in ../shared/data and small bundles exported from torch.

The bundles are exported by the real ``models.export`` path from small torch models with
fixed seeds, once per test session, so engine and GUI tests run real ONNX Runtime sessions.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
CLIPS = SHARED / "clips"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED.is_dir():
        pytest.fail(f"the real data folder {SHARED} is missing: check out ../shared beside the repo")
    return SHARED


@pytest.fixture(scope="session")
def clips(shared_data) -> dict[str, Path]:
    """The real action clips, by short name: ucf (avi, 25 fps), arm (mp4, 28 fps), pool (mp4, 30 fps)."""
    c = shared_data / "clips"
    return {
        "ucf": c / "ucf101_apply_eye_makeup.avi",
        "arm": c / "kinetics_arm_wrestling.mp4",
        "pool": c / "kinetics_cleaning_pool.mp4",
    }


def _tiny_models(head_kind: str, feature_dim: int = 32, classes: int = 3):
    import torch
    from torch import nn

    torch.manual_seed(0)

    class TinyBackbone(nn.Module):
        """A small CNN: (N,3,H,W) -> (N,D). Colour statistics survive pooling, so real
        clips give distinct features."""

        def __init__(self) -> None:
            super().__init__()
            self.net = nn.Sequential(
                nn.Conv2d(3, 16, 3, 2, 1), nn.ReLU(), nn.Conv2d(16, feature_dim, 3, 2, 1), nn.ReLU(),
                nn.AdaptiveAvgPool2d(1), nn.Flatten(),
            )

        def forward(self, x):
            return self.net(x)

    class TinyGRU(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.rnn = nn.GRU(feature_dim, 24, batch_first=True)
            self.out = nn.Linear(24, classes)

        def forward(self, x):
            y, _ = self.rnn(x)
            return self.out(y[:, -1])

        def state_spec(self):
            return [("h", (1, 1, 24))]

        def step(self, x, h):
            y, h2 = self.rnn(x, h)
            return self.out(y[:, -1]), h2

    class TinyMeanHead(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.out = nn.Linear(feature_dim, classes)

        def forward(self, x):
            return self.out(x.mean(1)) * 20.0

    return TinyBackbone(), (TinyGRU() if head_kind in ("gru", "streaming") else TinyMeanHead())


def export_tiny_bundle(out: Path, head: str = "window", *, length: int = 8, sample_fps: float = 10.0) -> Path:
    """Export a small but real bundle (tiny CNN + head) to ``out``."""
    from engine.bundles import InputSpec, WindowSpec
    from models.export import export_bundle

    backbone, head_module = _tiny_models(head)
    return export_bundle(
        out,
        backbone=backbone,
        head=head_module,
        name=f"tiny-{head}",
        labels=["alpha", "beta", "gamma"],
        window=WindowSpec(window_length=length, sample_fps=sample_fps, prediction_stride=1),
        input_spec=InputSpec(size=(64, 64), resize=72),
        backbone_name="tiny_cnn",
        feature_dim=32,
        head_arch="gru" if head == "streaming" else "mean",
        streaming=head == "streaming",
        description="test fixture",
    )


@pytest.fixture(scope="session")
def tiny_bundle(tmp_path_factory) -> Path:
    """A window-head bundle: T=8 at 10 fps, 64x64 input, labels alpha/beta/gamma."""
    return export_tiny_bundle(tmp_path_factory.mktemp("bundles") / "tiny-window", "window")


@pytest.fixture(scope="session")
def streaming_bundle(tmp_path_factory) -> Path:
    """A streaming GRU bundle with explicit state: T=8 at 10 fps."""
    return export_tiny_bundle(tmp_path_factory.mktemp("bundles") / "tiny-streaming", "streaming")


def _write_head_bundle(out: Path, base: Path, head_graph, **manifest_changes) -> Path:
    """A bundle beside ``base``: its backbone, a head built with onnx.helper, a changed manifest."""
    import dataclasses
    import shutil

    import onnx

    from engine.bundles import BACKBONE_FILE, HEAD_FILE, load_bundle, write_manifest

    out.mkdir(parents=True, exist_ok=True)
    shutil.copy(base / BACKBONE_FILE, out / BACKBONE_FILE)
    onnx.save(head_graph, str(out / HEAD_FILE))
    manifest = dataclasses.replace(load_bundle(base).manifest, **manifest_changes)
    write_manifest(out, manifest)
    return out


def _graph(nodes, inits, outputs, name: str):
    from onnx import TensorProto, helper

    features = helper.make_tensor_value_info("features", TensorProto.FLOAT, ["N", "T", 32])
    graph = helper.make_graph(nodes, name, [features], outputs, inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8)


# GRID-like word vocabulary of the toy sequence task; the first token is the blank.
TOY_VOCAB = ("<blank>", "bin", "blue", "at", "f", "two", "now")


@pytest.fixture(scope="session")
def toy_sequence_bundle(tiny_bundle, tmp_path_factory) -> Path:
    """A lip-task bundle whose head emits per-step token logits (N, T, V): a fixed random linear
    map of how each step's feature differs from the window's mean, so the mouth's motion changes
    the token and stillness reads as blank (no training: it exercises the seam, not lip reading)."""
    import dataclasses

    import numpy as np
    from onnx import TensorProto, helper, numpy_helper

    from engine.bundles import HeadSpec, load_bundle

    rng = np.random.default_rng(7)
    w = (rng.standard_normal((32, len(TOY_VOCAB))) * 400.0).astype(np.float32)
    w[:, 0] = 0.0  # the blank: a constant logit, beaten only by a clear change
    b = np.zeros(len(TOY_VOCAB), np.float32)
    b[0] = 1.5
    nodes = [
        helper.make_node("ReduceMean", ["features"], ["mean"], axes=[1], keepdims=1),
        helper.make_node("Sub", ["features", "mean"], ["change"]),
        helper.make_node("MatMul", ["change", "W"], ["z"]),
        helper.make_node("Add", ["z", "B"], ["logits"]),
    ]
    logits = helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["N", "T", len(TOY_VOCAB)])
    head = _graph(nodes, [numpy_helper.from_array(w, "W"), numpy_helper.from_array(b, "B")], [logits], "toy_words")
    base = load_bundle(tiny_bundle).manifest
    return _write_head_bundle(
        tmp_path_factory.mktemp("bundles") / "toy-words", tiny_bundle, head, name="toy-words", task="lip",
        labels=TOY_VOCAB, input=dataclasses.replace(base.input, roi="mouth"),
        head=HeadSpec("window", "linear-per-step"), description="test fixture: per-step token logits",
    )


@pytest.fixture(scope="session")
def novelty_bundle(tiny_bundle, tmp_path_factory) -> Path:
    """An action bundle whose head has a ``novelty`` output: logits from the mean feature, and
    novelty = the mean of every feature value in the window; open_set threshold -1 (everything
    is unknown unless the settings raise it)."""
    import numpy as np
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(3)
    w = (rng.standard_normal((32, 3)) * 20.0).astype(np.float32)
    nodes = [
        helper.make_node("ReduceMean", ["features"], ["pooled"], axes=[1], keepdims=0),
        helper.make_node("MatMul", ["pooled", "W"], ["logits"]),
        helper.make_node("ReduceMean", ["pooled"], ["novelty"], axes=[1], keepdims=0),
    ]
    outputs = [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["N", 3]),
               helper.make_tensor_value_info("novelty", TensorProto.FLOAT, ["N"])]
    head = _graph(nodes, [numpy_helper.from_array(w, "W")], outputs, "novelty_head")
    return _write_head_bundle(
        tmp_path_factory.mktemp("bundles") / "tiny-novelty", tiny_bundle, head, name="tiny-novelty",
        open_set={"threshold": -1.0, "method": "mean feature (test fixture)"},
    )


def pytest_terminal_summary(terminalreporter) -> None:
    """Print the figures tests record as ``record_property("summary", line)`` (the installed
    package's size, say) at the end of the run, where `pytest -q` shows them too."""
    lines = [value for key in ("passed", "failed") for rep in terminalreporter.stats.get(key, [])
             if rep.when == "call" for name, value in rep.user_properties if name == "summary"]
    if lines:
        terminalreporter.write_sep("-", "figures")
        for line in lines:
            terminalreporter.write_line(line)
