"""Actions and other motions as parametric joint-angle trajectories.

Every motion is a function ``f(t, rng, body, base) -> (channels, params)``: ``t`` is time in
seconds (T,), ``base`` the clip's neutral posture (scalars per channel, see
:func:`sample_neutral`), and the result overrides some channels of the posture with (T,) arrays
(see :mod:`.skeleton` for what the channels mean). ``params`` holds every value drawn (period,
amplitude, phase, side, style...) for the clip's metadata. Idle sway and breathing are added on
top by the caller (:func:`idle_sway`), so they run through actions and transitions alike.

``ACTIONS`` are the twelve everyday actions of the default model; ``OTHER_MOTIONS`` are motions
that are none of them (open-set negatives), kept apart so a training set can label them unknown.
"""

from __future__ import annotations

import numpy as np

from . import negatives  # noqa: F401  (registers the other motions)
from .motion_kit import _OTHER, _REGISTRY, D, _cycle, _ik, _motion, _pt, _side, pulse, u
from .motion_kit import idle_sway, sample_neutral  # noqa: F401  (re-exported for generate)
from .skeleton import Body

#: the default model's actions (English names; ``ACTION_TITLES`` has readable ones)
ACTIONS = (
    "wave_one_arm", "wave_both_arms", "raise_arms_sideways", "raise_arms_forward", "clap",
    "jumping_jack", "squat", "bow", "punch", "kick", "stand_still", "walk_on_the_spot",
)
ACTION_TITLES = {
    "wave_one_arm": "wave one arm", "wave_both_arms": "wave both arms",
    "raise_arms_sideways": "raise both arms sideways", "raise_arms_forward": "raise both arms forward",
    "clap": "clap", "jumping_jack": "jumping jack", "squat": "squat", "bow": "bow", "punch": "punch",
    "kick": "kick", "stand_still": "stand still", "walk_on_the_spot": "walk on the spot",
}
#: actions done with one arm or leg: their params carry ``side`` ("L"/"R", the person's side)
ONE_SIDED = ("wave_one_arm", "punch", "kick")


# --------------------------------------------------------------------------- the twelve actions

@_motion("wave_one_arm")
def wave_one_arm(t, rng, body, base):
    p = {}
    side, _ = _side(rng)
    p["side"] = side
    c = _cycle(rng, t, 0.38, 0.9, p)
    phi = 2 * np.pi * c
    p["style"] = str(rng.choice(["high", "low"], p=[0.55, 0.45]))
    if p["style"] == "high":
        elev = u(rng, 110, 150)
        f0 = max(5.0, 180 - elev + u(rng, -30, 10))  # forearm about vertical (elbow + forearm = 180)
    else:
        elev = u(rng, 70, 95)
        f0 = 180 - elev + u(rng, -15, 10)
    p["amplitude_deg"] = a = u(rng, 18, 35 if p["style"] == "high" else 28)
    ch = {
        f"sh_elev_{side}": D(elev) + D(u(rng, 0, 6)) * np.sin(phi + u(rng, -1, 1)),
        f"sh_plane_{side}": np.full_like(t, D(u(rng, 0, 25))),  # forearm swings across the view
        f"el_flex_{side}": D(max(f0, a)) + D(a) * np.sin(phi),
        f"el_dir_{side}": np.full_like(t, D(-90)),
    }
    p.update(elevation_deg=elev, elbow_deg=f0)
    return ch, p


@_motion("wave_both_arms")
def wave_both_arms(t, rng, body, base):
    p = {}
    c = _cycle(rng, t, 0.4, 1.0, p)
    phi = 2 * np.pi * c
    p["style"] = style = str(rng.choice(["overhead", "low", "signal"], p=[0.4, 0.3, 0.3]))
    p["sync"] = sync = str(rng.choice(["mirror", "parallel"]))
    p["amplitude_deg"] = a = u(rng, 15, 35)
    ch = {}
    for s in "LR":
        sgn = -1.0 if (sync == "parallel" and s == "R") else 1.0
        wav = sgn * np.sin(phi)
        if style == "signal":  # straight arms swinging overhead
            ch[f"sh_elev_{s}"] = D(u(rng, 125, 145)) + D(a) * wav
            ch[f"el_flex_{s}"] = np.full_like(t, D(u(rng, 0, 20)))
        else:
            elev = u(rng, 135, 165) if style == "overhead" else u(rng, 70, 95)
            f0 = max(5.0, 180 - elev + u(rng, -25, 10))
            ch[f"sh_elev_{s}"] = np.full_like(t, D(elev))
            ch[f"el_flex_{s}"] = D(max(f0, a)) + D(a) * wav  # never hyperextended
        ch[f"sh_plane_{s}"] = np.full_like(t, D(u(rng, 0, 25)))
        ch[f"el_dir_{s}"] = np.full_like(t, D(-90))
    return ch, p


def _raise(t, rng, base, plane_lo, plane_hi, p):
    c = _cycle(rng, t, 1.6, 3.5, p)
    p["rise"], p["hold"] = u(rng, 0.18, 0.33), u(rng, 0.05, 0.3)
    p["target_deg"] = target = u(rng, 84, 110)
    p["held"] = bool(rng.random() < 0.15)
    ch = {}
    for s in "LR":
        lag = u(rng, -0.04, 0.04)
        prof = np.full_like(t, 1.0) - 0.08 * (1 + np.sin(2 * np.pi * c)) if p["held"] else pulse(c + lag, p["rise"], p["hold"])
        e0 = base[f"sh_elev_{s}"]
        ch[f"sh_elev_{s}"] = e0 + (D(target + u(rng, -4, 4)) - e0) * prof
        ch[f"sh_plane_{s}"] = np.full_like(t, D(u(rng, plane_lo, plane_hi)))
        ch[f"el_flex_{s}"] = np.full_like(t, D(u(rng, 0, 15)))
        ch[f"el_dir_{s}"] = np.full_like(t, 0.0)
    return ch, p


@_motion("raise_arms_sideways")
def raise_arms_sideways(t, rng, body, base):
    return _raise(t, rng, base, -10, 15, {})


@_motion("raise_arms_forward")
def raise_arms_forward(t, rng, body, base):
    return _raise(t, rng, base, 86, 100, {})


@_motion("clap")
def clap(t, rng, body, base):
    p = {}
    c = _cycle(rng, t, 0.35, 0.8, p)
    phi = 2 * np.pi * c
    p["style"] = str(rng.choice(["chest", "overhead"], p=[0.85, 0.15]))
    if p["style"] == "chest":
        cy, cz = body.torso + u(rng, -0.35, -0.05), u(rng, 0.25, 0.42)
    else:
        cy, cz = body.torso + body.neck + u(rng, 0.2, 0.35), u(rng, 0.1, 0.25)
    p["gap_min"], p["gap_open"] = gmin, gopen = u(rng, 0.04, 0.07), u(rng, 0.2, 0.45)
    gap = gmin + gopen * (0.5 - 0.5 * np.cos(phi))
    cx = u(rng, -0.03, 0.03)
    ch = {}
    for s, sg in (("L", 1.0), ("R", -1.0)):
        ch.update(_ik(_pt(len(t), cx + sg * gap / 2, cy, cz), body, s, (sg * 1.0, -1.0, -0.3)))
    return ch, p


@_motion("jumping_jack")
def jumping_jack(t, rng, body, base):
    p = {}
    c = _cycle(rng, t, 0.8, 1.5, p)
    phi = 2 * np.pi * c
    opened = 0.5 - 0.5 * np.cos(phi)
    p["arm_top_deg"], p["leg_deg"] = top, leg = u(rng, 145, 175), u(rng, 10, 18)
    p["jump_m"] = h = 0.0 if rng.random() < 0.2 else u(rng, 0.04, 0.12)
    ch = {"jump": h * np.sin(phi) ** 2}
    bend = D(u(rng, 5, 20)) * np.cos(phi) ** 2
    for s in "LR":
        e0 = base[f"sh_elev_{s}"]
        ch[f"sh_elev_{s}"] = e0 + (D(top) - e0) * opened
        ch[f"sh_plane_{s}"] = np.full_like(t, D(u(rng, -5, 15)))
        ch[f"el_flex_{s}"] = np.full_like(t, D(u(rng, 0, 20)))
        ch[f"el_dir_{s}"] = np.full_like(t, 0.0)
        h0 = min(base[f"hip_elev_{s}"], D(1.0))  # feet together when closed
        ch[f"hip_elev_{s}"] = h0 + (D(leg) - h0) * opened
        ch[f"hip_plane_{s}"] = np.zeros_like(t)
        ch[f"kn_flex_{s}"] = bend
    return ch, p


@_motion("squat")
def squat(t, rng, body, base):
    p = {}
    c = _cycle(rng, t, 1.8, 3.5, p)
    prof = pulse(c, u(rng, 0.22, 0.38), u(rng, 0.0, 0.2))
    p["knee_deg"] = knee = u(rng, 80, 125)
    p["arms"] = arms = str(rng.choice(["forward", "hips", "chest", "hang"], p=[0.4, 0.2, 0.2, 0.2]))
    ch = {"sp_flex": base.get("sp_flex", 0.0) + D(u(rng, 10, 35)) * prof}
    out = u(rng, 65, 88)
    for s, sg in (("L", 1.0), ("R", -1.0)):
        ch[f"kn_flex_{s}"] = base[f"kn_flex_{s}"] + D(knee) * prof
        ch[f"hip_elev_{s}"] = base[f"hip_elev_{s}"] + D(knee * u(rng, 0.72, 0.9)) * prof
        ch[f"hip_plane_{s}"] = np.full_like(t, D(out))
        if arms == "forward":
            e0 = base[f"sh_elev_{s}"]
            ch[f"sh_elev_{s}"] = e0 + (D(u(rng, 70, 95)) - e0) * prof
            ch[f"sh_plane_{s}"] = np.full_like(t, D(90))
            ch[f"el_dir_{s}"] = np.full_like(t, 0.0)
        elif arms == "hips":
            ch.update(_ik(_pt(len(t), sg * (body.hip_width / 2 + 0.08), 0.08, 0.02), body, s, (sg, 0.0, -0.6)))
        elif arms == "chest":
            ch.update(_ik(_pt(len(t), sg * 0.04, body.torso - 0.15, 0.2), body, s, (sg, -1.0, -0.2)))
    return ch, p


@_motion("bow")
def bow(t, rng, body, base):
    p = {}
    c = _cycle(rng, t, 2.0, 4.0, p)
    prof = pulse(c, u(rng, 0.22, 0.38), u(rng, 0.05, 0.3))
    p["depth_deg"] = depth = u(rng, 30, 70)
    p["arm_hang"] = k = u(rng, 0.6, 1.0)
    ch = {"sp_flex": base.get("sp_flex", 0.0) + D(depth) * prof,
          "hd_pitch": base.get("hd_pitch", 0.0) + D(u(rng, 0, 20)) * prof,
          "tz": -0.25 * body.torso * np.sin(D(depth) * prof)}
    for s in "LR":
        ch[f"sh_elev_{s}"] = base[f"sh_elev_{s}"] * (1 - prof) + D(depth * k) * prof
        ch[f"sh_plane_{s}"] = base[f"sh_plane_{s}"] * (1 - prof) + D(90) * prof
        ch[f"kn_flex_{s}"] = base[f"kn_flex_{s}"] + D(u(rng, 0, 12)) * prof
    return ch, p


@_motion("punch")
def punch(t, rng, body, base):
    p = {}
    side, _ = _side(rng)
    p["side"] = side
    p["alternate"] = alt = bool(rng.random() < 0.25)
    if alt:
        p["side"] = "both"
    c = _cycle(rng, t, 0.6, 1.4, p)
    rise, hold = u(rng, 0.1, 0.18), u(rng, 0.0, 0.08)
    reach = body.upper_arm + body.forearm
    gy = body.torso + u(rng, -0.18, 0.08)
    ch = {"sp_twist": np.zeros_like(t)}
    twist = D(u(rng, 3, 12))
    for s, sg in (("L", 1.0), ("R", -1.0)):
        active = alt or s == side
        ext = pulse(c + (0.5 if (alt and s == "R") else 0.0), rise, hold) if active else np.zeros_like(t)
        guard = np.array([sg * u(rng, 0.08, 0.16), gy, u(rng, 0.18, 0.3)])
        hit = np.array([sg * u(rng, -0.02, 0.1), body.torso + u(rng, -0.05, 0.1), 0.97 * reach])
        tgt = guard[None, :] + (hit - guard)[None, :] * ext[:, None]
        ch.update(_ik(tgt, body, s, (sg * 0.4, -1.0, 0.0)))
        ch["sp_twist"] = ch["sp_twist"] - sg * twist * ext
    return ch, p


@_motion("kick")
def kick(t, rng, body, base):
    p = {}
    side, sg = _side(rng)
    p["side"] = side
    c = _cycle(rng, t, 1.2, 2.5, p)
    lift = pulse(c, u(rng, 0.15, 0.25), u(rng, 0.1, 0.2))
    ext = pulse(c - 0.1, 0.12, 0.05)
    p["height_deg"] = hgt = u(rng, 45, 90)
    chamber = u(rng, 70, 100)
    ch = {
        f"hip_elev_{side}": base[f"hip_elev_{side}"] + D(hgt) * lift,
        f"hip_plane_{side}": np.full_like(t, D(u(rng, 75, 100))),
        f"kn_flex_{side}": lift * (D(chamber) - D(chamber - u(rng, 0, 20)) * ext),
        "sp_flex": base.get("sp_flex", 0.0) - D(u(rng, 0, 15)) * lift,
    }
    p["arms"] = arms = str(rng.choice(["guard", "balance", "hang"], p=[0.4, 0.4, 0.2]))
    for s, g in (("L", 1.0), ("R", -1.0)):
        if arms == "guard":
            ch.update(_ik(_pt(len(t), g * 0.12, body.torso + u(rng, -0.15, 0.05), 0.22), body, s, (g * 0.4, -1.0, 0.0)))
        elif arms == "balance":
            e0 = base[f"sh_elev_{s}"]
            ch[f"sh_elev_{s}"] = e0 + (D(u(rng, 20, 50)) - e0) * lift
    return ch, p


@_motion("stand_still")
def stand_still(t, rng, body, base):
    p = {"arms": str(rng.choice(["hang", "hands_front"], p=[0.85, 0.15]))}
    ch = {}
    if p["arms"] == "hands_front":
        y, z = u(rng, -0.05, 0.15), u(rng, 0.1, 0.2)
        for s, g in (("L", 1.0), ("R", -1.0)):
            ch.update(_ik(_pt(len(t), g * 0.03, y, z), body, s))
    return ch, p


@_motion("walk_on_the_spot")
def walk_on_the_spot(t, rng, body, base):
    p = {}
    c = _cycle(rng, t, 0.9, 1.4, p)
    phi = 2 * np.pi * c
    p["knee_lift_deg"] = lift_deg = u(rng, 22, 55)
    p["arm_swing_deg"] = arm = u(rng, 5, 30)
    ch = {}
    for s, sg in (("L", 1.0), ("R", -1.0)):
        lift = np.maximum(0.0, sg * np.sin(phi)) ** 1.2
        ch[f"hip_elev_{s}"] = base[f"hip_elev_{s}"] + D(lift_deg) * lift
        ch[f"hip_plane_{s}"] = np.full_like(t, D(90))
        ch[f"kn_flex_{s}"] = base[f"kn_flex_{s}"] + D(lift_deg * u(rng, 1.2, 1.8)) * lift
        ch[f"sh_elev_{s}"] = D(arm) * (-sg * np.sin(phi))
        ch[f"sh_plane_{s}"] = np.full_like(t, D(90))
        ch[f"el_flex_{s}"] = np.full_like(t, D(u(rng, 10, 40)))
    return ch, p


OTHER_MOTIONS = tuple(_OTHER)
ALL_MOTIONS = ACTIONS + OTHER_MOTIONS
assert set(ACTIONS) <= set(_REGISTRY) and not set(ACTIONS) & set(OTHER_MOTIONS)


def motion_channels(name: str, t: np.ndarray, rng: np.random.Generator, body: Body,
                    base: dict) -> tuple[dict, dict]:
    """The channels and drawn params of motion ``name`` over times ``t`` (``"idle"``: none)."""
    if name == "idle":
        return {}, {}
    try:
        f = _REGISTRY[name]
    except KeyError:
        raise ValueError(f"unknown motion {name!r}; known: {', '.join(ALL_MOTIONS)}") from None
    ch, p = f(t, rng, body, base)
    return ch, {k: (round(v, 4) if isinstance(v, float) else v) for k, v in p.items()}
