"""``python -m kinesight``: the same as the ``kinesight`` command."""

import signal
import sys

from kinesight.cli import main

signal.signal(signal.SIGINT, signal.default_int_handler)
sys.exit(main())
