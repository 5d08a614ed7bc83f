"""The one entry point of the frozen Kinesight (PyInstaller): CLI, desktop app and analysis child.

The packaged folder holds a single executable, ``kinesight``, and a symbolic link
``kinesight-gui`` to it (``/usr/bin`` links to both). What runs depends on how it was called:

- ``kinesight-gui ...`` (any name containing "gui", e.g. ``kinesight-gui.exe`` on Windows):
  the desktop app, ``gui.app.main``;
- ``kinesight --kinesight-analysis-child``: the whole-file analysis child process that the app
  starts for the timeline. A frozen app has no ``python -m``, so the module that spawns the child
  re-invokes ``sys.executable`` with this hidden first argument when ``sys.frozen`` is set;
- anything else: the ``kinesight`` command line, ``engine.cli.main``.

One executable instead of two keeps one copy of the Python archive in the folder (a second
PyInstaller executable would carry its own). Nothing here imports torch; the build excludes it.
"""

from __future__ import annotations

import importlib
import os
import signal
import sys

# The hidden sub-command of the analysis child. The spawning module (gui/file_analysis.py today)
# uses the same string; it is an argument no user types (it starts with two dashes and names
# the project) and is never shown in --help.
ANALYSIS_CHILD_ARG = "--kinesight-analysis-child"
# Where the child's ``main()`` lives: the engine colleague is moving it from gui/ to engine/.
ANALYSIS_CHILD_MODULES = ("engine.analysis_process", "gui.analysis_process")


def _analysis_child_main():
    """The child's entry point, wherever the module lives in this build."""
    for name in ANALYSIS_CHILD_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:  # the module exists but something it imports is missing
                raise
            continue
        return module.main
    raise ModuleNotFoundError(f"none of {ANALYSIS_CHILD_MODULES} is in this build")


def _called_as_gui(argv0: str) -> bool:
    """True when started as ``kinesight-gui`` (link, copy or .exe of that name)."""
    return "gui" in os.path.basename(argv0).lower()


def main() -> int:
    """Dispatch on the first argument and the name the executable was started under."""
    args = sys.argv[1:]
    if args and args[0] == ANALYSIS_CHILD_ARG:
        # The child reads its instructions from stdin; argv must look like a plain start.
        sys.argv = [sys.argv[0], *args[1:]]
        return int(_analysis_child_main()() or 0)
    if _called_as_gui(sys.argv[0]):
        from gui.app import main as gui_main

        return int(gui_main(args) or 0)
    from engine.cli import main as cli_main

    # As `python -m engine.cli` does: Ctrl-C raises KeyboardInterrupt, which the CLI reports.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    return int(cli_main(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
