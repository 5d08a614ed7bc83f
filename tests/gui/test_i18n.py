"""English and Simplified Chinese: the menu switches at run time, and nothing is left untranslated."""

from __future__ import annotations

import html
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from engine.core.prediction import PredictionState

GUI = Path(__file__).resolve().parents[2] / "gui"
TS = GUI / "i18n" / "kinesight_zh_CN.ts"
QM = GUI / "i18n" / "kinesight_zh_CN.qm"
BIN = Path(sys.executable).parent


def _messages(ts: Path) -> dict[tuple[str, str], str | None]:
    """(context, source) -> translation (None when unfinished) of a .ts file."""
    out = {}
    for ctx in ET.parse(ts).getroot().iter("context"):
        name = ctx.findtext("name")
        for m in ctx.iter("message"):
            tr = m.find("translation")
            if tr is not None and tr.get("type") in ("vanished", "obsolete"):
                continue
            finished = tr is not None and tr.get("type") != "unfinished" and (tr.text or "").strip()
            out[(name, m.findtext("source"))] = tr.text if finished else None
    return out


def test_every_user_visible_string_has_a_chinese_translation(tmp_path):
    # lupdate over the code as it is now: every string the code can show must be in the .ts,
    # translated (a string added to the code and not to the .ts fails here).
    fresh = tmp_path / "fresh.ts"
    res = subprocess.run([str(BIN / "pyside6-lupdate"), *sorted(map(str, GUI.glob("*.py"))), "-ts", str(fresh)],
                         capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    in_code = set(_messages(fresh))
    committed = _messages(TS)
    assert len(in_code) > 150
    missing = sorted(in_code - set(committed))
    assert missing == [], f"strings not in the .ts (run gui/i18n/update.sh and translate them): {missing[:5]}"
    untranslated = sorted(k for k in in_code if committed[k] is None)
    assert untranslated == [], f"untranslated: {untranslated[:5]}"
    # And the .qm the app loads is exactly what lrelease makes of the .ts now (not an older build).
    qm = tmp_path / "now.qm"
    res = subprocess.run([str(BIN / "pyside6-lrelease"), str(TS), "-qm", str(qm)], capture_output=True, text=True,
                         timeout=120)
    assert res.returncode == 0, res.stderr
    assert qm.read_bytes() == QM.read_bytes(), "gui/i18n/kinesight_zh_CN.qm is stale: run gui/i18n/update.sh"


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


# Words that stay as they are in Chinese text: product and technology names, units and formats.
PROPER_NAMES = {"Kinesight", "CUDA", "CPU", "GPU", "NVIDIA", "ONNX", "Runtime", "cuDNN", "fps", "F1", "MP4", "H.264",
                "URL", "zip", "rtsp", "http", "CSV", "JSON", "SRT", "WebVTT"}  # format names stay as they are


def english_words(text: str, allowed: set[str]) -> list[str]:
    """Latin words of two letters or more in ``text`` that are neither proper names, nor in
    ``allowed`` (labels, bundle and file names), nor file-like (``libcuda.so.1``, ``a_b``)."""
    text = html.unescape(re.sub(r"<[^>]+>", " ", text)).replace("&", "")
    words = []
    for token in re.findall(r"[A-Za-z][A-Za-z0-9_.\-/]*", text):
        token = token.rstrip(".-/")
        if token in PROPER_NAMES or token in allowed or len(token) < 2:
            continue
        if re.search(r"[._/\d]", token):  # file names, versions, identifiers from the bundle
            continue
        words.append(token)
    return words


def _visible_texts(window) -> list[tuple[str, str]]:
    """(where, text) of everything a user can read in the window: widgets, menus, tooltips,
    the painted placeholders and the status bar."""
    from PySide6.QtWidgets import QAbstractButton, QGroupBox, QLabel, QMenu, QWidget

    out = []
    for w in window.findChildren(QWidget):
        if isinstance(w, QMenu):
            out.append((f"menu {w.objectName()}", w.title()))
            out += [(f"action in {w.title()}", a.text()) for a in w.actions()]
            continue
        if not w.isVisible():
            continue
        if isinstance(w, (QLabel, QAbstractButton)):
            out.append((type(w).__name__, w.text()))
        if isinstance(w, QGroupBox):
            out.append(("group", w.title()))
        if w.toolTip() and w is not window.status.provider:
            out.append((f"tooltip of {type(w).__name__}", w.toolTip()))
    # The device's tooltip keeps the engine's own English words as its second line, on purpose.
    out.append(("device tooltip", window.status.provider.toolTip().splitlines()[0]))
    out.append(("status", window.status.currentMessage()))
    out.append(("video placeholder", window.video.placeholder_text()))
    out.append(("overlay", " ".join(window.video.overlay_text())))
    out.append(("timeline placeholder", window.timeline.placeholder_text()))
    return out


def test_the_chinese_ui_leaves_nothing_in_english(qtbot, make_window, clips, tmp_path):
    from engine.bundles import default_bundle_path, list_shipped_bundles, load_bundle

    bundle = load_bundle(default_bundle_path())  # the shipped bundle: its description is shown
    m = bundle.manifest
    from gui.translations import LANGUAGES

    # Names and files come from the bundle and the user (the Model menu lists every shipped bundle
    # by its folder name); a language is named in itself. The default model's labels are named in
    # Chinese too (a bundle someone taught keeps its own words).
    allowed = ({m.name, m.backbone, m.head.arch or ""} | {p.name for p in clips.values()}
               | {p.name for p in list_shipped_bundles()} | set(LANGUAGES.values()))
    window = make_window(bundle=default_bundle_path())
    window.set_language("zh_CN")
    try:
        window.source_menu.refresh_recent()
        for menu in (window.menus.model,):
            menu.aboutToShow.emit()
        window.open_source(str(clips["arm"]))
        qtbot.waitUntil(lambda: window.prediction_count > 2, timeout=20000)
        texts = _visible_texts(window)
        summary = window.bundle_panel.summary_text()
        assert "十二种日常动作" in summary and "单臂挥手" in summary and "wave one arm" not in summary
        assert window.demo_hint.isVisible() and "十二种日常动作" in window.demo_hint.text.text()
        assert window.status.provider.text().startswith("设备")
        leftovers = [(where, text, english_words(text, allowed)) for where, text in texts
                     if english_words(text, allowed)]
        assert leftovers == []

        # An error dialog: what happened and what to do in Chinese; the engine's English message
        # only under "Show details".
        bad = tmp_path / "假期.mp4"
        bad.write_bytes(b"not a video" * 100)
        window.open_source(str(bad))
        qtbot.waitUntil(lambda: bool(window.errors_shown), timeout=20000)
        box = window.error_box
        for text in (box.windowTitle(), box.text(), box.informativeText(),
                     *(b.text() for b in box.buttons())):
            assert english_words(text, allowed) == [], text
        assert "假期.mp4" in box.text() and "cannot open" in box.detailedText()
        assert window.timeline.placeholder_text() != "" and not window.timeline.has_source
    finally:
        window.set_language("en")


@pytest.mark.parametrize("reason_of", ["no driver", "library", "no provider", "session", "generic"])
def test_every_cuda_fallback_reason_the_engine_gives_reads_in_chinese(qtbot, reason_of):
    # The reasons as engine.core.runtime words them; the status bar shows them translated.
    from engine.core import runtime
    from gui.status_bar import provider_text
    from gui.translations import install_language

    reason = {
        "no driver": runtime._fallback_reason("libcuda.so.1: cannot open shared object file"),
        "library": runtime._fallback_reason("libcudnn.so.9: cannot open shared object file"),
        "no provider": "this onnxruntime build has no CUDA provider (it offers CPUExecutionProvider)",
        "session": "CUDA session failed: out of memory",
        "generic": runtime._fallback_reason(""),
    }[reason_of]
    install_language("zh_CN")
    try:
        text = provider_text(runtime.ProviderReport("CPU", "Xeon", reason))
    finally:
        install_language("en")
    assert english_words(text, {"Xeon"}) == [], text


def test_a_truncated_file_warning_reads_in_chinese(qtbot):
    # The engine's warning for a file that stops early, as the status bar shows it.
    from engine.io.video_file import stopped_warning
    from gui.engine_texts import warning_text
    from gui.translations import install_language

    warning = stopped_warning("holiday.mp4", 3.2, 80, 10.0, "the file ends early (its header promises 280 frames)")
    install_language("zh_CN")
    try:
        text = warning_text(warning)
    finally:
        install_language("en")
    assert "holiday.mp4" in text and "3.20" in text
    assert english_words(text, set()) == [], text
