"""The Source menu: cameras present on this machine, open file/URL, recent files."""

from __future__ import annotations

import threading
from pathlib import Path

from PySide6.QtCore import QSettings, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu, QWidget

from engine.io.sources import VIDEO_SUFFIXES  # the one list of video suffixes

VIDEO_FILTER = " ".join(f"*{suffix}" for suffix in VIDEO_SUFFIXES)
MAX_RECENT = 8


def load_recent(settings: QSettings) -> list[str]:
    """Recent files, newest first, only those that still exist."""
    value = settings.value("recent/files", [])
    if isinstance(value, str):  # QSettings returns a bare string for a one-element list
        value = [value]
    return [p for p in (value or []) if Path(p).exists()][:MAX_RECENT]


def remember_recent(settings: QSettings, path: str) -> list[str]:
    """Put ``path`` first in the recent files and return the new list."""
    files = [str(Path(path))] + [p for p in load_recent(settings) if p != str(Path(path))]
    files = files[:MAX_RECENT]
    settings.setValue("recent/files", files)
    return files


class CameraProbe(threading.Thread):
    """Lists cameras off the GUI thread (probing devices can take a second)."""

    def __init__(self, on_done) -> None:
        super().__init__(name="kinesight-gui-camera-probe", daemon=True)
        self._on_done = on_done

    def run(self) -> None:
        try:
            from engine.io.sources import list_cameras

            cameras = list_cameras()
        except Exception as exc:  # noqa: BLE001 - shown in the menu instead of cameras
            self._on_done([], exc)
            return
        self._on_done(list(cameras), None)


class SourceMenu(QMenu):
    """Menu with Open File/URL, a Camera submenu probed in the background and Recent Files."""

    fileRequested = Signal()
    urlRequested = Signal()
    cameraRequested = Signal(int)
    recentRequested = Signal(str)
    stopRequested = Signal()
    _camerasFound = Signal(object, object)

    def __init__(self, settings: QSettings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._settings = settings
        self._cameras: list | None = None
        self._probe: CameraProbe | None = None
        self._probe_error: BaseException | None = None
        self.open_file = QAction(self)
        self.open_file.setShortcut(QKeySequence.StandardKey.Open)
        self.open_file.triggered.connect(self.fileRequested)
        self.open_url = QAction(self)
        self.open_url.setShortcut(QKeySequence("Ctrl+U"))
        self.open_url.triggered.connect(self.urlRequested)
        self.camera_menu = QMenu(self)
        self.camera_menu.aboutToShow.connect(self._camera_menu_shown)
        self.recent_menu = QMenu(self)
        self.recent_menu.aboutToShow.connect(self.refresh_recent)
        self.stop = QAction(self)
        self.stop.setShortcut(QKeySequence("Ctrl+."))
        self.stop.triggered.connect(self.stopRequested)
        self.addAction(self.open_file)
        self.addAction(self.open_url)
        self.addMenu(self.camera_menu)
        self.addMenu(self.recent_menu)
        self.addSeparator()
        self.addAction(self.stop)
        self._camerasFound.connect(self._fill_cameras)
        self.retranslate()

    def retranslate(self) -> None:
        """Re-read the user-visible texts after a language switch."""
        self.setTitle(self.tr("&Source"))
        self.open_file.setText(self.tr("Open &File…"))
        self.open_url.setText(self.tr("Open &URL…"))
        self.camera_menu.setTitle(self.tr("&Camera"))
        self.recent_menu.setTitle(self.tr("&Recent Files"))
        self.stop.setText(self.tr("S&top"))
        if self._cameras is not None:
            self._fill_cameras(self._cameras, self._probe_error)
        self.refresh_recent()

    # -- cameras ------------------------------------------------------------------------
    def probe_cameras(self) -> None:
        """Start listing cameras in the background; the submenu fills when done."""
        if self._probe is not None and self._probe.is_alive():
            return
        self.camera_menu.clear()
        self.camera_menu.addAction(self.tr("Looking for cameras…")).setEnabled(False)
        self._probe = CameraProbe(lambda cams, err: self._camerasFound.emit(cams, err))
        self._probe.start()

    def probe_thread(self) -> threading.Thread | None:
        """The camera probe's thread, if one was started."""
        return self._probe

    def cameras(self) -> list | None:
        """Cameras found by the last probe (None: not probed yet)."""
        return self._cameras

    def _camera_menu_shown(self) -> None:
        if self._cameras is None:
            self.probe_cameras()

    def _fill_cameras(self, cameras, error) -> None:
        self._cameras = list(cameras or [])
        self._probe_error = error
        self.camera_menu.clear()
        if error is not None:
            self.camera_menu.addAction(self.tr("Could not list cameras: %1").replace("%1", str(error))).setEnabled(False)
        elif not self._cameras:
            self.camera_menu.addAction(self.tr("No camera found — connect one, then Refresh")).setEnabled(False)
        for cam in self._cameras:
            index = int(getattr(cam, "index", 0))
            name = getattr(cam, "name", "") or self.tr("Camera %1").replace("%1", str(index))
            act = self.camera_menu.addAction(f"{name} ({index})")
            act.triggered.connect(lambda _checked=False, i=index: self.cameraRequested.emit(i))
        self.camera_menu.addSeparator()
        refresh = self.camera_menu.addAction(self.tr("Refresh"))
        refresh.triggered.connect(self.probe_cameras)

    # -- recent files -------------------------------------------------------------------
    def refresh_recent(self) -> None:
        """Rebuild the Recent Files submenu from the settings."""
        self.recent_menu.clear()
        files = load_recent(self._settings)
        if not files:
            self.recent_menu.addAction(self.tr("(none)")).setEnabled(False)
        for k, path in enumerate(files):
            act = self.recent_menu.addAction(f"&{k + 1} {Path(path).name}")
            act.setToolTip(path)
            act.triggered.connect(lambda _checked=False, p=path: self.recentRequested.emit(p))
