"""Other motions: everyday movements that are none of the default model's actions, the open-set
negatives a training set labels unknown (stretching, scratching the head, a phone call, turning
round...). Each registers itself with :func:`.motions._motion` (``other=True``) on import; see
:mod:`.motions` for the signature every motion shares."""

from __future__ import annotations

import numpy as np

from .motion_kit import D, _cycle, _ik, _motion, _pt, _side, pulse, smooth_noise, u


@_motion("stretch_up", other=True)
def stretch_up(t, rng, body, base):
    p = {}
    c = _cycle(rng, t, 3.0, 6.0, p)
    prof = pulse(c, 0.25, 0.4)
    ch = {"sp_lat": D(u(rng, -12, 12)) * np.sin(2 * np.pi * c) * prof, "sp_flex": -D(u(rng, 0, 8)) * prof,
          "hd_pitch": -D(u(rng, 0, 15)) * prof}
    top = _pt(len(t), 0.0, body.torso + body.neck + 0.2 + 0.3 * prof, 0.05)
    rest = {"L": _pt(len(t), 0.22, 0.05, 0.05), "R": _pt(len(t), -0.22, 0.05, 0.05)}
    for s, sg in (("L", 1.0), ("R", -1.0)):
        tgt = rest[s] + (top - rest[s]) * prof[:, None]
        ch.update(_ik(tgt, body, s, (sg, 0.2, -0.3)))
    return ch, p


@_motion("scratch_head", other=True)
def scratch_head(t, rng, body, base):
    p = {}
    side, sg = _side(rng)
    p["side"] = side
    f = u(rng, 2.5, 5.0)
    y = body.torso + body.neck + u(rng, 0.08, 0.16) + 0.015 * np.sin(2 * np.pi * f * t)
    tgt = _pt(len(t), sg * u(rng, 0.04, 0.1), y, u(rng, -0.02, 0.06))
    ch = _ik(tgt, body, side, (sg, 0.3, 0.0))
    ch["hd_roll"] = np.full_like(t, -sg * D(u(rng, 0, 10)))
    return ch, p


@_motion("arms_crossed", other=True)
def arms_crossed(t, rng, body, base):
    y = body.torso + u(rng, -0.3, -0.18)
    ch = {}
    for s, sg in (("L", 1.0), ("R", -1.0)):
        tgt = _pt(len(t), -sg * u(rng, 0.1, 0.18), y + smooth_noise(rng, t, 0.01), u(rng, 0.1, 0.16) + 0.02 * (sg > 0))
        ch.update(_ik(tgt, body, s, (sg, -0.6, 0.0)))
    return ch, {}


@_motion("hands_on_hips", other=True)
def hands_on_hips(t, rng, body, base):
    ch = {}
    for s, sg in (("L", 1.0), ("R", -1.0)):
        ch.update(_ik(_pt(len(t), sg * (body.hip_width / 2 + 0.08), u(rng, 0.03, 0.12), u(rng, -0.02, 0.05)),
                      body, s, (sg, 0.0, -0.6)))
    return ch, {}


@_motion("touch_face", other=True)
def touch_face(t, rng, body, base):
    side, sg = _side(rng)
    y = body.torso + body.neck + u(rng, -0.03, 0.03)
    tgt = _pt(len(t), sg * u(rng, 0.0, 0.05), y + smooth_noise(rng, t, 0.01, 0.2, 1.0), u(rng, 0.1, 0.14))
    ch = _ik(tgt, body, side, (sg * 0.5, -1.0, 0.0))
    ch["hd_pitch"] = np.full_like(t, D(u(rng, 0, 12)))
    return ch, {"side": side}


@_motion("phone_call", other=True)
def phone_call(t, rng, body, base):
    side, sg = _side(rng)
    tgt = _pt(len(t), sg * u(rng, 0.08, 0.11), body.torso + body.neck + u(rng, 0.02, 0.07), u(rng, 0.0, 0.04))
    ch = _ik(tgt, body, side, (sg * 0.5, -1.0, 0.0))
    ch["hd_yaw"] = smooth_noise(rng, t, D(10))
    return ch, {"side": side}


@_motion("turn_around", other=True)
def turn_around(t, rng, body, base):
    p = {"direction": float(rng.choice([-1.0, 1.0])), "duration": u(rng, 2.0, 4.0), "start": u(rng, -0.5, 0.8)}
    x = np.clip((t - t[0] - p["start"]) / p["duration"], 0, 1)
    turn = p["direction"] * 2 * np.pi * (3 * x * x - 2 * x * x * x)
    ch = {"turn": turn}
    for s, ph in (("L", 0.0), ("R", 0.5)):  # small steps while turning
        lift = np.maximum(0, np.sin(2 * np.pi * (t / 0.9 + ph))) * (x > 0) * (x < 1)
        ch[f"hip_elev_{s}"] = base[f"hip_elev_{s}"] + D(15) * lift
        ch[f"hip_plane_{s}"] = D(90) * np.clip(3 * lift, 0, 1)
        ch[f"kn_flex_{s}"] = D(25) * lift
    return ch, p


@_motion("sit_like", other=True)
def sit_like(t, rng, body, base):
    knee = u(rng, 40, 85)
    ch = {"sp_flex": np.full_like(t, D(u(rng, 10, 35)))}
    for s in "LR":
        ch[f"kn_flex_{s}"] = np.full_like(t, D(knee))
        ch[f"hip_elev_{s}"] = np.full_like(t, D(knee * u(rng, 0.7, 0.95)))
        ch[f"hip_plane_{s}"] = np.full_like(t, D(u(rng, 70, 90)))
        ch[f"sh_elev_{s}"] = np.full_like(t, D(u(rng, 20, 45)))
        ch[f"sh_plane_{s}"] = np.full_like(t, D(80))
        ch[f"el_flex_{s}"] = np.full_like(t, D(u(rng, 10, 40)))
    return ch, {"knee_deg": knee}


@_motion("reach_down", other=True)
def reach_down(t, rng, body, base):
    p = {}
    side, sg = _side(rng)
    p["side"] = side
    c = _cycle(rng, t, 2.5, 4.5, p)
    prof = pulse(c, 0.3, 0.15)
    depth = u(rng, 50, 85)
    ch = {"sp_flex": D(depth) * prof, "sp_lat": -sg * D(u(rng, 0, 10)) * prof,
          "tz": -0.25 * body.torso * np.sin(D(depth) * prof)}
    for s in "LR":
        ch[f"kn_flex_{s}"] = D(u(rng, 0, 30)) * prof
    ch[f"sh_elev_{side}"] = base[f"sh_elev_{side}"] + D(depth + u(rng, 0, 25)) * prof
    ch[f"sh_plane_{side}"] = D(90) * prof
    free = "R" if side == "L" else "L"  # the other arm hangs (or rests on the thigh)
    ch[f"sh_elev_{free}"] = base[f"sh_elev_{free}"] * (1 - prof) + D(depth * u(rng, 0.6, 1.0)) * prof
    ch[f"sh_plane_{free}"] = base[f"sh_plane_{free}"] * (1 - prof) + D(90) * prof
    return ch, p


@_motion("look_around", other=True)
def look_around(t, rng, body, base):
    return {"hd_yaw": smooth_noise(rng, t, D(u(rng, 25, 45)), 0.15, 0.5),
            "hd_pitch": smooth_noise(rng, t, D(8), 0.1, 0.4), "turn": smooth_noise(rng, t, D(10), 0.1, 0.3)}, {}


@_motion("shrug", other=True)
def shrug(t, rng, body, base):
    p = {}
    c = _cycle(rng, t, 1.0, 2.2, p)
    prof = pulse(c, 0.2, 0.2)
    ch = {"hd_roll": D(u(rng, -8, 8)) * prof}
    for s in "LR":
        ch[f"shrug_{s}"] = u(rng, 0.025, 0.05) * prof
        ch[f"el_flex_{s}"] = base[f"el_flex_{s}"] + D(u(rng, 40, 80)) * prof
        ch[f"sh_elev_{s}"] = base[f"sh_elev_{s}"] + D(u(rng, 5, 20)) * prof
        ch[f"sh_plane_{s}"] = np.full_like(t, D(u(rng, 10, 40)))
    return ch, p


@_motion("point", other=True)
def point(t, rng, body, base):
    side, sg = _side(rng)
    e, pl = u(rng, 60, 120), u(rng, -10, 100)
    start = u(rng, -0.3, 1.0)
    prof = np.clip((t - t[0] - start) / 0.5, 0, 1)
    prof = 3 * prof ** 2 - 2 * prof ** 3
    ch = {f"sh_elev_{side}": base[f"sh_elev_{side}"] + (D(e) - base[f"sh_elev_{side}"]) * prof,
          f"sh_plane_{side}": D(pl) * prof, f"el_flex_{side}": np.full_like(t, D(u(rng, 0, 20))),
          f"el_dir_{side}": np.full_like(t, 0.0), "hd_yaw": sg * D(u(rng, 0, 30)) * prof}
    return ch, {"side": side, "elevation_deg": e, "plane_deg": pl}


@_motion("step_side", other=True)
def step_side(t, rng, body, base):
    p = {}
    c = _cycle(rng, t, 1.5, 3.0, p)
    phi = 2 * np.pi * c
    ch = {"tx": u(rng, 0.1, 0.3) * np.sin(phi)}
    for s, sg in (("L", 1.0), ("R", -1.0)):
        lift = np.maximum(0, np.sin(2 * phi + (0 if s == "L" else np.pi)))
        ch[f"hip_elev_{s}"] = base[f"hip_elev_{s}"] + D(u(rng, 3, 10)) * lift
        ch[f"kn_flex_{s}"] = D(u(rng, 10, 30)) * lift
    return ch, p


@_motion("gesture_talk", other=True)
def gesture_talk(t, rng, body, base):
    ch = {"hd_pitch": base.get("hd_pitch", 0.0) + smooth_noise(rng, t, D(4), 0.5, 2.0),
          "hd_yaw": smooth_noise(rng, t, D(8), 0.2, 0.8)}
    y0, z0 = u(rng, 0.0, 0.25), u(rng, 0.15, 0.3)
    amp = u(rng, 0.03, 0.1)
    for s, sg in (("L", 1.0), ("R", -1.0)):
        tgt = np.stack([sg * u(rng, 0.08, 0.25) + smooth_noise(rng, t, amp, 0.3, 1.5),
                        y0 + smooth_noise(rng, t, amp, 0.3, 1.5), z0 + smooth_noise(rng, t, amp / 2, 0.3, 1.5)], -1)
        ch.update(_ik(tgt, body, s))
    return ch, {"amplitude_m": amp}


@_motion("random_smooth", other=True)
def random_smooth(t, rng, body, base):
    k = u(rng, 0.4, 1.0)
    ch = {"sp_flex": base.get("sp_flex", 0.0) + np.abs(smooth_noise(rng, t, D(12) * k, 0.1, 0.6)),
          "sp_lat": smooth_noise(rng, t, D(8) * k, 0.1, 0.6), "sp_twist": smooth_noise(rng, t, D(15) * k, 0.1, 0.6),
          "hd_yaw": smooth_noise(rng, t, D(20) * k, 0.1, 0.8), "hd_pitch": smooth_noise(rng, t, D(10) * k, 0.1, 0.8)}
    for s in "LR":
        ch[f"sh_elev_{s}"] = base[f"sh_elev_{s}"] + np.abs(smooth_noise(rng, t, D(45) * k, 0.15, 1.0))
        ch[f"sh_plane_{s}"] = D(45) + smooth_noise(rng, t, D(45) * k, 0.15, 1.0)
        ch[f"el_flex_{s}"] = base[f"el_flex_{s}"] + np.abs(smooth_noise(rng, t, D(50) * k, 0.15, 1.0))
        ch[f"el_dir_{s}"] = smooth_noise(rng, t, D(60) * k, 0.1, 0.6)
        ch[f"hip_elev_{s}"] = base[f"hip_elev_{s}"] + np.abs(smooth_noise(rng, t, D(12) * k, 0.1, 0.6))
        ch[f"hip_plane_{s}"] = D(60) + smooth_noise(rng, t, D(30) * k, 0.1, 0.6)
        ch[f"kn_flex_{s}"] = np.abs(smooth_noise(rng, t, D(20) * k, 0.1, 0.6))
    return ch, {"scale": k}
