"""Fixtures for the GUI tests: the real main window, offscreen, with settings in a temp dir."""

from __future__ import annotations

import threading

import pytest

pytest.importorskip("pytestqt")


@pytest.fixture
def qsettings(tmp_path):
    """A QSettings file of this test only, so the user's settings are never read or written."""
    from PySide6.QtCore import QSettings

    return QSettings(str(tmp_path / "kinesight.ini"), QSettings.Format.IniFormat)


class MessageBoxRecorder:
    """Records QMessageBox calls instead of blocking on a modal dialog (the engine stays real)."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, str]] = []

    def record(self, kind: str):
        def _box(parent, title, text, *args, **kwargs):
            self.calls.append((kind, str(title), str(text)))
            from PySide6.QtWidgets import QMessageBox

            return QMessageBox.StandardButton.Ok

        return _box

    def titles(self) -> list[str]:
        return [c[1] for c in self.calls]


@pytest.fixture
def message_boxes(monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    rec = MessageBoxRecorder()
    for kind in ("warning", "critical", "information"):
        monkeypatch.setattr(QMessageBox, kind, staticmethod(rec.record(kind)))
    return rec


@pytest.fixture
def make_window(qtbot, qsettings, tiny_bundle, message_boxes):
    """Build real MainWindows (tiny bundle by default); every one is closed at teardown."""
    from gui.main_window import MainWindow

    made = []

    def make(bundle=None, settings=None):
        w = MainWindow(settings or qsettings, bundle_path=bundle or tiny_bundle)
        qtbot.addWidget(w)
        w.resize(1000, 700)
        w.show()
        made.append(w)
        # The model loads on the bridge's control thread; wait until it is in use.
        qtbot.waitUntil(lambda: w.bridge.bundle is not None, timeout=20000)
        return w

    yield make
    for w in made:
        w.close()


@pytest.fixture
def window(make_window):
    return make_window()


@pytest.fixture
def thread_snapshot():
    """Python threads alive before the test (to check that closing leaves none behind)."""
    return set(threading.enumerate())
