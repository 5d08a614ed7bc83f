"""`kinesight analyze` with the shipped lip bundle on a real GRID clip: the JSON of one clip
(--json) and of a folder run (--out-dir NAME.json) carry the transcript and the speaking segments."""

from __future__ import annotations

import json

from e2e_cli import kinesight

from engine.bundles import shipped_bundles_dir
from engine.core.settings import EngineSettings
from engine.runners.offline import analyze_file

BUNDLE = shipped_bundles_dir() / "grid-lips"


def _clip(shared_data, stem):
    return shared_data / "grid" / "s1" / "video" / f"{stem}.mp4"


def test_analyze_writes_speaking_segments_for_one_clip_and_for_a_folder(shared_data, tmp_path):
    offline = analyze_file(_clip(shared_data, "bbaf3s"), BUNDLE, EngineSettings(device="cpu"))
    out = tmp_path / "one.json"
    clip = _clip(shared_data, "bbaf3s")
    res = kinesight("analyze", clip, "--bundle", BUNDLE, "--json", out, "--threads", "1")
    assert res.returncode == 0, res.stderr
    one = json.loads(out.read_text())
    expected = [s.to_dict() for s in offline.speaking()]
    assert one["speaking"] == expected

    folder = tmp_path / "in"
    folder.mkdir()
    (folder / clip.name).symlink_to(clip)
    res = kinesight("analyze", folder, "--bundle", BUNDLE, "--out-dir", tmp_path / "out", "--threads", "1")
    assert res.returncode == 0, res.stderr
    named = json.loads((tmp_path / "out" / f"{clip.stem}.json").read_text())
    assert named["speaking"] == expected and named["transcript"] == offline.transcript
