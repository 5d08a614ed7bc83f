"""The kinematic body: MediaPipe Pose's 33 landmarks, proportions, and forward kinematics.

Body frame (metres): x = the person's own left, y = up, z = the direction the person faces;
the ground is y = 0 and the feet stand around x = z = 0 at the start. Right-handed.

The state is a dict of *channels* (``CHANNELS``), each a float array of shape (T,) (or a scalar,
broadcast over time). Angles are radians:

root        ``turn`` body yaw about the vertical (+ = turns toward the person's left),
            ``tx``/``tz`` root shift (m), ``jump`` vertical lift above the grounded height (m)
spine       ``sp_flex`` forward bend at the hips (+ = bow), ``sp_lat`` side bend (+ = toward the
            person's right), ``sp_twist`` chest yaw relative to the pelvis
head        ``hd_yaw`` (+ = looks to the person's left), ``hd_pitch`` (+ = chin down), ``hd_roll``
arms (L, R) ``sh_elev`` angle of the upper arm from hanging straight down (0) to straight up (pi),
            ``sh_plane`` plane of that elevation (0 = sideways, pi/2 = forward, > pi/2 = across the
            body, < 0 = backward), ``el_flex`` elbow flexion (0 = straight), ``el_dir`` direction
            the forearm bends toward, an angle about the upper arm: 0 = the arm's front (forward
            for a hanging arm, up for an arm raised forward, forward for one raised sideways),
            +pi/2 = its inner side (toward the body when hanging, down when raised sideways),
            -pi/2 = its outer side (up for an arm raised sideways: a wave), ``shrug`` shoulder
            lift (m)
legs (L, R) ``hip_elev``/``hip_plane`` as for the arms (pi/2 plane = forward = hip flexion),
            ``kn_flex`` knee flexion (shank folds backward), ``toe_out`` foot yaw outward

The pelvis height is not a channel: each frame it is placed so that the lower ankle stands on the
ground (squats lower the body, a kick keeps the standing leg planted), plus ``jump``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

# The layout the pose stage reports (names, left/right twins, MediaPipe's edges).
from engine.pose.landmarks import EDGES, FLIP_INDEX, IDX, LANDMARKS, NUM_LANDMARKS  # noqa: F401

#: keypoints of the hands and feet (the pose stage is noisier there)
EXTREMITIES = (15, 16, 17, 18, 19, 20, 21, 22, 27, 28, 29, 30, 31, 32)
FACE = tuple(range(11))

SIDES = ("L", "R")
CHANNELS = (
    "turn", "tx", "tz", "jump", "sp_flex", "sp_lat", "sp_twist", "hd_yaw", "hd_pitch", "hd_roll",
    *(f"{c}_{s}" for s in SIDES for c in ("sh_elev", "sh_plane", "el_flex", "el_dir", "shrug",
                                           "hip_elev", "hip_plane", "kn_flex", "toe_out")),
)


@dataclass(frozen=True)
class Body:
    """Segment lengths of one person (metres). Draw varied ones with :func:`sample_body`."""

    height: float = 1.75
    shoulder_width: float = 0.38  # between the shoulder joints
    hip_width: float = 0.19  # between the hip joints
    torso: float = 0.50  # hip centre to shoulder centre
    neck: float = 0.09  # shoulder centre to the head pivot
    head: float = 1.0  # scale of the face points and head (1 = an average adult head)
    upper_arm: float = 0.325
    forearm: float = 0.255
    hand: float = 0.085  # wrist to the index knuckle
    thigh: float = 0.43
    shank: float = 0.43
    ankle: float = 0.07  # ankle height above the ground
    foot: float = 0.26

    def as_dict(self) -> dict[str, float]:
        return {k: round(float(v), 4) for k, v in asdict(self).items()}


def sample_body(rng: np.random.Generator) -> Body:
    """Proportions drawn within adult human ranges (height 1.45-1.98 m, ratios ±5-12 %)."""
    h = float(rng.uniform(1.45, 1.98))
    u = lambda lo, hi: float(rng.uniform(lo, hi))  # noqa: E731
    thigh, shank, ankle = h * 0.245 * u(0.94, 1.06), h * 0.246 * u(0.94, 1.06), h * 0.039 * u(0.9, 1.1)
    head = u(0.9, 1.15)
    neck = h * 0.052 * u(0.85, 1.15)
    crown = h * 0.13 * head  # head pivot to the top of the head
    torso = float(np.clip(h - (thigh + shank + ankle) - neck - crown, 0.25 * h, 0.33 * h))
    return Body(
        height=h, shoulder_width=h * u(0.19, 0.245), hip_width=h * u(0.095, 0.125), torso=torso,
        neck=neck, head=head, upper_arm=h * 0.186 * u(0.93, 1.07), forearm=h * 0.146 * u(0.93, 1.07),
        hand=h * 0.049 * u(0.9, 1.1), thigh=thigh, shank=shank, ankle=ankle, foot=h * 0.15 * u(0.92, 1.08),
    )


# face points in the head frame (x left, y up, z forward), metres for an average head; the head
# frame's origin is between the ears
_FACE_OFFSETS = np.array([
    (0.0, -0.005, 0.105),  # nose
    (0.017, 0.03, 0.09), (0.032, 0.032, 0.085), (0.047, 0.03, 0.075),  # left eye inner/eye/outer
    (-0.017, 0.03, 0.09), (-0.032, 0.032, 0.085), (-0.047, 0.03, 0.075),  # right eye
    (0.072, 0.012, 0.0), (-0.072, 0.012, 0.0),  # ears
    (0.024, -0.042, 0.085), (-0.024, -0.042, 0.085),  # mouth left, right
])

_X, _Y, _Z = np.eye(3)


def _rot(axis: int, a: np.ndarray) -> np.ndarray:
    """(T,3,3) rotation matrices about a body axis (0 x, 1 y, 2 z)."""
    c, s = np.cos(a), np.sin(a)
    m = np.zeros(a.shape + (3, 3))
    i, j = [(1, 2), (2, 0), (0, 1)][axis]
    m[..., axis, axis] = 1.0
    m[..., i, i] = c
    m[..., j, j] = c
    m[..., i, j] = -s
    m[..., j, i] = s
    return m


def _apply(r: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Rotate (T,3) or (3,) vectors by (T,3,3) matrices."""
    return np.einsum("tij,tj->ti", r, np.broadcast_to(v, r.shape[:-1]))


def _unit(v: np.ndarray, fallback: np.ndarray | None = None) -> np.ndarray:
    n = np.linalg.norm(v, axis=-1, keepdims=True)
    out = v / np.maximum(n, 1e-9)
    if fallback is not None:
        out = np.where(n > 1e-6, out, fallback)
    return out


def _perp(v: np.ndarray, u: np.ndarray, fallback: np.ndarray) -> np.ndarray:
    """Unit component of ``v`` perpendicular to unit ``u`` (``fallback`` where degenerate)."""
    return _unit(v - np.sum(v * u, axis=-1, keepdims=True) * u, fallback)


def limb_direction(elev: np.ndarray, plane: np.ndarray, side: float) -> np.ndarray:
    """(T,3) unit direction of an upper arm / thigh in its parent frame."""
    se = np.sin(elev)
    return np.stack([se * np.cos(plane) * side, -np.cos(elev), se * np.sin(plane)], axis=-1)


def arm_front(elev: np.ndarray, plane: np.ndarray, side: float) -> np.ndarray:
    """(T,3) the upper arm's "front": the forward vector carried along by the rotation that
    raises a hanging arm by ``elev`` in ``plane`` (perpendicular to the arm, never degenerate)."""
    hx, hz = side * np.cos(plane), np.sin(plane)
    c, s = np.cos(elev), np.sin(elev)
    return np.stack([-hz * hx * (1 - c), hz * s, c + hx * hx * (1 - c)], axis=-1)


def bend_direction(elev, plane, el_dir, side: float) -> tuple[np.ndarray, np.ndarray]:
    """Unit upper-arm direction u and the unit direction w (perpendicular to u) the forearm
    bends toward, for ``el_dir`` (see the module doc)."""
    u = limb_direction(elev, plane, side)
    ref = arm_front(elev, plane, side)
    r = np.asarray(el_dir)[..., None]
    return u, np.cos(r) * ref + side * np.sin(r) * np.cross(u, ref)


def arm_ik(target: np.ndarray, body: Body, side: float, pole: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """Arm channels that put the wrist at ``target`` ((T,3), chest frame, metres).

    The chest frame has its origin at the hip centre (the spine pivot), like the shoulders'
    ``(±shoulder_width/2, torso, 0)``. ``pole`` is where the elbow points (default: down, out and
    back). Unreachable targets are clamped to the arm's reach. Returns ``sh_elev``, ``sh_plane``,
    ``el_flex``, ``el_dir`` arrays.
    """
    a, b = body.upper_arm, body.forearm
    shoulder = np.array([side * body.shoulder_width / 2, body.torso, 0.0])
    v = np.atleast_2d(target) - shoulder
    d = np.linalg.norm(v, axis=-1)
    n = v / np.maximum(d, 1e-9)[:, None]
    d = np.clip(d, abs(a - b) + 0.05 * (a + b), 0.995 * (a + b))
    flex = np.pi - np.arccos(np.clip((a * a + b * b - d * d) / (2 * a * b), -1, 1))
    alpha = np.arccos(np.clip((a * a + d * d - b * b) / (2 * a * d), -1, 1))
    if pole is None:
        pole = np.array([side * 0.6, -1.0, -0.4])
    q = _perp(np.broadcast_to(pole, n.shape), n, np.array([0.0, -1.0, 0.0]))
    u = np.cos(alpha)[:, None] * n + np.sin(alpha)[:, None] * q
    wrist = shoulder + u * a + _unit(shoulder + n * d[:, None] - (shoulder + u * a)) * b
    w = _perp(wrist - (shoulder + u * a), u, _Z)  # forearm direction's part perpendicular to u
    elev = np.arccos(np.clip(-u[:, 1], -1, 1))
    plane = np.unwrap(np.arctan2(u[:, 2], side * u[:, 0]))
    ref = arm_front(elev, plane, side)
    r = np.arctan2(np.sum(w * side * np.cross(u, ref), -1), np.sum(w * ref, -1))
    return {"sh_elev": elev, "sh_plane": plane, "el_flex": flex, "el_dir": np.unwrap(r)}


def forward_kinematics(ch: dict[str, np.ndarray], body: Body, n_frames: int) -> np.ndarray:
    """World positions (T,33,3) of the landmarks for channel arrays ``ch`` (see the module doc)."""
    T = n_frames
    g = {k: np.broadcast_to(np.asarray(ch.get(k, 0.0), dtype=np.float64), (T,)) for k in CHANNELS}
    out = np.empty((T, NUM_LANDMARKS, 3))
    r_root = _rot(1, g["turn"])

    # legs in the root frame with the pelvis at the origin, then ground them
    hips, knees, ankles, shanks = {}, {}, {}, {}
    for side, s in (("L", 1.0), ("R", -1.0)):
        hip = np.array([s * body.hip_width / 2, 0.0, 0.0])
        d = limb_direction(g[f"hip_elev_{side}"], g[f"hip_plane_{side}"], s)
        # the knee faces forward turned out like the foot (toe_out): its hinge is horizontal
        gam = g[f"toe_out_{side}"]
        hinge = _perp(np.stack([np.cos(gam), np.zeros(T), -s * np.sin(gam)], -1), d, _Z)
        f = g[f"kn_flex_{side}"][:, None]
        sd = d * np.cos(f) + np.cross(hinge, d) * np.sin(f)
        hips[side] = _apply(r_root, hip)
        knees[side] = _apply(r_root, hip + d * body.thigh)
        ankles[side] = _apply(r_root, hip + d * body.thigh + sd * body.shank)
        shanks[side] = _apply(r_root, sd)
    low = np.minimum(ankles["L"][:, 1], ankles["R"][:, 1])
    pelvis_y = body.ankle - low + g["jump"]
    # feet do not slide: x keeps the ankles' midpoint, z the grounded ankle(s)
    wl = np.exp(-(ankles["L"][:, 1] - low) / 0.02)
    wr = np.exp(-(ankles["R"][:, 1] - low) / 0.02)
    ax = 0.5 * (ankles["L"][:, 0] + ankles["R"][:, 0])
    az = (wl * ankles["L"][:, 2] + wr * ankles["R"][:, 2]) / (wl + wr)
    root = np.stack([g["tx"] - ax, pelvis_y, g["tz"] - az], axis=-1)

    for side, s in (("L", 1.0), ("R", -1.0)):
        o = 0 if side == "L" else 1
        ankle = ankles[side] + root
        out[:, 23 + o] = hips[side] + root
        out[:, 25 + o] = knees[side] + root
        out[:, 27 + o] = ankle
        toe = g[f"toe_out_{side}"]
        fwd = _apply(r_root, np.stack([s * np.sin(toe), np.zeros(T), np.cos(toe)], axis=-1))
        sd = shanks[side]
        fd = _unit(fwd + _perp(fwd, sd, fwd))
        out[:, 29 + o] = ankle + 0.6 * body.ankle * sd - 0.2 * body.foot * fd
        out[:, 31 + o] = ankle + 0.9 * body.ankle * sd + 0.75 * body.foot * fd

    # chest (spine pivots at the hip centre) and head
    r_chest = r_root @ _rot(1, g["sp_twist"]) @ _rot(2, g["sp_lat"]) @ _rot(0, g["sp_flex"])
    neck_top = root + _apply(r_chest, np.array([0.0, body.torso + body.neck, 0.0]))
    r_head = r_chest @ _rot(1, g["hd_yaw"]) @ _rot(0, g["hd_pitch"]) @ _rot(2, g["hd_roll"])
    k = body.head * body.height / 1.75
    head_c = neck_top + _apply(r_head, np.array([0.0, 0.055 * k, 0.005]))
    out[:, 0:11] = head_c[:, None, :] + np.einsum("tij,kj->tki", r_head, _FACE_OFFSETS * k)

    for side, s in (("L", 1.0), ("R", -1.0)):
        o = 0 if side == "L" else 1
        shoulder = root + _apply(
            r_chest, np.stack([np.full(T, s * body.shoulder_width / 2), body.torso + g[f"shrug_{side}"], np.zeros(T)], -1))
        u_loc, w_loc = bend_direction(g[f"sh_elev_{side}"], g[f"sh_plane_{side}"], g[f"el_dir_{side}"], s)
        f = g[f"el_flex_{side}"][:, None]
        fa_loc = u_loc * np.cos(f) + w_loc * np.sin(f)
        u, fa = _apply(r_chest, u_loc), _apply(r_chest, fa_loc)
        # thumb side: in the bend plane, perpendicular to the forearm (toward the bend direction
        # for a straight arm, up along the upper arm for a flexed one)
        radial = _apply(r_chest, w_loc * np.cos(f) - u_loc * np.sin(f))
        elbow = shoulder + u * body.upper_arm
        wrist = elbow + fa * body.forearm
        hl = body.hand
        out[:, 11 + o] = shoulder
        out[:, 13 + o] = elbow
        out[:, 15 + o] = wrist
        out[:, 17 + o] = wrist + fa * (0.85 * hl) - radial * (0.35 * hl)  # pinky
        out[:, 19 + o] = wrist + fa * (0.95 * hl) + radial * (0.30 * hl)  # index
        out[:, 21 + o] = wrist + fa * (0.45 * hl) + radial * (0.55 * hl)  # thumb
    return out
