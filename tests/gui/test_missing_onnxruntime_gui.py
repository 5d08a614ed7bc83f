"""``kinesight-gui`` without ONNX Runtime (a plain ``pip install kinesight``, or a broken install):
the error dialog says what happened and which extra to install, in English and in Chinese,
instead of "Unexpected error"; the video still shows.

The real window runs offscreen in a subprocess whose ``PYTHONPATH`` starts with a folder that
hides ONNX Runtime, as tests/packaging/test_missing_onnxruntime.py does for the CLI.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from ort_hidden import BROKEN, NOT_INSTALLED

from test_i18n import english_words

ROOT = Path(__file__).resolve().parents[2]


# The real main window, as kinesight-gui starts it with --source; prints the dialog's texts.
WINDOW = textwrap.dedent('''
    import json, sys
    from PySide6.QtCore import QSettings, QTimer
    from PySide6.QtWidgets import QApplication

    app = QApplication([])
    from gui.main_window import MainWindow
    from gui.translations import install_language

    install_language(sys.argv[2])
    window = MainWindow(QSettings(sys.argv[3], QSettings.Format.IniFormat))
    window.show()
    window.open_source(sys.argv[1])
    out = {}

    def poll():
        box = window.error_box
        if box is not None and box.isVisible():
            out.update(title=box.windowTitle(), what=box.text(), todo=box.informativeText(),
                       detail=box.detailedText(), frame=window.last_frame_image is not None,
                       titles=[e.title for e in window.errors_shown])
            app.exit(0)
        else:
            QTimer.singleShot(50, poll)

    QTimer.singleShot(0, poll)
    QTimer.singleShot(60000, lambda: app.exit(1))
    rc = app.exec()
    print(json.dumps(out))
    window.close()
    sys.exit(rc)
''')


def _dialog(hide: Path, clip: Path, lang: str, tmp_path: Path) -> dict:
    script = tmp_path / "window.py"
    script.write_text(WINDOW, encoding="utf-8")
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen",
           "PYTHONPATH": os.pathsep.join([str(hide), str(ROOT), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep)}
    res = subprocess.run([sys.executable, str(script), str(clip), lang, str(tmp_path / f"{lang}.ini")], cwd=ROOT,
                         env=env, capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stdout + res.stderr
    return json.loads(res.stdout.strip().splitlines()[-1])


@pytest.fixture
def without_ort(tmp_path) -> Path:
    hide = tmp_path / "hide"
    hide.mkdir()
    (hide / "sitecustomize.py").write_text(NOT_INSTALLED, encoding="utf-8")
    return hide


def test_the_hiding_works(without_ort):
    # The subprocess really lacks ONNX Runtime (otherwise the tests below would prove nothing).
    env = {**os.environ, "PYTHONPATH": str(without_ort)}
    res = subprocess.run([sys.executable, "-c", "import onnxruntime"], env=env, capture_output=True, text=True)
    assert res.returncode != 0 and "No module named 'onnxruntime'" in res.stderr


def test_the_window_says_which_extra_to_install(without_ort, clips, tmp_path):
    box = _dialog(without_ort, clips["arm"], "en", tmp_path)
    assert box["title"] == "ONNX Runtime is not installed", box
    assert "ONNX Runtime package is missing" in box["what"], box
    assert 'pip install "kinesight[cpu]"' in box["todo"] and '"kinesight[gpu]"' in box["todo"], box
    assert "onnxruntime" in box["detail"], box  # the technical cause stays under "Show details"
    assert "Unexpected error" not in box["titles"], box
    assert box["frame"], "the video shows even though no model can run"


def test_the_chinese_dialog_keeps_the_command_as_it_is(without_ort, clips, tmp_path):
    box = _dialog(without_ort, clips["arm"], "zh_CN", tmp_path)
    assert box["title"] == "未安装 ONNX Runtime", box
    assert 'pip install "kinesight[cpu]"' in box["todo"] and '"kinesight[gpu]"' in box["todo"], box
    command = {"pip", "install", "kinesight", "cpu", "gpu"}  # typed as it is, so it stays English
    for text in (box["title"], box["what"], box["todo"]):
        assert english_words(text, command) == [], text


def test_a_broken_onnxruntime_says_to_reinstall_it(tmp_path, clips):
    hide = tmp_path / "broken"
    (hide / "onnxruntime").mkdir(parents=True)
    (hide / "onnxruntime" / "__init__.py").write_text(BROKEN, encoding="utf-8")
    box = _dialog(hide, clips["arm"], "en", tmp_path)
    assert box["title"] == "ONNX Runtime cannot be loaded", box
    assert '--force-reinstall "kinesight[cpu]"' in box["todo"], box
    assert "libonnxruntime.so.1" in box["detail"], box
