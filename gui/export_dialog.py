"""Source ▸ Export: the opened file's whole-file analysis as CSV, JSON, SRT, WebVTT or an
annotated MP4, and "Save predictions beside the recording".

Exports run on a worker thread (the annotated video re-encodes the whole file), never on the
GUI thread; each file is written atomically by the engine (engine/io/exports.py), so a failed
export leaves no half-written file. Results come back through Qt signals (queued to the GUI
thread) as status-bar messages.
"""

from __future__ import annotations

import threading
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFileDialog, QMainWindow, QMenu

BESIDE_KEY = "export/beside_recording"
# kind -> (suffix of the suggested name, file-dialog filter pattern)
KINDS = {"csv": (".csv", "*.csv"), "json": (".json", "*.json"), "srt": (".srt", "*.srt"),
         "vtt": (".vtt", "*.vtt"), "video": (".annotated.mp4", "*.mp4")}


def export_result(result, kind: str, target: Path, source: Path | None = None, progress=None) -> Path:
    """Write ``result`` as ``kind`` to ``target`` (the annotated video needs the ``source`` file)."""
    if kind == "video":
        from engine.io.annotate import write_annotated_video

        return write_annotated_video(result, source, target, progress=progress)
    return getattr(result, f"to_{kind}")(target)


def beside_path(video: Path) -> Path:
    """Where "save predictions beside the recording" writes: ``NAME.kinesight.json``."""
    return video.with_name(f"{video.stem}.kinesight.json")


class ExportMenu(QObject):
    """The Export submenu of the Source menu (file sources with a finished analysis only)."""

    finished = Signal(str)  # a status-bar message, emitted from the worker thread
    _progress = Signal(float)

    def __init__(self, window: QMainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.menu = QMenu(window)
        self.actions: dict[str, QAction] = {}
        for kind in KINDS:
            act = QAction(window)
            act.triggered.connect(lambda _checked=False, k=kind: self.export(k))
            self.menu.addAction(act)
            self.actions[kind] = act
        self.menu.addSeparator()
        self.beside = QAction(window, checkable=True)
        self.beside.setChecked(str(window.settings.value(BESIDE_KEY, "false")).lower() == "true")
        self.beside.toggled.connect(lambda on: window.settings.setValue(BESIDE_KEY, on))
        self.menu.addAction(self.beside)
        self.menu.aboutToShow.connect(self.update_enabled)
        window.source_menu.addMenu(self.menu)
        window.file_analysis.analysed.connect(self._analysed)
        self.finished.connect(lambda text: window.status.showMessage(text, 8000))
        self._progress.connect(lambda f: window.status.showMessage(
            self.tr("Writing the annotated video… %1%").replace("%1", str(round(100 * f)))))
        self.threads: list[threading.Thread] = []

    def retranslate(self) -> None:
        """Re-read the user-visible texts after a language switch."""
        self.menu.setTitle(self.tr("&Export"))
        self.actions["csv"].setText(self.tr("Predictions as &CSV…"))
        self.actions["json"].setText(self.tr("Timeline as &JSON…"))
        self.actions["srt"].setText(self.tr("Events as &SRT Subtitles…"))
        self.actions["vtt"].setText(self.tr("Events as &WebVTT Subtitles…"))
        self.actions["video"].setText(self.tr("Annotated &Video (MP4)…"))
        self.beside.setText(self.tr("Save Predictions &Beside the Recording"))

    def _file(self) -> Path | None:
        spec = self.window.current_spec
        info = self.window.source_info
        if isinstance(spec, (str, Path)) and Path(spec).is_file() and (info is None or not info.is_live):
            return Path(spec)
        return None

    def update_enabled(self) -> None:
        """Exports need an opened file whose whole-file analysis is done."""
        ready = self._file() is not None and self.window.analysis_result is not None
        for act in self.actions.values():
            act.setEnabled(ready)

    def export(self, kind: str, target: Path | None = None) -> threading.Thread | None:
        """Ask where (unless ``target``), then write on a worker thread; returns the thread."""
        video, result = self._file(), self.window.analysis_result
        if video is None or result is None:
            return None
        if target is None:
            suffix, pattern = KINDS[kind]
            chosen, _ = QFileDialog.getSaveFileName(self.window, self.actions[kind].text().replace("&", "").rstrip("…"),
                                                    str(video.with_name(video.stem + suffix)), pattern)
            if not chosen:
                return None
            target = Path(chosen)
        return self._run(lambda: export_result(result, kind, target, video, self._video_progress), target)

    def _video_progress(self, done_s: float, total_s: float) -> None:
        if total_s:
            self._progress.emit(min(1.0, done_s / total_s))

    def _analysed(self, result) -> None:
        video = self._file()
        if self.beside.isChecked() and video is not None and not result.cancelled:
            self._run(lambda: result.to_json(beside_path(video)), beside_path(video))

    def _run(self, work, target: Path) -> threading.Thread:
        def run() -> None:
            try:
                work()
            except Exception as exc:  # noqa: BLE001 - told in the status bar; the file was not written
                self.finished.emit(self.tr("Could not write %1: %2").replace("%1", target.name).replace("%2", str(exc)))
                return
            self.finished.emit(self.tr("Wrote %1").replace("%1", str(target)))

        thread = threading.Thread(target=run, name="kinesight-export", daemon=True)
        self.threads = [t for t in self.threads if t.is_alive()] + [thread]
        thread.start()
        return thread
