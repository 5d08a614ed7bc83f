"""Rate-limit GUI work: however fast data arrives, repaint at most a few dozen times a second."""

from __future__ import annotations

import time
from typing import Callable

from PySide6.QtCore import QObject, QTimer


class Throttle(QObject):
    """Calls ``fn`` at most once per ``interval_ms``; requests in between collapse into one call.

    A request after a quiet period runs at once (no added latency); a burst runs once now and
    once when the interval has passed, so the last state is always shown.
    """

    def __init__(self, interval_ms: int, fn: Callable[[], None], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.interval_s = interval_ms / 1000.0
        self._fn = fn
        self._last = 0.0
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._run)

    def request(self) -> None:
        """Ask for ``fn`` to run soon (GUI thread)."""
        if self._timer.isActive():
            return
        wait = self.interval_s - (time.monotonic() - self._last)
        if wait <= 0:
            self._run()
        else:
            self._timer.start(max(1, int(wait * 1000)))

    def flush(self) -> None:
        """Run now if a call is pending."""
        if self._timer.isActive():
            self._timer.stop()
            self._run()

    def _run(self) -> None:
        self._last = time.monotonic()
        self._fn()
