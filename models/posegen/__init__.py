"""Generated body motion in MediaPipe Pose's 33-keypoint layout (numpy only; no torch, no Qt).

A small kinematic body (:mod:`.skeleton`) with drawn proportions does parametric actions
(:mod:`.motions`), is seen by a drawn camera (:mod:`.camera`) and reported with the pose stage's
own errors (:mod:`.noise`); :mod:`.generate` puts it together, :mod:`.render` draws it.

    from models.posegen import ACTIONS, generate_clip, generate_dataset, mirror
    clip = generate_clip("wave_one_arm", seed=3)          # clip.keypoints (45,33,4), clip.present (45,)
    data = generate_dataset(ACTIONS, per_action=200, seed=0, other_per_motion=20)

Every draw comes from the seed; the same seed gives identical arrays. ``clip.meta`` records every
drawn parameter (body, camera, motion, idle sway, noise model and events).

Output per frame: (x_px, y_px, z, visibility) float32 of a W×H frame, x right, y down, z relative
depth (pixels at the hips' distance, smaller = nearer the camera), plus ``present`` (the pose stage
found a person). "left" is the person's left. ``NoiseModel``'s defaults are placeholders to be
replaced by what the real pose stage measures.
"""

from .camera import FRAME_SIZES, WIDE, CameraRanges, CameraSpec, sample_camera
from .generate import IDLE, Clip, ClipSet, clip_seed, generate_clip, generate_dataset, generate_sequence, mirror
from .motions import ACTION_TITLES, ACTIONS, ALL_MOTIONS, ONE_SIDED, OTHER_MOTIONS
from .noise import NoiseModel
from .render import draw_pose, render_clip
from .skeleton import EDGES, FLIP_INDEX, LANDMARKS, NUM_LANDMARKS, Body, sample_body

__all__ = [
    "ACTIONS", "ACTION_TITLES", "ALL_MOTIONS", "ONE_SIDED", "OTHER_MOTIONS", "IDLE", "Body", "CameraRanges",
    "CameraSpec", "Clip", "ClipSet", "EDGES", "FLIP_INDEX", "FRAME_SIZES", "LANDMARKS", "NUM_LANDMARKS",
    "NoiseModel", "WIDE", "clip_seed", "draw_pose", "generate_clip", "generate_dataset", "generate_sequence",
    "mirror", "render_clip", "sample_body", "sample_camera",
]
