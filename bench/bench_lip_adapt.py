"""Adapting the lip reader to a new face (issue #23 part 3), on GRID speaker 4.

    python bench/bench_lip_adapt.py [--splits 3] [--sizes 10,20] [--methods numpy,torch] [--json OUT]

Speaker 4's 50 sentences (../shared/data/grid/s4, words spelled by the file names). Per split
(numpy default_rng(100 + split)): the first N of a permutation are the guided session, the last
30 are the test sentences, never seen by adaptation. Each method makes an adapted bundle with
``models.lip_adapt.adapt_bundle`` (as the app and ``kinesight adapt`` do), then the adapted and the
shipped bundle read the 30 test sentences through ``analyze_file`` (the engine's offline path).
Printed per row: test WER unadapted and adapted and their ratio (the target: <= 0.5 with 20
sentences), the WER adaptation's report predicted (cross-validated on the session), the share of
test sentences flagged "cannot read" by the adapted bundle, and the time adaptation took.
Also: speaker 1's 40 held-out sentences through the first adapted bundle (it is made for
speaker 4: it should say it cannot read speaker 1).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from engine.bundles import shipped_bundles_dir  # noqa: E402
from engine.core.settings import EngineSettings  # noqa: E402
from engine.runners.offline import analyze_file  # noqa: E402
from models.grid_data import read_align, split_ids, words_from_name  # noqa: E402
from models.lip_adapt import AdaptSentence, adapt_bundle  # noqa: E402
from models.lipread import wer  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "grid"
TEST = 30


def read(bundle: Path, clips: list[Path], refs: list[tuple[str, ...]]) -> tuple[float, float]:
    """(WER, share of sentences flagged cannot-read) of ``bundle`` on the clips."""
    errs = words = flagged = 0
    for clip, ref in zip(clips, refs):
        res = analyze_file(clip, bundle, EngineSettings(device="cpu", threads=2))
        errs += wer(list(ref), [t.text for t in res.tokens])
        words += len(ref)
        flagged += (not res.tokens) or any(t.check is not None and t.check.sentence_cannot_read for t in res.tokens)
    return errs / words, flagged / len(clips)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--splits", type=int, default=3)
    ap.add_argument("--sizes", default="10,20")
    ap.add_argument("--methods", default="numpy,torch")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args(argv)
    base = shipped_bundles_dir() / "grid-lips"
    clips = sorted((DATA / "s4" / "video").glob("*.mp4"))
    rows = []
    s1_done = False
    print("| split | sentences | method | unadapted | adapted | ratio | report (CV) | test flagged | adapt s |")
    print("|---|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for split in range(args.splits):
            perm = np.random.default_rng(100 + split).permutation(len(clips))
            test = [clips[i] for i in perm[-TEST:]]
            refs = [words_from_name(c.stem) for c in test]
            base_wer, base_flag = read(base, test, refs)
            for n in (int(x) for x in args.sizes.split(",")):
                session = [AdaptSentence(clips[i], words_from_name(clips[i].stem)) for i in perm[:n]]
                for method in args.methods.split(","):
                    out = Path(tmp) / f"{split}-{n}-{method}"
                    t0 = time.perf_counter()
                    rep = adapt_bundle(base, session, out, method=method)
                    took = time.perf_counter() - t0
                    w, flag = read(out, test, refs)
                    row = {"split": split, "sentences": n, "method": rep.method, "unadapted": base_wer,
                           "unadapted_flagged": base_flag, "adapted": w, "ratio": w / base_wer,
                           "report_cv": rep.cv_wer, "report_unadapted": rep.unadapted_wer, "flagged": flag, "seconds": took}
                    if not s1_done:
                        ids = split_ids()["val"]
                        s1 = [DATA / "s1" / "video" / f"{i}.mp4" for i in ids]
                        s1_refs = [tuple(w for _, _, w in read_align(DATA / "s1" / "align" / f"{i}.align")) for i in ids]
                        row["s1_val_wer"], row["s1_val_flagged"] = read(out, s1, s1_refs)
                        print(f"speaker 1 held-out (40) through this adapted bundle: WER {row['s1_val_wer']:.3f}, "
                              f"flagged {row['s1_val_flagged']:.0%}", flush=True)
                        s1_done = True
                    rows.append(row)
                    print(f"| {split} | {n} | {rep.method} | {base_wer:.3f} | {w:.3f} | {w / base_wer:.2f} | "
                          f"{rep.cv_wer:.3f} | {flag:.0%} | {took:.0f} |", flush=True)
                    shutil.rmtree(out, ignore_errors=True)
    print("\nmean over splits:")
    for n in sorted({r["sentences"] for r in rows}):
        for m in sorted({r["method"] for r in rows}):
            sel = [r for r in rows if r["sentences"] == n and r["method"] == m]
            ratios = ", ".join(f"{r['ratio']:.2f}" for r in sel)
            print(f"  {n} sentences, {m}: adapted {np.mean([r['adapted'] for r in sel]):.3f} vs unadapted "
                  f"{np.mean([r['unadapted'] for r in sel]):.3f}, ratio {np.mean([r['ratio'] for r in sel]):.2f} "
                  f"(per split {ratios}); report {np.mean([r['report_cv'] for r in sel]):.3f}")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
