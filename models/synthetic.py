"""Procedural generator of labelled action clips (stick figures), so the shipped bundle can be rebuilt.

No licensed action dataset is available offline; this renders one from nothing:

    python -m models.synthetic DIR [--actors 8] [--clips-per-actor 2] [--seed 0]

writes ``DIR/<label>/<actor>__<label>_<n>.mp4`` (the ``<group>__`` prefix makes each rendered
"actor" a group, so train and test never share one). The labels differ in how the figure moves
over time, not in any single frame's look, so the temporal head matters:

    waving          one forearm raised and swinging side to side (1.3-2.3 Hz)
    arm_circles     one straight arm turning full circles at the shoulder (0.6-1.1 Hz, either way)
    jumping         the whole figure bouncing up and down, arms up at the top
    walking_across  the figure walking across the frame (left to right or right to left)
    idle            standing, swaying slightly

Each actor has its own figure colour, line width, size, background and camera shake; clips vary
in frame rate (12-30 fps), position, speed and phase. All labels are mirror-symmetric, so
horizontal-flip augmentation is safe.
"""

from __future__ import annotations

import argparse
import math
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

LABELS = ("waving", "arm_circles", "jumping", "walking_across", "idle")
SIZE = (320, 240)  # (W, H)


@dataclass(frozen=True)
class Actor:
    """How one rendered person and their room look (fixed per group)."""

    colour: tuple[int, int, int]
    width: int
    scale: float
    bg_top: tuple[int, int, int]
    bg_bottom: tuple[int, int, int]
    props: tuple[tuple[int, int, int, int, tuple[int, int, int]], ...]  # rectangles x, y, w, h, colour
    shake: float


def make_actor(rng: np.random.Generator) -> Actor:
    """A random look for one rendered person and their room."""
    def colour(lo: int, hi: int) -> tuple[int, int, int]:
        return tuple(int(v) for v in rng.integers(lo, hi, 3))  # type: ignore[return-value]

    w, h = SIZE
    props = tuple((int(rng.integers(0, w - 40)), int(rng.integers(0, h // 2)), int(rng.integers(20, 90)),
                   int(rng.integers(20, 80)), colour(60, 200)) for _ in range(int(rng.integers(1, 4))))
    return Actor(colour=colour(0, 120), width=int(rng.integers(4, 9)), scale=float(rng.uniform(0.8, 1.15)),
                 bg_top=colour(140, 255), bg_bottom=colour(90, 220), props=props, shake=float(rng.uniform(0, 2.0)))


def _background(actor: Actor) -> np.ndarray:
    w, h = SIZE
    t = np.linspace(0, 1, h, dtype=np.float32)[:, None, None]
    img = (np.array(actor.bg_top, np.float32) * (1 - t) + np.array(actor.bg_bottom, np.float32) * t)
    img = np.repeat(img, w, axis=1).astype(np.uint8)
    for x, y, pw, ph, c in actor.props:
        cv2.rectangle(img, (x, y), (x + pw, y + ph), c, -1)
    return img


def _pt(x: float, y: float) -> tuple[int, int]:
    return int(round(x)), int(round(y))


def _figure(img: np.ndarray, actor: Actor, cx: float, base_y: float, pose: dict[str, float]) -> None:
    """Draw a stick figure standing at (cx, base_y); angles in radians from straight down."""
    s = 40 * actor.scale
    hip = (cx, base_y - 1.1 * s)
    neck = (cx, base_y - 2.3 * s)
    c, lw = actor.colour, actor.width
    cv2.circle(img, _pt(cx, neck[1] - 0.35 * s), int(0.3 * s), c, -1, cv2.LINE_AA)
    cv2.line(img, _pt(*neck), _pt(*hip), c, lw, cv2.LINE_AA)

    def limb(origin, a1, a2, l1, l2):
        j = (origin[0] + l1 * math.sin(a1), origin[1] + l1 * math.cos(a1))
        e = (j[0] + l2 * math.sin(a2), j[1] + l2 * math.cos(a2))
        cv2.line(img, _pt(*origin), _pt(*j), c, lw, cv2.LINE_AA)
        cv2.line(img, _pt(*j), _pt(*e), c, lw, cv2.LINE_AA)

    sh = (neck[0], neck[1] + 0.15 * s)
    limb(sh, pose["l_upper"], pose["l_lower"], 0.6 * s, 0.55 * s)
    limb(sh, pose["r_upper"], pose["r_lower"], 0.6 * s, 0.55 * s)
    limb(hip, pose["l_leg"], pose["l_leg"], 0.55 * s, 0.55 * s)
    limb(hip, pose["r_leg"], pose["r_leg"], 0.55 * s, 0.55 * s)


def _rest_pose(sway: float = 0.0) -> dict[str, float]:
    return {"l_upper": -0.25 + sway, "l_lower": -0.15 + sway, "r_upper": 0.25 + sway, "r_lower": 0.15 + sway,
            "l_leg": -0.18, "r_leg": 0.18}


def render_clip(label: str, actor: Actor, rng: np.random.Generator, *, seconds: float = 4.0) -> tuple[list[np.ndarray], float]:
    """Frames (RGB uint8) of one clip of ``label`` and its frame rate."""
    fps = float(rng.choice([12.0, 15.0, 24.0, 25.0, 30.0]))
    w, h = SIZE
    bg = _background(actor)
    n = int(round(seconds * fps))
    side = rng.choice([-1.0, 1.0])  # which arm / which direction
    phase = rng.uniform(0, 2 * math.pi)
    cx0 = rng.uniform(0.35, 0.65) * w
    base = rng.uniform(0.85, 0.95) * h
    freq = {"waving": rng.uniform(1.3, 2.3), "arm_circles": rng.uniform(0.6, 1.1), "jumping": rng.uniform(0.9, 1.6),
            "walking_across": rng.uniform(1.2, 2.0), "idle": rng.uniform(0.2, 0.4)}[label]
    noise_rng = np.random.default_rng(int(rng.integers(1 << 31)))
    frames = []
    for k in range(n):
        t = k / fps
        a = 2 * math.pi * freq * t + phase
        pose = _rest_pose()
        cx, by = cx0, base
        if label == "waving":
            arm = "r" if side > 0 else "l"
            pose[f"{arm}_upper"] = side * 2.3  # upper arm raised to the side
            pose[f"{arm}_lower"] = math.pi + side * 0.2 + 0.6 * math.sin(a)  # forearm up, swinging
        elif label == "arm_circles":
            arm = "r" if side > 0 else "l"
            ang = side * a  # straight arm turning round the shoulder
            pose[f"{arm}_upper"] = ang
            pose[f"{arm}_lower"] = ang
        elif label == "jumping":
            up = abs(math.sin(a))
            by = base - 0.35 * 40 * actor.scale * 2.2 * up
            pose.update(l_upper=-2.6 * up - 0.25 * (1 - up), r_upper=2.6 * up + 0.25 * (1 - up),
                        l_lower=-2.8 * up - 0.15 * (1 - up), r_lower=2.8 * up + 0.15 * (1 - up),
                        l_leg=-0.18 - 0.15 * up, r_leg=0.18 + 0.15 * up)
        elif label == "walking_across":
            span = 0.8 * w
            cx = w / 2 + side * (-span / 2 + span * t / seconds)
            swing = 0.45 * math.sin(a)
            pose.update(l_leg=swing, r_leg=-swing, l_upper=-swing * 0.8, r_upper=swing * 0.8,
                        l_lower=-swing * 0.6, r_lower=swing * 0.6)
        else:  # idle
            sway = 0.06 * math.sin(a)
            cx = cx0 + 3 * math.sin(a)
            pose = _rest_pose(sway)
        img = bg.copy()
        _figure(img, actor, cx, by, pose)
        if actor.shake:
            m = np.float32([[1, 0, noise_rng.normal(0, actor.shake)], [0, 1, noise_rng.normal(0, actor.shake)]])
            img = cv2.warpAffine(img, m, (w, h), borderMode=cv2.BORDER_REFLECT)
        img = np.clip(img.astype(np.int16) + noise_rng.integers(-6, 7, img.shape, dtype=np.int16), 0, 255).astype(np.uint8)
        frames.append(img)
    return frames, fps


def write_clip(path: Path, frames: list[np.ndarray], fps: float) -> Path:
    """Write RGB frames (any one size) as an mp4 (MPEG-4 Part 2, which every FFmpeg and OpenCV
    build reads); returns ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    h, w = frames[0].shape[:2]
    vw = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, (w, h))
    if not vw.isOpened():
        raise OSError(f"cannot write {path} with OpenCV's mp4v encoder")
    for f in frames:
        vw.write(cv2.cvtColor(np.ascontiguousarray(f), cv2.COLOR_RGB2BGR))
    vw.release()
    return path


def generate(out: str | Path, *, actors: int = 8, clips_per_actor: int = 2, seed: int = 0,
             labels: tuple[str, ...] = LABELS, seconds: float = 4.0) -> list[Path]:
    """Render ``actors x clips_per_actor`` clips per label into ``out/<label>/``; same seed, same clips."""
    out = Path(out)
    rng = np.random.default_rng(seed)
    paths = []
    for a in range(actors):
        actor = make_actor(rng)
        for label in labels:
            for n in range(clips_per_actor):
                frames, fps = render_clip(label, actor, rng, seconds=seconds)
                p = out / label / f"actor{a:02d}__{label}_{n}.mp4"
                write_clip(p, frames, fps)
                paths.append(p)
    return paths


def main(argv: list[str] | None = None) -> int:
    """``python -m models.synthetic DIR``: write the procedural training set."""
    ap = argparse.ArgumentParser(prog="python -m models.synthetic", description=__doc__.split("\n\n")[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--actors", type=int, default=8)
    ap.add_argument("--clips-per-actor", type=int, default=2)
    ap.add_argument("--seconds", type=float, default=4.0)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    paths = generate(args.out, actors=args.actors, clips_per_actor=args.clips_per_actor, seed=args.seed,
                     seconds=args.seconds)
    print(f"wrote {len(paths)} clips of {len(LABELS)} labels ({', '.join(LABELS)}) to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
