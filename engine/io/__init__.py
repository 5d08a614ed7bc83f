"""Frames in, results out: sources, the analysis result and everything written from it.

    sources.py     open_source: webcam, video file, stream URL, image folder, a fake camera
    video_file.py  VideoFileSource (PyAV): timestamps, seeking, skipping frames the clock cannot use
    results.py     AnalysisResult: one file's timeline, and its JSON/CSV/subtitle exports
    events.py      predictions -> events (segments with a label) under EventRules
    exports.py     atomic writes, SRT and WebVTT
    annotate.py    the video re-encoded with the overlay burned in
"""
