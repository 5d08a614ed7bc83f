"""Source ▸ Export on a real window: the opened file's analysis as subtitles and an annotated
video, written off the GUI thread, and the predictions saved beside the recording."""

from __future__ import annotations

import json
import shutil

WAIT = 30000  # ms; a loaded 2-core machine


def test_exports_of_an_opened_file_and_predictions_beside_it(qtbot, qsettings, make_window, clips, tmp_path):
    from gui.export_dialog import BESIDE_KEY, beside_path

    qsettings.setValue(BESIDE_KEY, True)
    window = make_window(settings=qsettings)
    export = window.menus.export
    export.update_enabled()
    assert not export.actions["srt"].isEnabled()  # nothing opened yet
    video = shutil.copy(clips["ucf"], tmp_path / "recording.avi")  # a folder we may write to
    window.open_source(str(video))
    qtbot.waitUntil(lambda: window.analysis_result is not None, timeout=WAIT)
    export.update_enabled()
    assert export.actions["srt"].isEnabled() and export.beside.isChecked()
    beside = beside_path(tmp_path / "recording.avi")
    qtbot.waitUntil(beside.exists, timeout=WAIT)
    data = json.loads(beside.read_text(encoding="utf-8"))
    assert data["schema_version"] == 1 and data["events"]

    result = window.analysis_result
    for kind, name in (("vtt", "events.vtt"), ("video", "annotated.mp4")):
        thread = export.export(kind, tmp_path / name)
        assert thread is not None and thread.name == "kinesight-export"
        qtbot.waitUntil(lambda: not thread.is_alive(), timeout=WAIT)  # the GUI stays responsive meanwhile
    vtt = (tmp_path / "events.vtt").read_text(encoding="utf-8")
    assert vtt.startswith("WEBVTT") and vtt.count(" --> ") == len([e for e in result.events() if e.end_s > e.start_s])
    import av

    with av.open(str(tmp_path / "annotated.mp4")) as c:
        assert c.streams.video[0].codec_context.name == "h264" and c.streams.video[0].frames == 164
    qtbot.waitUntil(lambda: "annotated.mp4" in window.status.currentMessage(), timeout=WAIT)
