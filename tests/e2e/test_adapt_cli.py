"""``kinesight adapt BUNDLE SESSION``: the lip reader adapted to a face from a session folder on
the command line (real GRID speaker 4 clips, the real command in a subprocess, no PyTorch needed:
``--method numpy`` is what the installed app runs)."""

from __future__ import annotations

import json
import shutil

from e2e_cli import kinesight, one_line_error
from models.grid_data import words_from_name
from models.lip_adapt import AdaptSentence, write_session


def _session(folder, shared_data, n: int):
    folder.mkdir()
    clips = sorted((shared_data / "grid" / "s4" / "video").glob("*.mp4"))[10:10 + n]
    for c in clips:
        shutil.copy(c, folder / c.name)
    write_session(folder, "grid-lips", [AdaptSentence(folder / c.name, words_from_name(c.stem)) for c in clips])
    return folder


def test_adapt_writes_a_new_bundle_among_yours_and_reports_its_word_error_rate(tmp_path, shared_data):
    session = _session(tmp_path / "my session", shared_data, 5)
    env = {"XDG_DATA_HOME": str(tmp_path / "data")}
    res = kinesight("adapt", "grid-lips", session, "--method", "numpy", timeout=600, env=env)
    assert res.returncode == 0, res.stderr
    out = tmp_path / "data" / "kinesight" / "bundles" / "grid-lips-adapted"
    assert f"Adapted bundle: {out}" in res.stdout
    assert "Word error rate on your sentences:" in res.stdout and "cross-validated, 5 folds" in res.stdout
    assert "reading clips..." in res.stderr  # progress by stage on stderr
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["name"] == "grid-lips-adapted" and manifest["training"]["adaptation"]["sentences"] == 5
    # the new bundle is known by its name and reads a clip
    clip = sorted((shared_data / "grid" / "s4" / "video").glob("*.mp4"))[0]
    res = kinesight("analyze", clip, "--bundle", "grid-lips-adapted", timeout=180, env=env)
    assert res.returncode == 0, res.stderr
    # a second adaptation never overwrites the first
    res = kinesight("adapt", "grid-lips", session, "--method", "numpy", timeout=600, env=env)
    assert res.returncode == 0 and (out.parent / "grid-lips-adapted-2").is_dir()


def test_adapt_says_what_to_do_with_a_bad_session(tmp_path, shared_data):
    res = kinesight("adapt", "grid-lips", tmp_path, timeout=120)
    assert res.returncode == 1 and "holds no session.json" in one_line_error(res)
    session = _session(tmp_path / "s", shared_data, 3)
    res = kinesight("adapt", "grid-lips", session, "--out", tmp_path / "x", timeout=300)
    assert res.returncode == 1 and "too few" in one_line_error(res)
    res = kinesight("adapt", "everyday-actions", session, "--out", tmp_path / "x", timeout=300)
    assert res.returncode == 1 and "adaptation is for lip readers" in one_line_error(res)
    assert not (tmp_path / "x").exists()
