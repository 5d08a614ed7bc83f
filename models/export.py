"""Export a backbone and a temporal head to a Kinesight model bundle (ONNX + manifest).

The exported graphs are run in ONNX Runtime right after export and compared with torch on
random inputs (as timm's ``utils/onnx.py`` does); a mismatch raises instead of shipping.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import warnings
from pathlib import Path
from typing import Sequence

import numpy as np
import torch
from torch import nn

from engine.bundles import (
    BACKBONE_FILE,
    HEAD_FILE,
    HeadSpec,
    InputSpec,
    Manifest,
    StateSpec,
    WindowSpec,
    load_bundle,
    write_manifest,
)

log = logging.getLogger(__name__)

OPSET = 18  # torch 2.14's dynamo exporter keeps 18 whatever is asked; ask for it explicitly
PARITY_ATOL = 1e-4


class ExportError(RuntimeError):
    """Export produced a graph that disagrees with torch, or could not export at all."""


class _StreamingWrapper(nn.Module):
    """Gives a streaming head's ``step`` the bundle's fixed ONNX signature."""

    def __init__(self, head: nn.Module) -> None:
        super().__init__()
        self.head = head

    def forward(self, features: torch.Tensor, *state: torch.Tensor):
        logits, *new_state = self.head.step(features, *state)
        return (logits, *new_state)


def _dynamic_axes(input_names, output_names, dynamic_shapes) -> dict[str, dict[int, str]]:
    """The legacy exporter's ``dynamic_axes`` for the same dynamic dims as ``dynamic_shapes``."""
    flat: list[dict] = []
    for d in dynamic_shapes:
        flat.extend(d if isinstance(d, (tuple, list)) else [d])
    axes = {name: {ax: dim.__name__ for ax, dim in d.items()} for name, d in zip(input_names, flat)}
    for name in output_names:
        axes[name] = {1: "batch"} if name.endswith("_out") else {0: "batch"}
    return axes


def _onnx_export(module: nn.Module, args: tuple, path: Path, input_names, output_names, dynamic_shapes) -> None:
    module.eval()
    # torch.export specialises the time axis of nn.RNN/LSTM/GRU to the example's length (torch
    # 2.14), so the file would fail at any other T; the TorchScript exporter maps them to ONNX's
    # own RNN/LSTM/GRU ops with a dynamic sequence axis (parity ~1e-7).
    legacy = any(isinstance(m, nn.RNNBase) for m in module.modules())
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        logging.getLogger("torch.onnx").setLevel(logging.ERROR)
        try:
            if legacy:
                torch.onnx.export(
                    module,
                    args,
                    str(path),
                    dynamo=False,
                    opset_version=OPSET,
                    input_names=list(input_names),
                    output_names=list(output_names),
                    dynamic_axes=_dynamic_axes(input_names, output_names, dynamic_shapes),
                    verbose=False,
                )
                return
            torch.onnx.export(
                module,
                args,
                str(path),
                dynamo=True,
                opset_version=OPSET,
                input_names=list(input_names),
                output_names=list(output_names),
                dynamic_shapes=dynamic_shapes,
                external_data=False,
                verbose=False,
            )
        except Exception as exc:  # noqa: BLE001 - the exporter raises many types
            raise ExportError(f"ONNX export of {type(module).__name__} failed: {exc}") from exc


def _ort_session(path: Path):
    from engine.core.runtime import make_session  # the one place ONNX Runtime sessions are made

    return make_session(path, "cpu")[0]


def _check_parity(name: str, torch_out: Sequence[torch.Tensor], ort_out: Sequence[np.ndarray], atol: float) -> float:
    worst = 0.0
    for t, o in zip(torch_out, ort_out):
        t = t.detach().cpu().numpy()
        if t.shape != o.shape:
            raise ExportError(f"{name}: ONNX output shape {o.shape} differs from torch {t.shape}")
        worst = max(worst, float(np.max(np.abs(t - o))) if t.size else 0.0)
    if worst > atol:
        raise ExportError(f"{name}: ONNX Runtime differs from torch by {worst:.2e} (> {atol:.0e})")
    return worst


def export_backbone(backbone: nn.Module, path: Path, size: tuple[int, int], *, atol: float = PARITY_ATOL) -> float:
    """Export frames (N,3,H,W) -> features (N,D) with dynamic batch; returns the parity error."""
    h, w = size
    batch = torch.export.Dim("batch", min=1, max=1024)
    # A batch-1 example silently fixes the batch axis even with dynamic shapes: use 2.
    x = torch.rand(2, 3, h, w)
    _onnx_export(backbone, (x,), path, ["frames"], ["features"], ({0: batch},))
    x = torch.rand(3, 3, h, w)
    with torch.no_grad():
        ref = backbone.eval()(x)
    return _check_parity("backbone", [ref], _ort_session(path).run(None, {"frames": x.numpy()}), atol)


def export_head(
    head: nn.Module, path: Path, *, feature_dim: int, length: int, streaming: bool, atol: float = PARITY_ATOL
) -> tuple[tuple[StateSpec, ...], float]:
    """Export a head; dynamic batch and time. Returns (state specs, parity error)."""
    head = head.eval()
    batch = torch.export.Dim("batch", min=1, max=1024)
    time = torch.export.Dim("time", min=1, max=4096)
    if not streaming:
        x = torch.randn(2, max(length, 2), feature_dim)
        _onnx_export(head, (x,), path, ["features"], ["logits"], ({0: batch, 1: time},))
        states: tuple[StateSpec, ...] = ()
        x = torch.randn(3, length, feature_dim)
        with torch.no_grad():
            ref = [head(x)]
        sess = _ort_session(path)
        got = sess.run(None, {"features": x.numpy()})
        x2 = torch.randn(1, length + 3, feature_dim)  # another T must work too
        with torch.no_grad():
            ref2 = [head(x2)]
        got2 = sess.run(None, {"features": x2.numpy()})
        err = max(_check_parity("head", ref, got, atol), _check_parity("head (other T)", ref2, got2, atol))
        return states, err

    specs = head.state_spec()  # [(name, shape for batch 1)], batch on axis 1
    states = tuple(StateSpec(n, tuple(s)) for n, s in specs)
    wrapper = _StreamingWrapper(head).eval()
    x = torch.randn(2, 3, feature_dim)
    st = tuple(torch.zeros(s.shape[0], 2, *s.shape[2:]) for s in states)
    dyn = ({0: batch, 1: time}, tuple({1: batch} for _ in states))
    _onnx_export(
        wrapper,
        (x, *st),
        path,
        ["features", *(f"{s.name}_in" for s in states)],
        ["logits", *(f"{s.name}_out" for s in states)],
        dyn,
    )
    # Parity: feeding a window step by step with carried state equals one call over it.
    x = torch.randn(3, length, feature_dim)
    st = [torch.randn(s.shape[0], 3, *s.shape[2:]) * 0.1 for s in states]
    with torch.no_grad():
        ref = wrapper(x, *st)
    feeds = {"features": x.numpy(), **{f"{s.name}_in": t.numpy() for s, t in zip(states, st)}}
    sess = _ort_session(path)  # one session for all the runs (a new one per step cost T+1 graph loads)
    err = _check_parity("streaming head", ref, sess.run(None, feeds), atol)
    cur = [t.numpy() for t in st]
    for k in range(length):
        out = sess.run(None, {"features": x[:, k : k + 1].numpy(), **{f"{s.name}_in": c for s, c in zip(states, cur)}})
        cur = out[1:]
    err = max(err, _check_parity("streaming head (step by step)", [ref[0]], [out[0]], atol))
    return states, err


def export_bundle(
    out_dir: str | Path,
    *,
    backbone: nn.Module,
    head: nn.Module,
    name: str,
    labels: Sequence[str],
    window: WindowSpec,
    input_spec: InputSpec,
    backbone_name: str,
    feature_dim: int,
    head_arch: str,
    streaming: bool = False,
    version: str = "1.0",
    task: str = "action",
    description: str = "",
    attribution: str = "",
    training: dict | None = None,
    backbone_onnx: str | Path | None = None,
) -> Path:
    """Write a complete, checked bundle folder to ``out_dir`` and return its path.

    ``backbone_onnx`` reuses an already exported backbone file (same backbone, same input
    spec), so training many heads does not re-export the CNN each time.
    The bundle is written to a temporary folder and moved into place only once it loads.
    """
    out_dir = Path(out_dir)
    tmp = Path(tempfile.mkdtemp(prefix=".bundle-", dir=out_dir.parent if out_dir.parent.exists() else None))
    tmp.chmod(0o755)  # mkdtemp makes it private (0700); a bundle is meant to be shared and shipped
    try:
        report: dict = {}
        if backbone_onnx is not None:
            shutil.copyfile(backbone_onnx, tmp / BACKBONE_FILE)
        else:
            report["backbone_parity_max_abs"] = export_backbone(backbone, tmp / BACKBONE_FILE, input_spec.size)
        states, herr = export_head(
            head, tmp / HEAD_FILE, feature_dim=feature_dim, length=window.length, streaming=streaming
        )
        report["head_parity_max_abs"] = herr
        manifest = Manifest(
            name=name,
            version=version,
            task=task,  # type: ignore[arg-type]
            labels=tuple(labels),
            window=window,
            input=input_spec,
            backbone=backbone_name,
            feature_dim=feature_dim,
            head=HeadSpec(kind="streaming" if streaming else "window", arch=head_arch, state=states),
            files={},
            description=description,
            attribution=attribution,
            training={**(training or {}), "export": report},
            created_by="kinesight models.export",
        )
        write_manifest(tmp, manifest)
        load_bundle(tmp)  # the same checks a user's load will make
        if out_dir.exists():
            shutil.rmtree(out_dir)
        out_dir.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(tmp), str(out_dir))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    log.info("wrote bundle %s", out_dir)
    return out_dir


def quantize_backbone(fp32_path: str | Path, out_path: str | Path, calibration: np.ndarray) -> Path:
    """Static int8 QDQ quantisation (per-channel) of a backbone.onnx, calibrated on real frames.

    ``calibration`` is (N, 3, H, W) float32, already preprocessed. Static QDQ is the fast path on
    CPUs with VNNI; dynamic quantisation is several times slower for convnets (FACTS.md).
    """
    from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quantize_static
    from onnxruntime.quantization.shape_inference import quant_pre_process

    class _Reader(CalibrationDataReader):
        def __init__(self, data: np.ndarray) -> None:
            self._it = iter([{"frames": data[i : i + 8]} for i in range(0, len(data), 8)])

        def get_next(self):
            return next(self._it, None)

    out_path = Path(out_path)
    with tempfile.TemporaryDirectory() as tmp:
        pre = Path(tmp) / "pre.onnx"
        try:
            quant_pre_process(str(fp32_path), str(pre), skip_symbolic_shape=True)
        except Exception:  # noqa: BLE001 - pre-processing is an optimisation; quantise the original instead
            shutil.copyfile(fp32_path, pre)
        quantize_static(
            str(pre), str(out_path), _Reader(np.ascontiguousarray(calibration, dtype=np.float32)),
            quant_format=QuantFormat.QDQ, per_channel=True,
            activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8,
            # 7-bit weights: ORT's u8 x s8 kernels can saturate their 16-bit intermediate sums
            # with full-range weights. Measured with onnxruntime 1.31 on the shipped backbone and
            # real frames: feature cosine to float 0.906 without, 0.957 with.
            reduce_range=True,
        )
    return out_path
