"""A hostile bundle picked in the app is refused with the bundle dialog; the model in use stays."""

from __future__ import annotations

import importlib.util
from pathlib import Path

# The hand-made zips of the engine's bundle tests (loaded by path: tests/ is not a package).
_spec = importlib.util.spec_from_file_location(
    "_bundle_security", Path(__file__).resolve().parents[1] / "engine" / "bundles" / "test_bundle_security.py")
_zips = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_zips)
CRC_2GIB_ZEROS, GiB, _deflated_zeros, _raw_zip = _zips.CRC_2GIB_ZEROS, _zips.GiB, _zips._deflated_zeros, _zips._raw_zip

WAIT = 20000


def test_a_zip_bomb_picked_in_the_app_shows_the_bundle_dialog(qtbot, window, tmp_path):
    bomb = _raw_zip(tmp_path / "bundle.zip", [("backbone.onnx", _deflated_zeros(2048), CRC_2GIB_ZEROS, 2 * GiB, 0o100644)])
    name = window.bridge.bundle.manifest.name
    window.switch_bundle(bomb)
    qtbot.waitUntil(lambda: bool(window.errors_shown), timeout=WAIT)
    shown = window.errors_shown[-1]
    assert shown.title == "Cannot load the model bundle"
    assert "zip bomb" in shown.detail
    assert window.bridge.bundle.manifest.name == name  # the model in use is kept
