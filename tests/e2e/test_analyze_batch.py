"""`kinesight analyze DIR` as a user runs it on a folder: parallel workers, resuming, the
summary, a run killed with SIGKILL, and --ray against the run without it."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _cmd() -> list[str]:
    exe = Path(sys.executable).with_name("kinesight")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "kinesight.cli"]


def kinesight(*args, timeout: float = 120, env=None) -> subprocess.CompletedProcess:
    return subprocess.run([*_cmd(), *map(str, args)], cwd=ROOT, capture_output=True, text=True, timeout=timeout,
                          env=env)


@pytest.fixture()
def folder(clips, tmp_path) -> Path:
    d = tmp_path / "videos"
    d.mkdir()
    for name in ("ucf", "arm", "pool"):
        (d / clips[name].name).symlink_to(clips[name])
    return d


def _visible(d: Path) -> list[str]:
    return sorted(p.name for p in d.iterdir() if not p.name.startswith("."))


def test_a_folder_in_two_workers_resumes_and_summarises(tiny_bundle, folder, tmp_path):
    out = tmp_path / "out"
    res = kinesight("analyze", folder, "--bundle", tiny_bundle, "--device", "cpu", "--out-dir", out, "-j", "2",
                    "--vtt")
    assert res.returncode == 0, res.stderr
    assert "[3/3 files]" in res.stderr and "analysing kinetics_arm_wrestling.mp4: 100%" in res.stderr
    stems = ("kinetics_arm_wrestling", "kinetics_cleaning_pool", "ucf101_apply_eye_makeup")
    assert _visible(out) == sorted(["kinesight-summary.csv", *(f"{s}.{e}" for s in stems for e in ("csv", "json", "vtt"))])
    rows = list(csv.DictReader((out / "kinesight-summary.csv").open()))
    assert [r["file"] for r in rows] == sorted(p.name for p in folder.iterdir())
    assert all(r["status"] == "done" and float(r["duration_s"]) > 6 and float(r["speed"]) > 0 for r in rows)
    assert all(r["top_events"] for r in rows)
    before = {p.name: p.stat().st_mtime_ns for p in out.iterdir()}
    # A second run: nothing to do; a changed setting or --force analyses again.
    res = kinesight("analyze", folder, "--bundle", tiny_bundle, "--device", "cpu", "--out-dir", out, "--vtt")
    assert res.returncode == 0 and res.stdout.count("already analysed") == 3, res.stdout
    assert all(before[n] == out.joinpath(n).stat().st_mtime_ns for n in before if not n.startswith("kinesight-"))
    assert [r["status"] for r in csv.DictReader((out / "kinesight-summary.csv").open())] == ["skipped"] * 3
    res = kinesight("analyze", folder / "ucf101_apply_eye_makeup.avi", folder / "kinetics_arm_wrestling.mp4",
                    "--bundle", tiny_bundle, "--device", "cpu", "--out-dir", out, "--vtt", "--threshold", "0.9", "-j", "1")
    assert res.returncode == 0 and "already analysed" not in res.stdout


def test_a_run_killed_mid_file_leaves_no_partial_export_and_a_rerun_resumes(tiny_bundle, folder, tmp_path):
    (folder / "kinetics_cleaning_pool.mp4").unlink()  # two clips are enough (and faster)
    out = tmp_path / "out"
    args = ["analyze", folder, "--bundle", tiny_bundle, "--device", "cpu", "--out-dir", out, "-j", "1",
            "--video", "--no-progress"]
    proc = subprocess.Popen([*_cmd(), *map(str, args)], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 90
    first_record = out / ".kinetics_arm_wrestling.kinesight-done.json"  # files go in sorted order
    while not first_record.exists() and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    time.sleep(0.05)  # into the next file's analysis (0.3 s was sometimes past its end: the run had finished)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(10)
    assert first_record.exists(), proc.stderr.read().decode()
    finished = {p.name: p.read_bytes() for p in out.iterdir() if not p.name.startswith(".")}
    # Only whole files under real names: the first clip's exports, maybe the next one's CSV/JSON
    # (written before its video), never a half-written file.
    assert {"kinetics_arm_wrestling.csv", "kinetics_arm_wrestling.json",
            "kinetics_arm_wrestling.annotated.mp4"} <= set(finished)
    assert "kinesight-summary.csv" not in finished
    res = kinesight(*args)
    assert res.returncode == 0, res.stderr
    assert "kinetics_arm_wrestling.mp4: already analysed" in res.stdout
    assert "ucf101_apply_eye_makeup.avi: 6.56 s" in res.stdout  # the rest was analysed
    assert not [p for p in out.iterdir() if p.name.endswith(".kinesight-tmp")]  # the killed run's temporaries went
    for name, data in finished.items():
        if name.startswith("kinetics_arm_wrestling"):  # done and recorded: skipped, untouched
            assert out.joinpath(name).read_bytes() == data, name
        elif name.endswith(".csv"):  # written before the kill, whole: the re-run wrote the same rows
            assert out.joinpath(name).read_bytes() == data, name
        elif name.endswith(".json"):
            json.loads(data)  # whole (its wall time differs from the re-run's)
    import av

    for video in out.glob("*.annotated.mp4"):
        with av.open(str(video)) as c:
            assert c.streams.video[0].codec_context.name == "h264" and c.streams.video[0].frames > 100


def test_ray_gives_the_same_csvs_as_worker_processes(tiny_bundle, folder, tmp_path):
    pytest.importorskip("ray")
    runs = {}
    # One worker each, one ONNX Runtime thread: the same arithmetic, so the same bytes.
    for name, extra in (("plain", []), ("ray", ["--ray"])):
        out = tmp_path / name
        res = kinesight("analyze", folder, "--bundle", tiny_bundle, "--device", "cpu", "--out-dir", out,
                        "-j", "1", "--threads", "1", "--no-progress", *extra, timeout=240)
        assert res.returncode == 0, res.stderr
        runs[name] = {p.name: p.read_bytes() for p in out.glob("*.csv") if p.name != "kinesight-summary.csv"}
    assert len(runs["plain"]) == 3 and runs["ray"] == runs["plain"]


def test_ray_missing_says_how_to_install_it(tiny_bundle, folder, tmp_path):
    fake = tmp_path / "noray" / "ray"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text("raise ImportError('No module named ray')\n")
    env = dict(os.environ, PYTHONPATH=str(fake.parent))
    res = kinesight("analyze", folder, "--bundle", tiny_bundle, "--ray", env=env)
    lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
    assert res.returncode == 2 and len(lines) == 1 and "Traceback" not in res.stderr
    assert "pip install 'kinesight[ray]'" in lines[0]
