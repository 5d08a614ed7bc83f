"""The bundle format: ``manifest.json``'s schema as typed records, and how ``models/`` writes it.

A bundle is a folder (or a .zip of one) holding everything needed to run a model, the way
torchvision's weights carry their transforms and categories:

    manifest.json   what the model is, how to feed it, what it outputs (schema below)
    backbone.onnx   frames (N, 3, H, W) float32 -> features (N, D)
    head.onnx       features (N, S, D) [+ state] -> logits (N, C) [+ state]

One format for every task: a task whose bundles read no frames (``sequence``: time series) has
no backbone and keeps its own section (``sequence``) in the manifest instead of ``window`` and
``input``.

``models/`` writes bundles through :func:`write_manifest`, so there is one schema in one place;
:mod:`engine.bundles.loading` reads and checks them.

ONNX input/output names (fixed, so the engine never guesses):
    backbone: input ``frames`` -> output ``features``
    window head: input ``features`` (N, T, D) -> output ``logits`` (N, C)
    streaming head: inputs ``features`` (N, S, D) and ``<state>_in`` for each state entry
        -> outputs ``logits`` (N, C) (for the last step) and ``<state>_out``
    sequence tasks (lip): ``logits`` may be per step, (N, T, V) over the token vocabulary
    optional: output ``novelty`` (N,), larger = less like the training data (with the
        manifest's ``open_set.threshold``, it makes the action decoder say "unknown")
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

FORMAT = "kinesight-bundle"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
BACKBONE_FILE = "backbone.onnx"
HEAD_FILE = "head.onnx"
# Task ``sequence`` (multichannel time series: no backbone, the head takes the channels): its
# manifest section and runner are in ``engine/sequences/`` (``kinesight analyze-seq``).
SEQUENCE_TASK = "sequence"



@dataclass(frozen=True)
class WindowSpec:
    """The model's own clock: windows of ``window_length`` (T) features sampled at
    ``sample_fps``; a prediction every ``prediction_stride`` ticks. (The spacing of training
    windows is a training setting, not part of the bundle.) In manifest.json: ``length``,
    ``sample_fps``, ``stride``."""

    window_length: int
    sample_fps: float
    prediction_stride: int = 1

    @property
    def length(self) -> int:
        """Deprecated alias of ``window_length`` (models/ and gui/ still read it)."""
        return self.window_length

    def to_json(self) -> dict[str, Any]:
        """The manifest's ``window`` object."""
        return {"length": self.window_length, "sample_fps": self.sample_fps, "stride": self.prediction_stride}


@dataclass(frozen=True)
class InputSpec:
    """How a frame becomes the backbone's input tensor.

    size: (H, W) fed to the backbone.
    resize: shorter side before the crop (``crop == "center"``); ignored for ``"squash"``.
    colour: channel order the network expects ("RGB" or "BGR").
    mean/std: per channel, applied to pixel values scaled to [0, 1].
    roi: "full" frame; "mouth" (lip mode crops the mouth region first); "full+motion" (taught
    actions: the whole frame and a crop around what moves, two backbone passes whose features are
    concatenated, see engine/actions/motion.py); "pose", "pose+full", "pose+person" (actions
    from a person's body keypoints, engine/pose/: the body features alone, no backbone; or
    after the backbone's features of the whole frame / of the person's region); "hands" (hand
    gestures from up to two hands' keypoints, engine/hands/: the hand features alone, no backbone).
    """

    size: tuple[int, int]
    resize: int
    crop: Literal["center", "squash"] = "center"
    colour: Literal["RGB", "BGR"] = "RGB"
    mean: tuple[float, float, float] = (0.485, 0.456, 0.406)
    std: tuple[float, float, float] = (0.229, 0.224, 0.225)
    roi: Literal["full", "mouth", "full+motion", "pose", "pose+full", "pose+person", "hands"] = "full"
    layout: Literal["NCHW"] = "NCHW"

    @property
    def views(self) -> int:
        """Backbone passes per frame (their features are concatenated): 2 for "full+motion", none
        for "pose" (body keypoints alone) and "hands" (hand keypoints alone)."""
        return {"full+motion": 2, "pose": 0, "hands": 0}.get(self.roi, 1)

    @property
    def pose(self) -> bool:
        """Whether each tick's features end with the body features of the pose stage."""
        return self.roi.startswith("pose")

    @property
    def hands(self) -> bool:
        """Whether each tick's features are the hand features of the hands stage."""
        return self.roi == "hands"

    @property
    def keypoints(self) -> bool:
        """Whether each tick's features end with a keypoint stage's features (body or hands)."""
        return self.pose or self.hands


@dataclass(frozen=True)
class StateSpec:
    """One recurrent state tensor of a streaming head; batch is the second axis (dims[1])."""

    name: str
    shape: tuple[int, ...]  # e.g. (layers * directions, 1, hidden) for batch 1


@dataclass(frozen=True)
class HeadSpec:
    """The head: "window" (runs over T features) or "streaming" (one step, state in and out)."""

    kind: Literal["window", "streaming"]
    arch: str  # gru, lstm, rnn, tcn, transformer, ...
    state: tuple[StateSpec, ...] = ()


@dataclass(frozen=True)
class Manifest:
    """Everything ``manifest.json`` says about a bundle."""

    name: str
    version: str
    task: str  # a key of engine.tasks.TASKS: "action", "lip", "lip-words", "sequence"
    labels: tuple[str, ...]  # classes; for per-step lip readers the token vocabulary, blank first
    # What frame tasks need (their backbone reads frames); None/empty for a task that reads no
    # frames (time series: no backbone, the head takes the channels).
    window: WindowSpec | None = None
    input: InputSpec | None = None
    backbone: str = ""  # backbone architecture name, e.g. "efficientnet_lite0"
    feature_dim: int = 0
    head: HeadSpec = HeadSpec("window", "")
    files: dict[str, str] = field(default_factory=dict)  # file name -> sha256 hex
    description: str = ""
    attribution: str = ""
    training: dict[str, Any] = field(default_factory=dict)  # metrics, dataset, date...
    created_by: str = ""
    # Optional: {"threshold": float, "method": str, ...calibration figures}; a window whose head
    # ``novelty`` output is above the threshold is reported as "unknown".
    open_set: dict[str, Any] = field(default_factory=dict)
    # A time-series task's own section (``sequence``: engine.sequences.spec.SequenceSpec), with
    # ``to_json()`` and ``summary(manifest)``; None for frame tasks.
    sequence: Any = None

    @property
    def model_files(self) -> tuple[str, ...]:
        """The ONNX files the bundle holds: backbone and head, or the head alone (no frames)."""
        return (HEAD_FILE,) if self.input is None or not self.input.views else (BACKBONE_FILE, HEAD_FILE)

    def to_json(self) -> dict[str, Any]:
        """The manifest as JSON data (what :func:`write_manifest` writes)."""
        if self.sequence is not None:
            return {
                "format": FORMAT, "format_version": FORMAT_VERSION, "task": self.task, "name": self.name,
                "version": self.version, "labels": list(self.labels), "sequence": self.sequence.to_json(),
                "head": {"kind": self.head.kind, "arch": self.head.arch}, "files": dict(self.files),
                "description": self.description, "attribution": self.attribution, "training": self.training,
                "created_by": self.created_by,
            }
        data = asdict(self)
        del data["sequence"]
        data["window"] = self.window.to_json()
        if not self.open_set:
            del data["open_set"]
        return {"format": FORMAT, "format_version": FORMAT_VERSION, **data}

    def summary(self) -> str:
        """A few human-readable lines (for ``kinesight info``, ``analyze-seq`` and the GUI)."""
        if self.sequence is not None:
            return self.sequence.summary(self)
        w = self.window
        acc = self.training.get("test_accuracy")
        lines = [
            f"{self.name} {self.version} ({self.task}): {len(self.labels)} labels",
            f"  labels: {', '.join(self.labels)}",
            f"  features: {_feature_summary(self)} -> {self.feature_dim}-d",
            f"  head: {self.head.arch} ({self.head.kind}), window T={w.window_length} at {w.sample_fps:g} fps"
            f" = {w.window_length / w.sample_fps:.2f} s, a prediction every {w.prediction_stride} tick(s)",
        ]
        if acc is not None:
            lines.append(f"  test accuracy: {acc:.3f}")
        if self.description:
            lines.append(f"  {self.description}")
        return "\n".join(lines)


def _feature_summary(m: "Manifest") -> str:
    """What makes a tick's features: the backbone on its views, body keypoints, or both."""
    size = f"{m.input.size[1]}x{m.input.size[0]}"
    cnn = {"full": f"{m.backbone} {size}", "mouth": f"{m.backbone} {size} on the mouth",
           "full+motion": f"{m.backbone} {size} on the whole frame and the moving region",
           "pose": "", "pose+full": f"{m.backbone} {size} on the whole frame",
           "pose+person": f"{m.backbone} {size} on the person", "hands": ""}.get(m.input.roi, m.backbone)
    body = ("body keypoints (33, MediaPipe Pose)" if m.input.pose
            else "hand keypoints (2 x 21, MediaPipe Hands)" if m.input.hands else "")
    return " + ".join(x for x in (body, cnn) if x)


@dataclass(frozen=True)
class Bundle:
    """A loaded, checked bundle: its manifest and the paths of its ONNX files."""

    root: Path
    manifest: Manifest

    @property
    def backbone_path(self) -> Path:
        """The backbone graph (frames -> features)."""
        return self.root / BACKBONE_FILE

    @property
    def head_path(self) -> Path:
        """The head graph (features -> logits [, novelty] [, state])."""
        return self.root / HEAD_FILE

    @property
    def labels(self) -> tuple[str, ...]:
        """The manifest's labels (classes, or a sequence task's tokens)."""
        return self.manifest.labels


def sha256_of(path: Path) -> str:
    """The sha256 hex digest of a file (read in 1 MiB chunks)."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def write_manifest(folder: Path, manifest: Manifest) -> Path:
    """Write ``manifest.json`` into ``folder``, filling ``files`` with fresh sha256 sums."""
    folder = Path(folder)
    files = {name: sha256_of(folder / name) for name in manifest.model_files}
    data = manifest.to_json()
    data["files"] = files
    path = folder / MANIFEST
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path

