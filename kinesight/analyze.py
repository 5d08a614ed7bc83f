"""``kinesight analyze``: video files offline, with progress, their events and the asked-for exports.

One file without --out-dir/--ray runs in this process; several files, --out-dir or --ray go
through engine/runners/batch.py.
"""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path
from typing import TextIO

from engine.core.errors import EngineError
from kinesight.common import (
    EXIT_FAIL,
    EXIT_OK,
    PROG,
    UsageError,
    close_rules,
    counted,
    engine_settings,
    exit_code,
    open_bundle,
    open_rules,
    print_event,
    source_name,
)


def _analysis_inputs(specs: list[str]) -> list[str]:
    """Expand the FILE arguments: a folder holding videos stands for its videos (sorted); a
    glob pattern (quoted, so that the shell leaves it) for the files it matches (sorted); any
    other folder is an image sequence, and everything else is passed on as it is."""
    import glob

    from engine.io.sources import is_video_file

    inputs: list[str] = []
    for spec in specs:
        path = Path(spec)
        if not path.exists() and glob.has_magic(spec):
            inputs.extend(sorted(glob.glob(spec, recursive=True)) or [spec])
            continue
        videos = sorted(p for p in path.iterdir() if is_video_file(p)) if path.is_dir() else []
        if videos:
            inputs.extend(str(v) for v in videos)
        else:
            inputs.append(spec)
    return inputs


SUMMARY_NAME = "kinesight-summary.csv"
MIN_SPEED_S = 1.0  # shorter files get no "Nx real time" (see _print_result)


def cmd_analyze(args, out: TextIO) -> int:
    """Offline analysis with progress, the events and the asked-for exports.

    One file without --out-dir/--ray runs here, in this process. Several files, --out-dir or
    --ray go through engine/runners/batch.py: files in parallel (--jobs processes or Ray actors), the
    ones already analysed the same way skipped, a summary CSV. A file that fails is reported
    and skipped, the others are still analysed and written, and the exit code says it failed.
    """
    from engine.io.events import EventRules

    if args.batch_size < 1:
        raise UsageError("--batch-size must be at least 1")
    if args.jobs is not None and args.jobs < 1:
        raise UsageError("--jobs must be at least 1")
    if args.ray_address and not args.ray:
        raise UsageError("--ray-address needs --ray")
    try:
        rules = EventRules(args.min_event_s, args.fill_gaps_s).validated()
    except EngineError as exc:
        raise UsageError(str(exc)) from exc
    inputs = _analysis_inputs(args.files)
    several = len(inputs) > 1
    named = {k: getattr(args, a) for k, a in (("json", "json_out"), ("csv", "csv_out"), ("srt", "srt"),
                                               ("vtt", "vtt"), ("video", "video")) if getattr(args, a) not in (None, True)}
    flagged = tuple(k for k in ("srt", "vtt", "video") if getattr(args, k) is True)
    if (several or args.out_dir or args.ray) and named:
        raise UsageError(f"--{'/--'.join(named)} with a file name is for one input; with several inputs, "
                         "--out-dir or --ray, use --out-dir DIR (and --srt/--vtt/--video without a file name)")
    if flagged and not args.out_dir:
        raise UsageError(f"--{flagged[0]} without a file name writes into --out-dir DIR; give one, or name the file")
    settings = engine_settings(args)
    bundle = open_bundle(args.bundle)
    acting = None
    if args.rules is not None:
        acting = open_rules(args.rules, bundle, "", stdout=out, on_event=print_event,
                            on_warning=lambda w: print(f"{PROG}: warning: {w}", file=sys.stderr, flush=True))
        if any(r.action == "stream" and r.target.strip() == "stdout" for r in acting.evaluator.rules):
            out = sys.stderr  # stdout carries the event lines alone, for a program reading them
    try:
        return _analyze(inputs, several, bundle, settings, rules, named, flagged, acting, args, out)
    finally:
        if acting is not None:
            close_rules(acting)


def _analyze(inputs, several, bundle, settings, rules, named, flagged, acting, args, out: TextIO) -> int:
    if args.ray:
        from engine.runners.ray_runner import RayUnavailable, import_ray

        try:
            import_ray()
        except RayUnavailable as exc:
            raise UsageError(str(exc)) from exc
    if not several and not args.out_dir and not args.ray:
        return _analyze_single(inputs[0], bundle, settings, rules, named, acting, args, out)
    return _analyze_batch(inputs, bundle, settings, rules, flagged, acting, args, out)


def act_on(acting, result, source: str) -> None:
    """Run the rules over a file's predictions, on the file's own times (as they ran live);
    ``source``: the file as the user named it (events carry it)."""
    if acting is None or result is None:
        return
    from engine.tasks import reports_words

    acting.set_source(source_name(source))
    if reports_words(result.task):
        acting.feed_words(result.tokens)  # every word, those of a sentence the file ends in too
        return
    for record in result.predictions:
        acting.feed(record)
    acting.finish()


def _analyze_single(source: str, bundle, settings, rules, named: dict, acting, args, out: TextIO) -> int:
    """One file in this process; its exports where the options name them."""
    from engine.pipeline import Recognizer

    recognizer = Recognizer(bundle, settings)
    result = _analyze_one(source, recognizer, settings, args, out, rules)
    act_on(acting, result, source)
    for kind, path in named.items():
        if kind == "video":
            from engine.io.annotate import write_annotated_video

            reporter = None if args.no_progress else _ProgressReport(f"{Path(path).name} (annotated video)")
            try:
                write_annotated_video(result, source, path, progress=reporter)
            finally:
                if reporter is not None:
                    reporter.close()
        else:
            getattr(result, f"to_{kind}")(path)
        print(f"wrote {path}", file=out)
    return EXIT_OK


def _analyze_batch(inputs: list[str], bundle, settings, rules, flagged: tuple, acting, args, out: TextIO) -> int:
    """Several files (or --out-dir, or --ray) through engine/runners/batch.py, with progress per file
    and overall, and the summary CSV."""
    from engine.runners.batch import plan_jobs, run_batch, summary_text
    from engine.io.exports import write_text_atomic
    from engine.core.runtime import usable_cores

    kinds = ("csv", "json", *flagged) if args.out_dir else ()
    jobs = plan_jobs(inputs, args.out_dir, kinds)
    workers = args.jobs or max(1, min(usable_cores(), len(inputs)))
    lock = threading.Lock()
    bars: dict[str, _ProgressReport] = {}  # per file name, while it is analysed

    def on_progress(source: str, done_s: float, total_s: float) -> None:
        if not args.no_progress:
            name = Path(source).name
            with lock:
                bars.setdefault(name, _ProgressReport(name, plain=workers > 1))(done_s, total_s)

    paths = {Path(i).name: i for i in inputs}  # what events call a file: its path as given
    totals = {"video_s": 0.0}
    t0 = time.perf_counter()

    def on_file(report, done: int, total: int) -> None:
        with lock:
            rep = bars.pop(report.file, None)
            if rep is not None:
                rep.close()
            if report.result is not None:
                _print_result(report.result, out)
                totals["video_s"] += report.duration_s
                act_on(acting, report.result, paths.get(report.file, report.file))
            elif report.status == "skipped":
                print(f"{report.file}: already analysed with this bundle and settings (skipped; --force redoes it)", file=out)
            if report.status == "failed":
                print(f"{PROG}: error: {report.file}: {report.error}", file=sys.stderr)
            else:
                # One line per warning (a warning may hold "; " itself: never split on it).
                warnings = report.result.warnings if report.result is not None else [report.error] if report.error else []
                for w in warnings:
                    print(f"{PROG}: warning: {w}", file=sys.stderr)
            wall = time.perf_counter() - t0
            print(f"[{done}/{counted(total, 'file')}] {report.file} {report.status}; {totals['video_s']:.1f} s of video in "
                  f"{wall:.1f} s", file=sys.stderr, flush=True)

    reports = run_batch(jobs, bundle.root, settings, workers=workers, rules=rules, batch_size=args.batch_size,
                        force=args.force, use_ray=args.ray, ray_address=args.ray_address,
                        on_progress=on_progress, on_file=on_file)
    for job, report in zip(jobs, reports):
        if report.status == "done":
            for path in job.outputs.values():
                print(f"wrote {path}", file=out)
    summary = args.summary or (args.out_dir / SUMMARY_NAME if args.out_dir else None)
    if summary:
        write_text_atomic(summary, summary_text(reports))
        print(f"wrote {summary}", file=out)
    failed = [r for r in reports if r.status == "failed"]
    if failed:
        print(f"{PROG}: {len(failed)} of {counted(len(inputs), 'input')} failed (see above)", file=sys.stderr)
        return exit_code(failed[0].exc) if failed[0].exc is not None else EXIT_FAIL
    return EXIT_OK


def _analyze_one(source: str, recognizer, settings, args, out: TextIO, rules=None):
    """Analyse one input with a progress bar; print its summary and events."""
    from engine.runners.offline import analyze_file

    reporter = None if args.no_progress else _ProgressReport(Path(source).name or str(source))
    try:
        result = analyze_file(source, recognizer, settings, progress=reporter, batch_size=args.batch_size)
    finally:
        if reporter is not None:
            reporter.close()
    if rules is not None:
        result.event_rules = rules
    for w in result.warnings:
        print(f"{PROG}: warning: {w}", file=sys.stderr)
    _print_result(result, out)
    return result


def _print_result(result, out: TextIO) -> None:
    """A file's header line, then its events (actions) or words and transcript (lip)."""
    from engine.core.prediction import UNKNOWN_MEANS
    from engine.tasks import reports_words

    # Below a second of video, opening the file and the first batch dominate the wall time: a
    # "1.1x real time" for 3 frames says nothing about the speed, so none is given.
    speed = f" ({result.speed:.1f}x real time)" if result.duration_s >= MIN_SPEED_S else ""
    print(f"{result.source}: {result.duration_s:.2f} s, {counted(result.frames, 'frame')}, "
          f"{counted(len(result.predictions), 'prediction')} in {result.wall_s:.2f} s{speed} on "
          f"{result.provider.provider}", file=out)
    if not reports_words(result.task):
        for ev in result.events():
            # A warming-up stretch has no prediction yet, so no confidence to show; an unknown one
            # says what unknown means (its probabilities are of classes it is not like).
            if ev.state == "warming_up":
                conf = ""
            elif ev.state == "unknown":
                conf = f"  {UNKNOWN_MEANS}"
            else:
                conf = f"  ({ev.mean_confidence:.2f}, peak {ev.peak_confidence:.2f})"
            print(f"  {ev.start_s:7.2f} - {ev.end_s:7.2f} s  {ev.text}{conf}", file=out)
    for tok in result.tokens:  # sequence tasks
        flag = f"  [cannot read: {_REASONS[tok.check.reason]}]" if tok.cannot_read else ""
        print(f"  {tok.start_s:7.2f} - {tok.end_s:7.2f} s  {tok.text}  ({tok.confidence:.2f}){flag}", file=out)
    if reports_words(result.task):
        print(f"transcript: {result.transcript or '(no word read)'}", file=out)
        print(f"reading: {_reading_line(result.reading())}", file=out)


# What the reader's reasons mean (engine/lips/novelty.py); the GUI says the same in its panel.
_REASONS = {
    "unfamiliar_face": "cannot read this face (the reader knows one speaker)",
    "unsure": "the lips do not fit the sentences the reader knows",
    "low_confidence": "unsure of this word",
    "nothing_read": "no word was read",
}


def _reading_line(reading: dict) -> str:
    """One line on whether the words can be trusted."""
    if not reading["checked"]:
        return "not checked (this bundle carries no lip_novelty.npz: it cannot tell when it cannot read)"
    if not reading["cannot_read"]:
        return "readable" + "".join(f" (speaker distance {s['speaker_distance']:.1f}, entropy {s['entropy']:.2f})"
                                    for s in reading["sentences"][:1])
    line = f"CANNOT READ: {_REASONS[reading['reason']]}"
    flagged = [s for s in reading["sentences"] if s["cannot_read"]]
    if flagged:
        line += (f"; {len(flagged)} of {len(reading['sentences'])} sentences "
                 f"(speaker distance {flagged[0]['speaker_distance']:.1f}, entropy {flagged[0]['entropy']:.2f})")
    return line


class _ProgressReport:
    """Analysis progress on stderr: a live bar on a terminal; otherwise (a log file, a pipe)
    one plain line per quarter, since a bar's carriage-return redraws fill logs with junk."""

    STEPS = (25, 50, 75, 100)

    def __init__(self, name: str, *, plain: bool = False) -> None:
        self.name = name
        self.tty = sys.stderr.isatty() and not plain  # several files at once: plain lines, bars would clash
        self._bar = None
        self._next = 0  # index into STEPS of the next plain line

    def __call__(self, done_s: float, total_s: float) -> None:
        if self.tty:
            self._draw(done_s, total_s)
            return
        pct = 100.0 * done_s / total_s if total_s else 0.0
        crossed = self._next
        while crossed < len(self.STEPS) and pct >= self.STEPS[crossed] - 1e-9:
            crossed += 1
        if crossed > self._next:  # one line for the highest step reached, however many were passed
            self._next = crossed
            print(f"analysing {self.name}: {self.STEPS[crossed - 1]}% ({done_s:.1f} of {total_s:.1f} s)",
                  file=sys.stderr, flush=True)

    def _draw(self, done_s: float, total_s: float) -> None:
        from tqdm import tqdm

        if self._bar is None:  # created on the first progress, so an early error stays one line
            self._bar = tqdm(total=total_s or 1.0, unit="s", file=sys.stderr, desc="analysing", leave=False,
                             bar_format="{desc}: {percentage:3.0f}%|{bar}| {n:.1f}/{total:.1f} s [{elapsed}<{remaining}]")
        if total_s and self._bar.total != total_s:
            self._bar.total = total_s
        self._bar.n = min(done_s, self._bar.total)
        self._bar.refresh()

    def close(self) -> None:
        """Remove the bar (the plain lines stay)."""
        if self._bar is not None:
            self._bar.close()
