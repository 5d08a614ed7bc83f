"""The one entry point of the frozen Kinesight (PyInstaller): CLI, desktop app and analysis child.

The packaged folder holds a single executable, ``kinesight``, and a symbolic link
``kinesight-gui`` to it (``/usr/bin`` links to both). What runs depends on how it was called:

- ``kinesight-gui ...`` (any name containing "gui", e.g. ``kinesight-gui.exe`` on Windows):
  the desktop app, ``gui.app.main``;
- ``kinesight --kinesight-analysis-child``: the whole-file analysis child process that the app
  starts for the timeline. A frozen app has no ``python -m``, so the module that spawns the child
  re-invokes ``sys.executable`` with this hidden first argument when ``sys.frozen`` is set;
- anything else: the ``kinesight`` command line, ``kinesight.cli.main`` (run/analyze/info from
  the engine; train/eval from ``kinesight.train``: the torch-free few-shot head works here, the full
  heads say that they need PyTorch, i.e. the developer install).

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
# Where the child's ``main()`` lives (it moved from gui/ to engine/ to engine/runners/; the old places are kept as a
# fallback so that a build of an older checkout still works).
ANALYSIS_CHILD_MODULES = ("engine.runners.analysis_process", "engine.analysis_process", "gui.analysis_process")
# Hidden check of the frozen folder's native libraries (build-deb.sh and tests/packaging run it
# after packaging/slim.py has re-linked and stripped them): a frozen app has no Python prompt.
SELFCHECK_ARG = "--kinesight-selfcheck"


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


def _frozen_qt_setup() -> None:
    """Before Qt is used in the frozen Linux app: what PyInstaller's PySide6 runtime hook would
    have done at every start (kinesight.spec drops it there so that commands without Qt start
    0.2 s sooner). Qt finds its plugins, and through the embedded qt.conf its own translations."""
    if not (getattr(sys, "frozen", False) and sys.platform.startswith("linux")):
        return
    qt_root = os.path.join(sys._MEIPASS, "PySide6", "Qt")
    os.environ["QT_PLUGIN_PATH"] = os.path.join(qt_root, "plugins")
    os.environ["QML2_IMPORT_PATH"] = os.path.join(qt_root, "qml")
    try:
        from _pyi_rth_utils import qt as qt_rth_utils  # PyInstaller's helper, bundled with the hook's imports
    except ImportError:
        return
    qt_rth_utils.create_embedded_qt_conf("PySide6", qt_root)


class _quiet_cv2_logs:
    """OpenCV's own warnings off while a check provokes one on purpose."""

    def __init__(self, cv2) -> None:
        self.logging = cv2.utils.logging

    def __enter__(self):
        self.level = self.logging.getLogLevel()
        self.logging.setLogLevel(self.logging.LOG_LEVEL_ERROR)

    def __exit__(self, *exc) -> None:
        self.logging.setLogLevel(self.level)


def _selfcheck() -> int:
    """Exercise every native library the app loads, the way the app uses it; print one line per
    check and return 0 when all pass. OpenCV's video writer and reader run on PyAV's FFmpeg
    after packaging/slim.py (the Teach dialog records webcam clips with cv2.VideoWriter)."""
    import tempfile
    from pathlib import Path

    import av
    import cv2
    import numpy as np
    import onnx
    import onnxruntime as ort

    _frozen_qt_setup()
    from PySide6.QtCore import QBuffer, QByteArray, QLibraryInfo, QTranslator, qVersion
    from PySide6.QtGui import QImage

    checks = []
    rng = np.random.default_rng(0)
    img = rng.integers(0, 255, (120, 160, 3), dtype=np.uint8)
    small = cv2.resize(cv2.cvtColor(img, cv2.COLOR_RGB2BGR), (80, 60), interpolation=cv2.INTER_AREA)
    warped = cv2.warpAffine(small, cv2.getRotationMatrix2D((40, 30), 10, 1.0), (80, 60))
    cv2.putText(warped, "ok", (5, 20), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (255, 255, 255), 1, cv2.LINE_AA)
    ok, jpg = cv2.imencode(".jpg", warped)
    checks.append(("cv2 image ops", ok and cv2.imdecode(jpg, cv2.IMREAD_COLOR).shape == (60, 80, 3)))
    # OpenCV's LAPACK/BLAS calls (NumPy's OpenBLAS behind packaging/linux/openblas_shim.c): OpenCV
    # uses LAPACK only above ~100 rows, hence 160. Compared with NumPy's own results.
    n = 160
    for dtype, tol in ((np.float32, 1e-2), (np.float64, 1e-8)):
        a = (rng.standard_normal((n, n)) + n * np.eye(n)).astype(dtype)
        b = rng.standard_normal((n, 3)).astype(dtype)
        a64, b64 = a.astype(np.float64), b.astype(np.float64)
        errors = []
        for flag, m in (("DECOMP_LU", a), ("DECOMP_CHOLESKY", a @ a.T), ("DECOMP_QR", a), ("DECOMP_SVD", a)):
            solved, x = cv2.solve(m, b, flags=getattr(cv2, flag))
            errors.append(solved and np.abs(x - np.linalg.solve(m.astype(np.float64), b64)).max())
        errors.append(np.abs(cv2.invert(a)[1] - np.linalg.inv(a64)).max())
        errors.append(np.abs(cv2.gemm(a, b, 1.0, None, 0.0) - a64 @ b64).max() / n)
        r = rng.standard_normal((120, 80)).astype(dtype)
        w, u, vt = cv2.SVDecomp(r)
        errors.append(np.abs(w.ravel() - np.linalg.svd(r.astype(np.float64), compute_uv=False)).max())
        errors.append(np.abs((u * w.ravel()) @ vt - r).max())
        worst = max(float(e) if e is not False else float("inf") for e in errors)
        checks.append((f"cv2 LAPACK/BLAS {np.dtype(dtype).name} (worst error {worst:.1e})", worst < tol))
    with tempfile.TemporaryDirectory(prefix="kinesight-selfcheck-") as tmp:
        clip = Path(tmp) / "check.mp4"
        writer = cv2.VideoWriter(str(clip), cv2.VideoWriter_fourcc(*"mp4v"), 25, (160, 120))
        for i in range(25):
            writer.write(np.roll(img, i, axis=1))
        writer.release()
        cap = cv2.VideoCapture(str(clip))
        read = 0
        while cap.read()[0]:
            read += 1
        cap.release()
        checks.append(("cv2 VideoWriter/VideoCapture (FFmpeg)", read == 25))
        with av.open(str(clip)) as container:
            frames = [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]
        checks.append(("PyAV decode", len(frames) == 25 and frames[0].shape == (120, 160, 3)))
        # H.264 encoding, as engine/io/annotate.py writes annotated videos (listing the codecs first
        # runs every codec's start-up hook, the stand-ins' too).
        h264 = Path(tmp) / "check-h264.mp4"
        with av.open(str(h264), "w") as out:
            stream = out.add_stream("libx264", rate=25)
            stream.width, stream.height, stream.pix_fmt = 160, 120, "yuv420p"
            for frame in frames:
                for packet in stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24").reformat(format="yuv420p")):
                    out.mux(packet)
            for packet in stream.encode():
                out.mux(packet)
        with av.open(str(h264)) as container:
            encoded = sum(1 for _ in container.decode(video=0))
        checks.append((f"PyAV libx264 encode ({len(av.codecs_available)} codecs listed)", encoded == 25))
    # Cameras: engine/sources.CameraSource opens them with OpenCV's V4L2 backend on Linux, which
    # needs no FFmpeg; the backend must be compiled in and answer for a device that is not there.
    if sys.platform.startswith("linux"):
        from cv2 import videoio_registry

        backends = [videoio_registry.getBackendName(b) for b in videoio_registry.getCameraBackends()]
        with _quiet_cv2_logs(cv2):
            absent = cv2.VideoCapture(99, cv2.CAP_V4L2)
            answered = not absent.isOpened()
            absent.release()
        checks.append((f"cv2 camera backends {', '.join(backends)} (V4L2 answers for a missing device)",
                       "V4L2" in backends and answered))
    x = np.ones((1, 3), np.float32)
    graph = onnx.helper.make_graph(
        [onnx.helper.make_node("Relu", ["x"], ["y"])], "check",
        [onnx.helper.make_tensor_value_info("x", onnx.TensorProto.FLOAT, [1, 3])],
        [onnx.helper.make_tensor_value_info("y", onnx.TensorProto.FLOAT, [1, 3])])
    model = onnx.helper.make_model(graph, opset_imports=[onnx.helper.make_opsetid("", 13)])
    model.ir_version = 8
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    checks.append((f"ONNX Runtime {ort.__version__}", bool((session.run(None, {"x": x})[0] == x).all())))
    # The pose stage's models (bundles that read the body): found, loaded, and "no person" on noise.
    from engine.pose.stage import PoseStage, model_paths

    stage = PoseStage("pose", 8.0, threads=1)
    checks.append((f"pose models ({', '.join(p.name for p in model_paths())})", stage(img)[1] == ()))
    # The hands stage's models (gesture bundles): found, loaded, and "no hand" on noise.
    from engine.hands.stage import HandStage, model_paths as hand_model_paths

    hands = HandStage("hands", 8.0, threads=1)
    checks.append((f"hand models ({', '.join(p.name for p in hand_model_paths())})", hands(img)[1] == ()))
    # hashlib without OpenSSL (the spec leaves Python's ssl/_hashlib out): the built-in sha256.
    import hashlib

    checks.append(("hashlib sha256 (built-in)",
                   hashlib.sha256(b"abc").hexdigest().startswith("ba7816bf8f01cfea414140de5dae2223")))
    qimg = QImage(img.data, 160, 120, 480, QImage.Format.Format_RGB888)
    data = QByteArray()
    buf = QBuffer(data)
    checks.append((f"Qt {qVersion()} image + JPEG plugin", qimg.save(buf, "JPG") and data.size() > 0))
    # Qt's own translations (the Chinese UI's standard buttons) are found through Qt's prefix.
    qt_zh = QTranslator()
    checks.append(("Qt translations found", qt_zh.load("qtbase_zh_CN", QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath))))
    for name, passed in checks:
        print(f"{'ok  ' if passed else 'FAIL'} {name}")
    failed = [name for name, passed in checks if not passed]
    print("selfcheck: " + (f"{len(failed)} failed" if failed else "all passed"))
    return 1 if failed else 0


def _seconds_since_exec() -> float | None:
    """Seconds since this process was started (exec), from /proc: includes the bootloader and
    the unpacking of the Python runtime, which a timer inside Python would miss."""
    try:
        with open("/proc/self/stat", encoding="ascii") as f:
            start_ticks = int(f.read().rsplit(")", 1)[1].split()[19])
        with open("/proc/uptime", encoding="ascii") as f:
            uptime = float(f.read().split()[0])
        return uptime - start_ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def _trace_startup() -> None:
    """KINESIGHT_STARTUP_TRACE=1: print to stderr when Python starts running this entry, when
    the main window is shown and when the first video frame reaches the video widget, each
    counted from exec, with the CPU seconds the process used so far (packaging/measure.py)."""
    from gui.main_window import MainWindow
    from gui.video_view import VideoView

    def note(what: str) -> None:
        elapsed = _seconds_since_exec()
        t = os.times()
        when = f"{elapsed:.3f} s after start" if elapsed is not None else "(start time unknown)"
        print(f"kinesight-gui: {what} {when} (cpu {t.user + t.system:.2f} s)", file=sys.stderr, flush=True)

    original_frame, original_show = VideoView.set_frame, MainWindow.showEvent
    done: set[str] = set()

    def set_frame(self, image):
        original_frame(self, image)
        if "frame" not in done:
            done.add("frame")
            note("first frame")

    def show_event(self, event):
        original_show(self, event)
        if "shown" not in done:
            done.add("shown")
            note("window shown")

    VideoView.set_frame = set_frame
    MainWindow.showEvent = show_event

    # The steps between the window and the first frame (gui/bridge.py runs them on its thread).
    import engine.bundles
    import engine.runners.live
    from gui.bridge import EngineBridge

    def traced(owner, name: str, what: str) -> None:
        original = getattr(owner, name)

        def wrapper(*args, **kwargs):
            note(f"{what} starts")
            result = original(*args, **kwargs)
            note(f"{what} done")
            return result

        setattr(owner, name, wrapper)

    traced(engine.bundles, "load_bundle", "bundle check (manifest, checksums, graphs)")
    traced(EngineBridge, "_make_engine", "model load (ONNX Runtime sessions)")
    traced(engine.runners.live.Engine, "start", "source open")
    note("python running, gui imported")


def _called_as_gui(argv0: str, args: list[str]) -> bool:
    """True when started as ``kinesight-gui`` (link, copy or .exe of that name), or as a macOS
    .app from Finder (no arguments, or only the old ``-psn_`` process serial number)."""
    if "gui" in os.path.basename(argv0).lower():
        return True
    in_app_bundle = sys.platform == "darwin" and ".app/Contents/MacOS/" in sys.executable
    return in_app_bundle and all(a.startswith("-psn_") for a in args)


def main() -> int:
    """Dispatch on the first argument and the name the executable was started under."""
    args = sys.argv[1:]
    if args and args[0] == ANALYSIS_CHILD_ARG:
        # The child reads its instructions from stdin; argv must look like a plain start.
        sys.argv = [sys.argv[0], *args[1:]]
        return int(_analysis_child_main()() or 0)
    if args and args[0] == SELFCHECK_ARG:
        return _selfcheck()
    if _called_as_gui(sys.argv[0], args):
        _frozen_qt_setup()
        from gui.app import main as gui_main

        if os.environ.get("KINESIGHT_STARTUP_TRACE") == "1":
            _trace_startup()

        return int(gui_main([a for a in args if not a.startswith("-psn_")]) or 0)
    from kinesight.cli import main as cli_main

    # As `python -m kinesight` does: Ctrl-C raises KeyboardInterrupt, which the CLI reports.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    return int(cli_main(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
