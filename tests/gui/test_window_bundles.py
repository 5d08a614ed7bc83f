"""The main window's models (gui/window_bundles.py): switching bundles while playing, zipped bundles, the shipped default."""

from __future__ import annotations

from pathlib import Path

from window_helpers import WAIT, play

from engine.core.prediction import PredictionState


def test_switching_bundles_keeps_playing(qtbot, window, clips, streaming_bundle, tmp_path):
    play(qtbot, window, clips["pool"], predictions=3)
    assert "tiny-window" in window.bundle_panel.summary_text()
    window.switch_bundle(streaming_bundle)
    qtbot.waitUntil(lambda: "tiny-streaming" in window.bundle_panel.summary_text(), timeout=WAIT)
    summary = window.bundle_panel.summary_text()
    assert "tiny-streaming" in summary and "alpha, beta, gamma" in summary and "gru" in summary
    count = window.prediction_count
    qtbot.waitUntil(lambda: window.prediction_count >= count + 3, timeout=WAIT)
    assert window.bridge.engine.bundle.manifest.head.kind == "streaming"
    assert window.settings.value("bundles/current") == str(streaming_bundle)

    # A damaged bundle is refused with a dialog; the running one keeps going.
    broken = tmp_path / "broken-bundle"
    broken.mkdir()
    (broken / "manifest.json").write_text("{not json", encoding="utf-8")
    window.switch_bundle(broken)
    qtbot.waitUntil(lambda: bool(window.errors_shown), timeout=WAIT)
    assert window.errors_shown[-1].title == "Cannot load the model bundle"
    count = window.prediction_count
    qtbot.waitUntil(lambda: window.prediction_count >= count + 3, timeout=WAIT)
    assert window.bridge.bundle.manifest.name == "tiny-streaming"

def test_a_zipped_bundle_opens_and_runs(qtbot, window, clips, streaming_bundle, tmp_path):
    import shutil

    archive = Path(shutil.make_archive(str(tmp_path / "shared-model"), "zip", streaming_bundle))
    play(qtbot, window, clips["ucf"], predictions=2)
    window.switch_bundle(archive)
    qtbot.waitUntil(lambda: "tiny-streaming" in window.bundle_panel.summary_text(), timeout=WAIT)
    count = window.prediction_count
    qtbot.waitUntil(lambda: window.prediction_count > count + 2, timeout=WAIT)
    assert window.bundle_path == archive
    assert window.bundle_panel.picker.currentText() == "shared-model.zip"

def test_a_fresh_install_runs_the_shipped_default_bundle(qtbot, qsettings):
    from engine.bundles import default_bundle_path, list_shipped_bundles
    from gui.main_window import MainWindow

    window = MainWindow(qsettings)  # no bundle given, nothing in the settings yet
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.bridge.bundle is not None, timeout=WAIT)
    qtbot.waitUntil(lambda: default_bundle_path().name in window.bundle_panel.summary_text(), timeout=WAIT)
    assert window.bundle_path == default_bundle_path()
    window.menus.model.aboutToShow.emit()  # the Model menu lists every shipped bundle
    names = [a.text() for a in window.menus.model.actions()]
    assert all(p.name in names for p in list_shipped_bundles())
    assert window.errors_shown == []
    window.close()

def test_a_damaged_remembered_bundle_falls_back_to_the_shipped_one(qtbot, qsettings, tmp_path):
    from engine.bundles import default_bundle_path
    from gui.main_window import MainWindow

    broken = tmp_path / "was-fine-yesterday"
    broken.mkdir()
    (broken / "manifest.json").write_text("{}", encoding="utf-8")
    qsettings.setValue("bundles/current", str(broken))
    window = MainWindow(qsettings)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.bridge.bundle is not None, timeout=WAIT)
    qtbot.waitUntil(lambda: window.bundle_path == default_bundle_path(), timeout=WAIT)
    assert [e.title for e in window.errors_shown] == ["Cannot load the model bundle"]
    window.close()

def test_real_footage_the_shipped_demo_never_saw_reads_unknown(qtbot, make_window, clips):
    # The shipped bundle knows rendered stick figures only; its novelty output flags real video.
    from engine.bundles import demo_bundle_path

    window = make_window(bundle=demo_bundle_path())
    play(qtbot, window, clips["arm"])
    qtbot.waitUntil(lambda: window.last_prediction.state == PredictionState.UNKNOWN, timeout=60000)
    headline, detail = window.video.overlay_text()
    assert headline == "unknown" and "%" not in detail  # no percentage that reads as confidence
    window._refresh_panels()
    assert not window.topk._rows[0][1].isEnabled()  # the bars are greyed, as for "uncertain"
