"""The whole-file analysis child process: a crash reaches the user with its reason."""

from __future__ import annotations

import stat
import sys

from gui.file_analysis import AnalysisJob


def test_a_crashed_analysis_process_reports_its_last_words(qtbot, tmp_path, monkeypatch, tiny_bundle, clips):
    # A stand-in interpreter that dies the way a native crash does: a line on stderr, exit 139.
    crash = tmp_path / "python"
    crash.write_text("#!/bin/sh\necho 'Fatal Python error: Segmentation fault' >&2\nexit 139\n")
    crash.chmod(crash.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setattr(sys, "executable", str(crash))
    job = AnalysisJob(clips["ucf"], tiny_bundle, {"device": "cpu"})
    failures = []
    job.failed.connect(failures.append)
    job.start()
    qtbot.waitUntil(lambda: bool(failures), timeout=10_000)
    message = str(failures[0])
    assert "exit code 139" in message and "Segmentation fault" in message
    job.thread.join(2)
    assert not job.thread.is_alive()
