"""Clips, sequences and data sets of generated body keypoints; left/right mirroring."""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field

import numpy as np

from engine.pose.features import mirror_keypoints

from .camera import CameraRanges, CameraSpec, project, sample_camera
from .motions import ACTIONS, ALL_MOTIONS, OTHER_MOTIONS, idle_sway, motion_channels, sample_neutral
from .noise import NoiseModel, apply_noise
from .skeleton import CHANNELS, Body, forward_kinematics, sample_body

IDLE = "idle"


@dataclass
class Clip:
    """Generated keypoints as a pose stage on video would report them.

    ``keypoints`` (T,33,4) float32: x, y (pixels of a ``width``×``height`` frame), z (relative
    depth, pixels, smaller = nearer), visibility (0..1); all zero where ``present`` (T,) is False.
    ``label`` is the motion's name ("sequence" for :func:`generate_sequence`), ``labels`` (T,) the
    name per frame ("idle" between segments). ``meta`` holds every drawn parameter."""

    keypoints: np.ndarray
    present: np.ndarray
    label: str
    labels: np.ndarray
    fps: float
    width: int
    height: int
    meta: dict = field(default_factory=dict)

    def mirrored(self) -> "Clip":
        """The clip seen in a mirror: x flipped, left and right swapped (labels unchanged)."""
        m = dict(self.meta, mirrored=not self.meta.get("mirrored", False))
        return Clip(mirror(self.keypoints, self.width), self.present.copy(), self.label, self.labels.copy(),
                    self.fps, self.width, self.height, m)


@dataclass
class ClipSet:
    """Equal-length clips stacked: ``keypoints`` (N,T,33,4), ``present`` (N,T), ``labels`` (N,)
    indices into ``names``; ``sizes`` (N,2) frame width and height; ``meta`` per clip."""

    keypoints: np.ndarray
    present: np.ndarray
    labels: np.ndarray
    names: tuple[str, ...]
    sizes: np.ndarray
    fps: float
    meta: list[dict]


def mirror(keypoints: np.ndarray, width: float) -> np.ndarray:
    """Flip x (``width - x``) and swap left/right landmarks; any leading shape (...,33,4); the
    pose stage's own mirroring (:func:`engine.pose.features.mirror_keypoints`).

    All-zero keypoints (frames without a person) stay zero, so mirroring twice is the identity.
    """
    return mirror_keypoints(keypoints, width)


def _streams(seed: int, n: int) -> list[np.random.Generator]:
    return [np.random.default_rng(s) for s in np.random.SeedSequence(int(seed)).spawn(n)]


def _person(rng: np.random.Generator) -> tuple[Body, dict]:
    return sample_body(rng), sample_neutral(rng)


def _finish(ch: dict, sway: dict, T: int) -> dict:
    out = {}
    for k in CHANNELS:
        v = np.broadcast_to(np.asarray(ch.get(k, 0.0), float), (T,))
        out[k] = v + sway[k] if k in sway else v
    return out


def _render(ch, body, cam, noise, rng_noise, fps, T):
    world = forward_kinematics(ch, body, T)
    proj = project(world, body, cam)
    return apply_noise(proj, noise, rng_noise, fps)


def _deg(d: dict) -> dict:
    metres = ("tx", "tz", "jump", "shrug_L", "shrug_R")
    return {k: round(float(v), 4) if k in metres else round(float(np.rad2deg(v)), 2) for k, v in d.items()}


def generate_clip(action: str, seed: int, seconds: float = 3.0, fps: float = 15.0,
                  camera: CameraSpec | None = None, noise: NoiseModel | None = None,
                  camera_ranges: CameraRanges | None = None, body: Body | None = None) -> Clip:
    """One clip of ``action`` (any name in ``ALL_MOTIONS``, or "idle").

    Everything not given is drawn from ``seed``: the body (``sample_body``), its neutral posture,
    the motion's speed/amplitude/phase/side/style, idle sway, the camera (``sample_camera`` within
    ``camera_ranges``) and the noise events of ``noise`` (default ``NoiseModel()``; use
    ``NoiseModel.none()`` for exact projections). The body, camera, motion and noise come from
    separate random streams, so e.g. changing ``noise`` keeps the same motion.
    """
    T = max(1, int(round(seconds * fps)))
    t = np.arange(T) / fps
    r_body, r_cam, r_motion, r_sway, r_noise = _streams(seed, 5)
    b, base = _person(r_body)
    body = body or b
    cam = camera or sample_camera(r_cam, camera_ranges)
    noise = noise or NoiseModel()
    ch, params = motion_channels(action, t, r_motion, body, base)
    sway, sway_p = idle_sway(r_sway, t)
    kp, present, info = _render(_finish({**base, **ch}, sway, T), body, cam, noise, r_noise, fps, T)
    meta = {"seed": int(seed), "action": action, "known": action in ACTIONS, "seconds": seconds, "fps": fps,
            "body": body.as_dict(), "camera": cam.as_dict(), "motion": params, "neutral": _deg(base),
            "idle": sway_p, "noise": noise.as_dict(), "noise_events": info}
    return Clip(kp, present, action, np.full(T, action), float(fps), cam.width, cam.height, meta)


def _smoothstep(x: np.ndarray) -> np.ndarray:
    x = np.clip(x, 0.0, 1.0)
    return x * x * (3 - 2 * x)


def generate_sequence(seed: int, seconds: float = 20.0, fps: float = 15.0,
                      motions: tuple[str, ...] = ACTIONS, p_other: float = 0.2,
                      other: tuple[str, ...] = OTHER_MOTIONS, segment_s: tuple[float, float] = (2.0, 5.0),
                      idle_s: tuple[float, float] = (0.3, 2.0), transition_s: tuple[float, float] = (0.3, 0.7),
                      camera: CameraSpec | None = None, noise: NoiseModel | None = None,
                      camera_ranges: CameraRanges | None = None) -> Clip:
    """One person doing several motions in a row with idle standing in between.

    Segments of ``segment_s`` seconds (a motion from ``motions``, or with chance ``p_other`` one
    from ``other``) are separated by ``idle_s`` seconds of idle and blended in and out over
    ``transition_s`` seconds. ``labels`` names the motion whose blend weight is over one half on
    each frame, else "idle"; ``meta["segments"]`` lists (name, start_s, end_s, params).
    """
    T = max(1, int(round(seconds * fps)))
    t = np.arange(T) / fps
    r_body, r_cam, r_motion, r_sway, r_noise, r_plan = _streams(seed, 6)
    body, base = _person(r_body)
    cam = camera or sample_camera(r_cam, camera_ranges)
    noise = noise or NoiseModel()
    segs, now = [], float(r_plan.uniform(*idle_s))
    while now < seconds - 0.5:
        pool = other if (other and r_plan.random() < p_other) else motions
        name = str(pool[int(r_plan.integers(len(pool)))])
        dur = float(r_plan.uniform(*segment_s))
        segs.append((name, now, min(now + dur, seconds + 1.0), float(r_plan.uniform(*transition_s))))
        now += dur + float(r_plan.uniform(*idle_s))
    weights, chans, seg_meta = [], [], []
    for name, t0, t1, tau in segs:
        ch, params = motion_channels(name, t, r_motion, body, base)
        w = _smoothstep((t - t0 + tau / 2) / tau) * (1 - _smoothstep((t - t1 + tau / 2) / tau))
        weights.append(w)
        chans.append(ch)
        seg_meta.append((name, round(t0, 3), round(t1, 3), params))
    W = np.array(weights).reshape(len(segs), T)
    total = W.sum(0)
    W = W / np.maximum(total, 1.0)
    w_idle = 1.0 - W.sum(0)
    blended = {}
    for k in CHANNELS:
        b0 = base.get(k, 0.0)
        if any(k in ch for ch in chans):
            v = w_idle * b0
            for wk, ch in zip(W, chans):
                v = v + wk * (ch[k] if k in ch else b0)
            blended[k] = v
        else:
            blended[k] = b0
    sway, sway_p = idle_sway(r_sway, t)
    kp, present, info = _render(_finish(blended, sway, T), body, cam, noise, r_noise, fps, T)
    labels = np.full(T, IDLE, dtype=object)
    if len(segs):
        best = W.argmax(0)
        strong = W.max(0) > 0.5
        names = np.array([s[0] for s in segs], dtype=object)
        labels[strong] = names[best[strong]]
    labels = labels.astype(str)
    meta = {"seed": int(seed), "seconds": seconds, "fps": fps, "body": body.as_dict(), "camera": cam.as_dict(),
            "segments": seg_meta, "neutral": _deg(base), "idle": sway_p, "noise": noise.as_dict(),
            "noise_events": info}
    return Clip(kp, present, "sequence", labels, float(fps), cam.width, cam.height, meta)


def clip_seed(seed: int, name: str, k: int) -> int:
    """The seed of the ``k``-th clip of ``name`` in a data set seeded with ``seed``."""
    return int(np.random.SeedSequence([int(seed), zlib.crc32(name.encode()), int(k)]).generate_state(1)[0])


def generate_dataset(actions: tuple[str, ...] = ACTIONS, per_action: int = 100, seed: int = 0,
                     seconds: float = 3.0, fps: float = 15.0, other_per_motion: int = 0,
                     other: tuple[str, ...] = OTHER_MOTIONS, noise: NoiseModel | None = None,
                     camera_ranges: CameraRanges | None = None, other_name: str = "unknown") -> ClipSet:
    """``per_action`` clips of each action (and ``other_per_motion`` clips of each of ``other``,
    all labelled ``other_name``), each clip seeded by :func:`clip_seed` so it can be regenerated
    alone with :func:`generate_clip`."""
    names = tuple(actions) + ((other_name,) if other_per_motion > 0 else ())
    jobs = [(a, i, k) for i, a in enumerate(actions) for k in range(per_action)]
    jobs += [(o, len(actions), k) for o in other for k in range(other_per_motion)]
    kps, pres, labels, sizes, metas = [], [], [], [], []
    for name, lab, k in jobs:
        c = generate_clip(name, clip_seed(seed, name, k), seconds, fps, noise=noise, camera_ranges=camera_ranges)
        kps.append(c.keypoints)
        pres.append(c.present)
        labels.append(lab)
        sizes.append((c.width, c.height))
        metas.append(c.meta)
    T = max(1, int(round(seconds * fps)))
    return ClipSet(np.stack(kps) if kps else np.zeros((0, T, 33, 4), np.float32),
                   np.stack(pres) if pres else np.zeros((0, T), bool), np.asarray(labels, dtype=np.int64),
                   names, np.asarray(sizes, dtype=np.int64).reshape(-1, 2), float(fps), metas)


__all__ = ["Clip", "ClipSet", "generate_clip", "generate_sequence", "generate_dataset", "mirror", "clip_seed",
           "ALL_MOTIONS", "IDLE"]
