"""Make a lip bundle's speaker check (``lip_novelty.npz``, read by engine/lips/novelty.py).

The statistics are those of the training speaker's per-frame backbone features, taken through
the engine's own path (decode -> causal mouth crop -> backbone), frames with a face only:
mean, the top k principal components and their variances, and the mean of the remaining
variances (a PPCA model). The thresholds of the "cannot read" rule travel with them.

    python -m models.lip_novelty resources/bundles/grid-lips            # fit on 150 training clips
    python -m models.lip_novelty resources/bundles/grid-lips --from-stats /work/lab-lips/spk_stats.npz

The file is written into the bundle, listed in its manifest with its sha256, and its provenance
goes into ``manifest.training.lip_novelty``. Torch is not needed.
"""

from __future__ import annotations

import argparse
import json
import sys
import zipfile
from pathlib import Path

import numpy as np

# Measured on the shipped grid-lips bundle (docs/lip-mode.md): held-out speaker 1 stays below
# spk 5.6 and ent 0.46, GRID speaker 4 is above spk 16 and ent 0.55.
T_SPK, T_ENT, T_WORD_CONF = 9.0, 0.5, 0.4
K = 32


def fit(features: np.ndarray, k: int = K) -> dict[str, np.ndarray]:
    """PPCA statistics of (N, D) features: mean, comps (k, D), eigvals (k,), resid_var."""
    f = np.asarray(features, dtype=np.float64)
    mu = f.mean(0)
    x = f - mu
    ev, v = np.linalg.eigh(x.T @ x / len(x))
    ev, v = ev[::-1], v[:, ::-1]
    return {"mean": mu.astype(np.float32), "comps": v[:, :k].T.astype(np.float32),
            "eigvals": ev[:k].astype(np.float32), "resid_var": np.float32(ev[k:].mean())}


def face_features(bundle: Path, clip: Path) -> np.ndarray:
    """The per-tick backbone features of ``clip``'s frames with a face, through the engine."""
    from engine.io.sources import open_source
    from engine.pipeline import Recognizer

    rec = Recognizer(bundle)
    out = []
    with open_source(clip) as src:
        for frame in src:
            s = rec.sample(frame)
            if s is None:
                continue
            rec.prepare(s)
            if any(r.name == "mouth" for r in s.regions):
                out.append(rec.features(s.tensor)[0])
    return np.stack(out) if out else np.zeros((0, rec.manifest.feature_dim), np.float32)


def training_clips(data: Path, n: int, seed: int = 0) -> list[Path]:
    """``n`` of the GRID speaker 1 sentences the shipped reader trained on (seeded choice)."""
    from models.grid_data import split_ids

    ids = sorted(np.random.default_rng(seed).choice(split_ids()["train"], n, replace=False).tolist())
    return [data / "video" / f"{i}.mp4" for i in ids]


def write(bundle: Path, stats: dict[str, np.ndarray], provenance: dict) -> Path:
    """Write ``lip_novelty.npz`` into ``bundle``, list it with its sha256, record provenance."""
    from engine.bundles import load_bundle, sha256_of
    from engine.lips.novelty import NOVELTY_FILE

    path = bundle / NOVELTY_FILE
    arrays = {**stats, "t_spk": np.float32(T_SPK), "t_ent": np.float32(T_ENT), "t_word_conf": np.float32(T_WORD_CONF)}
    # np.savez stamps each entry with the current time; fixed stamps keep the file (and its
    # sha256 in the manifest) the same for the same statistics.
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as zf:
        for name, value in arrays.items():
            with zf.open(zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0)), "w") as f:
                np.lib.format.write_array(f, np.asanyarray(value), allow_pickle=False)
    mpath = bundle / "manifest.json"
    data = json.loads(mpath.read_text(encoding="utf-8"))
    data["files"][NOVELTY_FILE] = sha256_of(path)
    data.setdefault("training", {})["lip_novelty"] = {
        **provenance, "k": int(len(stats["eigvals"])), "thresholds": {"spk": T_SPK, "ent": T_ENT, "word_conf": T_WORD_CONF},
        "made_by": "models/lip_novelty.py",
    }
    mpath.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    load_bundle(bundle)  # refuses the bundle if the file does not fit it
    return path


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("bundle", type=Path)
    ap.add_argument("--data", type=Path, default=Path("../shared/data/grid/s1"), help="the training speaker's clips")
    ap.add_argument("--clips", type=int, default=150, help="training clips to fit on")
    ap.add_argument("--from-stats", type=Path, help="take mean/comps/eigvals/resid_var from an .npz fitted elsewhere")
    args = ap.parse_args(argv)
    if args.from_stats:
        with np.load(args.from_stats, allow_pickle=False) as d:
            stats = {k: d[k] for k in ("mean", "comps", "eigvals", "resid_var")}
            n_frames = int(d["n_frames"]) if "n_frames" in d.files else None
            n_clips = int(d["n_clips"]) if "n_clips" in d.files else None
        prov = {"source": f"statistics fitted by the lip lab ({args.from_stats.name})", "speaker": "GRID s1",
                "clips": n_clips, "frames": n_frames,
                "clip_choice": "150 of split_ids()['train'] (models/grid_data.py), numpy default_rng(0)"}
    else:
        clips = training_clips(args.data, args.clips)
        feats = np.concatenate([face_features(args.bundle, c) for c in clips])
        stats = fit(feats)
        prov = {"source": "backbone features of training clips through the engine", "speaker": "GRID s1",
                "clips": len(clips), "frames": int(len(feats)),
                "clip_choice": f"{args.clips} of split_ids()['train'] (models/grid_data.py), numpy default_rng(0)"}
    path = write(args.bundle, stats, prov)
    print(f"wrote {path} ({prov['frames']} frames of {prov['clips']} clips)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
