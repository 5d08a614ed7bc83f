""""Unknown" for the user: drawn like uncertain, a control for how readily it is said, and the
hint that tells a user of the shipped demo model what to do next."""

from __future__ import annotations

import numpy as np
import pytest

from engine.core.prediction import PredictionState

WAIT = 30000  # ms; generous for a loaded 2-core machine


@pytest.fixture
def demo_window(qtbot, make_window):
    """The main window running the shipped demo bundle (stick figures, calibrated 'unknown')."""
    from engine.bundles import demo_bundle_path

    w = make_window(bundle=demo_bundle_path())
    qtbot.waitUntil(lambda: w.panels != [] and w.controls.unknown.isEnabled(), timeout=WAIT)
    return w


def _saturated_pixels(widget) -> int:
    """How many pixels of the widget are clearly coloured (not grey, black or white)."""
    from PySide6.QtGui import QImage

    img = widget.grab().toImage().convertToFormat(QImage.Format.Format_RGB888)
    arr = np.frombuffer(img.constBits(), dtype=np.uint8, count=img.sizeInBytes()).reshape(img.height(), img.bytesPerLine())
    rgb = arr[:, : img.width() * 3].reshape(img.height(), img.width(), 3).astype(int)
    # Grey has equal channels; the class colours' translucent fills differ by 25 or more.
    return int(((rgb.max(axis=2) - rgb.min(axis=2)) > 25).sum())


def test_unknown_on_real_footage_is_drawn_like_uncertain_and_says_unknown(qtbot, demo_window, clips):
    w = demo_window
    w.open_source(str(clips["arm"]))
    qtbot.waitUntil(lambda: w.last_prediction is not None and w.last_prediction.state == PredictionState.UNKNOWN,
                    timeout=WAIT)
    headline, detail = w.video.overlay_text()
    assert headline == "unknown" and "%" not in detail
    # The top-k panel says what unknown means, never the rejected class's probability.
    seen = []
    qtbot.waitUntil(lambda: (p := w.last_prediction).state == PredictionState.UNKNOWN and p.top_k[0][1] > 0.5
                    and not seen.append(p), timeout=WAIT)  # a high probability, of a rejected class
    w.topk.show_prediction(seen[-1])
    text, pct = w.topk.text_of_row(0)
    assert text == "Not like anything taught" and pct == ""
    assert w.topk.text_of_row(1)[0].startswith("novelty ")
    assert all("%" not in w.topk.text_of_row(r)[1] for r in range(len(w.topk._rows)))
    assert w.topk.shown() == []
    # The whole-file timeline: the shipped model says "unknown" on this real clip nearly
    # throughout, so its curves are grey (as for uncertain), not in the classes' colours.
    qtbot.waitUntil(lambda: w.analysis_result is not None, timeout=WAIT)
    states = [p.state for p in w.analysis_result.predictions]
    assert states.count(PredictionState.CONFIDENT) <= 0.05 * len(states)
    w.timeline.set_playhead(None)  # the playhead is drawn in the (blue) highlight colour
    coloured_unknown = _saturated_pixels(w.timeline)
    # The same curves marked confident are drawn in colour: the grey is the state's doing.
    t = np.array([p.pts_s for p in w.analysis_result.predictions])
    probs = np.array([p.probs for p in w.analysis_result.predictions])
    w.timeline.set_analysis(t, probs, np.ones(len(t), dtype=bool))
    w.timeline.set_playhead(None)
    coloured_confident = _saturated_pixels(w.timeline)
    assert coloured_confident > 2000 and coloured_unknown < coloured_confident / 20, (coloured_unknown, coloured_confident)


def test_the_demo_hint_shows_with_the_demo_model_and_its_buttons_work(qtbot, demo_window, monkeypatch, tiny_bundle):
    from PySide6.QtWidgets import QFileDialog

    w = demo_window
    hint = w.demo_hint
    assert hint.isVisible() and "stick-figure" in hint.text.text()
    # "Open a model…" opens the bundle picker (the file dialog for a bundle folder or .zip).
    opened = []
    monkeypatch.setattr(QFileDialog, "exec", lambda dialog: opened.append(dialog.windowTitle()) or 0)
    hint.open_button.click()
    assert opened and "Bundle" in opened[0]
    # "Teach your own actions…" opens the teach dialog.
    hint.teach_button.click()
    qtbot.waitUntil(lambda: w.teach_dialog is not None and w.teach_dialog.isVisible(), timeout=WAIT)
    w.teach_dialog.close()
    # Another model: no hint.
    w.switch_bundle(tiny_bundle)
    qtbot.waitUntil(lambda: w.bundle_path == tiny_bundle, timeout=WAIT)
    assert not hint.isVisible()


def test_the_unknown_control_sets_the_engines_threshold_per_bundle(qtbot, demo_window, qsettings, make_window,
                                                                    tiny_bundle):
    w = demo_window
    calibrated = w.bridge.bundle.manifest.open_set["threshold"]
    slider = w.controls.unknown
    assert slider.isEnabled() and w.controls.unknown_threshold() == pytest.approx(calibrated)
    assert w.bridge.engine.recognizer.decoder.unknown_threshold == pytest.approx(calibrated)
    # Towards "readily": a lower novelty threshold reaches the engine at once.
    slider.setValue(slider.maximum())
    qtbot.waitUntil(lambda: w.bridge.engine.settings.unknown_threshold is not None, timeout=WAIT)
    lowered = w.bridge.engine.settings.unknown_threshold
    assert lowered == pytest.approx(calibrated / 4, rel=0.01)
    assert w.bridge.engine.recognizer.decoder.unknown_threshold == pytest.approx(lowered)
    # A bundle without a calibrated threshold: the control is disabled and says why.
    w.switch_bundle(tiny_bundle)
    qtbot.waitUntil(lambda: w.bundle_path == tiny_bundle and not slider.isEnabled(), timeout=WAIT)
    assert "open_set" in slider.toolTip()
    # The demo bundle's value was kept for it: a new window (same settings) gets it back.
    from engine.bundles import demo_bundle_path

    w2 = make_window(settings=qsettings)
    w2.switch_bundle(demo_bundle_path())
    qtbot.waitUntil(lambda: w2.bundle_path == demo_bundle_path() and w2.controls.unknown.isEnabled(), timeout=WAIT)
    assert w2.controls.unknown.value() == slider.maximum()
    qtbot.waitUntil(lambda: w2.bridge.engine.settings.unknown_threshold == pytest.approx(lowered), timeout=WAIT)
