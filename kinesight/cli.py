"""Entry point of ``kinesight``: run/analyze/info from ``engine.cli``, train/eval from ``models.cli``.

``run``, ``analyze`` and ``info`` never import ``models`` (nor torch: tests run them in fresh
processes and check ``sys.modules``); ``train`` and ``eval`` import ``models.cli`` here, which
imports torch only when the command runs.
"""

from __future__ import annotations

import signal
import sys
from typing import Sequence

from engine import cli as engine_cli


def main(argv: Sequence[str] | None = None) -> int:
    """Run one ``kinesight`` command; returns the exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
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
