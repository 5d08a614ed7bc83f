"""``kinesight-gui``: start the desktop app (and, for docs, take a screenshot and quit)."""

from __future__ import annotations

import argparse
import gc
import os
import sys
import threading
import time
from pathlib import Path

ICON = Path(__file__).resolve().parents[1] / "resources" / "icons" / "kinesight.svg"

# How long --screenshot waits, beyond --screenshot-delay, for the model to load, the first
# predictions and the file's timeline (and after --screenshot-at, the window to refill).
SCREENSHOT_GRACE_S = 90.0


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line of ``kinesight-gui``."""
    parser = argparse.ArgumentParser(prog="kinesight-gui", description="Kinesight: real-time action recognition.")
    parser.add_argument("--source", help="camera index, video file or stream URL to open at start")
    parser.add_argument("--bundle", help="model bundle for this run: a shipped or your own bundle's name (e.g. "
                             "grid-lips), or a bundle folder or .zip (default: the last one picked in the app, "
                             "else the shipped one)")
    parser.add_argument("--lang", choices=["system", "en", "zh_CN"],
                        help="user interface language for this run (the saved choice is kept)")
    parser.add_argument("--settings", help="use this .ini file instead of the user's settings (demos, tests)")
    parser.add_argument("--screenshot", metavar="PATH", help="wait for predictions, save a grab of the window, quit")
    parser.add_argument("--screenshot-of", choices=["window", "error"], default="window",
                        help="what --screenshot grabs: the main window once predictions flow (default), or the "
                             "error dialog the source opens (README pictures of the dialogs)")
    parser.add_argument("--screenshot-at", type=float, metavar="S",
                        help="for a file: once ready, seek to S seconds and grab after the model has warmed up "
                             "there (the same picture whatever the machine's speed); S must leave one window "
                             "of video after it (exit code 2 otherwise)")
    parser.add_argument("--screenshot-delay", type=float, default=3.0, metavar="S",
                        help="seconds of predictions to wait for before the grab (default 3); --screenshot "
                             f"gives up (exit code 1) when not ready S + {SCREENSHOT_GRACE_S:.0f} s after start")
    parser.add_argument("--size", metavar="WxH",
                        help="window size for this run (default with --screenshot: 1400x860; not saved)")
    return parser.parse_args(argv)


def none_refcount_loss(calls: int = 2000) -> int:
    """How far ``sys.getrefcount(None)`` falls over ``calls`` Qt calls that return nothing.

    0 on a sound binding. PySide6-Essentials 6.12.0 on Python 3.11 loses one reference per call
    (see pyproject.toml), which kills the app after ~30 s of playback; on Python 3.12+ None is
    immortal and this is always 0. Needs a QApplication.
    """
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtWidgets import QLabel, QProgressBar

    label, bar, image = QLabel(), QProgressBar(), QImage(8, 8, QImage.Format.Format_RGB32)
    label.setText("")  # first calls may cache things; measure the steady state
    before = sys.getrefcount(None)
    for i in range(calls // 4):
        label.setText("x")
        bar.setValue(i % 100)
        label.update()
        painter = QPainter(image)
        painter.end()
    return before - sys.getrefcount(None)


def qt_binding_problem() -> str | None:
    """A message saying what to do when the installed Qt binding would crash the app, else None."""
    lost = none_refcount_loss()
    if lost < 1000:  # a sound binding loses 0; the broken one exactly one per call (2000)
        return None
    import PySide6

    return (
        f"The installed PySide6 {PySide6.__version__} on Python {sys.version.split()[0]} corrupts "
        f"None's reference count ({lost} references lost in 2000 calls); Kinesight would crash after "
        "about 30 s of playback. Install a sound version: pip install 'PySide6-Essentials>=6.8,<6.12'"
    )


HEADLESS_HELP = (
    "To use Kinesight without a screen: take a screenshot offscreen "
    "(QT_QPA_PLATFORM=offscreen kinesight-gui --source FILE --screenshot out.png), "
    "or use the command line (kinesight run --source FILE, kinesight analyze FILE).")


def display_problem(env: dict[str, str] | None = None, platform: str = sys.platform) -> str | None:
    """Why Qt could not open a window here, said before Qt tries, or None when a display looks
    reachable. Qt's own message for a missing X display names a missing library
    ("xcb-cursor0 is needed") and then aborts the process; the real cause is that there is no
    display to connect to. Only the X11 platform is checked (the packaged app runs through X11,
    XWayland under Wayland); an explicit QT_QPA_PLATFORM other than xcb is left to Qt."""
    env = dict(os.environ) if env is None else env
    if not platform.startswith("linux"):
        return None
    qpa = env.get("QT_QPA_PLATFORM", "").split(":")[0]
    if qpa and qpa != "xcb":
        return None
    display = env.get("DISPLAY", "")
    if not display:
        return "no display to open the window on (DISPLAY is not set: could not connect to a display)."
    host, _, number = display.rpartition(":")
    number = number.split(".")[0]
    # A local display (":1", "unix:1") has a socket in /tmp/.X11-unix; remote ones are left to Qt.
    if host in ("", "unix") and number.isdigit() and not Path(f"/tmp/.X11-unix/X{number}").exists():
        return f"could not connect to display {display} (no X server is listening there)."
    return None


def seek_warm_up_problem(at_s: float, duration_s: float | None, window_span_s: float) -> str | None:
    """Why a screenshot at ``at_s`` can never show a warmed-up prediction, else None: the model
    needs one window's span of video after the seek point before it says anything."""
    if duration_s is None:
        return None
    latest = duration_s - window_span_s
    if at_s <= latest:
        return None
    if latest < 0:
        return (f"--screenshot-at {at_s:g}: the file lasts {duration_s:.2f} s, shorter than the {window_span_s:.2f} s "
                "the model needs to warm up; no seek into it can show a prediction")
    return (f"--screenshot-at {at_s:g}: the file lasts {duration_s:.2f} s and the model needs {window_span_s:.2f} s "
            f"after the seek to warm up; choose at most {latest:.2f}")


def _take_screenshot_when_ready(window, app, path: Path, delay_s: float, timeout_s: float | None = None,
                                of: str = "window", at_s: float | None = None) -> None:
    """Poll until predictions flowed for ``delay_s`` and the file timeline is filled, then grab
    the window; with ``at_s``, first seek there and wait for a prediction past it that is no
    longer warming up. With ``of="error"``, grab the error dialog as soon as one is shown.
    Gives up (exit code 1) after ``timeout_s``: by default ``delay_s`` + SCREENSHOT_GRACE_S."""
    from engine.core.prediction import PredictionState
    from PySide6.QtCore import QTimer

    if timeout_s is None:
        timeout_s = delay_s + SCREENSHOT_GRACE_S
    started = time.monotonic()
    state = {"first": None, "seeked": False}

    def poll() -> None:
        now = time.monotonic()
        box = window.error_box
        if box is not None and box.isVisible():
            if of == "error":
                app.processEvents()  # let the dialog finish laying itself out
                box.grab().save(str(path))
                print(f"saved {path} (error dialog: {box.windowTitle()})")
                app.exit(0)
                return
            window.grab().save(str(path))
            print(f"saved {path} (an error came instead of predictions: {box.windowTitle()})")
            app.exit(1)
            return
        if of == "error" and now - started > timeout_s:
            print(f"no error dialog within {timeout_s:.0f} s; nothing saved")
            app.exit(1)
            return
        if window.prediction_count and state["first"] is None:
            state["first"] = now
        timeline_ready = window.source_info is None or window.source_info.is_live or window.analysis_result is not None
        ready = state["first"] is not None and now - state["first"] >= delay_s and timeline_ready
        if ready and at_s is not None and window.source_info is not None and not window.source_info.is_live:
            if not state["seeked"]:
                manifest = window.bridge.bundle.manifest if window.bridge.bundle is not None else None
                if manifest is not None and not window.timeline.is_words_mode:
                    span = manifest.window.window_length / manifest.window.sample_fps
                    problem = seek_warm_up_problem(at_s, window.source_info.duration_s, span)
                    if problem:
                        print(f"kinesight-gui: error: {problem}", file=sys.stderr)
                        app.exit(2)
                        return
                window.seek(at_s)
                state["seeked"], state["count"] = True, window.prediction_count
            last = window.last_prediction
            # The window restarts after a seek: wait for a prediction made after it, past the
            # seek point, with the window full again. (Lip mode shows the whole file's words,
            # and a GRID sentence is no longer than the reader's window: a record past the seek
            # point is enough there.)
            warm = last is not None and (last.state != PredictionState.WARMING_UP or window.timeline.is_words_mode)
            ready = (window.prediction_count > state["count"] and last is not None
                     and at_s <= last.pts_s < at_s + 5.0 and warm)
        if of == "window" and (ready or now - started > timeout_s):
            window.grab().save(str(path))
            print(f"saved {path} ({'ready' if ready else 'timed out'}; {window.prediction_count} predictions)")
            app.exit(0 if ready else 1)
            return
        QTimer.singleShot(100, poll)

    QTimer.singleShot(100, poll)


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``kinesight-gui``."""
    args = parse_args(sys.argv[1:] if argv is None else argv)
    from engine.core.memory import tune_malloc

    tune_malloc()  # before Qt and the engine start threads: hours of playback stay flat
    if args.bundle:
        from engine.bundles import resolve_bundle
        from engine.core.errors import BundleError

        try:  # a name (grid-lips) or a path; a bundle that is not there is said before any window opens
            args.bundle = str(resolve_bundle(args.bundle))
        except BundleError as exc:
            print(f"kinesight-gui: error: {exc}", file=sys.stderr)
            return 2
    problem = display_problem()
    if problem:
        print(f"kinesight-gui: error: {problem}\n{HEADLESS_HELP}", file=sys.stderr)
        return 2
    from PySide6.QtCore import QSettings, Qt, QTimer
    from PySide6.QtGui import QGuiApplication, QIcon
    from PySide6.QtWidgets import QApplication

    from gui.main_window import MainWindow
    from gui.translations import install_language, missing_font, resolve_language

    # Fractional scale factors (150 %) render crisply instead of being rounded.
    QGuiApplication.setHighDpiScaleFactorRoundingPolicy(Qt.HighDpiScaleFactorRoundingPolicy.PassThrough)
    app = QApplication.instance() or QApplication([sys.argv[0]])
    app.setOrganizationName("Kinesight")
    app.setApplicationName("Kinesight")
    if ICON.is_file():
        app.setWindowIcon(QIcon(str(ICON)))
    problem = qt_binding_problem()
    if problem:
        from PySide6.QtWidgets import QMessageBox

        print(f"kinesight-gui: error: {problem}", file=sys.stderr)
        QMessageBox.critical(None, "Kinesight", problem)
        return 1
    settings = QSettings(args.settings, QSettings.Format.IniFormat) if args.settings else QSettings()
    # Command-line options apply to this run only: --lang, --size/--screenshot and --bundle are
    # never written to the settings (a screenshot run must not leave the next plain launch in
    # Chinese at the screenshot's size). Choices made in the running app are saved as usual.
    language = args.lang or str(settings.value("ui/language", "system"))
    install_language(resolve_language(language))
    size = args.size or ("1400x860" if args.screenshot else None)

    window = MainWindow(settings, bundle_path=args.bundle, language=language, remember_geometry=size is None)
    if size:
        w, h = (int(x) for x in size.lower().split("x"))
        window.resize(w, h)
    font_problem = missing_font(resolve_language(language))
    if font_problem:
        print(f"kinesight-gui: warning: {font_problem}", file=sys.stderr)
        window.status.show_font_warning(font_problem)
    window.show()
    # Everything built so far (modules, widgets, models) lives as long as the app: keep it out
    # of the cyclic garbage collector, whose full passes over it stalled the GUI for ~35 ms.
    gc.freeze()
    if args.source:
        QTimer.singleShot(0, lambda: window.open_source(args.source))
    if args.screenshot:
        _take_screenshot_when_ready(window, app, Path(args.screenshot), args.screenshot_delay, of=args.screenshot_of,
                                   at_s=args.screenshot_at)
    rc = app.exec()
    window.close()  # stops every worker thread (bounded); a no-op if the user already closed it
    for t in threading.enumerate():
        if t is not threading.main_thread() and t.name.startswith("kinesight"):
            t.join(0.5)
    # Tear the Qt objects down in order while Python is still fully alive: leaving them to the
    # interpreter's final garbage collection can crash inside the bindings.
    window.deleteLater()
    app.processEvents()
    del window
    gc.collect()
    return rc


if __name__ == "__main__":
    sys.exit(main())
