"""Fixtures for the GUI tests: the real main window, offscreen, with settings in a temp dir."""

from __future__ import annotations

import threading

import pytest


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

    def make(bundle=None, settings=None, size=(1000, 700)):
        # size None: the window sizes itself (from the saved geometry, else its default).
        w = MainWindow(settings or qsettings, bundle_path=bundle or tiny_bundle)
        qtbot.addWidget(w)
        if size is not None:
            w.resize(*size)
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


@pytest.fixture(scope="session")
def clip_segments(tmp_path_factory, clips) -> dict[str, list]:
    """Short clips cut from the real clips, three per action, as a user would give the teach dialog."""
    import cv2

    from engine.io.sources import open_source

    out = tmp_path_factory.mktemp("teach-clips")
    segments: dict[str, list] = {}
    for action, key in (("makeup", "ucf"), ("wrestling", "arm")):
        src = open_source(clips[key])
        frames = [f.image for f in src]
        src.close()
        fps = src.fps or 25.0
        third = len(frames) // 3
        paths = []
        for k in range(3):
            path = out / f"{action}-{k}.mp4"
            h, w = frames[0].shape[:2]
            writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, (w, h))
            for image in frames[k * third:(k + 1) * third]:
                writer.write(cv2.cvtColor(image, cv2.COLOR_RGB2BGR))
            writer.release()
            paths.append(path)
        segments[action] = paths
    return segments
