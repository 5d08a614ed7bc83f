"""Entry point of ``kinesight``: the parser, the dispatch to each command and its exit code.

    run, analyze, info    kinesight/run.py, analyze.py, info.py (the engine, ONNX Runtime)
    analyze-seq           kinesight/sequences.py (time series, ONNX Runtime)
    train, eval,          kinesight/train.py (the training side, models/; torch only inside the
    train-seq             commands that need it)

``run``, ``analyze``, ``info`` and ``analyze-seq`` never import ``models`` (nor torch: tests run
them in fresh processes and check ``sys.modules``). This package sits above ``engine`` and
``models`` and never imports Qt, so import-linter sees every edge it crosses.

Every command but ``--version``/``--help`` runs models through ONNX Runtime, which comes from an
extra (``[cpu]`` or ``[gpu]``: the two builds cannot be installed together). A plain
``pip install kinesight`` has none; the command then says in one line which extra to install
(exit code 1) instead of failing deep inside as an "internal error".
"""

from __future__ import annotations

import argparse
import signal
import sys
from pathlib import Path
from typing import Sequence

from engine.core.errors import KinesightError
from kinesight.common import (
    BUNDLE_HELP,
    EXIT_FAIL,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_USAGE,
    PROG,
    RULES_HELP,
    TRAINING_COMMANDS,
    TRAINING_ONLY_MODULES,
    TrainingDependencyMissing,
    UsageError,
    Parser,
    add_engine_args,
    exit_code,
    fail,
)


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


# The end of `kinesight --help`: what a new user does first.
FIRST_STEPS = """first steps:
  kinesight analyze clip.mp4                      what the shipped model sees in a file (its demo knows
                                                  stick figures only: real people read "unknown")
  kinesight train MY_ACTIONS/ --out my-actions    teach your actions: one sub-folder of a few clips each
  kinesight analyze clip.mp4 --bundle my-actions  ...then use what you taught
  kinesight analyze talk.mp4 --bundle grid-lips   lip mode: the shipped reader knows one speaker (GRID s1)
  kinesight adapt grid-lips MY_SESSION/           ...adapt it to your face (sentences recorded in the app)
  kinesight COMMAND --help                        every option of a command"""


ANALYZE_MEASURES = ("analyse video files offline and write their timelines: what the app says over time "
                    "(smoothing, hold, thresholds, unknown), not a score against labels (that is `eval`)")


def build_parser(training=None) -> argparse.ArgumentParser:
    """The argument parser; ``training`` (the module kinesight.train) adds the train/eval/train-seq arguments."""
    from engine.core.settings import DEVICES, default_of

    parser = Parser(prog=PROG, description="Kinesight: real-time video action recognition and lip reading.",
                    epilog=FIRST_STEPS, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action=_VersionAction)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)

    run = sub.add_parser("run", help="recognise actions live from a webcam, file or stream URL")
    run.add_argument("--source", "-s", required=True, help="camera index (0), video file, image folder or stream URL")
    add_engine_args(run)
    run.add_argument("--jsonl", type=Path, help="also write every prediction as one JSON line to this file")
    run.add_argument("--no-realtime", action="store_true", help="read files as fast as possible instead of at their own fps")
    run.add_argument("--seconds", type=float, default=None, help="stop after this many seconds of wall time")
    run.add_argument("--ring", type=int, default=default_of("ring_capacity"), dest="ring_capacity",
                     help="frames buffered between capture and model")
    run.add_argument("--quiet", "-q", action="store_true", help="print only label changes")
    run.add_argument("--rules", type=Path, metavar="FILE", help=RULES_HELP)

    an = sub.add_parser("analyze", aliases=["analyse"],
                        help=ANALYZE_MEASURES, description=ANALYZE_MEASURES)
    an.add_argument("files", nargs="+", metavar="FILE",
                    help="video file (mp4, avi, mkv, mov, mpg...), image folder, or a folder of videos")
    add_engine_args(an)
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
    an.add_argument("--rules", type=Path, metavar="FILE",
                    help=RULES_HELP + "; events fire at the file's own times, as they would live")
    an.add_argument("--no-progress", action="store_true",
                    help="no progress report (a bar on a terminal, a few plain lines otherwise)")

    info = sub.add_parser("info", help="version, ONNX Runtime providers, devices and the bundle's summary")
    info.add_argument("--bundle", "-b", help=BUNDLE_HELP.replace("model bundle:", "model bundle to describe:"))
    info.add_argument("--device", choices=DEVICES, default=default_of("device"), help="the device to try the bundle on")
    info.add_argument("--cameras", type=int, default=4, help="probe camera indices 0..N-1 (0 skips)")

    # Time series (kinesight/sequences.py): analyze-seq runs a sequence bundle, torch-free.
    from kinesight.sequences import add_analyze_seq_args

    add_analyze_seq_args(sub.add_parser("analyze-seq", help="run a sequence bundle over time series (no video)"))

    for name, helptext in (
            ("train", "teach actions from a folder of your clips: few-shot by default, no PyTorch "
                      "(--head gru and the other full heads need PyTorch)"),
            ("eval", "score a bundle's head on labelled clips: each window's and each clip's most likely label "
                     "(no smoothing, hold, threshold or unknown: `analyze` shows what the app says over time)"),
            ("train-seq", "train a head on multichannel time series (PyTorch)"),
            ("teach", "correct a taught bundle: add a stretch of a file as an action (or none of these) and "
                      "re-teach it in place (no PyTorch); --undo goes back one step"),
            ("adapt", "adapt a lip reader to your face from a session of its sentences (clips + session.json): "
                      "a new bundle, with its word error rate on your sentences (no PyTorch needed)")):
        p = sub.add_parser(name, help=helptext, description=helptext, add_help=training is not None)
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


# What a plain ``pip install kinesight`` lacks: the one line that says which extra brings it.
ORT_MISSING = ('ONNX Runtime is not installed, and `kinesight {command}` needs it: '
               'pip install "kinesight[cpu]" (or "kinesight[gpu]" for NVIDIA GPUs)')
ORT_BROKEN = ('ONNX Runtime cannot be imported ({error}), and `kinesight {command}` needs it: '
              'reinstall it with pip install --force-reinstall "kinesight[cpu]" (or "kinesight[gpu]")')


def onnxruntime_problem(argv: Sequence[str]) -> str | None:
    """Why ``argv``'s command cannot run for want of ONNX Runtime, or None when it can (or needs
    none: no command, ``--help``, ``--version``). Importing it here costs nothing extra: the
    command would import it moments later."""
    command = command_of(argv)
    if command is None or any(a in ("-h", "--help", "--version") for a in argv):
        return None
    try:
        import onnxruntime  # noqa: F401 - only whether it imports
    except ModuleNotFoundError as exc:
        if (exc.name or "").split(".")[0] != "onnxruntime":
            return ORT_BROKEN.format(error=str(exc), command=command)
        return ORT_MISSING.format(command=command)
    except ImportError as exc:  # installed but broken (a half-removed build, a missing system library)
        return ORT_BROKEN.format(error=str(exc).splitlines()[0] if str(exc) else type(exc).__name__,
                                 command=command)
    return None


def _run_training_command(command: str, argv: Sequence[str], training) -> int:
    if training is None:
        return fail(
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


def run_command(argv: Sequence[str] | None = None, *, training=None) -> int:
    """Run one ``kinesight`` command; returns the exit code. ``training`` is the module that
    provides train/eval/train-seq (``kinesight.train``) where the training side (``models/``) is
    installed; without it those commands say how to get them."""
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
            from kinesight.run import cmd_run

            return cmd_run(args, out)
        if args.command in ("analyze", "analyse"):
            from kinesight.analyze import cmd_analyze

            return cmd_analyze(args, out)
        if args.command == "info":
            from kinesight.info import cmd_info

            return cmd_info(args, out)
        if args.command == "analyze-seq":
            from kinesight.sequences import cmd_analyze_seq

            return cmd_analyze_seq(args, out)
        raise UsageError(f"unknown command {args.command!r}")
    except UsageError as exc:
        return fail(str(exc), EXIT_USAGE)
    except SystemExit as exc:  # --help / --version, or a subcommand that exits by itself
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else fail(str(exc.code), EXIT_FAIL))
    except KinesightError as exc:
        return fail(str(exc), exit_code(exc))
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
        return fail(f"{exc.strerror or exc}: {exc.filename or ''}".strip(": "), EXIT_FAIL)
    except Exception as exc:  # noqa: BLE001 - the promise: never a traceback
        return fail(f"internal error ({type(exc).__name__}: {exc}); please report it", EXIT_FAIL)


def main(argv: Sequence[str] | None = None) -> int:
    """Run one ``kinesight`` command; returns the exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    from engine.core.memory import tune_malloc

    tune_malloc()  # before any worker thread: long runs keep their memory flat
    problem = onnxruntime_problem(argv)
    if problem is not None:
        print(f"{PROG}: error: {problem}", file=sys.stderr)
        return EXIT_FAIL
    training = None
    if command_of(argv) in TRAINING_COMMANDS:
        try:
            import models  # noqa: F401 - the training side: absent from an install without it
            from kinesight import train as training
        except ImportError:  # run_command says what to do
            training = None
    return run_command(argv, training=training)


if __name__ == "__main__":
    signal.signal(signal.SIGINT, signal.default_int_handler)
    sys.exit(main())
