"""Generated "none of these" for bundles that read the body: everyday motion nobody taught.

A few clips per action teach a linear head where the taught actions lie, not where they end: any
other movement (a salute, drinking, walking past, arm circles) falls on the side of one of them,
often far past the novelty threshold's reach, and is shown as that action with confidence. Body
keypoints make the rest of the world cheap to show: :mod:`models.posegen` generates everyday
motion that is none of the usual taught actions (stretching, scratching the head, a phone call,
talking with the hands, looking around, pointing, standing, walking on the spot...), with varied
bodies, cameras, speeds and the pose stage's own jitter. Teaching a ``roi = "pose"`` bundle adds
those clips to its "none of these" label (the user's own "none of these" clips, if any, stay
beside them). They are trained on in every fold and never held out, and they take no part in
the unknown threshold or the report's figures (``ClipFeatures.generated``).

Measured on the development set of real people (lab of bench/bench_teach_people.py, pose roi, 3
actions x 3 people, 9 untaught clips): untaught predictions kept from a confident label 81.8 ->
90.5 % taught by two people and 75.4 -> 93.1 % taught by one, new-person clips 74.1 -> 74.1 % and
68.5 -> 70.4 %, live labels 54.6 -> 63.9 % and 57.2 -> 55.2 %, with 8 clips per motion and at most a
quarter of a fit's windows generated (``fit.GENERATED_SHARE``; 16 clips or half the windows
measured worse).
"""

from __future__ import annotations

import numpy as np

from engine.pose.features import body_features
from models.fewshot.fit import ClipFeatures
from models.posegen import OTHER_MOTIONS, generate_clip
from models.posegen.generate import clip_seed

#: the generator's motions that stand for "none of these"
MOTIONS = tuple(OTHER_MOTIONS) + ("stand_still", "walk_on_the_spot")
PER_MOTION = 8
SECONDS = 4.0
SEED = 0


def generated_views(name: str, seed: int, fps: float, seconds: float = SECONDS, noise=None) -> list[np.ndarray]:
    """One generated clip's body features (ticks, FEATURE_DIM) at ``fps``: as seen, and mirrored."""
    clip = generate_clip(name, seed, seconds, fps, noise=noise)
    return [body_features(c.keypoints, c.present, float(c.height)) for c in (clip, clip.mirrored())]


def generated_background(label: int, fps: float, *, motions: tuple[str, ...] = MOTIONS, per_motion: int = PER_MOTION,
                         seed: int = SEED) -> list[ClipFeatures]:
    """``per_motion`` generated clips of each of ``motions`` as ``label`` ("none of these")."""
    return [ClipFeatures(generated_views(m, clip_seed(seed, m, k), fps), label, f"generated {m} {k}",
                         f"generated {m} {k}", generated=True)
            for m in motions for k in range(per_motion)]


def record(fps: float, motions: tuple[str, ...] = MOTIONS) -> dict:
    """What the manifest says of the generated background (enough to make it again)."""
    return {"generator": "models.posegen", "motions": list(motions), "per_motion": PER_MOTION,
            "seconds": SECONDS, "seed": SEED, "sample_fps": fps}
