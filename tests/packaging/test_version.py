"""One version, from pyproject.toml, shown by ``kinesight --version`` and Help ▸ About with the
ONNX Runtime, Qt and bundle versions (fast: the developer install, no packaging)."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]


def test_the_version_is_pyproject_s():
    from engine.version import app_version

    assert app_version() == VERSION


def test_cli_version_names_runtime_qt_and_bundles():
    import onnxruntime

    proc = subprocess.run([sys.executable, "-m", "kinesight", "--version"], capture_output=True, text=True,
                          timeout=60, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0] == f"kinesight {VERSION}"
    assert f"ONNX Runtime {onnxruntime.__version__}" in proc.stdout
    assert "Qt: PySide6 6." in proc.stdout
    assert "default-actions 1.0" in proc.stdout  # the shipped bundle and its version


def test_about_dialog_shows_the_versions(qtbot, tmp_path):
    from PySide6 import __version__ as pyside_version
    from PySide6.QtCore import QSettings, QTimer, qVersion
    from PySide6.QtWidgets import QApplication, QMessageBox

    from gui.main_window import MainWindow

    window = MainWindow(QSettings(str(tmp_path / "k.ini"), QSettings.Format.IniFormat), remember_geometry=False)
    qtbot.addWidget(window)
    window.show()
    # The shipped model loads on the bridge's thread; closing before that ends would race it.
    qtbot.waitUntil(lambda: window.bridge.bundle is not None, timeout=20000)
    seen: list[str] = []

    def read_and_close() -> None:
        box = QApplication.activeModalWidget()
        if isinstance(box, QMessageBox):
            seen.append(box.text())
            box.accept()
        else:
            QTimer.singleShot(50, read_and_close)

    QTimer.singleShot(50, read_and_close)
    window.menus.about.trigger()  # modal: returns once read_and_close closed it
    assert seen, "Help > About opened no dialog"
    text = seen[0]
    assert f"Kinesight {VERSION}" in text
    assert "ONNX Runtime" in text and f"Qt {qVersion()}" in text and pyside_version in text
    assert "default-actions 1.0" in text
    window.close()
