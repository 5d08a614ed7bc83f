"""What `kinesight-gui` says when it cannot do what was asked at start: no display, no font for
the chosen language, a screenshot seek that can never warm up. Each runs the real entry point
in a subprocess, as a user starts it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _gui(*args: str, env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "gui.app", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout, env=env)


def _without(*names: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in names}
    env.update(extra)
    return env


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the X11 display check is Linux's")
@pytest.mark.parametrize("display", [None, ":97"])
def test_no_display_names_the_cause_and_the_headless_ways(display, tmp_path):
    env = _without("DISPLAY", "QT_QPA_PLATFORM", "WAYLAND_DISPLAY")
    if display:
        assert not Path("/tmp/.X11-unix/X97").exists()
        env["DISPLAY"] = display
    res = _gui("--settings", str(tmp_path / "s.ini"), env=env, timeout=60)
    assert res.returncode == 2, res.stdout + res.stderr
    assert "could not connect to" in res.stderr and (display or "DISPLAY is not set") in res.stderr
    # Qt's own message blamed a library that is installed; the app speaks first and exits.
    assert "xcb-cursor0" not in res.stderr and "Aborted" not in res.stderr
    assert "QT_QPA_PLATFORM=offscreen" in res.stderr and "kinesight analyze" in res.stderr


def _fontconfig_without_cjk(tmp_path: Path) -> str:
    """A fontconfig set-up that sees only the DejaVu fonts (no Chinese glyphs), as on a machine
    without a CJK font package."""
    conf = tmp_path / "fonts.conf"
    conf.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>'
        f"<dir>/usr/share/fonts/truetype/dejavu</dir><cachedir>{tmp_path / 'fc-cache'}</cachedir></fontconfig>\n",
        encoding="utf-8")
    return str(conf)


def test_chinese_without_a_cjk_font_says_which_font_to_install(tmp_path, tiny_bundle, clips):
    shot = tmp_path / "zh.png"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "FONTCONFIG_FILE": _fontconfig_without_cjk(tmp_path)}
    res = _gui("--settings", str(tmp_path / "s.ini"), "--bundle", str(tiny_bundle), "--source", str(clips["ucf"]),
               "--lang", "zh_CN", "--screenshot", str(shot), "--screenshot-delay", "0.5", env=env)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "No font with Chinese characters is installed" in res.stderr
    assert "fonts-noto-cjk" in res.stderr
    # English needs no such font: no warning.
    res = _gui("--settings", str(tmp_path / "s.ini"), "--bundle", str(tiny_bundle), "--source", str(clips["ucf"]),
               "--lang", "en", "--screenshot", str(tmp_path / "en.png"), "--screenshot-delay", "0.5", env=env)
    assert res.returncode == 0 and "font" not in res.stderr.lower(), res.stderr


def test_the_status_bar_shows_the_missing_font_until_the_language_changes(qtbot, qsettings):
    from PySide6.QtGui import QFontDatabase

    from gui.main_window import MainWindow
    from gui.translations import missing_font

    window = MainWindow(qsettings)
    qtbot.addWidget(window)
    window.show()
    window.set_language("zh_CN")
    has_cjk = bool(QFontDatabase.families(QFontDatabase.WritingSystem.SimplifiedChinese))
    # This machine's fonts decide which way it goes; the subprocess test above covers the other.
    assert window.status.font_warning.isVisible() == (not has_cjk)
    assert (missing_font("zh_CN") is None) == has_cjk
    window.set_language("en")
    assert not window.status.font_warning.isVisible()


def test_screenshot_at_a_seek_that_cannot_warm_up_is_refused(tmp_path, tiny_bundle, clips):
    # The UCF clip lasts 6.56 s; the test bundle's window spans a few seconds, so 6.4 s can
    # never show a prediction: the app says so at once instead of waiting and grabbing "warming up".
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    res = _gui("--settings", str(tmp_path / "s.ini"), "--bundle", str(tiny_bundle), "--source", str(clips["ucf"]),
               "--screenshot", str(tmp_path / "late.png"), "--screenshot-at", "6.4", "--screenshot-delay", "0.2",
               env=env, timeout=90)
    assert res.returncode == 2, res.stdout + res.stderr
    assert "--screenshot-at 6.4: the file lasts 6.56 s" in res.stderr and "choose at most" in res.stderr
    assert not (tmp_path / "late.png").exists()


def test_screenshot_limits_are_documented():
    res = subprocess.run([sys.executable, "-m", "gui.app", "--help"], cwd=ROOT, capture_output=True, text=True,
                         timeout=60, env={**os.environ, "QT_QPA_PLATFORM": "offscreen", "COLUMNS": "200"})
    text = " ".join(res.stdout.split())  # argparse wraps the help at its own width
    assert "gives up (exit code 1) when not ready S + 90 s after start" in text
    assert "must leave one window of video after it" in text
