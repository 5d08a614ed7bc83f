"""Running a sequence bundle: normalise, left-pad, head.onnx, then class probabilities or targets.

    (T, D) raw -> (x - mean) / std per channel -> missing values (NaN) become 0, the channel
    mean -> left-padded with zeros to ``length`` -> head.onnx -> softmax, or
    targets * target_std + target_mean

``prepare_batch`` is the one implementation of the input side, used by training too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from engine.core.errors import InferenceError
from engine.core.postprocess import softmax
from engine.sequences.spec import Normalisation, SequenceSpec

def prepare_batch(seqs: Sequence[np.ndarray], norm: Normalisation, length: int) -> np.ndarray:
    """Normalise each (T_i, D) sequence and left-pad with zeros to one length -> (N, L, D) float32.

    L = max(length, longest T_i). Missing values (NaN) become 0, the channel mean.
    """
    width = max([length, *(len(s) for s in seqs)])
    out = np.zeros((len(seqs), width, len(norm.mean)), np.float32)
    for i, s in enumerate(seqs):
        out[i, width - len(s):] = np.nan_to_num(norm.apply(np.asarray(s, np.float32)), nan=0.0)
    return out


@dataclass(frozen=True)
class SequenceResult:
    """What the bundle says about one sequence.

    classify: ``label``, ``confidence`` and ``probs`` (C,); regress: ``values``, (K,) for the
    last step or (T, K) per step, in the data's own units.
    """

    name: str
    label: str | None = None
    confidence: float | None = None
    probs: np.ndarray | None = None
    values: np.ndarray | None = None

    def to_dict(self, labels: Sequence[str] = (), targets: Sequence[str] = ()) -> dict[str, Any]:
        if self.probs is not None:
            return {"name": self.name, "label": self.label, "confidence": round(float(self.confidence or 0.0), 6),
                    "probs": {lab: round(float(p), 6) for lab, p in zip(labels, self.probs)}}
        v = np.asarray(self.values)
        return {"name": self.name, "targets": list(targets), "values": np.round(v, 6).tolist()}


class SequenceRunner:
    """Runs a sequence bundle over whole sequences with ONNX Runtime (CPU or CUDA)."""

    def __init__(self, bundle: Any, device: str = "cpu", threads: int | None = None) -> None:
        """``bundle``: a loaded bundle of the ``sequence`` task (``load_bundle(path, frames=False)``)."""
        from engine.core.runtime import make_session

        self.bundle = bundle
        self.session, self.provider = make_session(bundle.head_path, device, threads)

    @property
    def spec(self) -> SequenceSpec:
        """The bundle's ``sequence`` section."""
        return self.bundle.manifest.sequence

    def check_channels(self, dim: int, where: str) -> None:
        """Raise unless sequences of ``dim`` channels fit this bundle."""
        if dim != len(self.spec.channels):
            raise InferenceError(f"{where} has {dim} channels, the bundle expects {len(self.spec.channels)} "
                                 f"({', '.join(self.spec.channels)}); pass data with the channels it was trained on")

    def raw_outputs(self, seqs: Sequence[np.ndarray], batch: int = 256) -> list[np.ndarray]:
        """The head's output for each sequence: (C,) or (K,) for the last step, (T_i, K) per step
        (padded steps dropped); normalised, as the graph gives them."""
        spec = self.spec
        out: list[np.ndarray | None] = [None] * len(seqs)
        # Sequences are batched with others of the same padded length, so a result never depends
        # on which other sequences happen to share its batch.
        by_width: dict[int, list[int]] = {}
        for i, s in enumerate(seqs):
            by_width.setdefault(max(spec.length, len(s)), []).append(i)
        for width, idx in sorted(by_width.items()):
            for k in range(0, len(idx), batch):
                chunk = idx[k : k + batch]
                x = prepare_batch([seqs[i] for i in chunk], spec.normalisation, width)
                try:
                    y = self.session.run(["logits"], {"features": x})[0]
                except Exception as exc:  # noqa: BLE001 - ORT raises its own exception types
                    raise InferenceError(f"ONNX Runtime failed on the sequence head: {exc}") from exc
                for j, i in enumerate(chunk):
                    out[i] = y[j, width - len(seqs[i]):] if spec.output == "per_step" else y[j]
        return out  # type: ignore[return-value]

    def run(self, seqs: Sequence[np.ndarray], names: Sequence[str] | None = None) -> list[SequenceResult]:
        """One :class:`SequenceResult` per (T_i, D) sequence."""
        names = list(names) if names is not None else [str(i) for i in range(len(seqs))]
        if seqs:
            self.check_channels(np.asarray(seqs[0]).shape[-1], names[0])
        spec, labels = self.spec, self.bundle.manifest.labels
        results = []
        for name, y in zip(names, self.raw_outputs(seqs)):
            if spec.mode == "classify":
                p = softmax(y)
                k = int(p.argmax())
                results.append(SequenceResult(name, label=labels[k], confidence=float(p[k]), probs=p))
            else:
                results.append(SequenceResult(name, values=spec.target_normalisation.invert(y)))  # type: ignore[union-attr]
        return results
