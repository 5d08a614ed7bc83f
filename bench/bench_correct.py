"""Corrections on real people: which stretches to ask the user about. A bundle taught by one person
is corrected on a second person's takes, stretch by stretch, and tested after each correction on
that person's held-out take of each action and on a third person; stretches chosen where the
analysis was least sure (engine.actions.unsure, what the app's "Ask Where Unsure" lists) against
stretches chosen at random, side by side in one run.

    .venv/bin/python bench/bench_correct.py DEVDATA [--steps 4] [--rotations 3] [--work DIR]

DEVDATA and the takes are bench_teach_people's (3 actions x 3 people, 3 takes of at most 4 s per
person and action, cut into ``--work``). Per rotation: taught by person k (its 9 takes, named
``<person>__``); corrections from person k+1's first two takes of each action; tested on person
k+1's third takes ("the corrected person": a user correcting the model on their own videos) and on
person k+2's takes ("a new person"). Each correction is ``models.correct.add_correction`` (what the
app and ``kinesight teach --add`` run, 2 threads) of a 2 s stretch labelled with the truth (the
user's one click). "unsure" analyses the correctable takes with the current bundle and corrects the
least sure stretch not corrected yet; "random" picks a take and a 2 s stretch of it at random.
Figures by the engine's offline runner (as ``kinesight analyze``), over the predictions after
warm-up: the head's most likely label right (the unknown threshold aside), live labels right
(confident and true: what the app shows) and live labels unknown.
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_teach_people import PEOPLE, material, named  # noqa: E402

from engine.actions.unsure import unsure_stretches  # noqa: E402
from engine.bundles import load_bundle  # noqa: E402
from engine.core.prediction import PredictionState  # noqa: E402
from engine.runners.offline import analyze_file  # noqa: E402
from models.correct import add_correction  # noqa: E402
from models.teach import train_bundle  # noqa: E402

SPAN_S = 2.0


def duration(path: Path) -> float:
    from engine.io.sources import open_source

    with open_source(path) as s:
        return float(s.duration_s or 0.0)


def measure(bundle_dir: Path, tests: dict[str, list[Path]]) -> dict[str, int]:
    """On the held-out person: live labels right (confident and true, what the app shows), the head's
    most likely label right (the unknown threshold aside), and the live labels that were unknown."""
    bundle = load_bundle(bundle_dir)
    m = {"live_right": 0, "top1_right": 0, "unknown": 0, "live": 0}
    for action, paths in tests.items():
        for p in paths:
            for q in analyze_file(p, bundle).predictions:
                if q.state == PredictionState.WARMING_UP:
                    continue
                m["live"] += 1
                m["live_right"] += q.state == PredictionState.CONFIDENT and q.label == action
                m["top1_right"] += bool(q.top_k) and q.top_k[0][0] == action
                m["unknown"] += q.state == PredictionState.UNKNOWN
    return m


def pick_unsure(bundle_dir: Path, pool: list[tuple[str, Path]], used: set) -> tuple[str, Path, float, float]:
    """The least sure 2 s stretch of the pool takes (by the current bundle) not corrected yet."""
    bundle = load_bundle(bundle_dir)
    threshold = bundle.manifest.open_set.get("threshold")
    best = None
    for action, take in pool:
        preds = analyze_file(take, bundle).predictions
        for s in unsure_stretches(preds, threshold=threshold, span_s=SPAN_S, count=3):
            key = (str(take), round(s.start_s, 1))
            if key not in used and (best is None or s.score > best[0]):
                best = (s.score, action, take, s.start_s, s.end_s, key)
    if best is None:  # every stretch was corrected already: fall back to the start of a fresh take
        action, take = pool[len(used) % len(pool)]
        return action, take, 0.0, SPAN_S
    used.add(best[5])
    return best[1], best[2], best[3], best[4]


def pick_random(pool: list[tuple[str, Path]], rng: random.Random, lengths: dict) -> tuple[str, Path, float, float]:
    action, take = rng.choice(pool)
    start = rng.uniform(0.0, max(0.0, lengths[take] - SPAN_S))
    return action, take, round(start, 2), round(start + SPAN_S, 2)


def run_rotation(r: int, people, work: Path, cache: Path, steps: int, log, roi: str) -> dict[str, list[dict]]:
    cols = sorted(people)
    teach, pool_col, test = cols[r % 3], cols[(r + 1) % 3], cols[(r + 2) % 3]
    base = work / "correct" / f"rot{r}" / "taught"
    clips = {a: named(work, teach, people[teach][a]) for a in PEOPLE}
    train_bundle(clips, base, cache_dir=cache, threads=2, roi=roi)
    # Corrections come from the second person's first two takes of each action; their third take is
    # the "same person" test (the user correcting the model on their own videos), the third person
    # the "new person" test.
    pool = [(a, p) for a in PEOPLE for p in people[pool_col][a][:-1]]
    same = {a: people[pool_col][a][-1:] for a in PEOPLE}
    tests = {a: people[test][a] for a in PEOPLE}
    lengths = {p: duration(p) for _, p in pool}
    start = {**measure(base, tests), **{f"same_{k}": v for k, v in measure(base, same).items()}}
    curves: dict[str, list[dict]] = {}
    for strategy in ("unsure", "random"):
        b = work / "correct" / f"rot{r}" / strategy / "b"
        shutil.rmtree(b.parent, ignore_errors=True)
        shutil.copytree(base, b)
        rng, used = random.Random(r), set()
        row = [{"n": 0, **start, "reteach_s": 0.0}]
        for n in range(1, steps + 1):
            action, take, s0, s1 = (pick_unsure(b, pool, used) if strategy == "unsure"
                                    else pick_random(pool, rng, lengths))
            fix = add_correction(b, action, take, s0, s1, group=pool_col, threads=2, cache_dir=cache)
            m = {**measure(b, tests), **{f"same_{k}": v for k, v in measure(b, same).items()}}
            row.append({"n": n, **m, "reteach_s": fix.seconds})
            log(f"  rotation {r} ({teach} taught, {pool_col} corrected, {test} tested) {strategy:6s} #{n}: "
                f"{action} {take.name} {s0:.1f}-{s1:.1f} s -> same person: live right {m['same_live_right']}/"
                f"{m['same_live']}, most likely right {m['same_top1_right']}, unknown {m['same_unknown']}; new person: "
                f"live right {m['live_right']}/{m['live']}, most likely right {m['top1_right']}, unknown "
                f"{m['unknown']}; re-teach {fix.seconds:.1f} s")
        curves[strategy] = row
    return curves


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("devdata", type=Path, help="the development set's folder (with MANIFEST.csv)")
    ap.add_argument("--steps", type=int, default=4, help="corrections per strategy and rotation")
    ap.add_argument("--rotations", type=int, default=3, help="rotations of the 3 people (1-3)")
    ap.add_argument("--work", type=Path, default=Path("/tmp/bench_correct"))
    ap.add_argument("--roi", default="full+motion", help="what the taught bundle looks at (train_bundle's roi; "
                    "the figures in docs/teaching.md are full+motion's)")
    args = ap.parse_args(argv)
    log = lambda s: print(s, flush=True)  # noqa: E731
    started = time.perf_counter()
    people, _ = material(args.devdata, args.work)
    cache = args.work / "cache"
    runs = [run_rotation(r, people, args.work, cache / args.roi.replace('+', '_'), args.steps, log, args.roi)
            for r in range(args.rotations)]
    for who, pre in (("the corrected person's held-out takes", "same_"), ("a new person", "")):
        log(f"\n{who}, over {args.rotations} rotation(s): most likely label right / live labels right "
            "(confident and true) / live labels unknown")
        log(f"{'corrections':>11s} {'unsure':>24s} {'random':>24s}")
        means: dict[str, list[tuple[float, ...]]] = {}
        for strategy in ("unsure", "random"):
            means[strategy] = []
            for n in range(args.steps + 1):
                rows = [run[strategy][n] for run in runs]
                total = max(1, sum(x[pre + "live"] for x in rows))
                means[strategy].append(tuple(sum(x[pre + k] for x in rows) / total
                                             for k in ("top1_right", "live_right", "unknown")))
        for n in range(args.steps + 1):
            cells = ["{:.0%} / {:.0%} / {:.0%}".format(*means[s][n]) for s in ("unsure", "random")]
            log(f"{n:>11d} {cells[0]:>24s} {cells[1]:>24s}")
        for col, what in ((0, "most likely right"), (1, "live labels right")):
            for target in sorted({means["random"][-1][col], means["unsure"][-1][col]}):
                if target <= min(means["unsure"][0][col], means["random"][0][col]):
                    continue
                need = {s: next((str(n) for n, row in enumerate(means[s]) if row[col] >= target - 1e-9),
                                f">{args.steps}") for s in means}
                log(f"  to reach {target:.0%} {what}: unsure needs {need['unsure']} corrections, random {need['random']}")
    reteach = [x["reteach_s"] for run in runs for s in run.values() for x in s[1:]]
    log(f"re-teach (2 threads, cut + features of the new clip + fit + write): median {statistics.median(reteach):.1f} s, "
        f"max {max(reteach):.1f} s over {len(reteach)} corrections")
    log(f"(total {time.perf_counter() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
