"""Knowing when the lip reader cannot read: the speaker check a lip bundle carries.

A reader trained on one face reads other faces confidently and wrongly (GRID speaker 1's reader:
3 % WER on speaker 1, 66-73 % on other speakers). The bundle's ``lip_novelty.npz`` holds the
statistics of its training speaker's backbone features (a PPCA model: mean, 32 principal
components, their variances and one residual variance) and the thresholds of the rule:

    per tick       d = (sum(z**2 / eigvals) + (x.x - z.z) / resid_var) / D,  x = f - mean, z = comps @ x
                   (about 1 on the training speaker's frames; 16-30 on another GRID speaker)
    per utterance  spk = mean d over its face frames; ent = mean posterior entropy over its
                   frames with p(blank) < 0.5 (all frames when there are none);
                   cannot read when spk > t_spk ("unfamiliar_face") or ent > t_ent ("unsure")
    per word       cannot read when its sentence cannot, or its confidence < t_word_conf

The rule and its thresholds were measured on held-out GRID speaker 1 (H.264 and MPEG-1) and on
speaker 4 (docs/lip-mode.md). They belong to the bundle's backbone and head: a re-trained bundle
re-fits the file (models/lip_novelty.py). A bundle without the file reads as before, unchecked.
The file is read with ``allow_pickle=False`` after its size and entries are bounded, and every
array is checked for shape and finite values, so a damaged or hostile file is refused with a
BundleError.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from engine.core.errors import BundleError
from engine.core.prediction import ReadingCheck

NOVELTY_FILE = "lip_novelty.npz"
MAX_NOVELTY_BYTES = 4 << 20  # the shipped file is ~26 KB; 4 MiB leaves room for D up to ~2000
_ARRAYS = ("mean", "comps", "eigvals", "resid_var", "t_spk", "t_ent", "t_word_conf")

# Reasons a reader gives for "cannot read" (the GUI and the CLI turn them into sentences).
UNFAMILIAR_FACE = "unfamiliar_face"  # the mouth looks unlike the speaker the reader was trained on
UNSURE = "unsure"  # the reader's posteriors are spread: the lips do not fit the sentences it knows
LOW_CONFIDENCE = "low_confidence"  # one word the reader is unsure of, in a sentence it can read
NOTHING_READ = "nothing_read"  # a whole file or stream without a word
REASONS = (UNFAMILIAR_FACE, UNSURE, LOW_CONFIDENCE, NOTHING_READ)


@dataclass(frozen=True)
class SpeakerNovelty:
    """The training speaker's feature statistics and the thresholds of the "cannot read" rule."""

    mean: np.ndarray  # (D,)
    comps: np.ndarray  # (k, D), orthonormal rows
    eigvals: np.ndarray  # (k,)
    resid_var: float
    t_spk: float
    t_ent: float
    t_word_conf: float

    def distance(self, feature: np.ndarray) -> float:
        """Per-frame PPCA Mahalanobis distance of one backbone feature, divided by D (~1 on the
        training speaker)."""
        x = np.asarray(feature, dtype=np.float64).reshape(-1) - self.mean
        z = self.comps @ x
        zz = float(z @ z)
        return (float((z * z / self.eigvals).sum()) + max(float(x @ x) - zz, 0.0) / self.resid_var) / x.size

    def check_utterance(self, log_probs: np.ndarray, distances: list[float]) -> tuple[bool, str, float, float]:
        """(cannot_read, reason, spk, ent) for an utterance: its (T, V) log-posteriors (blank first)
        and the distances of its face frames."""
        p = np.exp(log_probs)
        speech = p[:, 0] < 0.5
        if not speech.any():
            speech[:] = True
        ent = float(np.mean(-(p * log_probs).sum(axis=1)[speech]))
        spk = float(np.mean(distances)) if distances else 0.0
        if spk > self.t_spk:
            return True, UNFAMILIAR_FACE, spk, ent
        if ent > self.t_ent:
            return True, UNSURE, spk, ent
        return False, "", spk, ent

    def word_check(self, confidence: float, sentence: int, verdict: tuple[bool, str, float, float]) -> ReadingCheck:
        """The :class:`ReadingCheck` of one word of the utterance whose verdict is ``verdict``."""
        cannot, reason, spk, ent = verdict
        if not cannot and confidence < self.t_word_conf:
            return ReadingCheck(True, LOW_CONFIDENCE, sentence, False, spk, ent)
        return ReadingCheck(cannot, reason, sentence, cannot, spk, ent)


def load_novelty(bundle: Any) -> SpeakerNovelty | None:
    """The speaker check of a lip bundle (``bundle.root``, ``bundle.manifest``), or None when the
    bundle carries none; a BundleError when the file is unlisted, damaged or does not fit."""
    path = Path(bundle.root) / NOVELTY_FILE
    if not path.exists() and not path.is_symlink():
        return None
    where = f"{NOVELTY_FILE} in bundle {bundle.root}"
    if NOVELTY_FILE not in bundle.manifest.files:
        raise BundleError(f"{where} is not listed in its manifest's files (no checksum); re-export the bundle.")
    if path.is_symlink() or not path.is_file():
        raise BundleError(f"{where} is not a plain file; re-export the bundle.")
    if path.stat().st_size > MAX_NOVELTY_BYTES:
        raise BundleError(f"{where} is {path.stat().st_size >> 10} KiB, more than the {MAX_NOVELTY_BYTES >> 20} MiB "
                          "such a file may have; the bundle is damaged or hostile.")
    try:
        with zipfile.ZipFile(path) as zf:  # an .npz is a zip: bound what np.load would unpack
            infos = zf.infolist()
            if len(infos) > 32 or sum(i.file_size for i in infos) > 4 * MAX_NOVELTY_BYTES:
                raise BundleError(f"{where} unpacks to more than such a file may hold; the bundle is damaged or hostile.")
        with np.load(path, allow_pickle=False) as data:
            missing = [k for k in _ARRAYS if k not in data.files]
            if missing:
                raise BundleError(f"{where} lacks {', '.join(missing)}; re-make it with models/lip_novelty.py.")
            arrays = {k: np.asarray(data[k]) for k in _ARRAYS}
    except BundleError:
        raise
    except Exception as exc:  # noqa: BLE001 - zipfile/numpy raise several types for a damaged file
        raise BundleError(f"{where} cannot be read ({type(exc).__name__}: {exc}); the file is damaged, "
                          "re-export the bundle.") from exc
    return _checked(arrays, int(bundle.manifest.feature_dim), where)


def _checked(a: dict[str, np.ndarray], dim: int, where: str) -> SpeakerNovelty:
    """The arrays as a SpeakerNovelty, refusing wrong shapes, types and values."""
    problems = []
    if any(not np.issubdtype(v.dtype, np.floating) for v in a.values()):
        problems.append("every array must hold floating-point numbers")
    else:
        k = a["comps"].shape[0] if a["comps"].ndim == 2 else -1
        if a["mean"].shape != (dim,):
            problems.append(f"mean has shape {a['mean'].shape}, not ({dim},) (the bundle's feature_dim)")
        if a["comps"].ndim != 2 or a["comps"].shape[1] != dim or not 0 < k < dim:
            problems.append(f"comps has shape {a['comps'].shape}, not (k, {dim}) with 0 < k < {dim}")
        elif a["eigvals"].shape != (k,):
            problems.append(f"eigvals has shape {a['eigvals'].shape}, not ({k},)")
        for name in ("resid_var", "t_spk", "t_ent", "t_word_conf"):
            if a[name].shape != ():
                problems.append(f"{name} must be a single number, not shape {a[name].shape}")
        if not problems:
            if not all(np.isfinite(v).all() for v in a.values()):
                problems.append("it holds values that are not finite")
            elif (a["eigvals"] <= 0).any() or a["resid_var"] <= 0 or a["t_spk"] <= 0 or a["t_ent"] <= 0:
                problems.append("variances and thresholds must be positive")
    if problems:
        raise BundleError(f"{where} does not fit the bundle: {'; '.join(problems)}. Re-make it with models/lip_novelty.py.")
    return SpeakerNovelty(
        mean=a["mean"].astype(np.float64), comps=a["comps"].astype(np.float64),
        eigvals=a["eigvals"].astype(np.float64), resid_var=float(a["resid_var"]),
        t_spk=float(a["t_spk"]), t_ent=float(a["t_ent"]), t_word_conf=float(a["t_word_conf"]),
    )
