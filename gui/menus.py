"""The main window's menus and their keyboard shortcuts (Source lives in ``source_menu``)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMenu

from gui.translations import LANGUAGES


class MainMenus(QObject):
    """Playback, Model, View and Help menus; the window connects their actions.

    ``bundleChosen(path)`` fires when a bundle is picked in the Model menu, whose list of
    bundles is asked for (``bundles_provider``) each time the menu opens.
    """

    bundleChosen = Signal(str)

    def __init__(self, window: QMainWindow, language: str, bundles_provider) -> None:
        super().__init__(window)
        self._bundles_provider = bundles_provider  # () -> (list of bundle paths, current path)
        bar = window.menuBar()

        self.playback = QMenu(window)
        self.play = QAction(window, shortcut=QKeySequence(Qt.Key.Key_Space))
        self.back = QAction(window, shortcut=QKeySequence(Qt.Key.Key_Left))
        self.forward = QAction(window, shortcut=QKeySequence(Qt.Key.Key_Right))
        self.restart = QAction(window, shortcut=QKeySequence(Qt.Key.Key_Home))
        for a in (self.play, self.back, self.forward, self.restart):
            self.playback.addAction(a)

        self.model = QMenu(window)
        self.bundle_group = QActionGroup(self)
        self.open_bundle = QAction(window, shortcut=QKeySequence("Ctrl+B"))
        self.teach = QAction(window, shortcut=QKeySequence("Ctrl+T"))
        self.rules = QAction(window, shortcut=QKeySequence("Ctrl+R"))
        self.model.aboutToShow.connect(self._fill_model_menu)
        # The Model menu is filled when opened; its shortcuts must work before that.
        window.addActions([self.open_bundle, self.teach, self.rules])

        self.view = QMenu(window)
        self.language = QMenu(window)
        self.language_group = QActionGroup(self)
        self.language_actions: dict[str, QAction] = {}
        for code in ["system", *LANGUAGES]:
            act = QAction(window, checkable=True)
            act.setData(code)
            act.setChecked(code == language)
            self.language_group.addAction(act)
            self.language.addAction(act)
            self.language_actions[code] = act
        self.fullscreen = QAction(window, shortcut=QKeySequence(QKeySequence.StandardKey.FullScreen), checkable=True)
        # The body keypoints of bundles that read them (on by default; kept in the settings).
        self.skeleton = QAction(window, shortcut=QKeySequence("Ctrl+K"), checkable=True, checked=True)
        self.view.addAction(self.skeleton)
        self.view.addMenu(self.language)
        self.view.addAction(self.fullscreen)

        self.help = QMenu(window)
        self.about = QAction(window)
        self.help.addAction(self.about)
        self.quit = QAction(window, shortcut=QKeySequence.StandardKey.Quit)

        for menu in (self.playback, self.model, self.view, self.help):
            bar.addMenu(menu)
        # Source ▸ Export (the window's Source menu and file analysis exist by now).
        from gui.export_dialog import ExportMenu

        self.export = ExportMenu(window)

    def retranslate(self) -> None:
        """Re-read the user-visible texts after a language switch."""
        self.playback.setTitle(self.tr("&Playback"))
        self.play.setText(self.tr("Play / &Pause"))
        self.back.setText(self.tr("Back 5 s"))
        self.forward.setText(self.tr("Forward 5 s"))
        self.restart.setText(self.tr("Back to the &start"))
        self.model.setTitle(self.tr("&Model"))
        self.open_bundle.setText(self.tr("&Open Bundle…"))
        self.teach.setText(self.tr("&Teach New Actions…"))
        self.rules.setText(self.tr("&Rules…"))
        self.rules.setToolTip(self.tr("Run a command, send an HTTP POST or write an event line when a label holds"))
        self.view.setTitle(self.tr("&View"))
        self.language.setTitle(self.tr("&Language"))
        self.language_actions["system"].setText(self.tr("System default"))
        for code, name in LANGUAGES.items():
            self.language_actions[code].setText(name)
        self.fullscreen.setText(self.tr("&Full Screen"))
        self.skeleton.setText(self.tr("Show the &Skeleton and Hands"))
        self.skeleton.setToolTip(self.tr("Draw the body and hand keypoints that bundles reading the body or the hands find"))
        self.help.setTitle(self.tr("&Help"))
        self.about.setText(self.tr("&About Kinesight"))
        self.quit.setText(self.tr("&Quit"))
        self.export.retranslate()

    def set_seekable(self, seekable: bool) -> None:
        """Enable the seek actions only for sources that can seek."""
        for a in (self.back, self.forward, self.restart):
            a.setEnabled(seekable)

    def _fill_model_menu(self) -> None:
        self.model.clear()
        for act in self.bundle_group.actions():
            self.bundle_group.removeAction(act)
        bundles, current = self._bundles_provider()
        for path in bundles:
            act = self.model.addAction(Path(path).name)
            act.setCheckable(True)
            act.setChecked(current is not None and Path(path) == Path(current))
            act.setToolTip(str(path))
            self.bundle_group.addAction(act)
            act.triggered.connect(lambda _checked=False, p=str(path): self.bundleChosen.emit(p))
        self.model.addSeparator()
        self.model.addAction(self.open_bundle)
        self.model.addAction(self.teach)
        self.model.addAction(self.rules)
