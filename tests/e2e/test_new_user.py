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
    assert "default-actions, everyday-actions, grid-lips, my-actions" in res.stderr and str(data_home) in res.stderr


def test_the_app_takes_a_bundle_name_and_refuses_an_unknown_one(tmp_path):
    import subprocess
    import sys

    gui = [sys.executable, "-c", "import sys; from gui.app import main; sys.exit(main())"]
    res = subprocess.run([*gui, "--bundle", "no-such-bundle"], cwd=ROOT, capture_output=True, text=True, timeout=60,
                         env={**__import__("os").environ, "XDG_DATA_HOME": str(tmp_path)})
    assert res.returncode == 2 and "Traceback" not in res.stderr
    assert "kinesight-gui: error: model bundle not found: no-such-bundle" in res.stderr
    assert "default-actions, everyday-actions, grid-lips" in res.stderr


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
    # `eval` says what its figures measure, and that `analyze` is what the app says over time.
    res = kinesight("eval", tmp_path / "b1", data, "--split", "all", "--cache", cache, "--quiet", timeout=300)
    assert res.returncode == 0, res.stderr
    assert "what these figures measure: the head alone, with no smoothing, hold, confidence threshold or unknown" \
        in res.stdout and "clip accuracy counts clips" in res.stdout and "kinesight analyze CLIP" in res.stdout


def test_help_names_what_each_command_measures_and_the_first_steps():
    top = kinesight("--help").stdout
    assert "(PyTorch)" not in top.split("train-seq")[0]  # teaching needs no PyTorch
    assert "few-shot by default, no PyTorch" in " ".join(top.split())
    steps = top.split("first steps:")[1].splitlines()
    assert steps[1].split()[:3] == ["kinesight", "analyze", "clip.mp4"] and "kinesight train" in steps[3]
    assert "grid-lips" in top and "one speaker" in top
    assert "not a score against labels (that is `eval`)" in " ".join(kinesight("analyze", "--help").stdout.split())
    assert "`analyze` shows what the app says over time" in " ".join(kinesight("eval", "--help").stdout.split())


def _truncated_clip(src: Path, dst: Path, keep: float) -> Path:
    """A real clip re-encoded as an MP4 whose index comes first (faststart: the header promises
    the whole clip), then cut to ``keep`` of its bytes, as a download that stopped would be."""
    import av

    full = dst.with_name("full-" + dst.name)
    with av.open(str(src)) as inp, av.open(str(full), "w", options={"movflags": "faststart"}) as out:
        stream_in = inp.streams.video[0]
        stream = out.add_stream("libx264", rate=round(float(stream_in.average_rate)))
        stream.width, stream.height, stream.pix_fmt = stream_in.width, stream_in.height, "yuv420p"
        for frame in inp.decode(stream_in):
            for packet in stream.encode(frame.reformat(format="yuv420p")):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    data = full.read_bytes()
    dst.write_bytes(data[: int(len(data) * keep)])
    return dst


def test_a_truncated_file_reports_the_duration_that_decoded(tiny_bundle, clips, tmp_path):
    clip = _truncated_clip(clips["arm"], tmp_path / "cut.mp4", 0.5)
    res = kinesight("analyze", clip, "--bundle", tiny_bundle, "--device", "cpu")
    assert res.returncode == 0, res.stderr
    stopped = float(re.search(r"cut.mp4: decoding stopped at ([\d.]+) s of 10.0 s", res.stderr).group(1))
    assert 2.0 < stopped < 8.0, res.stderr
    # The summary and the last progress line give what decoded, never the container's 10 s.
    assert f"cut.mp4: {stopped:.2f} s, " in res.stdout, res.stdout
    last = [ln for ln in res.stderr.splitlines() if ln.startswith("analysing")][-1]
    assert last == f"analysing cut.mp4: 100% ({stopped:.1f} of {stopped:.1f} s)", res.stderr
    # In folder mode, the warning is one line too.
    folder = tmp_path / "in"
    folder.mkdir()
    clip.rename(folder / clip.name)
    res = kinesight("analyze", folder, "--bundle", tiny_bundle, "--device", "cpu", "--out-dir", tmp_path / "out",
                    "--no-progress")
    assert res.returncode == 0, res.stderr
    warnings = [ln for ln in res.stderr.splitlines() if "cut.mp4" in ln and "[1/1 file]" not in ln]
    assert len(warnings) == 1 and warnings[0].startswith("kinesight: warning: cut.mp4: decoding stopped at")
    assert warnings[0].endswith("The file is probably truncated or damaged."), res.stderr
    import csv

    row = list(csv.DictReader((tmp_path / "out" / "kinesight-summary.csv").open()))[0]
    assert row["status"] == "done" and abs(float(row["duration_s"]) - stopped) < 0.006, row


def test_a_three_frame_file_counts_in_words_and_claims_no_speed(tiny_bundle, clips, tmp_path):
    from test_cli import _cut_clip

    short = _cut_clip(clips["pool"], tmp_path / "three.mp4", 0.1)  # 3 frames at 30 fps
    res = kinesight("analyze", short, "--bundle", tiny_bundle, "--device", "cpu", "--no-progress")
    assert res.returncode == 0, res.stderr
    header = res.stdout.splitlines()[0]
    assert re.fullmatch(r"three.mp4: 0.10 s, 3 frames, 1 prediction in [\d.]+ s on CPU", header), header
    res = kinesight("run", "--source", short, "--bundle", tiny_bundle, "--device", "cpu", "--no-realtime")
    assert res.returncode == 0, res.stderr
    assert "kinesight: 1 prediction, 3 frames, 0 dropped" in res.stderr


def test_lip_mode_warns_when_a_face_gives_no_word(shared_data, tmp_path):
    import av

    # A real GRID face that never speaks: the first frame of a sentence held for 4 s.
    with av.open(str(shared_data / "grid" / "s1" / "video" / "bbaf3s.mp4")) as inp:
        still = next(inp.decode(video=0)).to_ndarray(format="rgb24")
    clip = tmp_path / "still.mp4"
    with av.open(str(clip), "w") as out:
        stream = out.add_stream("libx264", rate=25)
        stream.height, stream.width, stream.pix_fmt = *still.shape[:2], "yuv420p"
        for _ in range(100):
            for packet in stream.encode(av.VideoFrame.from_ndarray(still, format="rgb24")):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    res = kinesight("analyze", clip, "--bundle", "grid-lips", "--no-progress", "--threads", "1")
    assert res.returncode == 0, res.stderr
    assert "transcript: (no word read)" in res.stdout
    warnings = [ln for ln in res.stderr.splitlines() if ln.startswith("kinesight: warning:")]
    assert len(warnings) == 1 and "still.mp4: a face was found but no word was read" in warnings[0], res.stderr
    assert "one GRID speaker" in warnings[0]
    # A sentence that is read: no such warning.
    res = kinesight("analyze", shared_data / "grid" / "s1" / "video" / "bbaf3s.mp4", "--bundle", "grid-lips",
                    "--no-progress", "--threads", "1")
    assert res.returncode == 0 and "warning" not in res.stderr, res.stderr
