"""The main window: wires the widgets to the engine bridge; holds no recognition logic itself."""

from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QMainWindow, QMessageBox, QScrollArea, QSplitter, QVBoxLayout, QWidget,
)

from engine.bundles import default_bundle_path
from engine.core.errors import BundleError
from gui.bridge import EngineBridge, EngineReady
from gui.bundle_panel import BundlePanel
from engine.tasks import reports_words
from gui.controls import ControlsPanel, RecognitionControls, load_unknown_threshold, save_unknown_threshold
from gui.demo_hint import DemoHint
from gui.engine_texts import warning_text
from gui.errors import ErrorText, camera_lost, describe_error, error_dialog
from gui.file_analysis import FileAnalysis
from gui.menus import MainMenus
from gui.mouth_view import LipPointsToggle, MouthView
from gui.source_menu import SourceMenu
from gui.status_bar import StatusPanel
from gui.task_panels import optional_widgets, panels_for
from gui.throttle import Throttle
from gui.timeline_select import SelectableTimeline
from gui.topk_panel import TopKPanel
from gui.transcript_panel import TranscriptPanel
from gui.translations import install_language, missing_font, resolve_language
from gui.transport import TransportBar
from gui.video_view import VideoView
from gui.window_bundles import BundleActions
from gui.window_rules import WindowRules
from gui.window_sources import SourceActions

SEEK_STEP_S = 5.0


class MainWindow(BundleActions, SourceActions, QMainWindow):
    """Kinesight's main window: video with overlay, top-k, timeline, controls, model and status."""

    # Emitted after a language switch so that open dialogs can follow.
    languageChanged = Signal(str)

    def __init__(self, settings: QSettings | None = None, bundle_path: str | Path | None = None,
                 parent: QWidget | None = None, *, language: str | None = None,
                 remember_geometry: bool = True) -> None:
        """``bundle_path`` and ``language`` given here (from the command line) apply to this run
        and are not saved; ``remember_geometry=False`` keeps the window size out of the settings."""
        super().__init__(parent)
        self.settings = settings if settings is not None else QSettings()
        self._language = language or str(self.settings.value("ui/language", "system"))
        self._remember_geometry = remember_geometry
        # A bundle named on the command line is not the user's choice for the next launch.
        self._remember_bundle = bundle_path is None
        self.bridge = EngineBridge(parent=self)
        self.rules = WindowRules(self)  # Model ▸ Rules: act on what is seen (gui/window_rules.py)
        self.controls_values = RecognitionControls.load(self.settings)
        # The user's "unknown" threshold for the bundle that runs (None: its calibrated one);
        # per bundle, so it follows every switch of bundle.
        self.unknown_threshold: float | None = None
        self.realtime = True  # pace files at their own fps (tests run flat out with False)
        self.current_spec = None  # what plays now: camera index, file path or URL
        self.source_info = None
        self.paused = False
        self.source_finished = False
        self.last_prediction = None
        self.last_frame_image = None  # the newest frame shown (RGB, as displayed)
        self.panels: list = []  # the running task's panels (gui/task_panels.py)
        self.prediction_count = 0
        self.position_s = 0.0
        self.errors_shown: list[ErrorText] = []  # newest last
        self.error_box = None  # the error dialog on screen (None: none shown yet)
        self._last_warning = ""
        self.file_analysis = FileAnalysis(self)
        self.teach_dialog = None
        self.bundle_path: Path | None = None  # the bundle that runs (or is being loaded first)
        self._failed = False  # the engine reported an error for what plays now
        self._closing = False
        self._extra_bundles = [Path(p) for p in self._settings_list("bundles/extra") if Path(p).exists()]

        self._build_widgets()
        self._build_menus()
        self._connect()
        self._update_transport()  # nothing plays yet: play and seek are disabled
        self.setAcceptDrops(True)
        self.setWindowTitle("Kinesight")
        geometry = self.settings.value("window/geometry")
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            self.restoreGeometry(geometry)
        else:
            self.resize(1280, 800)
        self._panels_throttle = Throttle(66, self._refresh_panels, self)
        self._reanalyse_timer = QTimer(self, singleShot=True, interval=600)
        self._reanalyse_timer.timeout.connect(self._start_analysis)

        chosen = bundle_path or self.settings.value("bundles/current") or None
        try:
            self.bundle_path = Path(chosen) if chosen and Path(chosen).exists() else default_bundle_path()
        except BundleError as exc:
            self.bundle_path = None
            self.status.showMessage(describe_error(exc).what)
        self._refresh_bundle_list()
        if self.bundle_path is not None:
            self.unknown_threshold = load_unknown_threshold(self.settings, self.bundle_path)
            self.bridge.open(self.bundle_path, self._engine_kwargs(), None)

    # -- construction ------------------------------------------------------------------
    def _build_widgets(self) -> None:
        self.video = VideoView()
        self.timeline = SelectableTimeline()
        self.topk = TopKPanel(rows=self.controls_values.top_k)
        self.mouth_view = MouthView()
        self.lip_points = LipPointsToggle()
        self.lip_points.setChecked(self.settings.value("lips/points", False, type=bool))  # remembered
        self.lip_points.toggled_landmarks.connect(self._lip_landmarks_changed)
        self.transcript = TranscriptPanel()
        self.controls = ControlsPanel(self.controls_values)
        self.bundle_panel = BundlePanel()
        self.status = StatusPanel()
        self.setStatusBar(self.status)

        self.transport = TransportBar()
        self.demo_hint = DemoHint()
        self.demo_hint.setVisible(False)  # shown while a shipped action model runs

        left = QWidget()
        left_lay = QVBoxLayout(left)
        left_lay.setContentsMargins(0, 0, 0, 0)
        self.left_split = QSplitter(Qt.Orientation.Vertical)
        video_box = QWidget()
        video_lay = QVBoxLayout(video_box)
        video_lay.setContentsMargins(0, 0, 0, 0)
        video_lay.addWidget(self.demo_hint)
        video_lay.addWidget(self.video, 1)
        video_lay.addWidget(self.transport)
        self.left_split.addWidget(video_box)
        self.left_split.addWidget(self.timeline)
        self.left_split.setStretchFactor(0, 4)
        self.left_split.setStretchFactor(1, 1)
        self.timeline.setMinimumHeight(110)
        self.left_split.setSizes([620, 170])
        left_lay.addWidget(self.left_split)

        side = QWidget()
        side_lay = QVBoxLayout(side)
        side_lay.addWidget(self.mouth_view)
        side_lay.addWidget(self.lip_points)
        side_lay.addWidget(self.transcript)
        side_lay.addWidget(self.topk)
        side_lay.addWidget(self.controls)
        side_lay.addWidget(self.bundle_panel)
        side_lay.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidget(side)
        scroll.setWidgetResizable(True)
        scroll.setMinimumWidth(300)

        self.main_split = QSplitter(Qt.Orientation.Horizontal)
        self.main_split.addWidget(left)
        self.main_split.addWidget(scroll)
        self.main_split.setStretchFactor(0, 3)
        self.main_split.setStretchFactor(1, 1)
        self.setCentralWidget(self.main_split)
        # Task-specific widgets appear once a bundle's task asks for them (gui/task_panels.py).
        for w in optional_widgets(self):
            w.setVisible(w is self.topk)

    def _build_menus(self) -> None:
        self.source_menu = SourceMenu(self.settings, self)
        self.menuBar().addMenu(self.source_menu)
        self.menus = MainMenus(self, self._language,
                               lambda: (self._known_bundles(), self.bundle_path))
        self.source_menu.addAction(self.menus.quit)
        from gui.correct import Corrector  # Edit: corrections of the running bundle (issue 22)

        self.corrector = Corrector(self)
        self.retranslate()

    def retranslate(self) -> None:
        """Re-read every user-visible text (after a language switch)."""
        self.source_menu.retranslate()
        self.menus.retranslate()
        self.corrector.retranslate()
        for w in (self.video, self.topk, self.mouth_view, self.lip_points, self.transcript, self.timeline,
                  self.controls, self.bundle_panel, self.status, self.transport, self.demo_hint, self.rules):
            w.retranslate()
        self._update_title()

    def _connect(self) -> None:
        b = self.bridge
        b.frameReady.connect(self._on_frame)
        b.predictionsReady.connect(self._on_predictions)
        b.engineReady.connect(self._on_engine_ready)
        b.openFailed.connect(self._on_open_failed)
        b.engineError.connect(self._on_engine_error)
        b.finished.connect(self._on_finished)
        b.warning.connect(self._on_warning)
        b.busy.connect(lambda busy: self.status.showMessage(self.tr("Opening…")) if busy else None)
        # At a cold start the first frame shows while this message is up (gui/bridge.py).
        b.modelLoading.connect(lambda name: self.status.showMessage(self.tr("Loading model %1…").replace("%1", name)))
        self.video.fileDropped.connect(self.open_source)
        self.video.displaySizeChanged.connect(lambda w, h: setattr(self.bridge, "display_size", (w, h)))
        self.timeline.seekRequested.connect(self.seek)
        self.controls.changed.connect(self._on_controls_changed)
        self.controls.unknownChanged.connect(self._on_unknown_changed)
        # Through lambdas: the dialogs are looked up when clicked (tests replace them).
        self.demo_hint.teachRequested.connect(lambda: self.open_teach_dialog(on_top=self.demo_hint.kind == "everyday"))
        self.demo_hint.openRequested.connect(lambda: self.open_bundle_dialog())
        self.bundle_panel.bundleChosen.connect(lambda p: self.switch_bundle(Path(p)))
        self.bundle_panel.openRequested.connect(self.open_bundle_dialog)
        self.transport.playToggled.connect(self.toggle_play)
        self.transport.seekRequested.connect(self.seek)
        self.file_analysis.progress.connect(self.timeline.set_analysis_progress)
        self.file_analysis.analysed.connect(self._on_analysed)
        self.file_analysis.failed.connect(lambda exc: self.status.showMessage(
            self.tr("The timeline could not be filled for this file; playback goes on.")))
        self.source_menu.fileRequested.connect(self.open_file_dialog)
        self.source_menu.urlRequested.connect(self.open_url_dialog)
        self.source_menu.cameraRequested.connect(self.open_source)
        self.source_menu.recentRequested.connect(self.open_source)
        self.source_menu.stopRequested.connect(self.stop)
        m = self.menus
        m.play.triggered.connect(self.toggle_play)
        m.back.triggered.connect(lambda: self.seek(self.position_s - SEEK_STEP_S))
        m.forward.triggered.connect(lambda: self.seek(self.position_s + SEEK_STEP_S))
        m.restart.triggered.connect(lambda: self.seek(0.0))
        m.bundleChosen.connect(lambda p: self.switch_bundle(Path(p)))
        m.open_bundle.triggered.connect(self.open_bundle_dialog)
        m.teach.triggered.connect(self.open_teach_dialog)
        m.rules.triggered.connect(lambda: self.rules.open_dialog(self))
        self.rules.fired.connect(lambda ev: self.status.showMessage(self.tr("Rule %1 fired: %2").replace(
            "%1", ev.rule).replace("%2", ev.label), 4000))
        self.rules.problem.connect(lambda text: self.status.showMessage(self.tr("Rules: %1").replace("%1", text), 10000))
        m.language_group.triggered.connect(lambda act: self.set_language(act.data()))
        m.fullscreen.toggled.connect(lambda on: self.showFullScreen() if on else self.showNormal())
        m.skeleton.setChecked(self.settings.value("view/skeleton", True, type=bool))
        self.video.show_skeleton = m.skeleton.isChecked()
        m.skeleton.toggled.connect(self._set_skeleton)
        m.about.triggered.connect(self._about)
        m.quit.triggered.connect(self.close)

    def _set_skeleton(self, on: bool) -> None:
        """View ▸ Show the Skeleton and Hands: draw the body and hand keypoints (remembered across runs)."""
        self.video.show_skeleton = on
        self.settings.setValue("view/skeleton", on)
        self.video.update()

    @property
    def analysis_result(self):
        """The whole-file analysis of the file that plays (None until it is done)."""
        return self.file_analysis.result

    # -- settings helpers --------------------------------------------------------------
    def _settings_list(self, key: str) -> list[str]:
        value = self.settings.value(key, [])
        return [value] if isinstance(value, str) else list(value or [])

    def _lip_landmarks_changed(self, value: str) -> None:
        self.settings.setValue("lips/points", value == "points")
        self.bridge.update_settings(lip_landmarks=value)

    def _engine_kwargs(self) -> dict:
        return {**self.controls_values.engine_kwargs(), "realtime": self.realtime,
                "unknown_threshold": self.unknown_threshold, "lip_landmarks": self.lip_points.setting}

    # -- the task's panels ---------------------------------------------------------------
    def _apply_task(self, bundle) -> None:
        """Show the panels the bundle's task names (engine/tasks.py), hide the others."""
        self.panels = panels_for(bundle, self)
        active = {w for p in self.panels for w in p.widgets()}
        for w in optional_widgets(self):
            w.setVisible(w in active)
        # Smoothing, threshold and top-k act on labels: a task that reads words has none to tune.
        self.controls.show_label_controls(not reports_words(bundle.manifest.task))

    def _clear_records(self) -> None:
        """A new source opens: no panel keeps the old source's records."""
        self.topk.show_prediction(None)
        self.transcript.clear()
        self.mouth_view.clear()
        self.video.set_regions((), None)

    # -- bridge signals ----------------------------------------------------------------
    def _on_engine_ready(self, ready: EngineReady) -> None:
        if ready.bundle_changed:
            self.bundle_path = self.bridge.bundle_path
            if self._remember_bundle:
                self.settings.setValue("bundles/current", str(self.bundle_path))
            self.bundle_panel.show_bundle(ready.bundle)
            self._apply_task(ready.bundle)
            self.rules.load(self.bundle_path, ready.bundle)
            open_set = ready.bundle.manifest.open_set
            calibrated = open_set.get("threshold") if open_set else None
            self.controls.set_unknown(calibrated, self.unknown_threshold)
            self.demo_hint.show_for(self._hint_kind(self.bundle_path))
            self._refresh_bundle_list()
            self.status.show_provider(ready.provider)
        info = ready.source
        for panel in self.panels:
            panel.start(ready.bundle, info)
        if info is None:
            self.status.showMessage(self.tr("Model %1 loaded.").replace("%1", ready.bundle.manifest.name), 4000)
            return
        self.source_info = info
        self.source_finished = False
        for w in info.warnings:
            self.status.showMessage(warning_text(w), 8000)
        if not info.warnings:
            self.status.showMessage(self.tr("Playing %1").replace("%1", self._source_name()), 3000)
        self._update_transport()
        self._update_title()
        if not info.is_live and info.duration_s:
            self._start_analysis()

    def _on_open_failed(self, error: BaseException) -> None:
        source, live = self._dialog_source_name(), self._spec_is_live(self.current_spec)
        if isinstance(error, BundleError):
            self._refresh_bundle_list()  # the picker goes back to the bundle that still runs
            # ... and so does the "unknown" threshold.
            self.unknown_threshold = load_unknown_threshold(self.settings, self.bridge.bundle_path)
            if self.bridge.bundle is None:
                self._fall_back_to_default_bundle()
        else:
            self.current_spec = None
            self.source_info = None
            self.video.clear()
            self.timeline.show_no_source()
            self._update_transport()
            self._update_title()
        self.show_error(error, live=live, source=source)

    def _on_engine_error(self, error: BaseException) -> None:
        self._failed = True  # the end of the stream that follows is not a normal end
        live = self.source_info is not None and self.source_info.is_live
        self.show_error(error, live=live, source=self._dialog_source_name())

    def _on_warning(self, text: str) -> None:
        self._last_warning = text
        self.status.showMessage(warning_text(text), 10000)

    def _on_finished(self) -> None:
        self.source_finished = True
        if self._source_kind(self.current_spec) == "camera" and not self._failed:
            # A camera never ends on its own (a lost one normally reports an error first, which
            # sets _failed): an end without an error is a lost camera too.
            self._failed = True
            self._present_error(camera_lost(self._dialog_source_name(), self._last_warning))
        if not self._failed:  # after an error, the error stays in the status bar
            end = self.tr("End of %1. Press Space to play it again.").replace("%1", self._source_name())
            # A warning of this run (a file truncated while playing, a dropped stream) came just
            # before the end: keep it in view instead of replacing it with "End of".
            self.status.showMessage(f"{warning_text(self._last_warning)} {end}" if self._last_warning else end)
        self._update_transport()

    def _on_frame(self) -> None:
        frame = self.bridge.take_frame()
        if frame is None:
            return
        self.video.set_frame(frame.image)
        self.last_frame_image = frame.image
        self.position_s = frame.pts_s
        for panel in self.panels:
            panel.position(frame.pts_s)
        if self.source_info is not None:
            self.transport.show_position(frame.pts_s, self.source_info.duration_s)

    def _on_predictions(self) -> None:
        preds = self.bridge.take_predictions()
        if not preds:
            return
        latest = preds[-1]
        self.prediction_count += len(preds)
        self.last_prediction = latest
        for panel in self.panels:
            panel.records(preds)
        self.rules.feed(preds, self.current_spec)  # cheap; the actions run on the rules' threads
        self._panels_throttle.request()  # the text panels at most 15 times a second

    def _refresh_panels(self) -> None:
        if self.last_prediction is not None:
            for panel in self.panels:
                panel.refresh(self.last_prediction)
            self.status.show_numbers(self.last_prediction)

    def _on_analysed(self, result) -> None:
        for panel in self.panels:
            panel.analysed(result)

    # -- analysis of whole files ---------------------------------------------------------
    def _start_analysis(self) -> None:
        info = self.source_info
        if info is None or info.is_live or not info.duration_s or self.bridge.bundle is None:
            return
        # The whole-file analysis keeps no lip points: it runs without the face mesh.
        self.file_analysis.start(Path(str(info.spec)), self.bridge.bundle, {**self._engine_kwargs(), "lip_landmarks": "off"})

    def worker_threads(self) -> list:
        """Every thread this window started (for shutdown checks)."""
        threads = list(self.bridge.threads()) + self.file_analysis.threads() + self.rules.threads()
        probe = self.source_menu.probe_thread()
        if probe is not None:
            threads.append(probe)
        return threads

    # -- controls ------------------------------------------------------------------------
    def _on_controls_changed(self, values: RecognitionControls) -> None:
        self.controls_values = values
        values.save(self.settings)
        labels = self.bridge.bundle.labels if self.bridge.bundle is not None else ()
        self.topk.set_rows(min(values.top_k, len(labels)) if labels else values.top_k)
        self.bridge.update_settings(**values.engine_kwargs())
        if self.source_info is not None and not self.source_info.is_live:
            self._reanalyse_timer.start()  # the whole-file curve follows the new settings

    def _on_unknown_changed(self, threshold: float) -> None:
        if self.bundle_path is None:
            return
        self.unknown_threshold = threshold
        save_unknown_threshold(self.settings, self.bundle_path, threshold)
        self.bridge.update_settings(unknown_threshold=threshold)
        if self.source_info is not None and not self.source_info.is_live:
            self._reanalyse_timer.start()  # the whole-file timeline follows the new threshold

    # -- errors, language, misc ------------------------------------------------------------
    def show_error(self, error: BaseException, *, live: bool = False, source: str = "") -> None:
        """Tell the user what went wrong and what to do; the app keeps running."""
        self._present_error(describe_error(error, live=live, source=source))

    def _present_error(self, text: ErrorText) -> None:
        self.errors_shown.append(text)
        self.status.showMessage(text.what)
        if self._closing:
            return
        # Window-modal but without a nested event loop (open(), not exec()): playback signals
        # keep flowing, and a newer error replaces the dialog instead of stacking on it.
        if self.error_box is not None:
            self.error_box.close()
            self.error_box.deleteLater()
        self.error_box = error_dialog(self, text)
        self.error_box.open()

    def set_language(self, choice: str) -> None:
        """Switch the UI language now ("system", "en" or "zh_CN") and remember it."""
        self.settings.setValue("ui/language", choice)
        lang = resolve_language(choice)
        install_language(lang)
        self.status.show_font_warning(missing_font(lang))
        self.retranslate()
        self.languageChanged.emit(lang)

    def _about(self) -> None:
        from PySide6 import __version__ as pyside_version
        from PySide6.QtCore import qVersion

        from engine.version import version_report

        # The versions stay untranslated: they are for bug reports.
        QMessageBox.about(self, self.tr("About Kinesight"),
                          self.tr("Kinesight recognises actions in video in real time.\n"
                                  "Models run with ONNX Runtime; see the Model panel for the bundle in use.")
                          + "\n\n" + version_report(qt=f"Qt {qVersion()} (PySide6 {pyside_version})"))

    # -- drag and drop / close -----------------------------------------------------------
    def dragEnterEvent(self, event) -> None:  # noqa: N802 - Qt API
        self.video.dragEnterEvent(event)

    def dropEvent(self, event) -> None:  # noqa: N802 - Qt API
        self.video.dropEvent(event)

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt API
        """Save settings and stop every thread within a second."""
        started = time.monotonic()
        self._closing = True
        if self._remember_geometry:
            self.settings.setValue("window/geometry", self.saveGeometry())
        self.controls_values.save(self.settings)
        self.settings.sync()
        if self.teach_dialog is not None:
            self.teach_dialog.shutdown(timeout=0.3)
        self.file_analysis.cancel()
        self.rules.close(timeout=0.1)
        self.bridge.close(timeout=0.7)
        self.file_analysis.shutdown(timeout=max(0.0, 0.9 - (time.monotonic() - started)))
        self.close_duration_s = time.monotonic() - started
        super().closeEvent(event)
