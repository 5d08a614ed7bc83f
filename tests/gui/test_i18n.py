"""English and Simplified Chinese: the menu switches at run time, and nothing is left untranslated."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from engine.prediction import PredictionState

GUI = Path(__file__).resolve().parents[2] / "gui"


def test_every_user_visible_string_has_a_chinese_translation(tmp_path):
    lupdate = Path(sys.executable).with_name("pyside6-lupdate")
    ts = tmp_path / "kinesight_zh_CN.ts"
    shutil.copy(GUI / "i18n" / "kinesight_zh_CN.ts", ts)
    res = subprocess.run([str(lupdate), *sorted(map(str, GUI.glob("*.py"))), "-ts", str(ts)],
                         capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    text = ts.read_text(encoding="utf-8")
    assert text.count("<source>") > 100
    unfinished = text.count('type="unfinished"')
    assert unfinished == 0, f"{unfinished} strings lack a translation: run pyside6-lupdate and translate them"
    # The compiled file is not older than its source.
    assert (GUI / "i18n" / "kinesight_zh_CN.qm").stat().st_size > 5000


def test_language_menu_switches_the_running_window(qtbot, window, clips):
    window.open_source(str(clips["ucf"]))
    qtbot.waitUntil(lambda: window.prediction_count > 0, timeout=20000)
    try:
        window.menus.language_actions["zh_CN"].trigger()
        assert window.source_menu.title() == "视频源(&S)"
        assert window.controls.title() == "识别"
        assert window.status.latency.text().startswith("延迟")
        assert window.settings.value("ui/language") == "zh_CN"
        window.controls.threshold.setValue(1.0)
        qtbot.waitUntil(lambda: window.last_prediction.state == PredictionState.UNCERTAIN, timeout=20000)
        assert window.video.overlay_text()[0] == "不确定"
    finally:
        window.menus.language_actions["en"].trigger()
    assert window.source_menu.title() == "&Source"
    assert window.video.overlay_text()[0] == "uncertain"
