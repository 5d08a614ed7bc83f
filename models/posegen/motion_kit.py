"""What every motion is made of: the registry (:func:`_motion`), random draws, cycle and
pulse profiles, smooth noise, arm inverse kinematics, the neutral posture and idle sway."""

from __future__ import annotations

from typing import Callable

import numpy as np

from .skeleton import Body, arm_ik

D = np.deg2rad

Motion = Callable[[np.ndarray, np.random.Generator, Body, dict], tuple[dict, dict]]
_REGISTRY: dict[str, Motion] = {}
_OTHER: list[str] = []


def _motion(name: str, other: bool = False):
    def deco(f: Motion) -> Motion:
        _REGISTRY[name] = f
        if other:
            _OTHER.append(name)
        return f
    return deco


def u(rng: np.random.Generator, lo: float, hi: float) -> float:
    return float(rng.uniform(lo, hi))


def pulse(c: np.ndarray, rise: float, hold: float) -> np.ndarray:
    """Raise-hold-lower-rest profile in [0, 1] over one cycle fraction ``c`` in [0, 1)."""
    c = np.mod(c, 1.0)
    up = 0.5 - 0.5 * np.cos(np.pi * np.clip(c / rise, 0, 1))
    down = 0.5 + 0.5 * np.cos(np.pi * np.clip((c - rise - hold) / rise, 0, 1))
    return np.where(c < rise + hold, up, down)


def smooth_noise(rng: np.random.Generator, t: np.ndarray, amp: float, fmin: float = 0.1,
                 fmax: float = 0.5, n: int = 3) -> np.ndarray:
    """Smooth random signal: a sum of ``n`` sinusoids, standard deviation about ``amp``."""
    f = rng.uniform(fmin, fmax, n)
    ph = rng.uniform(0, 2 * np.pi, n)
    a = rng.uniform(0.5, 1.0, n)
    a *= amp * np.sqrt(2.0) / np.sqrt(np.sum(a * a))
    return np.sum(a[:, None] * np.sin(2 * np.pi * f[:, None] * t[None, :] + ph[:, None]), axis=0)


def _side(rng: np.random.Generator, p_left: float = 0.4) -> tuple[str, float]:
    return ("L", 1.0) if rng.random() < p_left else ("R", -1.0)


def _cycle(rng: np.random.Generator, t: np.ndarray, lo: float, hi: float, p: dict) -> np.ndarray:
    """Cycle fraction c(t) for a random period in [lo, hi] s and a random phase (stored in ``p``)."""
    p["period"] = u(rng, lo, hi)
    p["phase"] = u(rng, 0, 1)
    return t / p["period"] + p["phase"]


def _ik(target: np.ndarray, body: Body, side: str, pole=None) -> dict:
    s = 1.0 if side == "L" else -1.0
    return {f"{k}_{side}": v for k, v in arm_ik(target, body, s, None if pole is None else np.asarray(pole)).items()}


def _pt(T: int, x, y, z) -> np.ndarray:
    """(T,3) points from scalars or (T,) arrays."""
    return np.stack([np.broadcast_to(np.asarray(v, float), (T,)) for v in (x, y, z)], -1)


def sample_neutral(rng: np.random.Generator) -> dict[str, float]:
    """A relaxed standing posture (arms hanging, feet apart), slightly asymmetric."""
    b = {"hd_pitch": D(u(rng, -5, 8)), "sp_flex": D(u(rng, -3, 5)), "hd_yaw": D(u(rng, -5, 5))}
    toe = u(rng, 3, 18)
    stance = u(rng, 1.5, 5)
    for s in "LR":
        b[f"sh_elev_{s}"] = D(u(rng, 4, 14))
        b[f"sh_plane_{s}"] = D(u(rng, -10, 20))
        b[f"el_flex_{s}"] = D(u(rng, 5, 25))
        b[f"el_dir_{s}"] = 0.0
        b[f"hip_elev_{s}"] = D(stance + u(rng, -0.5, 0.5))
        b[f"hip_plane_{s}"] = 0.0
        b[f"kn_flex_{s}"] = D(u(rng, 0, 5))
        b[f"toe_out_{s}"] = D(toe + u(rng, -3, 3))
    return b


def idle_sway(rng: np.random.Generator, t: np.ndarray) -> tuple[dict, dict]:
    """Small sway, breathing and head movement of a person standing (added to every motion)."""
    k = u(rng, 0.5, 1.3)
    breath = u(rng, 3.0, 5.0)
    bp = u(rng, 0, 2 * np.pi)
    br = np.sin(2 * np.pi * t / breath + bp)
    d = {
        "tx": smooth_noise(rng, t, 0.006 * k), "tz": smooth_noise(rng, t, 0.006 * k),
        "turn": smooth_noise(rng, t, D(1.2) * k), "sp_lat": smooth_noise(rng, t, D(0.8) * k),
        "sp_flex": smooth_noise(rng, t, D(0.8) * k) + D(0.5) * br,
        "hd_yaw": smooth_noise(rng, t, D(4) * k, 0.1, 0.6), "hd_pitch": smooth_noise(rng, t, D(2) * k, 0.1, 0.6),
        "hd_roll": smooth_noise(rng, t, D(1.5) * k),
    }
    for s in "LR":
        d[f"sh_elev_{s}"] = smooth_noise(rng, t, D(1.5) * k, 0.1, 0.7)
        d[f"el_flex_{s}"] = smooth_noise(rng, t, D(2.0) * k, 0.1, 0.7)
        d[f"shrug_{s}"] = 0.003 * br
    return d, {"sway": round(k, 3), "breath_period": round(breath, 3)}
