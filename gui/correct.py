"""Correct and improve (issue 22): select a stretch of a file's timeline, say "this was <action>" or
"none of these", and the bundle that runs is re-taught in the background (models/correct.py, on a
thread of its own, never the GUI thread) and replaced in place; the engine reloads it, the timeline
is analysed again and the stretches whose label changed are marked. Edit ▸ Undo Correction (Ctrl+Z)
goes back one step. Edit ▸ Ask Where Unsure lists the stretches the analysis was least sure of
(gui/unsure_dialog.py), each confirmed or corrected with one click."""

from __future__ import annotations

import threading
from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMenu, QProgressBar

TEACHING_FILE = "teaching.json"  # models/fewshot/teaching_set.py: a bundle that keeps its clips
NONE_OF_THESE = "none"  # what models.correct takes for "none of these"


class CorrectionJob(threading.Thread):
    """Runs one correction (or undo) of ``models.correct`` and reports through callbacks."""

    def __init__(self, work, on_progress, on_done, on_failed) -> None:
        super().__init__(name="kinesight-gui-correction", daemon=True)
        self._work, self._on_progress, self._on_done, self._on_failed = work, on_progress, on_done, on_failed

    def run(self) -> None:
        try:
            result = self._work(self._on_progress)
        except BaseException as exc:  # noqa: BLE001 - the window says what happened
            self._on_failed(exc)
            return
        self._on_done(result)


class Corrector(QObject):
    """The Edit menu's corrections for a :class:`gui.main_window.MainWindow` (its timeline, bundle,
    file analysis and status bar). Signals (GUI thread): ``corrected(object)`` (a
    models.correct.Correction, or None after an undo) once the re-taught bundle runs, ``failed(object)``."""

    corrected = Signal(object)
    failed = Signal(object)
    _progress = Signal(str, float)
    _done = Signal(object)
    _error = Signal(object)

    def __init__(self, window: QMainWindow) -> None:
        super().__init__(window)
        self.w = window
        self.job: CorrectionJob | None = None
        self.queue: list[tuple[str, tuple[float, float]]] = []
        self._before = None  # the analysis before the last correction, to show what changed
        self.last = None  # the last Correction
        self.menu = QMenu(window)
        self.this_was = QMenu(window)
        self.undo = QAction(window, shortcut=QKeySequence(QKeySequence.StandardKey.Undo))
        self.mark_start = QAction(window, shortcut=QKeySequence("["))
        self.mark_end = QAction(window, shortcut=QKeySequence("]"))
        self.ask = QAction(window, shortcut=QKeySequence("Ctrl+U"))
        self.menu.addMenu(self.this_was)
        for a in (self.mark_start, self.mark_end, self.ask, self.undo):
            self.menu.addAction(a)
        window.addActions([self.undo, self.mark_start, self.mark_end, self.ask])
        bar = window.menuBar()
        bar.insertMenu(window.menus.playback.menuAction(), self.menu)
        self.menu.aboutToShow.connect(self._update_actions)
        self.this_was.aboutToShow.connect(lambda: self.fill_menu(self.this_was))
        self.undo.triggered.connect(self.undo_last)
        self.mark_start.triggered.connect(lambda: self._mark(0))
        self.mark_end.triggered.connect(lambda: self._mark(1))
        self.ask.triggered.connect(self.ask_unsure)
        window.timeline.menuRequested.connect(self._popup)
        window.file_analysis.analysed.connect(self._analysed)
        self.bar = QProgressBar(maximumWidth=160, maximum=100, visible=False)
        window.status.addPermanentWidget(self.bar)
        self._progress.connect(self._show_progress, Qt.ConnectionType.QueuedConnection)
        self._done.connect(self._finished, Qt.ConnectionType.QueuedConnection)
        self._error.connect(self._failed, Qt.ConnectionType.QueuedConnection)
        self.unsure_dialog = None
        self.retranslate()

    def retranslate(self) -> None:
        """Re-read the user-visible texts after a language switch."""
        self.menu.setTitle(self.tr("&Edit"))
        self.this_was.setTitle(self.tr("&This Was…"))
        self.undo.setText(self.tr("&Undo Correction"))
        self.mark_start.setText(self.tr("Selection &Starts Here"))
        self.mark_end.setText(self.tr("Selection &Ends Here"))
        self.ask.setText(self.tr("&Ask Where Unsure…"))

    # -- state ---------------------------------------------------------------------------------
    @property
    def running(self) -> bool:
        """True while a correction (or undo) runs."""
        return self.job is not None and self.job.is_alive()

    def bundle_folder(self) -> Path | None:
        """The running bundle's folder if it can be corrected (it keeps its teaching clips)."""
        path = self.w.bundle_path
        return Path(path) if path is not None and (Path(path) / TEACHING_FILE).is_file() else None

    def labels(self) -> list[str]:
        """The running bundle's actions (what "This was…" offers, with None of These)."""
        bundle = self.w.bridge.bundle
        return list(bundle.labels) if bundle is not None else []

    def _file(self) -> Path | None:
        info = self.w.source_info
        return Path(str(info.spec)) if info is not None and not info.is_live and info.duration_s else None

    def _update_actions(self) -> None:
        self.undo.setEnabled(not self.running and self.bundle_folder() is not None
                             and (self.bundle_folder() / ".previous" / "manifest.json").is_file())
        self.this_was.setEnabled(self.w.timeline.selection() is not None and self._file() is not None)
        self.ask.setEnabled(self.w.file_analysis.result is not None)

    def fill_menu(self, menu: QMenu) -> None:
        """"This was <action>" for each action of the running bundle, then "None of These"."""
        menu.clear()
        for lab in self.labels():
            menu.addAction(self.tr("This was %1").replace("%1", lab)).triggered.connect(
                lambda _c=False, lab=lab: self.correct(lab))
        menu.addSeparator()
        menu.addAction(self.tr("None of These")).triggered.connect(lambda: self.correct(NONE_OF_THESE))

    def _popup(self, pos) -> None:
        if self.w.timeline.selection() is None:
            return
        menu = QMenu(self.w)
        self.fill_menu(menu)
        menu.popup(pos)
        self.popup_menu = menu  # kept for tests and so it is not collected while shown

    def _mark(self, end: int) -> None:
        sel = self.w.timeline.selection()
        here = self.w.position_s
        if sel is None:
            sel = (here, here) if end else (here, self.w.timeline.duration_s or here)
        self.w.timeline.select(*((sel[0], here) if end else (here, sel[1])))

    # -- correcting ----------------------------------------------------------------------------
    def correct(self, label: str, stretch: tuple[float, float] | None = None) -> bool:
        """Teach that ``stretch`` (default: the selection) of the file that plays was ``label`` (an action
        of the bundle, or "none"); queued behind a correction already under way. False (and a status
        message saying why) when it cannot be done."""
        stretch = stretch or self.w.timeline.selection()
        why = None
        if self._file() is None:
            why = self.tr("Corrections need a file: open the video the stretch comes from.")
        elif stretch is None:
            why = self.tr("Select a stretch first: drag over the timeline with the right mouse button.")
        elif self.bundle_folder() is None:
            why = self.tr("This model does not keep the clips it was taught from, so it cannot be corrected; "
                          "teach it again (Model ▸ Teach New Actions).")
        if why:
            self.w.status.showMessage(why, 8000)
            return False
        self.queue.append((label, stretch))
        if not self.running:
            self._next()
        return True

    def _next(self) -> None:
        label, (start, end) = self.queue.pop(0)
        folder, file = self.bundle_folder(), self._file()
        if self._before is None and self.w.file_analysis.result is not None:
            self._before = list(self.w.file_analysis.result.predictions)

        def work(progress):
            from models.correct import add_correction  # lazily, on this thread (no torch)

            return add_correction(folder, label, file, start, end, threads=2,
                                  progress=lambda stage, f: progress(stage, f))
        self._start(work, self.tr("Re-teaching with %1 s as '%2'…").replace("%1", f"{start:.1f}–{end:.1f}")
                    .replace("%2", label if label != NONE_OF_THESE else self.tr("none of these")))

    def undo_last(self) -> None:
        """Put back the bundle as it was before the last correction (on a worker thread)."""
        folder = self.bundle_folder()
        if self.running or folder is None:
            return
        if self.w.file_analysis.result is not None:
            self._before = list(self.w.file_analysis.result.predictions)

        def work(_progress):
            from models.correct import undo_correction

            undo_correction(folder)
            return None
        self._start(work, self.tr("Undoing the last correction…"))

    def _start(self, work, message: str) -> None:
        self.w.status.showMessage(message)
        self.bar.setValue(0)
        self.bar.setVisible(True)
        self.job = CorrectionJob(work, self._progress.emit, self._done.emit, self._error.emit)
        self.job.start()

    def _show_progress(self, _stage: str, fraction: float) -> None:
        self.bar.setValue(int(100 * fraction))

    def _finished(self, correction) -> None:
        self.bar.setVisible(False)
        self.last = correction
        self.w.timeline.select(None)
        # The same folder holds another model now: the engine loads it again, the file is analysed
        # again (and _analysed marks what changed).
        self.w.bridge.reload_bundle()
        self.w.switch_bundle(self.w.bundle_path)
        if correction is None:
            self.w.status.showMessage(self.tr("Back to the model before the last correction."), 8000)
        else:
            self.w.status.showMessage(self.tr("Re-taught from %1 clips in %2 s; the timeline is analysed again. "
                                              "Ctrl+Z undoes it.").replace("%1", str(correction.clips))
                                      .replace("%2", f"{correction.seconds:.1f}"), 10000)
        self.corrected.emit(correction)
        if self.queue:
            self._next()

    def _failed(self, exc) -> None:
        self.bar.setVisible(False)
        self.queue.clear()
        self._before = None
        self.w.show_error(exc)
        self.failed.emit(exc)

    def _analysed(self, result) -> None:
        if self._before is None or self.running or self.queue:
            return
        from gui.timeline_select import changed_spans

        spans = changed_spans(self._before, result.predictions)
        self._before = None
        self.w.timeline.set_changed_spans(spans)
        total = sum(b - a for a, b in spans)
        self.w.status.showMessage(self.tr("The re-taught model says something else over %1 s of this file "
                                          "(marked in amber on the timeline).").replace("%1", f"{total:.1f}"), 10000)

    # -- ask where unsure ----------------------------------------------------------------------
    def ask_unsure(self) -> None:
        """List the stretches the last analysis was least sure of, a few at a time."""
        from gui.unsure_dialog import UnsureDialog

        if self.w.file_analysis.result is None:
            return
        if self.unsure_dialog is None:
            self.unsure_dialog = UnsureDialog(self, parent=self.w)
        self.unsure_dialog.refresh()
        self.unsure_dialog.show()
        self.unsure_dialog.raise_()
