"""The ``sequence`` task's part of the bundle format: a temporal head over multichannel time series.

A sequence bundle is a bundle (engine/bundles/, one format and one loader for every task) whose
task reads no frames: no backbone, its head takes the channels directly. The folder (or .zip):

    manifest.json   format "kinesight-bundle", task "sequence", labels (classes; empty when it
                    regresses), head {kind "window", arch}, files {head.onnx: sha256}, and
                    sequence {mode, output, channels, normalisation, targets,
                    target_normalisation, length}
    head.onnx       features (N, T, D) float32, normalised -> logits (N, C) class scores, or
                    (N, K) targets of the last step, or (N, T, K) targets per step (normalised)

What the runtime does, in order (:mod:`engine.sequences.runner`; ``prepare_batch`` is the one
implementation, used by training too, so a bundle sees exactly what its head was trained on):

    (T, D) raw -> (x - mean) / std per channel -> missing values (NaN) become 0, the channel
    mean -> left-padded with zeros to ``length`` (shorter sequences; a recurrent head reads
    the last step, which stays the real one) -> head.onnx -> softmax, or
    targets * target_std + target_mean
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal, Sequence

import numpy as np

from engine.core.errors import BundleError

MODES = ("classify", "regress")
OUTPUTS = ("last", "per_step")


@dataclass(frozen=True)
class Normalisation:
    """Per-channel affine map: ``(x - mean) / std`` on the way in (``invert`` on the way out)."""

    mean: tuple[float, ...]
    std: tuple[float, ...]

    def apply(self, x: np.ndarray) -> np.ndarray:
        # (..., D) -> (..., D)
        return (x - np.asarray(self.mean, np.float32)) / np.asarray(self.std, np.float32)

    def invert(self, y: np.ndarray) -> np.ndarray:
        # (..., K) normalised -> (..., K) in the data's units
        return y * np.asarray(self.std, np.float32) + np.asarray(self.mean, np.float32)

    def to_json(self) -> dict[str, list[float]]:
        return {"mean": [float(v) for v in self.mean], "std": [float(v) for v in self.std]}

    @classmethod
    def fit(cls, seqs: Sequence[np.ndarray]) -> "Normalisation":
        """Mean and std per channel over every step of ``seqs`` (NaN ignored); a constant channel gets std 1."""
        allv = np.concatenate([np.asarray(s, np.float64).reshape(len(s), -1) for s in seqs])
        mean = np.nan_to_num(np.nanmean(allv, axis=0))
        std = np.nan_to_num(np.nanstd(allv, axis=0))
        std = np.where(std > 1e-8, std, 1.0)  # a constant channel carries no information; do not divide by ~0
        return cls(tuple(float(v) for v in mean), tuple(float(v) for v in std))

    @classmethod
    def identity(cls, dim: int) -> "Normalisation":
        return cls((0.0,) * dim, (1.0,) * dim)


@dataclass(frozen=True)
class SequenceSpec:
    """The manifest's ``sequence`` object: what the head expects and what it outputs."""

    mode: Literal["classify", "regress"]
    output: Literal["last", "per_step"]
    channels: tuple[str, ...]
    normalisation: Normalisation
    length: int  # training length: shorter sequences are left-padded to it
    targets: tuple[str, ...] = ()
    target_normalisation: Normalisation | None = None

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "mode": self.mode, "output": self.output, "channels": list(self.channels),
            "normalisation": self.normalisation.to_json(), "length": self.length, "padding": "left, zeros after normalisation",
        }
        if self.mode == "regress":
            data["targets"] = list(self.targets)
            data["target_normalisation"] = (self.target_normalisation or Normalisation.identity(len(self.targets))).to_json()
        return data

    def summary(self, manifest: Any) -> str:
        """A few human-readable lines about the bundle whose ``manifest`` holds this section."""
        m = manifest
        what = (f"{len(m.labels)} classes: {', '.join(m.labels)}" if self.mode == "classify"
                else f"targets {', '.join(self.targets)} ({'per step' if self.output == 'per_step' else 'last step'})")
        lines = [f"{m.name} {m.version} (sequence, {self.mode}): {what}",
                 f"  input: {len(self.channels)} channel{'s' if len(self.channels) != 1 else ''} "
                 f"({', '.join(self.channels[:8])}{', ...' if len(self.channels) > 8 else ''}), "
                 f"trained on {self.length} steps; head {m.head.arch}"]
        acc = m.training.get("test_accuracy")
        rmse = m.training.get("test_rmse")
        if acc is not None:
            lines.append(f"  test accuracy: {acc:.3f}")
        if rmse is not None:
            warmup = m.training.get("warmup_steps")
            lines.append(f"  test RMSE: {rmse:.4g}" + (f" (after {warmup} warm-up steps)" if warmup else ""))
        if m.description:
            lines.append(f"  {m.description}")
        return "\n".join(lines)


def _norm(d: Any, n: int, what: str) -> Normalisation:
    mean, std = tuple(float(v) for v in d["mean"]), tuple(float(v) for v in d["std"])
    if len(mean) != n or len(std) != n or min(std, default=1.0) <= 0 or not all(map(math.isfinite, mean + std)):
        raise ValueError(f"{what} needs {n} finite means and {n} positive stds")
    return Normalisation(mean, std)


def parse_section(data: dict[str, Any], where: str = "manifest.json") -> SequenceSpec:
    """The manifest's ``sequence`` section as a :class:`SequenceSpec`, refusing anything malformed
    (the loader, engine/bundles/loading.py, calls it for every bundle of this task)."""
    try:
        s = data["sequence"]
        channels = tuple(str(c) for c in s["channels"])
        mode, output = s["mode"], s["output"]
        targets = tuple(str(t) for t in s.get("targets", ()))
        spec = SequenceSpec(
            mode=mode, output=output, channels=channels,
            normalisation=_norm(s["normalisation"], len(channels), "sequence.normalisation"),
            length=int(s["length"]), targets=targets,
            target_normalisation=_norm(s["target_normalisation"], len(targets), "sequence.target_normalisation")
            if mode == "regress" else None,
        )
        labels = tuple(str(x) for x in data.get("labels", ()))
    except (KeyError, TypeError, ValueError) as exc:
        raise BundleError(f"{where} is malformed ({type(exc).__name__}: {exc}); re-export the bundle with "
                          "`kinesight train-seq`.") from exc
    problems = []
    if spec.mode not in MODES:
        problems.append(f"sequence.mode must be one of {', '.join(MODES)}, not {spec.mode!r}")
    if spec.output not in OUTPUTS:
        problems.append(f"sequence.output must be one of {', '.join(OUTPUTS)}, not {spec.output!r}")
    if spec.mode == "classify" and (len(labels) < 2 or len(set(labels)) != len(labels)):
        problems.append("a classifier's labels must list at least two distinct names")
    if spec.mode == "regress" and not spec.targets:
        problems.append("a regressor must name its targets")
    if spec.mode == "classify" and spec.output != "last":
        problems.append("a classifier outputs the last step only")
    if not channels or spec.length < 1:
        problems.append("sequence needs at least one channel and length >= 1")
    if problems:
        raise BundleError(f"{where} is invalid: " + "; ".join(problems))
    return spec


def check_head(manifest: Any, ins: dict[str, list], outs: dict[str, list]) -> list[str]:
    """What is wrong with head.onnx's inputs ``ins`` and outputs ``outs`` (names -> dims) for
    this manifest; empty when it fits."""
    spec = manifest.sequence
    problems = []
    if "features" not in ins or "logits" not in outs:
        problems.append(f"head.onnx must have input 'features' and output 'logits' (has {list(ins)} -> {list(outs)})")
    else:
        f, lg = ins["features"], outs["logits"]
        width = len(manifest.labels) if spec.mode == "classify" else len(spec.targets)
        rank = 3 if spec.output == "per_step" else 2
        if len(f) != 3:
            problems.append(f"head input must be (N, T, D), not {f}")
        elif isinstance(f[2], int) and f[2] > 0 and f[2] != len(spec.channels):
            problems.append(f"head takes {f[2]} channels, the manifest names {len(spec.channels)}")
        if len(lg) != rank:
            problems.append(f"head output must have rank {rank} for output {spec.output!r}, not {lg}")
        elif isinstance(lg[-1], int) and lg[-1] > 0 and lg[-1] != width:
            problems.append(f"head outputs {lg[-1]} values per step, the manifest expects {width}")
    return problems
