"""Teach new actions: name a few actions, give each some clips, train a head, use the bundle.

Clips come from video files or are recorded from the webcam (countdown, live preview).
Training runs ``models.teach.train_bundle`` on a background thread (imported lazily there), with
a progress bar and a cancel button. Its default few-shot recipe needs no torch. The result shows
what decides whether to trust the model: the accuracy predicted for a person it was not taught by
(people or recording sessions held out in turn; or plainly that one person or session cannot predict
it), the held-out clips' confusion matrix, and warnings when an action has too few clips or two
actions were confused (gui/teach_report.py). An optional "none of these" action
teaches what to ignore: the model then says "unknown" for it.

"What to teach" switches between actions (the whole frame) and words or phrases read from the
lips (silent commands for the user's own face: ``train_bundle(..., roi="mouth")``, a "lip-words"
bundle that crops the mouth as lip mode does); the report is the same cross-validated one.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

from PySide6.QtCore import QSettings, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox, QDialog, QDialogButtonBox, QFileDialog, QFormLayout, QGroupBox, QHBoxLayout, QInputDialog, QLabel,
    QLineEdit, QListWidget, QListWidgetItem, QMessageBox, QProgressBar, QPushButton, QSpinBox, QTableWidget,
    QVBoxLayout, QWidget,
)

from gui import teach_jobs
from gui.errors import describe_error
from gui.source_menu import VIDEO_FILTER, CameraProbe
from gui.teach_widgets import KeepActionsRow, KindPicker
from gui.teach_jobs import RecordJob, TrainJob, safe_name
from gui.teach_confusion import fill_confusion_table
from gui.teach_recording import RecordingActions
from gui.teach_report import report_text
from gui.video_view import VideoView


# The label models.fewshot treats as "ignore this" (models.teach.BACKGROUND_LABEL; kept in English
# in the bundle whatever the UI language, shown translated).
BACKGROUND_LABEL = "none of these"
MIN_CLIPS = 3  # fewer and the held-out figures (and the model) are shaky: warn
# what is taught: actions (the whole frame and the moving region, or the body's keypoints) or words (lips); see models.teach.ROIS
ROIS = ("full+motion", "pose", "hands", "mouth")


def _row(*widgets: QWidget) -> QHBoxLayout:
    lay = QHBoxLayout()
    for w in widgets:
        lay.addWidget(w)
    return lay


class TeachDialog(RecordingActions, QDialog):
    """The "Teach New Actions" dialog. Emits ``bundleSaved(path)`` when a bundle was trained."""

    bundleSaved = Signal(str)
    _frame = Signal()
    _recorded = Signal(object)
    _recordFailed = Signal(object)
    _progress = Signal(str, float)
    _trained = Signal(object)
    _trainFailed = Signal(object)
    _camerasFound = Signal(object, object)

    def __init__(self, settings: QSettings | None = None, parent: QWidget | None = None,
                 train_options: dict | None = None) -> None:
        super().__init__(parent)
        self.setModal(False)
        self.settings = settings if settings is not None else QSettings()
        self.train_options = dict(train_options or {})
        self.clips: dict[str, list[Path]] = {}
        self.result = None
        self.error: BaseException | None = None
        self._recorder: RecordJob | None = None
        self._trainer: TrainJob | None = None
        self.progress_reports = 0  # progress callbacks of the current run
        self._latest = None
        self._latest_lock = threading.Lock()
        self._frame_pending = False
        self._build()
        self._connect()
        self.resize(900, 640)
        self._cameras: list | None = None
        self._probe = CameraProbe(lambda cams, err: self._camerasFound.emit(cams, err))
        self._probe.start()

    # -- construction --------------------------------------------------------------------
    def _build(self) -> None:
        self.setWindowTitle(self.tr("Teach New Actions"))
        self.kind_picker = KindPicker()
        self.actions_list = QListWidget()
        self.add_action_button = QPushButton(self.tr("Add action…"))
        self.add_background_button = QPushButton(self.tr("Add \"none of these\""))
        self.add_background_button.setToolTip(self.tr(
            "Optional: clips of what should NOT count as any action (standing still, other movements, "
            "an empty room). The model then says \"unknown\" for them instead of naming an action."))
        self.remove_action_button = QPushButton(self.tr("Remove"))
        self.actions_box = actions_box = QGroupBox(self.tr("1. Actions"))
        a_lay = QVBoxLayout(actions_box)
        kind_form = QFormLayout()
        kind_form.addRow(self.tr("What to teach"), self.kind_picker)
        a_lay.addLayout(kind_form)
        # Teaching on top of the shipped default's actions (models/fewshot/base.py): one action of
        # your own is then enough, and the new model still knows the twelve.
        self.base_row = KeepActionsRow()
        a_lay.addWidget(self.base_row)
        self.actions_hint = QLabel(self.tr("Name at least two actions you will show the camera."))
        self.actions_hint.setWordWrap(True)
        a_lay.addWidget(self.actions_hint)
        a_lay.addWidget(self.actions_list)
        a_lay.addLayout(_row(self.add_action_button, self.remove_action_button))
        a_lay.addWidget(self.add_background_button)

        self.clips_list = QListWidget()
        self.add_files_button = QPushButton(self.tr("Add video files…"))
        self.record_button = QPushButton(self.tr("Record from camera"))
        self.camera_picker = QComboBox()
        self.camera_picker.setEditable(True)
        self.clip_seconds = QSpinBox()
        self.clip_seconds.setRange(1, 30)
        self.clip_seconds.setValue(int(self.settings.value("teach/clip_seconds", 3)))
        self.clip_seconds.setSuffix(self.tr(" s"))
        self.countdown = QSpinBox()
        self.countdown.setRange(0, 10)
        self.countdown.setValue(3)
        self.countdown.setSuffix(self.tr(" s"))
        self.clips_box = clips_box = QGroupBox(self.tr("2. Clips of the selected action"))
        c_lay = QVBoxLayout(clips_box)
        self.clips_hint = QLabel(self.tr("Give each action several short clips (3 or more), from files or the camera."))
        self.clips_hint.setWordWrap(True)
        c_lay.addWidget(self.clips_hint)
        c_lay.addWidget(self.clips_list)
        c_lay.addLayout(_row(self.add_files_button, self.record_button))
        form = QFormLayout()
        form.addRow(self.tr("Camera"), self.camera_picker)
        form.addRow(self.tr("Clip length"), self.clip_seconds)
        form.addRow(self.tr("Countdown"), self.countdown)
        c_lay.addLayout(form)
        # Said in a wrapped line of its own: as the camera field's placeholder it was cut off.
        self.camera_note = QLabel()
        self.camera_note.setWordWrap(True)
        self.camera_note.hide()
        c_lay.addWidget(self.camera_note)

        self.preview = VideoView()
        self.preview.set_placeholder(self.tr("Camera preview appears here while recording."))
        self.preview.setMinimumSize(280, 210)
        self.countdown_label = QLabel("")
        self.countdown_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        font = self.countdown_label.font()
        font.setPointSizeF(font.pointSizeF() * 1.6)
        font.setBold(True)
        self.countdown_label.setFont(font)
        preview_box = QGroupBox(self.tr("Preview"))
        p_lay = QVBoxLayout(preview_box)
        p_lay.addWidget(self.preview, 1)
        p_lay.addWidget(self.countdown_label)

        self.bundle_name = QLineEdit(self.tr("my-actions"))
        self.train_button = QPushButton(self.tr("Train"))
        self.cancel_button = QPushButton(self.tr("Cancel training"))
        self.cancel_button.setEnabled(False)
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.stage_label = QLabel(self.tr("Add actions and clips, then press Train."))
        self.stage_label.setWordWrap(True)
        self.result_label = QLabel("")
        self.result_label.setWordWrap(True)
        self.warnings_label = QLabel("")
        self.warnings_label.setWordWrap(True)
        self.warnings_label.setStyleSheet("color: #b35c00;")
        self.confusion_table = QTableWidget(0, 0)
        self.confusion_table.setToolTip(self.tr(
            "Held-out clips: rows are the true action, columns what the model said."))
        self.confusion_table.hide()
        train_box = QGroupBox(self.tr("3. Train"))
        t_lay = QVBoxLayout(train_box)
        form = QFormLayout()
        form.addRow(self.tr("Bundle name"), self.bundle_name)
        t_lay.addLayout(form)
        t_lay.addLayout(_row(self.train_button, self.cancel_button))
        t_lay.addWidget(self.progress)
        t_lay.addWidget(self.stage_label)
        # The figures beside their confusion table: stacked, the table was squeezed (clipped) at
        # the dialog's default 900x640.
        results = QHBoxLayout()
        results.addWidget(self.result_label, 1)
        results.addWidget(self.confusion_table, 0, Qt.AlignmentFlag.AlignTop)
        t_lay.addLayout(results)
        t_lay.addWidget(self.warnings_label)

        top = QHBoxLayout()
        top.addWidget(actions_box, 1)
        top.addWidget(clips_box, 2)
        top.addWidget(preview_box, 2)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        outer = QVBoxLayout(self)
        outer.addLayout(top, 1)
        outer.addWidget(train_box)
        outer.addWidget(self.buttons)
        self._update_enabled()

    def _connect(self) -> None:
        self.base_row.toggled.connect(lambda *_: (self._kind_changed(), self._update_enabled()))
        self.add_action_button.clicked.connect(self._ask_action)
        self.kind_picker.currentIndexChanged.connect(lambda *_: self._kind_changed())
        self.add_background_button.clicked.connect(self.add_background_action)
        self.remove_action_button.clicked.connect(self._remove_action)
        self.actions_list.currentItemChanged.connect(lambda *_: self._show_clips())
        self.add_files_button.clicked.connect(self._pick_files)
        self.record_button.clicked.connect(self._record)
        self.train_button.clicked.connect(self.train)
        self.cancel_button.clicked.connect(self.cancel_training)
        self.buttons.rejected.connect(self.close)
        self._frame.connect(self._paint_frame)
        self._recorded.connect(self._on_recorded)
        self._recordFailed.connect(self._on_record_failed)
        self._progress.connect(self._on_progress)
        self._trained.connect(self._on_trained)
        self._trainFailed.connect(self._on_train_failed)
        self._camerasFound.connect(self._fill_cameras)

    # -- what is taught ------------------------------------------------------------------
    def roi(self) -> str:
        """What the taught bundle looks at: "full+motion" (actions), "pose" (actions from the body's
        keypoints) or "mouth" (words read from the lips)."""
        return self.kind_picker.currentData()

    def set_roi(self, roi: str) -> None:
        """Teach actions from the body ("pose", the default) or the whole frame ("full+motion"), or
        words from the lips ("mouth")."""
        self.kind_picker.setCurrentIndex(ROIS.index(roi))

    def set_base(self, base: Path | None, checked: bool = True) -> None:
        """Offer teaching on top of ``base`` (a shipped model learned from generated body motion,
        models/fewshot/base.py), ticked when ``checked``; None takes the offer away."""
        self.base_row.set_base(base, checked)
        self._kind_changed()

    def base(self) -> Path | None:
        """The model whose actions the new one keeps (None: teach from scratch)."""
        return self.base_row.base() if self.roi() == "pose" else None

    def _kind_changed(self) -> None:
        self.base_row.setVisible(self.base_row.base_path is not None and self.roi() == "pose")
        # The suggested bundle name follows the choice, unless the user typed one.
        defaults = {"full+motion": self.tr("my-actions"), "pose": self.tr("my-actions"),
                    "hands": self.tr("my-gestures"), "mouth": self.tr("my-words")}
        if self.bundle_name.text() in defaults.values():
            self.bundle_name.setText(defaults[self.roi()])
        words, hands = self.roi() == "mouth", self.roi() == "hands"
        self.actions_box.setTitle(self.tr("1. Words or phrases") if words else self.tr("1. Gestures") if hands
                                  else self.tr("1. Actions"))
        self.add_action_button.setText(self.tr("Add word…") if words else self.tr("Add gesture…") if hands
                                       else self.tr("Add action…"))
        self.actions_hint.setText(
            self.tr("Name at least two words or phrases you will say (aloud or silently) to the camera.") if words
            else self.tr("Name at least two hand gestures you will show the camera (e.g. open palm, thumbs up, "
                         "swipe left).") if hands
            else self.tr("Name the actions to add (one is enough) and show each to the camera.") if self.base()
            else self.tr("Name at least two actions you will show the camera."))
        self.clips_box.setTitle(self.tr("2. Clips of the selected word") if words
                                else self.tr("2. Clips of the selected gesture") if hands
                                else self.tr("2. Clips of the selected action"))
        self.clips_hint.setText(
            self.tr("Give each word several short clips (3 or more) of your face from the front, from files or "
                    "the camera.") if words
            else self.tr("Give each gesture several short clips (3 or more) with your hands in view, from files "
                         "or the camera.") if hands
            else self.tr("Give each action several short clips (3 or more), from files or the camera."))

    # -- actions and clips (also the API tests use) --------------------------------------
    def add_action(self, name: str) -> bool:
        """Add an action name; False when empty or already there."""
        name = name.strip()
        if not name or name in self.clips:
            return False
        self.clips[name] = []
        item = QListWidgetItem(self.display_name(name))
        item.setData(Qt.ItemDataRole.UserRole, name)
        self.actions_list.addItem(item)
        self.actions_list.setCurrentItem(item)
        self._update_enabled()
        return True

    def add_background_action(self) -> bool:
        """Add the optional "none of these" action (what to ignore); False when it is there already."""
        return self.add_action(BACKGROUND_LABEL)

    def display_name(self, action: str) -> str:
        """An action's name as shown: "none of these" in the UI language."""
        return self.tr("none of these") if action == BACKGROUND_LABEL else action

    def add_clips(self, action: str, paths: list[str | Path]) -> None:
        """Add video files as examples of ``action``."""
        if action not in self.clips:
            self.add_action(action)
        for p in paths:
            p = Path(p)
            if p not in self.clips[action]:
                self.clips[action].append(p)
        self._show_clips()
        self._update_enabled()

    def current_action(self) -> str | None:
        """The action selected in the list (None when the list is empty)."""
        item = self.actions_list.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item else None

    def _ask_action(self) -> None:
        name, ok = QInputDialog.getText(self, self.tr("New action"), self.tr("Action name (e.g. \"waving\"):"))
        if ok and not self.add_action(name):
            QMessageBox.information(self, self.tr("New action"), self.tr("Type a name that is not in the list yet."))

    def _remove_action(self) -> None:
        name = self.current_action()
        if name is None:
            return
        self.clips.pop(name, None)
        self.actions_list.takeItem(self.actions_list.currentRow())
        self._show_clips()
        self._update_enabled()

    def _show_clips(self) -> None:
        self.clips_list.clear()
        name = self.current_action()
        for p in self.clips.get(name, []) if name else []:
            self.clips_list.addItem(p.name)
        for k in range(self.actions_list.count()):
            item = self.actions_list.item(k)
            name = item.data(Qt.ItemDataRole.UserRole)
            item.setText(f"{self.display_name(name)}  ({len(self.clips.get(name, []))})")

    def _pick_files(self) -> None:
        action = self.current_action()
        if action is None:
            return
        paths, _ = QFileDialog.getOpenFileNames(self, self.tr("Clips of %1").replace("%1", self.display_name(action)), "",
                                                self.tr("Videos (%1);;All files (*)").replace("%1", VIDEO_FILTER))
        if paths:
            self.add_clips(action, paths)

    # -- training -------------------------------------------------------------------------
    def output_path(self) -> Path:
        """The folder the trained bundle will be written to."""
        return teach_jobs.data_dir() / "bundles" / safe_name(self.bundle_name.text())

    def train(self, out: Path | None = None) -> None:
        """Start training on the clips given so far (in the background)."""
        problems = self.problems()
        if problems:
            QMessageBox.information(self, self.tr("Not ready to train"), "\n".join(problems))
            return
        out = Path(out) if out is not None else self.output_path()
        if out.exists():
            out = out.with_name(f"{out.name}-{time.strftime('%Y%m%d-%H%M%S')}")
        self.result = None
        self.error = None
        self.result_label.setText("")
        self.warnings_label.setText("")
        self.confusion_table.hide()
        self.progress.setValue(0)
        self.progress_reports = 0
        self.stage_label.setText(self.tr("Starting…"))
        self._trainer = TrainJob(
            {k: list(v) for k, v in self.clips.items()}, out,
            {**self.train_options, "roi": self.roi(), **({"base": self.base()} if self.base() else {})},
            on_progress=lambda stage, frac: self._progress.emit(str(stage), float(frac)),
            on_done=self._trained.emit, on_failed=self._trainFailed.emit,
        )
        self._trainer.start()
        self._update_enabled()

    def problems(self) -> list[str]:
        """What still stops training (empty when ready)."""
        out = []
        if len([a for a in self.clips if a != BACKGROUND_LABEL]) < (1 if self.base() else 2):
            out.append(self.tr("Add an action.") if self.base() else self.tr("Add at least two actions."))
        for name, clips in self.clips.items():
            if len(clips) < 2:
                out.append(self.tr("Give \"%1\" at least two clips.").replace("%1", self.display_name(name)))
        return out

    def warnings(self, cv: dict | None = None) -> list[str]:
        """What makes the taught model less trustworthy: too few clips, actions the CV confused."""
        out = []
        for name, clips in self.clips.items():
            if len(clips) < MIN_CLIPS:
                out.append(self.tr("\"%1\" has only %2 clips: give it %3 or more (5 is better), ideally by more "
                                   "than one person.").replace("%1", self.display_name(name))
                           .replace("%2", str(len(clips))).replace("%3", str(MIN_CLIPS)))
        for a, b, share in (cv or {}).get("confusable", []):
            out.append(self.tr("\"%1\" and \"%2\" look alike: %3 of the held-out \"%1\" clips were taken for "
                               "\"%2\". Make the two more different, or add clips.")
                       .replace("%1", self.display_name(a)).replace("%2", self.display_name(b))
                       .replace("%3", f"{share * 100:.0f}%"))
        return out

    def cancel_training(self) -> None:
        """Ask the training to stop at its next check."""
        if self._trainer is not None:
            self._trainer.cancel_event.set()
            self.stage_label.setText(self.tr("Cancelling…"))

    @property
    def training(self) -> bool:
        """True while a training run is under way."""
        return self._trainer is not None

    def _on_progress(self, stage: str, fraction: float) -> None:
        if self._trainer is None:
            return
        self.progress_reports += 1
        self.progress.setValue(int(round(max(0.0, min(1.0, fraction)) * 1000)))
        names = {"features": self.tr("Reading the clips (features)…"),
                 "cross-validation": self.tr("Checking on held-out clips…"),
                 "training": self.tr("Training…"), "backbone": self.tr("Preparing the backbone…"),
                 "export": self.tr("Saving the model…"), "done": self.tr("Done.")}
        self.stage_label.setText(names.get(stage, stage))

    def _on_trained(self, result) -> None:
        self._trainer = None
        self.result = result
        self.progress.setValue(1000)
        report = getattr(result, "report", None) or {}
        cv = report.get("cv")
        text = report_text(cv, report.get("open_set"), getattr(result, "test_accuracy", None))
        f1 = getattr(result, "macro_f1", None)
        if f1 is not None:
            text += "  " + self.tr("(macro F1 %1)").replace("%1", f"{f1:.2f}")
        self._show_confusion(cv)
        warnings = self.warnings(cv)
        self.warnings_label.setText("\n".join("⚠ " + w for w in warnings))
        path = Path(result.bundle_path)
        text += "\n" + self.tr("Saved to %1 — now in use.").replace("%1", str(path))
        self.result_label.setText(text)
        self.stage_label.setText(self.tr("Done."))
        self._update_enabled()
        self.bundleSaved.emit(str(path))

    def _show_confusion(self, cv: dict | None) -> None:
        """The held-out clips' confusion matrix (rows: true action, columns: what the model said)."""
        if not cv or not cv.get("folds"):
            self.confusion_table.hide()
            return
        fill_confusion_table(self.confusion_table, [self.display_name(lab) for lab in cv["labels"]], cv["confusion"])
        self.confusion_table.show()

    def _on_train_failed(self, error) -> None:
        cancelled = self._trainer is not None and self._trainer.cancel_event.is_set()
        self._trainer = None
        self.error = error
        self.progress.setValue(0)
        self._update_enabled()
        if cancelled:
            self.stage_label.setText(self.tr("Training cancelled."))
            return
        title, message = describe_error(error)
        self.stage_label.setText(f"{title}: {error}")
        QMessageBox.warning(self, title, message)

    def _update_enabled(self) -> None:
        busy = self._trainer is not None
        has_action = self.actions_list.currentItem() is not None
        self.train_button.setEnabled(not busy)
        self.kind_picker.setEnabled(not busy)
        self.base_row.setEnabled(not busy)
        self.cancel_button.setEnabled(busy)
        self.add_files_button.setEnabled(has_action and not busy)
        self.record_button.setEnabled(has_action and not busy and self._recorder is None)
        self.add_action_button.setEnabled(not busy)
        self.add_background_button.setEnabled(not busy and BACKGROUND_LABEL not in self.clips)
        self.remove_action_button.setEnabled(has_action and not busy)

    # -- shutdown ---------------------------------------------------------------------------
    def threads(self) -> list[threading.Thread]:
        """Recorder, trainer and camera-probe threads (for shutdown checks)."""
        return [t for t in (self._recorder, self._trainer, self._probe) if t is not None]

    def shutdown(self, timeout: float = 0.5) -> None:
        """Cancel recording and training and wait up to ``timeout`` s for their threads."""
        deadline = time.monotonic() + timeout
        if self._recorder is not None:
            self._recorder.cancel()
        if self._trainer is not None:
            self._trainer.cancel_event.set()
        for t in self.threads():
            t.join(max(0.0, deadline - time.monotonic()))

    def done(self, result: int) -> None:
        """Close button, Esc and the window's close box all end here: stop recording and training."""
        self.shutdown()
        super().done(result)
