"""Helpers of the main-window tests: play a clip until predictions come, read the painted video pane."""

from __future__ import annotations

import numpy as np

WAIT = 20000  # ms; generous for a loaded 2-core CI machine


def play(qtbot, window, path, predictions: int = 1):
    """Open ``path`` in ``window`` and wait for ``predictions`` predictions."""
    window.open_source(str(path))
    qtbot.waitUntil(lambda: window.prediction_count >= predictions, timeout=WAIT)

def overlay_pixels(window):
    """The video pane as an RGB array, as painted now."""
    img = window.video.grab().toImage().convertToFormat(window.video.grab().toImage().Format.Format_RGB888)
    ptr = img.constBits()
    arr = np.frombuffer(ptr, dtype=np.uint8, count=img.sizeInBytes()).reshape(img.height(), img.bytesPerLine())
    return arr[:, : img.width() * 3].reshape(img.height(), img.width(), 3).copy()
