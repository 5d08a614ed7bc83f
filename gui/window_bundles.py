"""The main window's models: the bundle picker, switching bundles while a source plays, opening a
bundle, and the Teach dialog (a part of :class:`gui.main_window.MainWindow`)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog

from engine.bundles import DEFAULT_BUNDLE, DEMO_BUNDLE, default_bundle_path, list_shipped_bundles, list_user_bundles
from engine.core.errors import BundleError
from gui.controls import load_unknown_threshold


class BundleActions:
    """Choosing and teaching bundles; mixed into MainWindow, whose widgets and bridge it uses."""

    # -- models ------------------------------------------------------------------------
    def _known_bundles(self) -> list[Path]:
        # The shipped bundles, the user's bundle folder (what the Teach dialog and `kinesight
        # train --out` put there), then bundles opened from elsewhere.
        found = list_shipped_bundles() + list_user_bundles()
        return found + [p for p in self._extra_bundles if p not in found]

    def _refresh_bundle_list(self) -> None:
        self.bundle_panel.set_bundles(self._known_bundles(), self.bundle_path)

    def switch_bundle(self, path: Path) -> None:
        """Run another bundle; whatever plays keeps playing with it (no restart of the app)."""
        path = Path(path)
        self._remember_bundle = True  # the user chose it in the app
        self.file_analysis.cancel()
        resume_at = self.position_s if self.source_info is not None and not self.source_info.is_live else 0.0
        self.unknown_threshold = load_unknown_threshold(self.settings, path)
        self.bridge.open(path, self._engine_kwargs(), self.current_spec)
        if self.current_spec is not None and resume_at > 0:
            self.bridge.seek(resume_at)

    def open_bundle_dialog(self) -> None:
        """Ask for a bundle (.zip, or a folder's manifest.json) and switch to it."""
        dialog = QFileDialog(self, self.tr("Open Model Bundle (a folder or a .zip)"))
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        dialog.setNameFilter(self.tr("Model bundles (*.zip manifest.json)"))
        if dialog.exec():
            chosen = Path(dialog.selectedFiles()[0])
            self.switch_bundle(chosen.parent if chosen.name == "manifest.json" else chosen)

    def add_bundle(self, path: Path, *, switch: bool = True) -> None:
        """Remember a bundle (opened or just taught) in the picker, and run it."""
        path = Path(path)
        if path not in self._extra_bundles and path not in list_shipped_bundles():
            self._extra_bundles.append(path)
            self.settings.setValue("bundles/extra", [str(p) for p in self._extra_bundles])
        if switch:
            self.switch_bundle(path)
        else:
            self._refresh_bundle_list()

    def open_teach_dialog(self, on_top: bool = False) -> None:
        """Open the Teach New Actions dialog (the source stops: it may need the camera). It offers
        to keep the shipped default's actions (ticked when ``on_top``: "Add your own actions…")."""
        from gui.teach import TeachDialog

        self.stop()  # the dialog may need the camera
        if self.teach_dialog is not None and self.teach_dialog.isVisible():
            # One dialog at a time: a second would compete for the camera, and the first one's
            # threads would no longer be stopped when the window closes.
            self.teach_dialog.raise_()
            self.teach_dialog.activateWindow()
            return
        dialog = TeachDialog(self.settings, parent=self)
        try:
            default = default_bundle_path()
            if default.name == DEFAULT_BUNDLE:
                dialog.set_base(default, checked=on_top)
        except BundleError:
            pass
        dialog.bundleSaved.connect(lambda p: self.add_bundle(Path(p)))
        self.teach_dialog = dialog
        dialog.show()

    def _fall_back_to_default_bundle(self) -> None:
        # Nothing runs (the remembered bundle is gone or damaged): use the shipped one.
        try:
            default = default_bundle_path()
        except BundleError:
            return
        if self.bundle_path is None or Path(self.bundle_path) != default:
            self.bundle_path = default
            self.unknown_threshold = load_unknown_threshold(self.settings, default)
            self.bridge.open(default, self._engine_kwargs(), self.current_spec)

    @staticmethod
    def _hint_kind(path: Path | None) -> str | None:
        """Which hint bar a bundle gets: the shipped everyday model's or the stick-figure demo's,
        wherever the app is installed; None for any other bundle."""
        from gui.demo_hint import DEMO, EVERYDAY

        if path is None:
            return None
        try:
            here = Path(path).resolve()
            shipped = {p.resolve(): p.name for p in list_shipped_bundles()}
        except (BundleError, OSError):
            return None
        return {DEFAULT_BUNDLE: EVERYDAY, DEMO_BUNDLE: DEMO}.get(shipped.get(here, ""))
        try:
            return Path(path).resolve() == default_bundle_path().resolve()
        except BundleError:
            return False
