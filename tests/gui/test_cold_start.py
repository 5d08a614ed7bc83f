"""A cold start shows the video while the model loads: the first frame of the source is painted
before the ONNX Runtime sessions are ready, with the status bar saying the model is loading,
and predictions follow once they are (the way ``kinesight-gui --source CLIP`` starts)."""

from __future__ import annotations

import time

from engine.io.sources import open_source


def test_the_first_frame_is_painted_before_the_model_is_ready(qtbot, qsettings, message_boxes, clips):
    from engine.bundles import default_bundle_path
    from gui.main_window import MainWindow

    events: dict[str, tuple[float, str]] = {}
    window = MainWindow(qsettings, bundle_path=default_bundle_path())
    qtbot.addWidget(window)
    try:
        def note(what: str) -> None:
            if what not in events:
                events[what] = (time.monotonic(), window.status.currentMessage())

        # Connected after the window's own slots, so they run after it painted / took the model.
        window.bridge.frameReady.connect(lambda: window.last_frame_image is not None and note("first frame"))
        window.bridge.engineReady.connect(lambda ready: note("model ready"))
        window.resize(1000, 700)
        window.show()
        # As gui/app.py does with --source: the window is up and the model starts loading.
        window.open_source(str(clips["arm"]))
        qtbot.waitUntil(lambda: window.prediction_count > 0, timeout=30000)

        frame_at, status_then = events["first frame"]
        model_at, _ = events["model ready"]
        assert frame_at < model_at, f"first frame {frame_at - model_at:+.3f} s after the model was ready"
        assert status_then.startswith("Loading model everyday-actions"), status_then
        assert window.errors_shown == [] and message_boxes.calls == []
    finally:
        window.close()
    assert not [t for t in window.worker_threads() if t.is_alive()]


def test_the_painted_first_frame_is_the_clip_s_first_frame(qtbot, qsettings, message_boxes, clips):
    from engine.bundles import default_bundle_path
    from gui.main_window import MainWindow

    # The arm-wrestling clip changes fast: its second frame already differs by ~17 levels.
    src = open_source(clips["arm"])
    first = next(iter(src)).image
    src.close()
    shown = []
    window = MainWindow(qsettings, bundle_path=default_bundle_path())
    qtbot.addWidget(window)
    try:
        window.bridge.frameReady.connect(
            lambda: window.last_frame_image is not None and not shown and shown.append(
                (window.last_frame_image.copy(), window.bridge.engine is None)))
        window.show()
        window.open_source(str(clips["arm"]))
        qtbot.waitUntil(lambda: bool(shown), timeout=30000)
        image, before_engine = shown[0]
        assert before_engine  # painted while the model was still loading
        # The window scales frames to its video pane: compare at the clip's own size.
        import cv2
        import numpy as np

        h, w = first.shape[:2]
        back = cv2.resize(image, (w, h), interpolation=cv2.INTER_AREA)
        assert float(np.abs(back.astype(np.int16) - first.astype(np.int16)).mean()) < 6.0
        qtbot.waitUntil(lambda: window.prediction_count > 0, timeout=30000)
    finally:
        window.close()


def test_the_source_opened_ahead_gives_the_predictions_of_a_plain_start(qtbot, clips):
    """Reading the first frame ahead loses nothing: the engine then plays the file from its start,
    and every prediction (time, model tick, probabilities) is the one a plain start gives."""
    import numpy as np

    from engine.bundles import default_bundle_path
    from engine.runners.live import Engine
    from engine.core.settings import EngineSettings
    from gui.bridge import EngineBridge

    # As fast as it decodes, with a ring that never drops: the same input every run.
    settings = {"realtime": False, "ring_capacity": 100000}
    plain = []
    with Engine(default_bundle_path(), EngineSettings(**settings), on_prediction=plain.append) as engine:
        engine.start(str(clips["arm"]))
        assert engine.wait(120)

    bridge = EngineBridge()
    got, first = [], []
    bridge.predictionsReady.connect(lambda: got.extend(bridge.take_predictions()))
    bridge.frameReady.connect(lambda: first or first.append(bridge.take_frame()))
    try:
        with qtbot.waitSignal(bridge.finished, timeout=120000):
            bridge.open(default_bundle_path(), settings, str(clips["arm"]))
        qtbot.waitUntil(lambda: len(got) >= len(plain), timeout=10000)
    finally:
        bridge.close()
    assert first and first[0].index == 0 and first[0].pts_s == 0.0  # shown ahead: the first frame

    def key(preds):
        return [(round(p.pts_s, 4), p.tick, tuple(np.round(p.probs, 4))) for p in preds]

    assert len(plain) > 50 and key(got) == key(plain)
