"""One contract over every temporal head: shapes, learning, ONNX export and ONNX Runtime parity."""

from __future__ import annotations

import numpy as np
import onnxruntime as ort
import pytest
import torch

from engine.bundles import HEAD_FILE
from models.export import export_head
from models.heads import HEAD_ARCHS, build_head, can_stream

D, C, T = 12, 3, 6

CASES = [(arch, {}) for arch in HEAD_ARCHS] + [
    ("lstm", {"num_layers": 2}),  # stacked
    ("gru", {"num_layers": 2}),
    ("bigru", {"num_layers": 2}),
]


def _small(arch: str, extra: dict) -> torch.nn.Module:
    torch.manual_seed(0)
    kw = {"hidden": 16, **extra}
    if arch == "transformer":
        kw.update(heads=2)
    return build_head(arch, D, C, **kw)


def _toy_batch(n: int = 24):
    """Three classes that differ only in time order: rising, falling, constant features."""
    g = torch.Generator().manual_seed(1)
    y = torch.arange(n) % C
    ramp = torch.linspace(-1, 1, T)
    shape = torch.stack([ramp, -ramp, torch.zeros(T)])[y]  # (n, T)
    x = shape[:, :, None] * torch.ones(D) + 0.1 * torch.randn(n, T, D, generator=g)
    return x, y


@pytest.mark.parametrize(("arch", "extra"), CASES, ids=[f"{a}{'-' + str(e['num_layers']) + 'layers' if e else ''}" for a, e in CASES])
def test_head_contract(arch, extra, tmp_path):
    head = _small(arch, extra)
    # shapes: (B,T,D) -> (B,C), any batch and window length
    head.eval()
    with torch.no_grad():
        assert head(torch.randn(2, T, D)).shape == (2, C)
        assert head(torch.randn(1, T + 5, D)).shape == (1, C)

    # a few training steps lower the loss on a task only the time order separates
    head.train()
    x, y = _toy_batch()
    opt = torch.optim.AdamW(head.parameters(), lr=1e-2)
    losses = []
    for _ in range(15):
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(head(x), y)
        loss.backward()
        opt.step()
        losses.append(float(loss.detach()))
    assert losses[-1] < 0.7 * losses[0], losses

    # window export: dynamic batch and T, ORT parity < 1e-4 (checked inside export_head, and here again)
    head.eval()
    path = tmp_path / HEAD_FILE
    states, err = export_head(head, path, feature_dim=D, length=T, streaming=False)
    assert states == () and err < 1e-4
    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    for shape in [(1, T, D), (4, T + 3, D)]:
        xin = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
        with torch.no_grad():
            ref = head(torch.from_numpy(xin)).numpy()
        got = sess.run(["logits"], {"features": xin})[0]
        assert np.max(np.abs(ref - got)) < 1e-4

    # streaming export where the head supports it: state in/out, step-by-step equals the window
    if can_stream(head):
        spath = tmp_path / "stream.onnx"
        states, err = export_head(head, spath, feature_dim=D, length=T, streaming=True)
        assert err < 1e-4
        assert [s.name for s in states] == (["h", "c"] if "lstm" in arch else ["h"])
        sess = ort.InferenceSession(str(spath), providers=["CPUExecutionProvider"])
        xin = np.random.default_rng(1).standard_normal((1, T, D)).astype(np.float32)
        cur = {f"{s.name}_in": np.zeros(s.shape, np.float32) for s in states}
        for k in range(T):
            out = sess.run(None, {"features": xin[:, k : k + 1], **cur})
            cur = {f"{s.name}_in": o for s, o in zip(states, out[1:])}
        with torch.no_grad():
            ref = head(torch.from_numpy(xin)).numpy()  # the window head from zero state
        assert np.max(np.abs(out[0] - ref)) < 1e-4
    else:
        assert arch not in ("rnn", "lstm", "gru") or extra.get("bidirectional")


def test_unknown_head_is_a_clear_error():
    from engine.core.errors import KinesightError

    with pytest.raises(KinesightError, match="choose one of"):
        build_head("lstmm", D, C)
