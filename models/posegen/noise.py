"""The pose stage's own errors: jitter, outliers, missed frames and visibility noise.

:class:`NoiseModel` holds every parameter. THE DEFAULTS ARE PLACEHOLDERS, guessed from what
MediaPipe Pose is known to do on webcam video; replace them with values measured on real clips
through the app's pose stage (jitter of still keypoints, miss rate, outlier rate, visibility
levels) as soon as those measurements exist. Sizes are fractions of the person's shoulder width
in pixels (at the hips' distance, so independent of yaw); rates are per frame at ``ref_fps`` and
are converted to the clip's frame rate.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace

import numpy as np

from .skeleton import EXTREMITIES, FACE, FLIP_INDEX, NUM_LANDMARKS

_WRIST_GROUPS = ((15, 17, 19, 21), (16, 18, 20, 22), (27, 29, 31), (28, 30, 32))


@dataclass(frozen=True)
class NoiseModel:
    """Errors of the pose estimator. Defaults are PLACEHOLDERS to be replaced by measured values.

    jitter_body       per-keypoint position noise SD, torso/elbows/knees (fraction of shoulder width)
    jitter_face       the same for the 11 face points
    jitter_extremity  the same for wrists, hand points, ankles, heels and toes
    jitter_z          depth noise SD as a multiple of the x/y SD (the estimator's z is poor)
    jitter_global     whole-skeleton shift per frame (the tracker's crop moving), SD
    temporal_corr     AR(1) coefficient of all jitter from frame to frame at ``ref_fps``
    outlier_rate      chance per frame that one hand or foot group starts an outlier run
    outlier_frames    (min, max) length of such a run (frames)
    outlier_size      displacement of an outlier (fraction of shoulder width, SD per axis)
    swap_rate         chance per frame of a left/right swap of a limb for a run (estimator confusion)
    miss_rate         chance per frame that a run of "no person" frames starts
    miss_frames       (min, max) length of such a run
    miss_min_visible  a frame with fewer core keypoints (shoulders, hips) in view than this is a miss
    vis_visible       visibility reported for a keypoint in view and not hidden
    vis_outside       visibility reported for a keypoint outside the frame
    vis_occluded      visibility reported for a keypoint hidden behind the body
    vis_noise         SD of Gaussian noise on visibility (then clipped to [0, 1])
    ref_fps           frame rate the rates and ``temporal_corr`` refer to
    """

    jitter_body: float = 0.010
    jitter_face: float = 0.006
    jitter_extremity: float = 0.020
    jitter_z: float = 3.0
    jitter_global: float = 0.004
    temporal_corr: float = 0.6
    outlier_rate: float = 0.005
    outlier_frames: tuple[int, int] = (1, 3)
    outlier_size: float = 0.4
    swap_rate: float = 0.002
    miss_rate: float = 0.01
    miss_frames: tuple[int, int] = (1, 6)
    miss_min_visible: int = 2
    vis_visible: float = 0.97
    vis_outside: float = 0.08
    vis_occluded: float = 0.45
    vis_noise: float = 0.05
    ref_fps: float = 15.0

    @classmethod
    def none(cls) -> "NoiseModel":
        """No errors at all: exact projections, visibility from geometry only, no misses."""
        return cls(jitter_body=0.0, jitter_face=0.0, jitter_extremity=0.0, jitter_global=0.0,
                   outlier_rate=0.0, swap_rate=0.0, miss_rate=0.0, miss_min_visible=0, vis_noise=0.0)

    def scaled(self, k: float) -> "NoiseModel":
        """All jitter, outlier and miss rates multiplied by ``k`` (augmentation strength)."""
        return replace(self, jitter_body=self.jitter_body * k, jitter_face=self.jitter_face * k,
                       jitter_extremity=self.jitter_extremity * k, jitter_global=self.jitter_global * k,
                       outlier_rate=self.outlier_rate * k, swap_rate=self.swap_rate * k, miss_rate=self.miss_rate * k)

    def as_dict(self) -> dict:
        return asdict(self)


_SIGMA_CLASS = np.zeros(NUM_LANDMARKS, dtype=int)
_SIGMA_CLASS[list(FACE)] = 1
_SIGMA_CLASS[list(EXTREMITIES)] = 2


def _runs(rng: np.random.Generator, T: int, rate: float, lengths: tuple[int, int]) -> np.ndarray:
    """Boolean (T,) with runs that start with chance ``rate`` per frame."""
    out = np.zeros(T, dtype=bool)
    if rate <= 0:
        return out
    for s in np.flatnonzero(rng.random(T) < rate):
        out[s: s + int(rng.integers(lengths[0], lengths[1] + 1))] = True
    return out


def apply_noise(proj: dict[str, np.ndarray], noise: NoiseModel, rng: np.random.Generator,
                fps: float) -> tuple[np.ndarray, np.ndarray, dict]:
    """Keypoints (T,33,4) float32 and ``present`` (T,) from :func:`.camera.project`'s output.

    Frames without a person have all four values 0 (visibility 0 included)."""
    xy, z = proj["xy"], proj["z"]
    T = xy.shape[0]
    scale = proj["scale"][:, None, None]
    k = noise.ref_fps / fps  # rates are per reference frame
    rho = float(noise.temporal_corr) ** k if noise.temporal_corr > 0 else 0.0
    sig = np.array([noise.jitter_body, noise.jitter_face, noise.jitter_extremity])[_SIGMA_CLASS]
    pos = np.concatenate([xy, z[..., None]], -1)
    info = {"outliers": 0, "swaps": 0}
    if sig.any() or noise.jitter_global > 0:
        e = rng.standard_normal((T, NUM_LANDMARKS + 1, 3))
        e[:, :NUM_LANDMARKS] *= sig[None, :, None]
        e[:, NUM_LANDMARKS] *= noise.jitter_global
        e[:, :, 2] *= noise.jitter_z
        if rho > 0:
            c = np.sqrt(1 - rho * rho)
            for i in range(1, T):
                e[i] = rho * e[i - 1] + c * e[i]
        pos = pos + (e[:, :NUM_LANDMARKS] + e[:, NUM_LANDMARKS:]) * scale
    if noise.outlier_rate > 0:
        for grp in _WRIST_GROUPS:
            run = _runs(rng, T, noise.outlier_rate * k, noise.outlier_frames)
            if run.any():
                info["outliers"] += int(run.sum())
                jump = rng.standard_normal((T, 1, 3)) * noise.outlier_size * scale
                jump[..., 2] *= noise.jitter_z
                pos[:, grp] += np.where(run[:, None, None], jump, 0.0)
    if noise.swap_rate > 0:
        run = _runs(rng, T, noise.swap_rate * k, noise.outlier_frames)
        if run.any():
            info["swaps"] = int(run.sum())
            limb = list(_WRIST_GROUPS[0] if rng.random() < 0.5 else _WRIST_GROUPS[2])
            twin = [int(i) for i in FLIP_INDEX[limb]]
            rows = np.flatnonzero(run)
            pos[np.ix_(rows, limb + twin)] = pos[np.ix_(rows, twin + limb)]

    inside = proj["in_frame"]
    occ = proj["occluded"]
    vis = noise.vis_outside + (noise.vis_visible - noise.vis_outside) * inside
    vis = vis - (vis - np.minimum(vis, noise.vis_occluded)) * occ
    if noise.vis_noise > 0:
        vis = vis + rng.standard_normal(vis.shape) * noise.vis_noise
    vis = np.clip(vis, 0.0, 1.0)

    present = ~_runs(rng, T, noise.miss_rate * k, noise.miss_frames)
    if noise.miss_min_visible > 0:
        present &= (inside[:, [11, 12, 23, 24]] > 0.5).sum(-1) >= noise.miss_min_visible
    kp = np.concatenate([pos, vis[..., None]], -1).astype(np.float32)
    kp[~present] = 0.0
    info["missed"] = int((~present).sum())
    return kp, present, info
