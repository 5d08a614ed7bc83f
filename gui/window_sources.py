"""The main window's sources: open a camera, file or URL, stop, pause, seek, and how the title and the
transport bar name and show what plays (a part of :class:`gui.main_window.MainWindow`)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QInputDialog

from engine.core.errors import BundleError
from gui.source_menu import VIDEO_FILTER, load_recent, remember_recent


class SourceActions:
    """Opening and driving sources; mixed into MainWindow, whose widgets and bridge it uses."""

    # -- sources -----------------------------------------------------------------------
    def open_source(self, spec) -> None:
        """Play a camera index, a file path or a URL (the engine restarts cleanly)."""
        if self.bundle_path is None:
            self.show_error(BundleError(self.tr("No model bundle is loaded.")))
            return
        if isinstance(spec, str) and not spec.isdigit() and "://" not in spec:
            spec = str(Path(spec).expanduser())
            if Path(spec).is_file():
                remember_recent(self.settings, spec)
        self.file_analysis.cancel()
        self._failed = False
        self.current_spec = spec
        self.source_info = None
        self.source_finished = False
        self.paused = False
        self.last_prediction = None
        self.position_s = 0.0  # until its first frame: the slider and ←/→ used the last source's position
        self.video.clear()
        self.last_frame_image = None
        self._clear_records()
        self.status.show_numbers(None)
        self._last_warning = ""
        self.status.set_source_kind(self._source_kind(spec))
        self.bridge.open(self.bundle_path, self._engine_kwargs(), spec)
        self._update_title()

    def open_file_dialog(self) -> None:
        """Ask for a video file and play it."""
        recent = load_recent(self.settings)
        start = str(Path(recent[0]).parent) if recent else ""
        path, _ = QFileDialog.getOpenFileName(self, self.tr("Open Video"), start,
                                              self.tr("Videos (%1);;All files (*)").replace("%1", VIDEO_FILTER))
        if path:
            self.open_source(path)

    def open_url_dialog(self) -> None:
        """Ask for a stream URL and play it."""
        url, ok = QInputDialog.getText(self, self.tr("Open URL"),
                                       self.tr("Stream URL (rtsp://, http://, …):"))
        if ok and url.strip():
            self.open_source(url.strip())

    def stop(self) -> None:
        """Stop the source; the model stays loaded."""
        self.file_analysis.cancel()
        self.bridge.stop()
        self.current_spec = None
        self.source_info = None
        self.video.clear()
        self.video.set_placeholder(self.tr("Stopped. Open a camera, a file or a URL to continue."))
        self.timeline.show_no_source()
        self._update_transport()
        self._update_title()

    def toggle_play(self) -> None:
        """Pause or resume the file (a finished file starts again)."""
        if self.current_spec is None:
            return
        if self.source_finished:
            self._restart_at(0.0)
            return
        if self.source_info is not None and self.source_info.is_live:
            return  # a camera cannot be paused meaningfully; keep it live
        self.paused = not self.paused
        (self.bridge.pause if self.paused else self.bridge.resume)()
        self._update_transport()

    def seek(self, t_s: float) -> None:
        """Jump to ``t_s`` seconds in the file that plays (ignored for live sources)."""
        if self.source_info is None or self.source_info.is_live or self.source_info.duration_s is None:
            return
        t_s = float(min(max(t_s, 0.0), max(self.source_info.duration_s - 0.05, 0.0)))
        self.position_s = t_s
        self.timeline.set_playhead(t_s)
        if self.source_finished:
            self._restart_at(t_s)
        else:
            self.bridge.seek(t_s)
        self._update_transport()

    def _restart_at(self, t_s: float) -> None:
        self.source_finished = False
        self.paused = False
        self.bridge.open(self.bundle_path, self._engine_kwargs(), self.current_spec)
        if t_s > 0:
            self.bridge.seek(t_s)
        self._update_transport()

    @staticmethod
    def _spec_is_live(spec) -> bool:
        if spec is None:
            return False
        if isinstance(spec, (str, int)):
            return isinstance(spec, int) or spec.isdigit() or "://" in spec
        return bool(getattr(spec, "is_live", False))

    @staticmethod
    def _source_kind(spec) -> str:
        """"camera", "stream" or "video": what the status bar calls the source's fps."""
        if isinstance(spec, int) or (isinstance(spec, str) and spec.isdigit()):
            return "camera"
        if isinstance(spec, str):
            return "stream" if "://" in spec else "video"
        return "camera" if getattr(spec, "is_live", False) else "video"

    def _dialog_source_name(self) -> str:
        """The source as a dialog names it: "Camera 0", or a file name in quotes."""
        spec = self.current_spec
        if spec is None:
            return ""
        if isinstance(spec, int) or (isinstance(spec, str) and spec.isdigit()):
            return self.tr("Camera %1").replace("%1", str(spec))
        if not isinstance(spec, str):
            return self.tr("The camera") if getattr(spec, "is_live", False) else self.tr("The video")
        return f"“{Path(spec).name if '://' not in spec else spec}”"

    def _source_name(self) -> str:
        spec = self.current_spec
        if spec is None:
            return ""
        if isinstance(spec, int) or (isinstance(spec, str) and spec.isdigit()):
            return self.tr("camera %1").replace("%1", str(spec))
        return Path(str(spec)).name if "://" not in str(spec) else str(spec)

    def _update_title(self) -> None:
        name = self._source_name()
        self.setWindowTitle(f"Kinesight — {name}" if name else "Kinesight")

    def _update_transport(self) -> None:
        info = self.source_info
        live = info is not None and info.is_live
        duration = info.duration_s if info is not None else None
        self.transport.show_source(has_source=info is not None, live=live, duration_s=duration)
        self.transport.show_position(self.position_s, duration)
        self.transport.show_playing(self.current_spec is not None and not self.paused and not self.source_finished)
        self.menus.set_seekable(info is not None and not live and bool(duration))
        # Space only does something for a file (pause, resume, play again).
        self.menus.play.setEnabled(info is not None and not live)
