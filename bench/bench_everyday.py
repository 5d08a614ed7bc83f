"""How the shipped default model does on real people, untaught: per-action accuracy on real clips
of its actions, and the share of predictions on real clips of anything else that are not a
confident default label.

    python bench/bench_everyday.py DEVSET [--bundle resources/bundles/everyday-actions] [--jobs 2]

DEVSET is a folder with MANIFEST.csv (file, action, person_id, ...) as gathered for the
recognition work (docs/models-and-training.md says how; the clips' licences are mostly
unstated, so they stay out of the repository). A clip of an action is right when the most
frequent confident label over its predictions is that action; one with no confident label is
counted as "unknown" (wrong). Rows of actions the bundle does not know count as other material.
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections import Counter, defaultdict
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _analyse(args: tuple[str, str]) -> tuple[str, list[str | None], float]:
    from engine.core.prediction import PredictionState
    from engine.core.settings import EngineSettings
    from engine.runners.offline import analyze_file

    path, bundle = args
    try:
        res = analyze_file(path, bundle, EngineSettings(threads=1))
    except Exception as exc:  # noqa: BLE001 - a damaged clip is reported, not fatal
        print(f"  skipped {path}: {exc}", file=sys.stderr)
        return path, [], 0.0
    labels = [p.label if p.state == PredictionState.CONFIDENT else None for p in res.predictions]
    return path, labels, res.duration_s


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("devset", type=Path)
    p.add_argument("--bundle", default=str(ROOT / "resources" / "bundles" / "everyday-actions"))
    p.add_argument("--jobs", type=int, default=2)
    a = p.parse_args(argv)
    from engine.bundles import load_bundle

    known = set(load_bundle(a.bundle).labels)
    rows = list(csv.DictReader(open(a.devset / "MANIFEST.csv", encoding="utf-8")))
    jobs = [(str(a.devset / r["file"]), a.bundle) for r in rows]
    truth = {str(a.devset / r["file"]): r["action"] for r in rows}
    per_action: dict[str, list[str]] = defaultdict(list)
    other_ticks = other_confident = 0
    other_named: Counter = Counter()
    with ProcessPoolExecutor(a.jobs) as pool:
        for path, labels, _ in pool.map(_analyse, jobs):
            action = truth[path]
            if not labels:
                continue
            if action in known:
                said = Counter(x for x in labels if x is not None)
                per_action[action].append(said.most_common(1)[0][0] if said else "unknown")
            else:
                other_ticks += len(labels)
                confident = [x for x in labels if x is not None]
                other_confident += len(confident)
                other_named.update(confident)
    print(f"bundle {a.bundle}; real clips from {a.devset}")
    print(f"{'action':28} clips  right  said instead")
    total = right = 0
    for action in sorted(per_action):
        said = per_action[action]
        ok = sum(s == action for s in said)
        total, right = total + len(said), right + ok
        wrong = Counter(s for s in said if s != action).most_common(3)
        print(f"{action:28} {len(said):5d}  {ok / len(said):5.0%}  {', '.join(f'{k} x{v}' for k, v in wrong)}")
    if total:
        print(f"{'all actions':28} {total:5d}  {right / total:5.0%}")
    if other_ticks:
        print(f"other material: {other_ticks} predictions, {1 - other_confident / other_ticks:.1%} not a confident "
              f"default label (named: {', '.join(f'{k} x{v}' for k, v in other_named.most_common(4))})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
