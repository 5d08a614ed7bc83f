"""The camera: perspective projection of the body into a W×H frame, and clean visibility.

Image coordinates are pixels as a pose estimator on video reports them: x right, y down
(continuous: pixel i covers [i, i+1)). ``z`` is depth relative to the hip midpoint, in pixels at
the hips' distance (the scale of x), smaller = nearer the camera, like MediaPipe's.

The camera looks at the person's mid-height point from ``distance`` metres, which follows from
``height_frac`` (standing height as a fraction of the frame height) and the vertical field of
view. ``center_x``/``center_y`` place that point in the frame (fractions of W and H), which is a
shifted principal point, i.e. a crop of a wider camera: off-centre placement and partly out of
frame without changing the view direction.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from .skeleton import Body

#: (width, height) of the frame sizes drawn by default: landscape webcams and portrait phones
FRAME_SIZES = ((640, 480), (1280, 720), (480, 640), (720, 1280))


@dataclass(frozen=True)
class CameraSpec:
    """One camera placement. ``yaw_deg`` > 0: the person has turned toward their own left (they
    face image right); ``pitch_deg`` > 0: the camera is above, looking down; ``roll_deg`` > 0:
    the image is turned clockwise."""

    width: int = 640
    height: int = 480
    yaw_deg: float = 0.0
    pitch_deg: float = 0.0
    roll_deg: float = 0.0
    height_frac: float = 0.8
    center_x: float = 0.5
    center_y: float = 0.5
    vfov_deg: float = 55.0

    @property
    def focal_px(self) -> float:
        return 0.5 * self.height / np.tan(np.deg2rad(self.vfov_deg) / 2)

    def distance(self, body: Body) -> float:
        return self.focal_px * body.height / (self.height_frac * self.height)

    def as_dict(self) -> dict:
        return {k: (round(v, 4) if isinstance(v, float) else v) for k, v in asdict(self).items()}


@dataclass(frozen=True)
class CameraRanges:
    """Ranges that :func:`sample_camera` draws from (uniform unless said otherwise).

    ``p_partial``: share of cameras that place the person partly out of frame (legs below the
    frame, or one side off an edge); ``p_close_up``: share of webcam close-ups where the person is
    taller than the frame (``close_up_frac``) with the head near the top, legs out of view.
    Use ``CameraRanges(yaw_deg=(-60, 60))`` (``WIDE``) for the wider yaw range."""

    yaw_deg: tuple[float, float] = (-45.0, 45.0)
    pitch_deg: tuple[float, float] = (-20.0, 20.0)
    roll_deg: tuple[float, float] = (-4.0, 4.0)
    height_frac: tuple[float, float] = (0.3, 0.95)
    vfov_deg: tuple[float, float] = (40.0, 65.0)
    sizes: tuple[tuple[int, int], ...] = FRAME_SIZES
    size_p: tuple[float, ...] = (0.45, 0.3, 0.15, 0.1)
    center_x: tuple[float, float] = (0.3, 0.7)
    center_y: tuple[float, float] = (0.42, 0.58)
    p_partial: float = 0.15
    p_close_up: float = 0.1
    close_up_frac: tuple[float, float] = (1.05, 1.9)


WIDE = CameraRanges(yaw_deg=(-60.0, 60.0))


def sample_camera(rng: np.random.Generator, ranges: CameraRanges | None = None) -> CameraSpec:
    r = ranges or CameraRanges()
    u = lambda lo_hi: float(rng.uniform(*lo_hi))  # noqa: E731
    w, h = r.sizes[int(rng.choice(len(r.sizes), p=np.asarray(r.size_p) / np.sum(r.size_p)))]
    frac, cx, cy = u(r.height_frac), u(r.center_x), u(r.center_y)
    x = rng.random()
    if x < r.p_close_up:
        frac = u(r.close_up_frac)
        cy = float(rng.uniform(0.02, 0.15)) + frac / 2  # the top of the head near the top edge
    elif x < r.p_close_up + r.p_partial:
        frac = max(frac, 0.55)
        if rng.random() < 0.5:
            cy = 0.5 + frac * float(rng.uniform(0.15, 0.4))  # legs below the frame
        else:
            cx = float(rng.choice([-1, 1])) * float(rng.uniform(0.3, 0.48)) + 0.5  # near a side edge
    return CameraSpec(width=int(w), height=int(h), yaw_deg=u(r.yaw_deg), pitch_deg=u(r.pitch_deg),
                      roll_deg=u(r.roll_deg), height_frac=frac, center_x=cx, center_y=cy, vfov_deg=u(r.vfov_deg))


def project(world: np.ndarray, body: Body, cam: CameraSpec) -> dict[str, np.ndarray]:
    """Project (T,33,3) body-frame points. Returns ``xy`` (T,33,2) px, ``z`` (T,33) px,
    ``in_frame`` (T,33) in [0, 1] (soft: 0.5 on the border), ``occluded`` (T,33) in [0, 1]
    (behind the torso or the head from the camera's view), ``scale`` (T,) the shoulder width in
    px at the hips' distance (the person's size, independent of yaw)."""
    yaw, pitch, roll = np.deg2rad([cam.yaw_deg, cam.pitch_deg, cam.roll_deg])
    cy_, sy_ = np.cos(yaw), np.sin(yaw)
    ry = np.array([[cy_, 0, sy_], [0, 1, 0], [-sy_, 0, cy_]])
    p = world @ ry.T
    cp, sp = np.cos(pitch), np.sin(pitch)
    d = cam.distance(body)
    eye = np.array([0.0, body.height / 2 + d * sp, d * cp])
    x0, y0, z0 = np.array([1.0, 0, 0]), np.array([0.0, -cp, sp]), np.array([0.0, -sp, -cp])
    xa, ya = np.cos(roll) * x0 + np.sin(roll) * y0, -np.sin(roll) * x0 + np.cos(roll) * y0
    rel = p - eye
    xc, yc, zc = rel @ xa, rel @ ya, np.maximum(rel @ z0, 0.05)
    f = cam.focal_px
    u = f * xc / zc + cam.width * cam.center_x
    v = f * yc / zc + cam.height * cam.center_y
    z_hip = 0.5 * (zc[:, 23] + zc[:, 24])
    z = (zc - z_hip[:, None]) * f / z_hip[:, None]

    side = np.minimum(np.minimum(u, cam.width - u), np.minimum(v, cam.height - v))
    in_frame = np.clip(0.5 + side / (0.02 * min(cam.width, cam.height)), 0.0, 1.0)

    # occlusion: torso (a band around mid-hip -> mid-shoulder) and head (a disc), each with depth
    uv = np.stack([u, v], -1)
    a, b = 0.5 * (uv[:, 23] + uv[:, 24]), 0.5 * (uv[:, 11] + uv[:, 12])
    za, zb = 0.5 * (zc[:, 23] + zc[:, 24]), 0.5 * (zc[:, 11] + zc[:, 12])
    ab = b - a
    s = np.clip(np.einsum("tkc,tc->tk", uv - a[:, None], ab) / np.maximum(np.sum(ab * ab, -1), 1e-9)[:, None], 0, 1)
    d2 = np.linalg.norm(uv - (a[:, None] + s[..., None] * ab[:, None]), axis=-1)
    zaxis = za[:, None] + s * (zb - za)[:, None]
    half = np.maximum(0.5 * np.linalg.norm(uv[:, 11] - uv[:, 12], axis=-1), 0.11 * f / za)[:, None]
    occ_t = np.clip((half - d2) / (0.25 * half), 0, 1) * np.clip((zc - zaxis - 0.04) / 0.06, 0, 1)
    hc_uv, hc_z = 0.5 * (uv[:, 7] + uv[:, 8]), 0.5 * (zc[:, 7] + zc[:, 8])
    hr = (0.085 * body.head * body.height / 1.75) * f / hc_z
    dh = np.linalg.norm(uv - hc_uv[:, None], axis=-1)
    occ_h = np.clip((hr[:, None] - dh) / (0.3 * hr[:, None]), 0, 1) * np.clip((zc - hc_z[:, None] - 0.01) / 0.04, 0, 1)
    occluded = np.maximum(occ_t, occ_h)
    return {"xy": uv, "z": z, "in_frame": in_frame, "occluded": occluded,
            "scale": body.shoulder_width * f / z_hip}
