"""Whole-file analysis jobs: cancelled ones do not pile up."""

from __future__ import annotations

from pathlib import Path


def test_cancelled_analysis_jobs_are_released(qtbot, tiny_bundle, clips):
    from engine.bundle import load_bundle
    from gui.file_analysis import AnalysisJob, FileAnalysis

    analysis = FileAnalysis()
    bundle = load_bundle(tiny_bundle)
    for _ in range(3):
        analysis.start(Path(clips["ucf"]), bundle, {})
        analysis.cancel()
    qtbot.waitUntil(lambda: not any(t.is_alive() for t in analysis.threads()), timeout=10000)
    analysis.cancel()  # prunes the finished jobs
    qtbot.waitUntil(lambda: not analysis.findChildren(AnalysisJob), timeout=5000)
    analysis.shutdown(timeout=1.0)
