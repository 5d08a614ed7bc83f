"""What a new user saw in the command line (issue 26), asserted on the real ``kinesight`` command
with the shipped bundles and real clips: "unknown" without a probability, bundles by name,
damaged files, plurals and tiny files."""

from __future__ import annotations

import re
from pathlib import Path

from e2e_cli import kinesight

ROOT = Path(__file__).resolve().parents[2]


def test_unknown_says_what_it_means_never_a_probability(clips):
    # The shipped demo bundle knows stick figures: a real arm-wrestling clip is "unknown".
    res = kinesight("analyze", clips["arm"], "--device", "cpu", "--no-progress")
    assert res.returncode == 0, res.stderr
    unknown = [ln for ln in res.stdout.splitlines() if "(unknown)" in ln]
    assert unknown and all(ln.rstrip().endswith("(unknown)  not like anything taught") for ln in unknown), res.stdout
    res = kinesight("run", "--source", clips["arm"], "--no-realtime", "--device", "cpu")
    assert res.returncode == 0, res.stderr
    unknown = [ln for ln in res.stdout.splitlines() if "(unknown)" in ln]
    assert unknown, res.stdout
    for ln in unknown:
        assert re.search(r"\(unknown\)\s+not like anything taught \(novelty [\d.]+\)", ln), ln
        assert "top:" not in ln and " 1.00 " not in ln


def test_bundles_by_name_shipped_and_the_users_own(shared_data, tiny_bundle, clips, tmp_path):
    import shutil

    # The name `info` and `--version` list: a real GRID clip read by the shipped lip bundle.
    grid = shared_data / "grid" / "s1" / "video" / "bbaf3s.mp4"
    res = kinesight("analyze", grid, "--bundle", "grid-lips", "--no-progress", "--threads", "1")
    assert res.returncode == 0, res.stderr
    assert "transcript: bin blue" in res.stdout  # bbaf3s: "bin blue at f three soon"
    # A user bundle folder ($XDG_DATA_HOME/kinesight/bundles): found by name by every command.
    data_home = tmp_path / "xdg"
    shutil.copytree(tiny_bundle, data_home / "kinesight" / "bundles" / "my-actions")
    env = {"XDG_DATA_HOME": str(data_home)}
    res = kinesight("info", "--bundle", "my-actions", "--cameras", "0", env=env)
    assert res.returncode == 0, res.stderr
    assert f"your bundles (in {data_home / 'kinesight' / 'bundles'}): my-actions" in res.stdout
    assert f"bundle: {data_home / 'kinesight' / 'bundles' / 'my-actions'}" in res.stdout
    res = kinesight("analyze", clips["ucf"], "--bundle", "my-actions", "--no-progress", "--device", "cpu", env=env)
    assert res.returncode == 0 and "ucf101_apply_eye_makeup.avi: 6.56 s" in res.stdout, res.stderr
    # A name nobody knows: one line that lists the names there are, exit code 4 (bundle).
    res = kinesight("analyze", clips["ucf"], "--bundle", "grid-lip", env=env)
    assert res.returncode == 4 and "Traceback" not in res.stderr
    assert "model bundle not found: grid-lip" in res.stderr
    assert "default-actions, grid-lips, my-actions" in res.stderr and str(data_home) in res.stderr


def test_the_app_takes_a_bundle_name_and_refuses_an_unknown_one(tmp_path):
    import subprocess
    import sys

    gui = [sys.executable, "-c", "import sys; from gui.app import main; sys.exit(main())"]
    res = subprocess.run([*gui, "--bundle", "no-such-bundle"], cwd=ROOT, capture_output=True, text=True, timeout=60,
                         env={**__import__("os").environ, "XDG_DATA_HOME": str(tmp_path)})
    assert res.returncode == 2 and "Traceback" not in res.stderr
    assert "kinesight-gui: error: model bundle not found: no-such-bundle" in res.stderr
    assert "default-actions, grid-lips" in res.stderr


def _pty_stderr(cmd: list[str], timeout: float = 300) -> tuple[int, str]:
    """Run ``cmd`` with stderr on a pseudo-terminal (as in a user's terminal); its rc and stderr."""
    import os
    import pty
    import subprocess

    master, slave = pty.openpty()
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=slave)
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 4096)
        except OSError:  # the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    return proc.wait(timeout=timeout), b"".join(chunks).decode("utf-8", "replace")


def test_train_shows_progress_by_stage(shared_data, clips, tmp_path):
    import shutil

    data = tmp_path / "actions"
    for label, srcs in (("sport", [clips["arm"], clips["pool"]]),
                        ("talking", [shared_data / "grid" / "s1" / "video" / f"{s}.mp4" for s in ("bbaf3s", "bbaf4p")])):
        (data / label).mkdir(parents=True)
        for src in srcs:
            shutil.copy(src, data / label / src.name)
    cache = tmp_path / "cache"
    # In a log (stderr not a terminal): one plain line per stage, no carriage returns.
    res = kinesight("train", data, "--out", tmp_path / "b1", "--cache", cache, timeout=300)
    assert res.returncode == 0, res.stderr
    assert "\r" not in res.stderr
    stages = [ln for ln in res.stderr.splitlines() if ln.startswith("kinesight train: ")]
    assert [ln.split(": ")[1].split(" (after")[0] for ln in stages] == [
        "reading the clips and loading the backbone", "features of every clip", "fitting the head",
        "writing the bundle"], res.stderr
    # On a terminal: each stage redrawn in place with its percentage (features per clip: 4 clips).
    import sys

    exe = Path(sys.executable).with_name("kinesight")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "kinesight"]
    rc, err = _pty_stderr([*cmd, "train", str(data), "--out", str(tmp_path / "b2"), "--cache", str(cache)])
    assert rc == 0, err
    for pct in ("25%", "50%", "75%", "100%"):
        assert f"\rkinesight train: features of every clip {pct:>4}" in err, err
    assert "\rkinesight train: fitting the head 100%" in err
