"""Video-folder datasets, group-aware splits, augmentation and the on-disk feature cache.

Layout: one sub-folder per class (UCF101's layout), videos anywhere below it::

    DATA_DIR/<class>/<video>                       each video is its own group
    DATA_DIR/<class>/v_<Class>_g08_c01.avi         UCF101 name: group g08 (one actor/scene)
    DATA_DIR/<class>/<group>__<name>.mp4           explicit group (a person or a session id)
    DATA_DIR/<class>/<group>/<video>               a sub-folder is a group

UCF101's official split files (``trainlist0N.txt`` / ``testlist0N.txt``, in DATA_DIR or in
DATA_DIR/ucfTrainTestlist) are used when present. Otherwise the split is by group: no group is
ever in both train and test (a group id shared by several classes, like a person, stays on one
side for all of them).

Frames are sampled by time on the engine's own model clock (``engine.core.window.ModelClock``) at the
bundle's ``sample_fps``, turned into features by ONNX Runtime running the very backbone.onnx that
goes into the bundle, preprocessed by ``engine.bundles.preprocess`` -- so training and inference see
identical features. Features are cached per (backbone file, input spec, video content,
sample_fps, augmentation).
"""

from __future__ import annotations

import hashlib
import json
import logging
import random
import re
import threading
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Sequence

import numpy as np

from engine.bundles import InputSpec, sha256_of
from engine.bundles.preprocess import preprocess
from engine.core.errors import KinesightError
from engine.core.window import ModelClock
from engine.io.sources import VIDEO_SUFFIXES, open_source

log = logging.getLogger(__name__)

CACHE_VERSION = 1
_UCF_GROUP = re.compile(r"_g(\d+)_c\d+", re.IGNORECASE)

Progress = Callable[[str, float], None]


class DatasetError(KinesightError):
    """The dataset folder cannot be used for training (layout, too few clips, labels...)."""


class Cancelled(KinesightError):
    """Training was cancelled by the caller (the teach dialog's Cancel button)."""


@dataclass(frozen=True)
class VideoItem:
    """One labelled video: its path, class index, and the group it must not be split from."""

    path: Path
    label: int
    group: str

    def rel(self, root: Path) -> str:
        """The path relative to the dataset folder, with / (as in UCF101's split files)."""
        return self.path.relative_to(root).as_posix()


@dataclass
class VideoDataset:
    """The labelled videos found in a dataset folder."""

    root: Path
    labels: list[str]
    items: list[VideoItem]
    official_split: tuple[set[str], set[str]] | None = None  # (train, test) relative paths from split files


def named_group(path: Path) -> str | None:
    """The person or session a clip's name gives (``<group>__name``, a UCF101 ``_gNN_``), or None.

    The one naming rule of ``kinesight train`` and the app's Teach flow (models/teach.py)."""
    m = _UCF_GROUP.search(Path(path).stem)
    if m:
        return f"g{int(m.group(1)):02d}"
    if "__" in Path(path).stem:
        return Path(path).stem.split("__", 1)[0]
    return None


def group_of(path: Path, class_dir: Path) -> str:
    """The group id of a video (see the module docstring for the conventions)."""
    named = named_group(path)
    if named is not None:
        return named
    rel = path.relative_to(class_dir)
    if len(rel.parts) > 1:
        return rel.parts[0]
    return f"{class_dir.name}/{path.stem}"  # no group given: the video is its own group


def _read_split_files(root: Path, split: int) -> tuple[set[str], set[str]] | None:
    for folder in (root, root / "ucfTrainTestlist", root / "splits"):
        train, test = folder / f"trainlist{split:02d}.txt", folder / f"testlist{split:02d}.txt"
        if train.is_file() and test.is_file():
            def names(p: Path) -> set[str]:
                return {ln.split()[0].replace("\\", "/") for ln in p.read_text().splitlines() if ln.strip()}
            return names(train), names(test)
    return None


def scan_video_folder(root: str | Path, *, ucf_split: int = 1, min_classes: int = 2) -> VideoDataset:
    """Find the classes (sub-folders) and videos of a dataset folder (at least ``min_classes``:
    one when teaching on top of a model's actions)."""
    root = Path(root).expanduser()
    if not root.is_dir():
        raise DatasetError(f"dataset folder not found: {root}. It needs one sub-folder of videos per class.")
    class_dirs = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith((".", "_"))
                        and p.name not in ("ucfTrainTestlist", "splits"))
    items: list[VideoItem] = []
    labels: list[str] = []
    for class_dir in class_dirs:
        videos = sorted(p for p in class_dir.rglob("*") if p.is_file() and p.suffix.lower() in VIDEO_SUFFIXES)
        if not videos:
            continue
        labels.append(class_dir.name)
        items += [VideoItem(v, len(labels) - 1, group_of(v, class_dir)) for v in videos]
    if len(labels) < min_classes:
        raise DatasetError(f"{root} has {len(labels)} class folder(s) with videos; training needs at least "
                           f"{'two' if min_classes == 2 else min_classes} (one sub-folder per class, e.g. "
                           "DATA_DIR/waving/*.mp4, DATA_DIR/idle/*.mp4).")
    return VideoDataset(root, labels, items, _read_split_files(root, ucf_split))


@dataclass(frozen=True)
class Split:
    """Disjoint train / validation / test lists of videos."""

    train: list[VideoItem]
    val: list[VideoItem]
    test: list[VideoItem]

    def describe(self, labels: Sequence[str]) -> dict[str, dict[str, int]]:
        """Videos per class in each part, for the report."""
        return {name: {lab: sum(1 for it in part if it.label == i) for i, lab in enumerate(labels)}
                for name, part in (("train", self.train), ("val", self.val), ("test", self.test))}


def _assign_groups(items: list[VideoItem], n_labels: int, fracs: dict[str, float], seed: int,
                   fixed: dict[str, str] | None = None) -> dict[str, str]:
    """Assign every group to one part, class by class, so each class gets its share of groups."""
    rng = random.Random(seed)
    part_of: dict[str, str] = dict(fixed or {})
    for label in range(n_labels):
        groups = sorted({it.group for it in items if it.label == label})
        free = [g for g in groups if g not in part_of]
        rng.shuffle(free)
        n = len(groups)
        # A part gets groups only if the class has enough of them for train to keep at least one.
        want = {}
        left = n
        for part in ("test", "val"):
            k = max(1, round(n * fracs.get(part, 0.0))) if fracs.get(part, 0.0) > 0 and left >= 2 else 0
            want[part] = k
            left -= k
        for part in ("test", "val"):
            have = sum(1 for g in groups if part_of.get(g) == part)
            while have < want[part] and len(free) > 1:
                part_of[free.pop()] = part
                have += 1
        for g in free:
            part_of[g] = "train"
    return part_of


def split_dataset(ds: VideoDataset, *, test_frac: float = 0.25, val_frac: float = 0.15, seed: int = 0) -> Split:
    """Group-aware split (or UCF101's official one when its files are present)."""
    if ds.official_split is not None:
        train_names, test_names = ds.official_split
        test = [it for it in ds.items if it.rel(ds.root) in test_names]
        pool = [it for it in ds.items if it.rel(ds.root) in train_names]
        if test and pool:
            part_of = _assign_groups(pool, len(ds.labels), {"val": val_frac}, seed)
            return Split([it for it in pool if part_of[it.group] == "train"],
                         [it for it in pool if part_of[it.group] == "val"], test)
    part_of = _assign_groups(ds.items, len(ds.labels), {"test": test_frac, "val": val_frac}, seed)
    parts: dict[str, list[VideoItem]] = {"train": [], "val": [], "test": []}
    for it in ds.items:
        parts[part_of[it.group]].append(it)
    if test_frac > 0:
        untested = [lab for i, lab in enumerate(ds.labels) if not any(it.label == i for it in parts["test"])]
        if untested:
            # Group ids are global (a person across classes); when every group of a class was already
            # placed by another class, that class gets no test video.
            log.warning("no test videos for %s: all their groups are shared with other classes or too few; "
                        "give each class more groups (see models/data.py)", ", ".join(untested))
    return Split(parts["train"], parts["val"], parts["test"])


# --- augmentation -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Augment:
    """One augmentation, applied identically to every frame of a clip (motion stays coherent).

    crop: (x0, y0, x1, y1) as fractions of the frame; brightness: a gain on pixel values.
    """

    flip: bool = False
    crop: tuple[float, float, float, float] = (0.0, 0.0, 1.0, 1.0)
    brightness: float = 1.0

    @property
    def is_identity(self) -> bool:
        return self == Augment()

    def key(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    def __call__(self, image: np.ndarray) -> np.ndarray:
        # (H, W, 3) uint8 -> (h, w, 3) uint8
        h, w = image.shape[:2]
        x0, y0, x1, y1 = self.crop
        out = image[round(y0 * h) : round(y1 * h), round(x0 * w) : round(x1 * w)]
        if self.flip:
            out = out[:, ::-1]
        if self.brightness != 1.0:
            out = np.clip(out.astype(np.float32) * self.brightness, 0, 255).astype(np.uint8)
        return np.ascontiguousarray(out)


def augmentations(variants: int, *, flip: bool = True, seed: int = 0) -> list[Augment]:
    """The clean view plus ``variants - 1`` random ones (flip, crop jitter, brightness), fixed by seed."""
    rng = random.Random(seed)
    out = [Augment()]
    for k in range(1, variants):
        scale = rng.uniform(0.8, 0.95)
        x0, y0 = rng.uniform(0, 1 - scale), rng.uniform(0, 1 - scale)
        out.append(Augment(
            flip=flip and k % 2 == 1,
            crop=(round(x0, 4), round(y0, 4), round(x0 + scale, 4), round(y0 + scale, 4)),
            brightness=round(rng.uniform(0.75, 1.25), 3),
        ))
    return out


# --- sampling and features ----------------------------------------------------------------------

def sample_frames(path: Path, sample_fps: float) -> list[np.ndarray]:
    """RGB frames at the ticks of the model clock (k / sample_fps s), as the engine samples them.

    A frame that covers several ticks (input slower than sample_fps) is repeated, as in the engine.
    """
    clock = ModelClock(sample_fps)
    out: list[np.ndarray] = []
    with open_source(path) as src:
        for frame in src.frames(want=lambda _i, pts: clock.peek(pts)):
            out.extend([frame.image] * len(clock.ticks_for(frame.pts_s)))
    if not out:
        raise DatasetError(f"{path} gave no frames; is it a complete video?")
    return out


class FeatureExtractor:
    """Runs a bundle's backbone.onnx in ONNX Runtime on preprocessed frames: images -> (N, D)."""

    def __init__(self, backbone_onnx: Path, spec: InputSpec, *, batch: int = 16, threads: int = 0) -> None:
        from engine.core.runtime import make_session  # the one place ONNX Runtime sessions are made

        self.path = Path(backbone_onnx)
        self.spec = spec
        self.batch = batch
        self.threads = threads
        self.session = make_session(self.path, "cpu", threads or None)[0] if spec.views else None
        self.file_sha = sha256_of(self.path) if spec.views else ""
        self._pose_stage = None  # the keypoint rois' frame stage (pose or hands), made at the first clip

    def __call__(self, images: Sequence[np.ndarray], sample_fps: float = 8.0) -> np.ndarray:
        """One clip's consecutive sampled frames (``sample_fps`` a second) -> (N, D) features, as the
        engine computes them. ``"full+motion"`` runs the engine's frame stage over the frames in order
        (a frame repeated for several ticks once, as in the engine), its views' features side by side."""
        if self.spec.keypoints:
            return self._pose(images, sample_fps)
        if self.spec.roi == "full+motion":
            from engine.actions.motion import MotionCropStage

            per_frame = [views for views, _ in _once_per_frame(MotionCropStage(sample_fps), images)]
            return np.concatenate([self._run(list(view)) for view in zip(*per_frame)], axis=1)
        return self._run(images)

    def _pose(self, images: Sequence[np.ndarray], sample_fps: float) -> np.ndarray:
        """The keypoint rois: the engine's pose (hands) stage over the frames in order, the backbone on
        the view it passes on (none for "pose", "hands"), then the body (hand) features. One stage
        (two ONNX Runtime sessions) serves every clip; its tracking starts afresh on each."""
        from engine.hands.stage import HandStage
        from engine.pose.stage import PoseStage
        if self._pose_stage is None or self._pose_stage.period != 1.0 / sample_fps:
            stage = HandStage if self.spec.hands else PoseStage
            self._pose_stage = stage(self.spec.roi, sample_fps, threads=max(1, self.threads or 2))
        self._pose_stage.reset()
        outs = _once_per_frame(self._pose_stage, images)
        body = np.stack([self._pose_stage.tick_features(regions, im.shape[0]) for im, (_, regions) in zip(images, outs)])
        if not self.spec.views:
            return body.astype(np.float32)
        return np.concatenate([self._run([views[0] for views, _ in outs]), body], axis=1).astype(np.float32)

    def _run(self, images: Sequence[np.ndarray]) -> np.ndarray:
        chunks = []
        for i in range(0, len(images), self.batch):
            x = preprocess(list(images[i : i + self.batch]), self.spec)
            chunks.append(self.session.run(["features"], {"frames": x})[0])
        return np.concatenate(chunks).astype(np.float32)


def _once_per_frame(stage, images: Sequence[np.ndarray]) -> list:
    """``stage(image)`` for each of a clip's sampled frames in order; a frame repeated for several
    ticks (the same object) goes through the stage once, as in the engine."""
    out: list = []
    for k, im in enumerate(images):
        out.append(out[-1] if k and im is images[k - 1] else stage(im))
    return out


def _content_sha(path: Path, memo: dict[tuple, str]) -> str:
    st = path.stat()
    key = (str(path), st.st_mtime_ns, st.st_size)  # a rewritten file is hashed again
    if key not in memo:
        memo[key] = sha256_of(path)
    return memo[key]


class FeatureCache:
    """Per-video feature arrays on disk, keyed by everything that changes them (``.npy``, no pickle)."""

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder).expanduser()
        self.folder.mkdir(parents=True, exist_ok=True)
        self._sha: dict[tuple, str] = {}

    def key(self, extractor: FeatureExtractor, video: Path, sample_fps: float, aug: Augment) -> str:
        """sha256 over backbone file, input spec, video content, sample_fps and augmentation."""
        desc = {
            "v": CACHE_VERSION, "backbone_sha256": extractor.file_sha, "input": asdict(extractor.spec),
            "video_sha256": _content_sha(video, self._sha), "sample_fps": float(sample_fps), "aug": aug.key(),
        }
        if extractor.spec.roi == "full+motion":
            from engine.actions.motion import VERSION

            desc["motion_crop"] = VERSION  # a changed crop recipe computes its features again
        if extractor.spec.keypoints:
            # the keypoint models and the stage's recipe change the body (hand) features
            from engine.hands import stage as hands
            from engine.pose import stage as pose

            st = hands if extractor.spec.hands else pose
            desc["hands" if extractor.spec.hands else "pose"] = [st.VERSION, *(_content_sha(p, self._sha) for p in st.model_paths())]
        return hashlib.sha256(json.dumps(desc, sort_keys=True).encode()).hexdigest()

    def path(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.npy"

    def get(self, key: str) -> np.ndarray | None:
        """The cached (N, D) features, or None (missing or damaged)."""
        p = self.path(key)
        if not p.is_file():
            return None
        try:
            return np.load(p, allow_pickle=False)
        except (OSError, ValueError):
            return None  # a damaged entry is recomputed

    def put(self, key: str, feats: np.ndarray) -> None:
        """Store features atomically."""
        p = self.path(key)
        p.parent.mkdir(parents=True, exist_ok=True)
        tmp = p.with_suffix(f".tmp{threading.get_ident()}.npy")
        np.save(tmp, feats.astype(np.float32), allow_pickle=False)
        tmp.replace(p)  # atomic: a crash never leaves a half-written entry


def default_cache_dir() -> Path:
    """Where features are cached unless told otherwise: ``~/.cache/kinesight/features``."""
    return Path.home() / ".cache" / "kinesight" / "features"


@dataclass
class ExtractStats:
    """How much work feature extraction did (for the report and the speed claims)."""

    videos: int = 0
    cached: int = 0
    computed: int = 0
    frames: int = 0
    seconds: float = 0.0
    extra: dict = field(default_factory=dict)


def extract_features(
    items: Sequence[VideoItem],
    extractor: FeatureExtractor,
    cache: FeatureCache,
    sample_fps: float,
    augs: Sequence[Augment],
    *,
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
    show_bar: bool = True,
    stats: ExtractStats | None = None,
) -> list[list[np.ndarray]]:
    """Features (N_ticks, D) of every video under every augmentation: result[item][aug].

    Each video is decoded once for all its missing augmentations; cached ones are not decoded.
    """
    import time

    stats = stats if stats is not None else ExtractStats()
    t0 = time.perf_counter()
    out: list[list[np.ndarray]] = []
    bar: Iterable[VideoItem] = items
    if show_bar:  # tqdm only for the command line: the app's teaching path needs nothing beyond numpy/ORT
        from tqdm import tqdm

        bar = tqdm(items, desc="features", unit="video", leave=False)
    for n, it in enumerate(bar):
        if cancel is not None and cancel.is_set():
            raise Cancelled("training cancelled during feature extraction")
        keys = [cache.key(extractor, it.path, sample_fps, a) for a in augs]
        feats = [cache.get(k) for k in keys]
        missing = [i for i, f in enumerate(feats) if f is None]
        stats.videos += 1
        stats.cached += len(augs) - len(missing)
        if missing:
            frames = sample_frames(it.path, sample_fps)
            for i in missing:
                views = frames if augs[i].is_identity else [augs[i](im) for im in frames]
                feats[i] = extractor(views, sample_fps)
                cache.put(keys[i], feats[i])
                stats.computed += 1
                stats.frames += len(views)
        out.append(feats)  # type: ignore[arg-type]
        if progress is not None:
            progress("features", (n + 1) / max(1, len(items)))
    stats.seconds += time.perf_counter() - t0
    return out


@dataclass
class WindowSet:
    """Windows of T consecutive features without copying them: ``feats[starts[k] : starts[k] + T]``.

    feats: (N, D) every clip's features, concatenated (short clips padded at their start);
    starts/labels/videos: (K,) per window.
    """

    feats: np.ndarray
    starts: np.ndarray
    labels: np.ndarray
    videos: np.ndarray
    length: int

    def __len__(self) -> int:
        return len(self.starts)

    def batch(self, idx: np.ndarray) -> np.ndarray:
        # (B,) window indices -> (B, T, D)
        return self.feats[self.starts[idx][:, None] + np.arange(self.length)]


def window_starts(n: int, length: int, stride: int) -> list[int]:
    """Start ticks of the windows of a clip with ``n`` ticks (n >= length); the clip's end is always included."""
    starts = list(range(0, n - length + 1, max(1, stride)))
    if starts[-1] != n - length:
        starts.append(n - length)
    return starts


def build_windows(feats: Iterable[list[np.ndarray]], items: Sequence[VideoItem], length: int, stride: int) -> WindowSet:
    """Every window of every clip (all its augmented views), with its label and video index.

    A clip shorter than the window is padded at the start by repeating its first feature.
    """
    chunks, starts, labels, videos = [], [], [], []
    offset = 0
    for v, (per_aug, it) in enumerate(zip(feats, items)):
        for f in per_aug:
            if len(f) < length:
                f = np.concatenate([np.repeat(f[:1], length - len(f), axis=0), f])
            s = window_starts(len(f), length, stride)
            chunks.append(f)
            starts += [offset + k for k in s]
            labels += [it.label] * len(s)
            videos += [v] * len(s)
            offset += len(f)
    dim = chunks[0].shape[1] if chunks else 0
    return WindowSet(
        np.concatenate(chunks).astype(np.float32) if chunks else np.zeros((0, dim), np.float32),
        np.asarray(starts, np.int64), np.asarray(labels, np.int64), np.asarray(videos, np.int64), length,
    )
