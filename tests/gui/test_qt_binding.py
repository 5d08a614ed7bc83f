"""The Qt binding must not corrupt None's reference count (PySide6 6.12.0 on Python 3.11 does).

The app calls setText/setValue/update/QPainter hundreds of times a second; a binding that loses
one reference to None per call aborts the process after ~30 s ("Fatal Python error:
none_dealloc"). This fails in well under a second on such a binding, long before a crash would.
"""

from __future__ import annotations

from gui.app import none_refcount_loss, qt_binding_problem


def test_per_frame_qt_calls_keep_none_alive(qapp):
    lost = none_refcount_loss(calls=8000)
    # A sound binding loses nothing; allow a little noise from other threads touching None.
    assert lost < 100, f"{lost} references to None lost in 8000 Qt calls: the app would crash after ~30 s"


def test_app_start_check_passes_on_the_installed_binding(qapp):
    assert qt_binding_problem() is None

