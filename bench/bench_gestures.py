"""Hand gestures taught from one person's clips and tested on other people's: clip accuracy, live
label accuracy, and "no hand" on clips without hands, through the app's Teach path
(``models.teach.train_bundle(..., roi="hands")``) and the engine's offline runner.

    .venv/bin/python bench/bench_gestures.py DEVDATA_HANDS [--gestures left right up down circlecc tick]
                                             [--teacher s04 s12 s14] [--window 8] [--sample-fps 8]
                                             [--flip both|on|off] [--json FILE]

DEVDATA_HANDS holds MANIFEST.csv and the clips it lists (``/work/devdata-hands`` here; see
DEVELOPERS.md: EgoGestAR's test videos, licence unstated, read in place and never committed).
The teacher's sessions teach every gesture; every other session's clips of the same gestures are
the test. "No hand" is measured on clips without a hand: GRID talking faces and the Kinetics pool
clip in ../shared/data (the hands stage must find no hand there, and the bundle must name no
gesture), and on the source's own 'unclassified' clips (random hand movement: no taught gesture).

Figures:
  clips right      the clip's most frequent confident label is the truth (no confident label: wrong)
  live labels      share of the clip's predictions after warm-up that are confident AND the truth
  argmax clips     the clip's most frequent top-1 label, unknown and uncertain included: what the
                   classifier says before the unknown gate (the few-shot head's novelty threshold)
  hand found       share of the test clips' ticks on which the hands stage found a hand
  no hand          share of hand-less clips' ticks where the stage found no hand / the bundle
                   named no gesture (confident taught label)
  untaught kept    share of 'unclassified' clips' predictions that are not a confident taught label

Each bundle is measured three times: with its own unknown threshold, at the held-out windows' 99th
percentile (``FewShotConfig.novelty_bound = "held_out"``), and with the threshold at the
bundle's held-out-group bound (``open_set.calibration.threshold_from_held_out``: what the few-shot
head would say without the leave-one-gesture-out bound, which gestures sharing one hand shape pull
down; a user gets there with the "Say unknown" slider).
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from engine.bundles import load_bundle  # noqa: E402
from engine.core.prediction import HAND_REGIONS, PredictionState  # noqa: E402
from engine.core.settings import EngineSettings  # noqa: E402
from engine.runners.offline import analyze_file  # noqa: E402

SHARED = ROOT.parent / "shared" / "data"


def no_hand_clips() -> list[Path]:
    """Real clips without a visible hand: talking faces (GRID s1, s4) and a far-away pool cleaner."""
    grid = sorted((SHARED / "grid" / "s1" / "video").glob("*.mp4"))[:6] + sorted((SHARED / "grid" / "s4" / "video").glob("*.mp4"))[:3]
    return grid + [SHARED / "clips" / "kinetics_cleaning_pool.mp4"]


def play(clip: Path, bundle, settings: EngineSettings = EngineSettings()) -> list[tuple[str, str | None, bool, str]]:
    """(state, label, a hand found, top-1 label) of every prediction after warm-up."""
    hands = set(HAND_REGIONS.values())
    return [(p.state.value, p.label, any(r.name in hands for r in p.regions), p.top_k[0][0])
            for p in analyze_file(clip, bundle, settings).predictions if p.state != PredictionState.WARMING_UP]


def run(data: Path, gestures: list[str], teacher: list[str], window: int, fps: float, flip: bool, log) -> dict:
    from models.teach import train_bundle

    rows = list(csv.DictReader(open(data / "MANIFEST.csv", encoding="utf-8")))
    teach = {g: [data / r["file"] for r in rows if r["gesture"] == g and r["session"] in teacher] for g in gestures}
    test = {g: [data / r["file"] for r in rows if r["gesture"] == g and r["session"] not in teacher] for g in gestures}
    untaught = [data / r["file"] for r in rows if r["gesture"] == "unclassified" and r["session"] not in teacher]
    work = Path(tempfile.mkdtemp(prefix="bench-gestures-"))
    t0 = time.perf_counter()
    res = train_bundle(teach, work / "gestures", roi="hands", window=window, sample_fps=fps, flip=flip,
                       cache_dir=work / "cache")
    teach_s = time.perf_counter() - t0
    bundle = load_bundle(res.bundle_path)
    held = bundle.manifest.open_set["calibration"]["threshold_from_held_out"]
    info = dict(flip=flip, window=window, sample_fps=fps, teach_clips=sum(map(len, teach.values())),
                teach_s=round(teach_s, 1), report_clip_accuracy=bundle.manifest.training.get("clip_accuracy"))
    # The held-out windows' 99th percentile: the threshold FewShotConfig.novelty_bound="held_out"
    # would give (what the default everyday-actions uses), between the bundle's and the slider's end.
    q99 = bundle.manifest.open_set["calibration"].get("held_out_novelty_q99")
    return [measure(bundle, test, untaught, EngineSettings(), {**info, "gate": "bundle"}, log),
            *([measure(bundle, test, untaught, EngineSettings(unknown_threshold=q99), {**info, "gate": f"held-out q99 {q99}"},
                       log)] if q99 else []),
            measure(bundle, test, untaught, EngineSettings(unknown_threshold=held), {**info, "gate": f"held-out {held}"}, log)]


def measure(bundle, test, untaught, settings: EngineSettings, info: dict, log) -> dict:
    out = {**info, "clips_right": 0, "clips": 0, "live_right": 0, "live": 0, "hand_ticks": 0, "argmax_right": 0,
           "unknown": 0, "confusion": {}, "argmax_confusion": {}}
    for g, paths in test.items():
        for p in paths:
            preds = play(p, bundle, settings)
            said = Counter(lab for st, lab, _, _ in preds if st == "confident")
            top = said.most_common(1)[0][0] if said else None
            best = Counter(t for *_, t in preds).most_common(1)[0][0] if preds else None
            out["confusion"].setdefault(g, Counter())[str(top)] += 1
            out["argmax_confusion"].setdefault(g, Counter())[str(best)] += 1
            out["clips"] += 1
            out["clips_right"] += top == g
            out["argmax_right"] += best == g
            out["live"] += len(preds)
            out["live_right"] += sum(st == "confident" and lab == g for st, lab, _, _ in preds)
            out["unknown"] += sum(st == "unknown" for st, *_ in preds)
            out["hand_ticks"] += sum(h for _, _, h, _ in preds)
    none = [x for p in no_hand_clips() for x in play(p, bundle, settings)]
    out["no_hand_ticks"], out["no_hand_quiet"], out["no_hand_n"] = (
        sum(not h for _, _, h, _ in none), sum(st != "confident" for st, *_ in none), len(none))
    kept = [st != "confident" for p in untaught for st, *_ in play(p, bundle, settings)]
    out["untaught_kept"], out["untaught"] = sum(kept), len(kept)
    out["confusion"] = {g: dict(c) for g, c in out["confusion"].items()}
    out["argmax_confusion"] = {g: dict(c) for g, c in out["argmax_confusion"].items()}
    log(f"flip={info['flip']}, unknown gate {info['gate']}: clips {out['clips_right']}/{out['clips']}, live {out['live_right']}/{out['live']}, "
        f"argmax clips {out['argmax_right']}/{out['clips']}, unknown {out['unknown']}/{out['live']}, "
        f"hand found {out['hand_ticks']}/{out['live']}, no hand {out['no_hand_ticks']}/{out['no_hand_n']} "
        f"(no gesture named {out['no_hand_quiet']}), untaught kept {out['untaught_kept']}/{out['untaught']}, "
        f"report clip accuracy {out['report_clip_accuracy']}, teach {out['teach_s']:.1f} s")
    log(f"  confusion (truth: most frequent confident label): {out['confusion']}")
    log(f"  argmax confusion: {out['argmax_confusion']}")
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("data", type=Path)
    ap.add_argument("--gestures", nargs="+", default=["left", "right", "up", "down", "circlecc", "tick"])
    ap.add_argument("--teacher", nargs="+", default=["s04", "s12", "s14"])
    ap.add_argument("--window", type=int, default=8)
    ap.add_argument("--sample-fps", type=float, default=8.0)
    ap.add_argument("--flip", choices=("both", "on", "off"), default="off")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args(argv)
    flips = {"both": [False, True], "on": [True], "off": [False]}[args.flip]
    results = [r for f in flips for r in run(args.data, args.gestures, args.teacher, args.window, args.sample_fps, f, print)]
    print(f"\n{'flip':5s} {'gate':>16s} {'clips right':>11s} {'live labels':>11s} {'argmax clips':>12s} {'unknown':>8s} "
          f"{'hand found':>10s} {'no hand':>8s} {'quiet':>6s} {'untaught':>9s}")
    for r in results:
        print(f"{str(r['flip']):5s} {r['gate']:>16s} {r['clips_right'] / r['clips']:>11.1%} {r['live_right'] / r['live']:>11.1%} "
              f"{r['argmax_right'] / r['clips']:>12.1%} {r['unknown'] / r['live']:>8.1%} "
              f"{r['hand_ticks'] / r['live']:>10.1%} {r['no_hand_ticks'] / r['no_hand_n']:>8.1%} "
              f"{r['no_hand_quiet'] / r['no_hand_n']:>6.1%} {r['untaught_kept'] / max(1, r['untaught']):>9.1%}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
