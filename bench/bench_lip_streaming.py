"""Lip reading while the person speaks (issue #23 part 5): when does each word first show?

    python bench/bench_lip_streaming.py [--clips 10] [--threads 2] [--json OUT]

The live engine (engine/runners/live.py: capture thread, ring, worker, real-time pacing of the
file as a camera would deliver it) runs the shipped grid-lips bundle on GRID s1 sentences it
never trained on, with ``threads`` ONNX Runtime threads. For each spoken word (the corpus'
alignment gives its end), its latency is the time from the end of the word in the video until
a record first shows it at its place in ``partial`` (the sentence read so far), measured as
(record's model time - word end) + the record's capture-to-record latency. Also: whether the
final words equal the offline analysis of the same file, and how often the partial words
already equal the final ones when the sentence ends.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from engine.bundles import shipped_bundles_dir  # noqa: E402
from engine.core.settings import EngineSettings  # noqa: E402
from engine.runners.live import Engine  # noqa: E402
from engine.runners.offline import analyze_file  # noqa: E402
from models.grid_data import GRID, read_align, split_ids  # noqa: E402

FPS = 25.0


def one_clip(bundle: Path, clip: Path, threads: int) -> dict:
    records, done, errors = [], threading.Event(), []
    engine = Engine(bundle, EngineSettings(device="cpu", threads=threads, realtime=True),
                    on_prediction=records.append, on_finished=done.set, on_error=errors.append)
    engine.start(clip)
    done.wait(60)
    engine.close()
    final = [r.token.text for r in records if r.token is not None]  # the stream's end delivers the last words
    if errors:
        raise errors[0]
    offline = [t.text for t in analyze_file(clip, bundle, EngineSettings(device="cpu", threads=1)).tokens]
    spoken = read_align(GRID / "align" / f"{clip.stem}.align")
    shown: dict[tuple[int, str], float] = {}
    for r in records:
        for i, w in enumerate(r.partial):
            shown.setdefault((i, w), r.tick / FPS + r.timings.latency_ms / 1e3)
    words = []
    for i, (_, end, w) in enumerate(spoken):
        t = shown.get((i, w))
        words.append({"word": w, "end_s": end / FPS, "latency_s": None if t is None else round(t - end / FPS, 3)})
    last_end = spoken[-1][1] if spoken else 0
    at_end = next((r.partial for r in records if r.tick >= last_end + 3), ())
    return {"clip": clip.stem, "final_equals_offline": final == offline, "final": final, "spoken": [w for *_, w in spoken],
            "partial_at_sentence_end": list(at_end), "words": words,
            "latency_ms_p50": statistics.median([r.timings.latency_ms for r in records]) if records else None,
            "dropped": engine.stats.dropped_frames}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bundle", type=Path, default=shipped_bundles_dir() / "grid-lips")
    ap.add_argument("--clips", type=int, default=10)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    clips = [GRID / "video" / f"{i}.mp4" for i in split_ids()["raw"][: args.clips]]
    rows = [one_clip(args.bundle, c, args.threads) for c in clips]
    for r in rows:
        print(r["clip"], "final==offline", r["final_equals_offline"], "first word latency",
              r["words"][0]["latency_s"] if r["words"] else None, flush=True)
    first = [r["words"][0]["latency_s"] for r in rows if r["words"] and r["words"][0]["latency_s"] is not None]
    every = [w["latency_s"] for r in rows for w in r["words"] if w["latency_s"] is not None]
    report = {
        "threads": args.threads, "clips": len(rows),
        "final_equals_offline": sum(r["final_equals_offline"] for r in rows),
        "first_word_shown": len(first),
        "first_word_latency_s": {"median": statistics.median(first), "max": max(first)} if first else None,
        "word_latency_s": {"median": statistics.median(every), "p90": sorted(every)[int(0.9 * (len(every) - 1))],
                           "shown": len(every), "spoken": sum(len(r["words"]) for r in rows)} if every else None,
        "partial_equals_final_at_sentence_end": sum(r["partial_at_sentence_end"] == r["final"] for r in rows),
        "rows": rows,
    }
    print(json.dumps({k: v for k, v in report.items() if k != "rows"}, indent=2))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
