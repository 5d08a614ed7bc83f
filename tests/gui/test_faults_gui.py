"""A fault that ends a stream with a warning stays visible in the status bar after the end."""

from __future__ import annotations

WAIT = 30000


def test_a_truncated_file_keeps_its_warning_in_view_at_the_end(qtbot, window, clips, tmp_path):
    cut = tmp_path / "cut clip.avi"
    data = clips["ucf"].read_bytes()
    cut.write_bytes(data[: len(data) // 2])
    window.open_source(str(cut))
    qtbot.waitUntil(lambda: window.source_finished, timeout=WAIT)
    qtbot.wait(50)  # the queued status updates of the end
    message = window.status.currentMessage()
    assert "truncated or damaged" in message and "End of" in message, message
