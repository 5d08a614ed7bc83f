"""The Teach dialog's recording: pick a camera, count down with a live preview, record a clip on a
background thread (:class:`gui.teach_jobs.RecordJob`) and add it to the chosen action."""

from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtWidgets import QMessageBox

from gui import teach_jobs
from gui.errors import describe_error
from gui.teach_jobs import RecordJob, safe_name


class RecordingActions:
    """Recording clips from a camera; mixed into TeachDialog, whose widgets and signals it uses."""

    # -- recording ------------------------------------------------------------------------
    def _fill_cameras(self, cameras, error) -> None:
        self._cameras = list(cameras or [])
        self.camera_picker.clear()
        for cam in self._cameras:
            self.camera_picker.addItem(f"{cam.index}: {cam.name}", cam.index)
        if not self._cameras:
            # Still editable: a stream URL or a camera index the probe missed can be typed in.
            self.camera_picker.lineEdit().setPlaceholderText(self.tr("index or URL"))
            self.record_button.setToolTip(self.tr("No camera found. Connect one, or add video files."))
            self.camera_note.setText(self.tr("No camera found — add video files instead, or type a camera index "
                                             "or stream URL above."))
        self.camera_note.setVisible(not self._cameras)
        self._update_enabled()

    def recording_session(self) -> str:
        """This dialog's recording session ("rec-<date>-<time>" of its first recording): clips
        recorded while it is open are one session, of one person in one place."""
        if getattr(self, "_recording_session", None) is None:
            self._recording_session = "rec-" + time.strftime("%Y%m%d-%H%M%S")
        return self._recording_session

    def _camera_spec(self):
        data = self.camera_picker.currentData()
        if data is not None and self.camera_picker.currentText() == self.camera_picker.itemText(self.camera_picker.currentIndex()):
            return int(data)
        text = self.camera_picker.currentText().strip()
        return int(text) if text.isdigit() else text

    def _record(self) -> None:
        action = self.current_action()
        if action is None or self._recorder is not None:
            return
        camera = self._camera_spec()
        if camera == "":
            QMessageBox.information(self, self.tr("Record from camera"),
                                    self.tr("No camera found. Connect one, or add video files instead."))
            return
        self.settings.setValue("teach/clip_seconds", self.clip_seconds.value())
        # "<session>__<time>.mp4": teaching groups clips by recording session (models.teach.clip_group),
        # so its report can hold a session out and predict how a new person or day does.
        out = (teach_jobs.data_dir() / "clips" / safe_name(action)
               / f"{self.recording_session()}__{time.strftime('%Y%m%d-%H%M%S')}.mp4")
        self._record_action = action
        self._recorder = RecordJob(
            camera, out, float(self.clip_seconds.value()), float(self.countdown.value()),
            on_frame=self._recorder_frame, on_done=self._recorded.emit, on_failed=self._recordFailed.emit,
        )
        self.record_button.setEnabled(False)
        self._recorder.start()

    def _recorder_frame(self, image, phase: str, remaining: float) -> None:
        # Recorder thread: keep only the newest frame, one paint signal in flight.
        with self._latest_lock:
            self._latest = (image, phase, remaining)
            emit = not self._frame_pending
            self._frame_pending = True
        if emit:
            self._frame.emit()

    def _paint_frame(self) -> None:
        with self._latest_lock:
            latest, self._latest = self._latest, None
            self._frame_pending = False
        if latest is None:
            return
        image, phase, remaining = latest
        self.preview.set_frame(image)
        if phase == "countdown":
            self.countdown_label.setText(self.tr("Get ready… %1").replace("%1", str(int(remaining) + 1)))
        else:
            self.countdown_label.setText(self.tr("● Recording — %1 s left").replace("%1", f"{remaining:.1f}"))

    def _on_recorded(self, path) -> None:
        self._recorder = None
        self.countdown_label.setText(self.tr("Saved %1").replace("%1", Path(path).name))
        self.add_clips(self._record_action, [Path(path)])
        self.record_button.setEnabled(True)

    def _on_record_failed(self, error) -> None:
        self._recorder = None
        self.record_button.setEnabled(True)
        self.countdown_label.setText("")
        self.error = error
        title, message = describe_error(error, live=True)
        QMessageBox.warning(self, title, message)
