"""Sequence bundles: a temporal head over multichannel time series, run by ONNX Runtime (torch-free).

A sequence bundle has no backbone: its head takes the channels directly. The folder (or .zip):

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

import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Sequence

import numpy as np

from engine.bundles import HEAD_FILE, SEQUENCE_TASK, load_folder_or_zip, onnx_io, plain_file, read_manifest, sha256_of
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


@dataclass(frozen=True)
class SequenceManifest:
    """Everything a sequence bundle's ``manifest.json`` says."""

    name: str
    version: str
    labels: tuple[str, ...]
    sequence: SequenceSpec
    arch: str
    files: dict[str, str]
    description: str = ""
    attribution: str = ""
    training: dict[str, Any] = field(default_factory=dict)
    created_by: str = ""

    def to_json(self) -> dict[str, Any]:
        from engine.bundles import FORMAT, FORMAT_VERSION

        return {
            "format": FORMAT, "format_version": FORMAT_VERSION, "task": SEQUENCE_TASK, "name": self.name,
            "version": self.version, "labels": list(self.labels), "sequence": self.sequence.to_json(),
            "head": {"kind": "window", "arch": self.arch}, "files": dict(self.files),
            "description": self.description, "attribution": self.attribution, "training": self.training,
            "created_by": self.created_by,
        }

    def summary(self) -> str:
        """A few human-readable lines (for the CLI)."""
        s = self.sequence
        what = (f"{len(self.labels)} classes: {', '.join(self.labels)}" if s.mode == "classify"
                else f"targets {', '.join(s.targets)} ({'per step' if s.output == 'per_step' else 'last step'})")
        lines = [f"{self.name} {self.version} (sequence, {s.mode}): {what}",
                 f"  input: {len(s.channels)} channel{'s' if len(s.channels) != 1 else ''} ({', '.join(s.channels[:8])}{', ...' if len(s.channels) > 8 else ''}), "
                 f"trained on {s.length} steps; head {self.arch}"]
        acc = self.training.get("test_accuracy")
        rmse = self.training.get("test_rmse")
        if acc is not None:
            lines.append(f"  test accuracy: {acc:.3f}")
        if rmse is not None:
            warmup = self.training.get("warmup_steps")
            lines.append(f"  test RMSE: {rmse:.4g}" + (f" (after {warmup} warm-up steps)" if warmup else ""))
        if self.description:
            lines.append(f"  {self.description}")
        return "\n".join(lines)


@dataclass(frozen=True)
class SequenceBundle:
    """A loaded, checked sequence bundle."""

    root: Path
    manifest: SequenceManifest

    @property
    def head_path(self) -> Path:
        from engine.bundles import HEAD_FILE

        return self.root / HEAD_FILE

    @property
    def spec(self) -> SequenceSpec:
        return self.manifest.sequence


def is_sequence_manifest(data: Any) -> bool:
    """True when manifest JSON data describes a sequence bundle (task "sequence")."""
    return isinstance(data, dict) and data.get("task") == SEQUENCE_TASK


def write_sequence_manifest(folder: Path, manifest: SequenceManifest) -> Path:
    """Write ``manifest.json`` into ``folder`` with a fresh sha256 of head.onnx."""
    from engine.bundles import HEAD_FILE, MANIFEST, sha256_of

    data = manifest.to_json()
    data["files"] = {HEAD_FILE: sha256_of(Path(folder) / HEAD_FILE)}
    path = Path(folder) / MANIFEST
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def _norm(d: Any, n: int, what: str) -> Normalisation:
    mean, std = tuple(float(v) for v in d["mean"]), tuple(float(v) for v in d["std"])
    if len(mean) != n or len(std) != n or min(std, default=1.0) <= 0 or not all(map(math.isfinite, mean + std)):
        raise ValueError(f"{what} needs {n} finite means and {n} positive stds")
    return Normalisation(mean, std)


def parse_sequence_manifest(data: dict[str, Any], where: str = "manifest.json") -> SequenceManifest:
    """Turn manifest JSON into a :class:`SequenceManifest`, refusing anything malformed."""
    from engine.bundles import FORMAT, FORMAT_VERSION

    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise BundleError(f"{where} is not a Kinesight bundle manifest")
    if int(data.get("format_version", 0)) > FORMAT_VERSION:
        raise BundleError(f"{where} has format_version {data['format_version']}, newer than this Kinesight "
                          f"understands ({FORMAT_VERSION}); upgrade Kinesight.")
    if not is_sequence_manifest(data):
        raise BundleError(f"{where} is a {data.get('task')!r} bundle, not a sequence bundle; "
                          "use it with `kinesight analyze`/`run`, or pass a bundle made by `kinesight train-seq`")
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
        m = SequenceManifest(
            name=str(data["name"]), version=str(data.get("version", "0")),
            labels=tuple(str(x) for x in data.get("labels", ())), sequence=spec,
            arch=str(data.get("head", {}).get("arch", "")), files=dict(data["files"]),
            description=str(data.get("description", "")), attribution=str(data.get("attribution", "")),
            training=dict(data.get("training", {})), created_by=str(data.get("created_by", "")),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise BundleError(f"{where} is malformed ({type(exc).__name__}: {exc}); re-export the bundle with "
                          "`kinesight train-seq`.") from exc
    problems = []
    if spec.mode not in MODES:
        problems.append(f"sequence.mode must be one of {', '.join(MODES)}, not {spec.mode!r}")
    if spec.output not in OUTPUTS:
        problems.append(f"sequence.output must be one of {', '.join(OUTPUTS)}, not {spec.output!r}")
    if spec.mode == "classify" and (len(m.labels) < 2 or len(set(m.labels)) != len(m.labels)):
        problems.append("a classifier's labels must list at least two distinct names")
    if spec.mode == "regress" and not spec.targets:
        problems.append("a regressor must name its targets")
    if spec.mode == "classify" and spec.output != "last":
        problems.append("a classifier outputs the last step only")
    if not channels or spec.length < 1:
        problems.append("sequence needs at least one channel and length >= 1")
    if problems:
        raise BundleError(f"{where} is invalid: " + "; ".join(problems))
    return m


def load_sequence_bundle(path: str | Path, *, check: bool = True) -> SequenceBundle:
    """Load and check a sequence bundle folder or .zip; raises :class:`BundleError` saying what is wrong."""
    path = Path(path).expanduser()
    if not path.exists():
        raise BundleError(f"sequence bundle not found: {path}. Pass the folder (or .zip) `kinesight train-seq` wrote.")
    return load_folder_or_zip(path, lambda root: _load_folder(root, path, check))


def _load_folder(root: Path, path: Path, check: bool) -> SequenceBundle:
    # The safety rules (zip limits, plain files only, manifest size, no external ONNX data) are
    # engine.bundles' own, one implementation for every kind of bundle; only the schema differs.
    mpath, data = read_manifest(root, path)
    manifest = parse_sequence_manifest(data, str(mpath))
    head = root / HEAD_FILE
    if not os.path.lexists(head):  # a link or FIFO exists: plain_file says what it is
        raise BundleError(f"bundle {path} is missing {HEAD_FILE}; re-export it with `kinesight train-seq`.")
    plain_file(head, path)
    want = manifest.files.get(HEAD_FILE)
    got = sha256_of(head)
    if want != got:
        raise BundleError(f"{HEAD_FILE} in bundle {path} fails its checksum (sha256 {got[:12]}..., manifest says "
                          f"{str(want)[:12]}...): the file is damaged or was changed. Re-export it.")
    bundle = SequenceBundle(root, manifest)
    if check:
        _check_graph(bundle)
    return bundle


def _check_graph(bundle: SequenceBundle) -> None:
    spec = bundle.spec
    ins, outs = onnx_io(bundle.head_path)
    problems = []
    if "features" not in ins or "logits" not in outs:
        problems.append(f"head.onnx must have input 'features' and output 'logits' (has {list(ins)} -> {list(outs)})")
    else:
        f, lg = ins["features"], outs["logits"]
        width = len(bundle.manifest.labels) if spec.mode == "classify" else len(spec.targets)
        rank = 3 if spec.output == "per_step" else 2
        if len(f) != 3:
            problems.append(f"head input must be (N, T, D), not {f}")
        elif isinstance(f[2], int) and f[2] > 0 and f[2] != len(spec.channels):
            problems.append(f"head takes {f[2]} channels, the manifest names {len(spec.channels)}")
        if len(lg) != rank:
            problems.append(f"head output must have rank {rank} for output {spec.output!r}, not {lg}")
        elif isinstance(lg[-1], int) and lg[-1] > 0 and lg[-1] != width:
            problems.append(f"head outputs {lg[-1]} values per step, the manifest expects {width}")
    if problems:
        raise BundleError(f"bundle {bundle.root} does not match its graph: " + "; ".join(problems))
