"""Entry point of ``kinesight``: run/analyze/info from ``engine.cli``, train/eval from ``models.cli``.

``run``, ``analyze`` and ``info`` never import ``models`` (nor torch: tests run them in fresh
processes and check ``sys.modules``); ``train`` and ``eval`` import ``models.cli`` here, which
imports torch only when the command runs.

Every command but ``--version``/``--help`` runs models through ONNX Runtime, which comes from an
extra (``[cpu]`` or ``[gpu]``: the two builds cannot be installed together). A plain
``pip install kinesight`` has none; the command then says in one line which extra to install
(exit code 1) instead of failing deep inside as an "internal error".
"""

from __future__ import annotations

import signal
import sys
from typing import Sequence

from engine import cli as engine_cli


# What a plain ``pip install kinesight`` lacks: the one line that says which extra brings it.
ORT_MISSING = ('ONNX Runtime is not installed, and `kinesight {command}` needs it: '
               'pip install "kinesight[cpu]" (or "kinesight[gpu]" for NVIDIA GPUs)')
ORT_BROKEN = ('ONNX Runtime cannot be imported ({error}), and `kinesight {command}` needs it: '
              'reinstall it with pip install --force-reinstall "kinesight[cpu]" (or "kinesight[gpu]")')


def onnxruntime_problem(argv: Sequence[str]) -> str | None:
    """Why ``argv``'s command cannot run for want of ONNX Runtime, or None when it can (or needs
    none: no command, ``--help``, ``--version``). Importing it here costs nothing extra: the
    command would import it moments later."""
    command = engine_cli.command_of(argv)
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


def main(argv: Sequence[str] | None = None) -> int:
    """Run one ``kinesight`` command; returns the exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    from engine.memory import tune_malloc

    tune_malloc()  # before any worker thread: long runs keep their memory flat
    problem = onnxruntime_problem(argv)
    if problem is not None:
        print(f"{engine_cli.PROG}: error: {problem}", file=sys.stderr)
        return engine_cli.EXIT_FAIL
    training = None
    if engine_cli.command_of(argv) in engine_cli.TRAINING_COMMANDS:
        try:
            from models import cli as training
        except ImportError:  # an install without the training side: engine_cli says what to do
            training = None
    return engine_cli.main(argv, training=training)


if __name__ == "__main__":
    signal.signal(signal.SIGINT, signal.default_int_handler)
    sys.exit(main())
