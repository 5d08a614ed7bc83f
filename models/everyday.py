"""The shipped default model, ``everyday-actions``: twelve everyday actions of real people,
learned from generated body motion only (no video, no rendering, no real clip).

    python -m models.everyday resources/bundles/everyday-actions [--per-action 160] [--seed 0]

Generated motion (:mod:`models.posegen`: varied bodies, cameras, speeds, handedness, the pose
stage's jitter and misses, idle movement) is turned into the pose stage's per-tick body features
(:func:`engine.pose.features.body_features`, the same numbers the engine computes from the
keypoints it finds), each clip also seen mirrored; the other motions of the generator
(stretching, a phone call, talking with the hands, sitting down...) are taught as "none of
these". The few-shot recipe (:mod:`models.fewshot`) then chooses the head by group-out
cross-validation and calibrates "unknown" (novelty) on held-out clips, and writes a bundle that
reads the body alone (``input.roi = "pose"``, no backbone). The manifest records the generator's
settings and seed; this module with the same arguments rebuilds the same bundle.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np

from engine.bundles import InputSpec
from engine.pose.features import FEATURE_DIM, body_features
from models.fewshot.background import generated_views
from models.fewshot.base import FOLDS  # cross-validation groups of generated bodies and cameras
from models.fewshot.bundle import pose_model_record, write_fewshot_bundle
from models.fewshot.fit import ClipFeatures, FewShotConfig, fit_fewshot
from models.fewshot.model import DEFAULT_BACKGROUND_LABEL
from models.posegen import ACTION_TITLES, ACTIONS, OTHER_MOTIONS, NoiseModel, generate_clip
from models.posegen.generate import clip_seed

NAME = "everyday-actions"
SAMPLE_FPS = 8.0  # the engine's model clock for this bundle: clips are generated at this rate
WINDOW = 16  # 2 s windows
SECONDS = 4.0
DESCRIPTION = ("Twelve everyday actions (waving, raising the arms, clapping, jumping jacks, squats, bows, punches, "
               "kicks, standing, walking on the spot) read from a person's body keypoints; learned from generated "
               "body motion only. Anything else is unknown: teach your own actions for it.")
#: what reads the body: the input spec of a "pose" bundle (size etc. are unused: no backbone)
POSE_INPUT = InputSpec(size=(256, 256), resize=256, crop="squash", roi="pose")


def clip_features(name: str, seed: int, noise: NoiseModel | None = None) -> list[np.ndarray]:
    """One generated clip's body features (ticks, FEATURE_DIM): as seen, and mirrored."""
    return generated_views(name, seed, SAMPLE_FPS, SECONDS, noise)


def generated_clips(per_action: int, per_other: int, seed: int, noise: NoiseModel | None = None
                    ) -> tuple[list[ClipFeatures], list[str]]:
    """Every action's clips, then the other motions as "none of these". Each clip has its own
    generated body and camera; clip k of every motion goes to group ``k % FOLDS``, so the
    cross-validation holds out whole groups of unseen bodies and cameras (FOLDS folds, not one per
    clip, and never "clips that look alike", which means nothing for generated keypoints)."""
    labels = [ACTION_TITLES[a] for a in ACTIONS] + [DEFAULT_BACKGROUND_LABEL]
    clips = []
    jobs = [(a, i, per_action) for i, a in enumerate(ACTIONS)] + [(o, len(ACTIONS), per_other) for o in OTHER_MOTIONS]
    for name, label, n in jobs:
        for k in range(n):
            s = clip_seed(seed, name, k)
            clips.append(ClipFeatures(clip_features(name, s, noise), label, f"generated-{k % FOLDS}", f"{name}-{k}"))
    return clips, labels


def build(out: Path, *, per_action: int = 160, per_other: int = 24, seed: int = 0, verbose: bool = True) -> Path:
    """Generate, fit and write the default bundle to ``out``; returns its path."""
    t0 = time.perf_counter()
    noise = NoiseModel()
    clips, labels = generated_clips(per_action, per_other, seed, noise)
    t1 = time.perf_counter()
    if verbose:
        print(f"generated {len(clips)} clips ({per_action} per action, {per_other} per other motion) "
              f"in {t1 - t0:.0f} s", flush=True)
    # "unknown" at the held-out generated windows' 99th percentile (FewShotConfig.novelty_bound):
    # a model learned from generated motion only must accept generated bodies it never saw. Real
    # people are further from generated ones still (docs/models-and-training.md, measured on the
    # development set); what it does not know is taught as "none of these" above.
    cfg = FewShotConfig(window=WINDOW, sample_fps=SAMPLE_FPS, views=2, flip=True, seed=seed,
                        max_train_windows=4000, novelty_bound="held_out", threshold_quantile=0.99)

    def progress(stage: str, f: float) -> None:
        if verbose:
            print(f"\r{stage} {f:4.0%}", end="", flush=True)

    model, cv, calib = fit_fewshot(clips, labels, cfg, progress=progress)
    t2 = time.perf_counter()
    if verbose:
        print(f"\nfit in {t2 - t1:.0f} s: cross-validated clip accuracy {cv.clip_accuracy:.3f} "
              f"(windows {cv.window_accuracy:.3f}), chosen {cv.chosen}", flush=True)
    training = {
        "recipe": "fewshot on generated body motion (models/everyday.py)",
        "generator": {"module": "models.posegen", "seed": seed, "per_action": per_action, "per_other": per_other,
                      "seconds": SECONDS, "fps": SAMPLE_FPS, "actions": list(ACTIONS),
                      "other_motions": list(OTHER_MOTIONS), "noise": asdict(noise), "mirrored": True},
        "config": {k: (list(v) if isinstance(v, tuple) else v) for k, v in asdict(cfg).items()},
        "cv": cv.to_json(),
        "test_accuracy": round(cv.window_accuracy, 4), "clip_accuracy": round(cv.clip_accuracy, 4),
        "evaluation": "group-out cross-validation on generated clips (each clip its own person and camera); "
                      "real people: see docs/models-and-training.md",
        "pose_models": pose_model_record(),
        "rebuild": f"python -m models.everyday resources/bundles/{NAME} --per-action {per_action} --per-other {per_other} "
                   f"--seed {seed}",
    }
    path = write_fewshot_bundle(
        out, model, backbone=None, spec=POSE_INPUT, feature_dim=FEATURE_DIM, backbone_name="", cfg=cfg,
        name=NAME, training=training, open_set={"calibration": calib},
        description=DESCRIPTION,
        attribution="Body keypoints: MediaPipe Pose models (Apache-2.0), resources/models/pose/",
        created_by="kinesight models.everyday")
    if verbose:
        print(f"wrote {path} in {time.perf_counter() - t0:.0f} s", flush=True)
    return path


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m models.everyday", description=__doc__.split("\n\n")[0])
    p.add_argument("out", type=Path, help="bundle folder to write (replaced)")
    p.add_argument("--per-action", type=int, default=160, help="generated clips per action")
    p.add_argument("--per-other", type=int, default=24, help="generated clips per other motion ('none of these')")
    p.add_argument("--seed", type=int, default=0)
    a = p.parse_args(argv)
    build(a.out, per_action=a.per_action, per_other=a.per_other, seed=a.seed)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
