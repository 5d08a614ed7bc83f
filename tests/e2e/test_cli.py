"""The `kinesight` command as a user runs it: real processes, real clips, exit codes."""

from __future__ import annotations

import argparse
import csv
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from e2e_cli import kinesight
from e2e_cli import one_line_error as _one_line_error

from kinesight.cli import build_parser, main

ROOT = Path(__file__).resolve().parents[2]


def test_analyze_writes_a_timeline_and_never_imports_torch(tiny_bundle, clips, tmp_path):
    out_json, out_csv = tmp_path / "t.json", tmp_path / "t.csv"
    code = (
        "import sys; from kinesight.cli import main; "
        f"rc = main(['analyze', {str(clips['pool'])!r}, '--bundle', {str(tiny_bundle)!r}, "
        f"'--json', {str(out_json)!r}, '--csv', {str(out_csv)!r}, '--device', 'cpu']); "
        "print('TORCH' if 'torch' in sys.modules else 'NO-TORCH'); sys.exit(rc)"
    )
    res = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    assert "NO-TORCH" in res.stdout
    assert "kinetics_cleaning_pool.mp4: 10.00 s, 300 frames, 100 predictions" in res.stdout
    assert "analysing" in res.stderr and "100%" in res.stderr  # the progress bar, on stderr
    rows = list(csv.reader(out_csv.open()))
    assert rows[0][:4] == ["pts_s", "label", "state", "confidence"] and len(rows) == 101
    data = json.loads(out_json.read_text())
    assert data["frames"] == 300 and data["segments"] and len(data["predictions"]) == 100


def test_run_prints_live_predictions_and_writes_jsonl(tiny_bundle, clips, tmp_path):
    jsonl = tmp_path / "p.jsonl"
    res = kinesight("run", "--source", clips["ucf"], "--bundle", tiny_bundle, "--jsonl", jsonl,
                    "--no-realtime", "--device", "cpu")
    assert res.returncode == 0, res.stderr
    lines = [json.loads(x) for x in jsonl.read_text().splitlines()]
    # Unpaced live input drops the oldest frames whenever the worker falls behind (a busy CI
    # machine): every tick is then either predicted or accounted for by a counted drop.
    ticks = [x["tick"] for x in lines]
    assert ticks == sorted(set(ticks)) and lines[0]["state"] == "warming_up" and ticks[-1] == 65
    assert len(lines) == 66 or lines[-1]["dropped_frames"] > 0
    assert {"pts_s", "top_k", "timings_ms", "input_fps", "model_fps", "dropped_frames"} <= set(lines[-1])
    printed = [ln for ln in res.stdout.splitlines() if ln.strip()]
    assert len(printed) == len(lines) and "top:" in printed[-1]


@pytest.mark.parametrize(
    "args, code, message",
    [
        (["analyze", "{tmp}/missing.mp4"], 3, "not found"),
        (["analyze", "{tmp}/notes.mp4"], 3, "cannot open notes.mp4 as video"),
        (["run", "--source", "7"], 3, "no camera at index 7"),
        (["analyze", "{clip}", "--bundle", "{tmp}/no-bundle"], 4, "model bundle not found"),
        (["analyze", "{clip}", "--smoothing", "3"], 2, "smoothing must be in [0, 1)"),
        (["frobnicate"], 2, "invalid choice"),
    ],
)
def test_bad_input_gives_one_line_and_an_exit_code(args, code, message, tiny_bundle, clips, tmp_path, capsys):
    (tmp_path / "notes.mp4").write_text("not a video\n" * 10)
    argv = [a.format(tmp=tmp_path, clip=clips["ucf"]) for a in args]
    if "--bundle" not in argv and argv[0] in ("analyze", "run"):
        argv += ["--bundle", str(tiny_bundle)]
    assert main(argv) == code
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("kinesight: error: ") and message in err


def test_bad_input_in_a_real_process_has_no_traceback(tmp_path):
    res = kinesight("analyze", tmp_path / "missing.mp4", "--bundle", tmp_path)
    assert res.returncode in (3, 4)
    _one_line_error(res)
    damaged = tmp_path / "bundle"
    damaged.mkdir()
    (damaged / "manifest.json").write_text("{not json")
    res = kinesight("info", "--bundle", damaged, "--cameras", "0")
    assert res.returncode == 4
    assert "cannot be read as JSON" in _one_line_error(res)


def test_info_prints_versions_providers_and_the_bundle(tiny_bundle, capsys):
    from engine.core.runtime import make_session

    assert main(["info", "--bundle", str(tiny_bundle), "--cameras", "1", "--device", "cpu"]) == 0
    out = capsys.readouterr().out
    assert "kinesight " in out and "onnxruntime " in out
    assert "runs on: CPU" in out and "cameras: " in out
    assert "tiny-window 1.0 (action): 3 labels" in out and "window T=8 at 10 fps" in out
    # What can really run, not what the onnxruntime build lists (it lists CUDA and TensorRT on a
    # machine without a GPU).
    assert "providers available" not in out
    _, auto = make_session(Path(tiny_bundle) / "backbone.onnx", "auto")
    if auto.provider == "CPU":
        assert "can run on: CPU\n" in out and f"CUDA: not usable: {auto.reason}" in out
        assert auto.reason
    else:
        assert "can run on: CUDA, CPU" in out


def test_train_and_eval_come_from_the_training_side(capsys):
    from kinesight.cli import run_command

    assert main(["train", "--help"]) == 0
    assert "--epochs EPOCHS" in capsys.readouterr().out
    # The engine's own entry point (the frozen app's) has no training side: it says how to get it.
    assert run_command(["train", "data", "--out", "x"]) == 1
    assert "needs the training side" in capsys.readouterr().err


def test_analyze_a_folder_of_videos_writes_each_timeline_and_reports_the_bad_one(tiny_bundle, clips, tmp_path):
    folder = tmp_path / "videos"
    folder.mkdir()
    for name in ("arm", "ucf"):
        (folder / clips[name].name).symlink_to(clips[name])
    (folder / "broken.mp4").write_text("not a video")
    out_dir = tmp_path / "timelines"
    res = kinesight("analyze", folder, "--bundle", tiny_bundle, "--out-dir", out_dir, "--device", "cpu")
    assert res.returncode == 3 and "Traceback" not in res.stderr  # a source failed...
    assert "cannot open broken.mp4 as video" in res.stderr and "1 of 3 inputs failed" in res.stderr
    # ...and nothing else was lost: both real clips have their timeline
    assert sorted(p.name for p in out_dir.iterdir() if not p.name.startswith(".")) == [
        "kinesight-summary.csv", "kinetics_arm_wrestling.csv", "kinetics_arm_wrestling.json",
        "ucf101_apply_eye_makeup.csv", "ucf101_apply_eye_makeup.json",
    ]
    rows = list(csv.reader((out_dir / "ucf101_apply_eye_makeup.csv").open()))
    assert len(rows) == 1 + 66  # 6.56 s on the tiny bundle's 10 fps clock, as `run` gives
    assert "--out-dir" in _one_line_error(kinesight("analyze", folder, "--csv", tmp_path / "x.csv"))


def _cut_clip(src: Path, dst: Path, seconds: float) -> Path:
    """The first ``seconds`` of a real clip, re-encoded with PyAV (H.264 in mp4)."""
    import av

    with av.open(str(src)) as inp, av.open(str(dst), "w") as out:
        stream_in = inp.streams.video[0]
        stream = out.add_stream("libx264", rate=round(float(stream_in.average_rate)))
        stream.width, stream.height, stream.pix_fmt = stream_in.width, stream_in.height, "yuv420p"
        for frame in inp.decode(stream_in):
            if frame.time >= seconds - 1e-6:
                break
            for packet in stream.encode(frame.reformat(format="yuv420p")):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return dst


def test_a_damaged_file_warns_once_with_the_frame_count_of_the_header(tiny_bundle, clips, tmp_path):
    data = bytearray(clips["arm"].read_bytes())
    n = len(data)
    data[n // 3: 2 * n // 3] = bytes(2 * n // 3 - n // 3)  # garbage in the middle of the stream
    damaged = tmp_path / "damaged.mp4"
    damaged.write_bytes(bytes(data))
    res = kinesight("analyze", damaged, "--bundle", tiny_bundle, "--device", "cpu", "--no-progress")
    assert res.returncode == 0, res.stderr
    lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("kinesight: warning: damaged.mp4: decoding stopped"), res.stderr
    warned = int(re.search(r"; (\d+) frames decoded", lines[0]).group(1))
    header = int(re.search(r"damaged.mp4: [\d.]+ s, (\d+) frames", res.stdout).group(1))
    assert warned == header and 20 < header < 280


def test_a_clip_shorter_than_the_window_says_so(tiny_bundle, clips, tmp_path):
    short = _cut_clip(clips["pool"], tmp_path / "short.mp4", 0.1)
    res = kinesight("analyze", short, "--bundle", tiny_bundle, "--device", "cpu", "--no-progress")
    assert res.returncode == 0, res.stderr
    assert "shorter than the model's window (T=8 features at 10 fps = 0.80 s)" in res.stderr
    segments = [ln for ln in res.stdout.splitlines() if " - " in ln]
    assert len(segments) == 1 and segments[0].rstrip().endswith("(warming up)")


def test_segments_end_with_the_file_and_keep_warming_up_apart(tiny_bundle, clips):
    res = kinesight("analyze", clips["ucf"], "--bundle", tiny_bundle, "--device", "cpu", "--no-progress")
    assert res.returncode == 0, res.stderr
    segments = [ln.split() for ln in res.stdout.splitlines() if " - " in ln]
    # 6.56 s on a 10 fps clock: the last tick (6.5 s) must not stretch the timeline to 6.60 s.
    assert segments[-1][2] == "6.56"
    assert segments[0][3:] == ["s", "(warming", "up)"] and "uncertain" not in " ".join(segments[0])


def test_progress_in_a_log_file_is_plain_lines(tiny_bundle, clips):
    res = kinesight("analyze", clips["pool"], "--bundle", tiny_bundle, "--device", "cpu")
    assert res.returncode == 0, res.stderr
    assert "\r" not in res.stderr  # no bar redraws when stderr is not a terminal
    progress = [ln for ln in res.stderr.splitlines() if ln.startswith("analysing")]
    assert 1 <= len(progress) <= 4 and progress[-1].startswith("analysing kinetics_cleaning_pool.mp4: 100%")


def test_engine_options_take_their_defaults_from_engine_settings():
    from engine.core.settings import EngineSettings

    d = EngineSettings()
    for command in ("run", "analyze"):
        extra = ["--source", "0"] if command == "run" else ["x.mp4"]
        args = build_parser().parse_args([command, *extra])
        assert (args.top_k, args.smoothing, args.hold_s, args.threshold, args.device) == (
            d.top_k, d.smoothing, d.hold_s, d.threshold, d.device)


def test_every_train_and_eval_option_has_help_and_shows_its_default():
    import kinesight.train

    parser = build_parser(kinesight.train)
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    for command in ("train", "eval"):
        p = sub.choices[command]
        text = p.format_help()
        for action in p._actions:
            if isinstance(action, argparse._HelpAction):
                continue
            assert action.help, f"{command} {action.dest} has no help"
            shown = action.default not in (None, "") and not isinstance(action.default, bool)
            if shown:
                assert f"(default: {action.default})" in " ".join(text.split()), f"{command} {action.dest}"
    help_text = " ".join(sub.choices["train"].format_help().split())
    assert "--epochs EPOCHS most passes over the training windows (default: 60)" in help_text
    assert "transformer (default: auto)" in help_text and "inception_v3 (default: efficientnet_lite0)" in help_text


@pytest.mark.parametrize("command", ["run", "info"])
def test_run_and_info_never_import_torch(command, tiny_bundle, clips):
    args = (["run", "--source", str(clips["ucf"]), "--no-realtime", "--seconds", "1", "--quiet"]
            if command == "run" else ["info", "--cameras", "0"])
    code = (
        "import sys; from kinesight.cli import main; "
        f"rc = main({[*args, '--bundle', str(tiny_bundle), '--device', 'cpu']!r}); "
        "print('TORCH' if 'torch' in sys.modules else 'NO-TORCH'); sys.exit(rc)"
    )
    res = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    assert res.stdout.rstrip().endswith("NO-TORCH")


def test_train_base_adds_one_folder_s_action_to_the_default_s_twelve(tmp_path, clips, capsys):
    """``kinesight train ONE_ACTION/ --base everyday-actions``: one class folder is enough, the
    bundle knows the twelve and the new action, and --base with another kind of model says why not."""
    from engine.bundles import load_bundle

    data = tmp_path / "data" / "cleaning a pool"
    data.mkdir(parents=True)
    for k, clip in enumerate((clips["pool"], clips["arm"])):
        (data / f"take{k}{clip.suffix}").write_bytes(clip.read_bytes())
    out = tmp_path / "more-actions"
    assert main(["train", str(data.parent), "--out", str(out), "--base", "everyday-actions", "--quiet"]) == 0
    printed = capsys.readouterr().out
    bundle = load_bundle(out)
    assert bundle.labels[0] == "cleaning a pool" and "raise both arms forward" in bundle.labels
    assert bundle.manifest.input.roi == "pose" and bundle.manifest.training["base"]["bundle"] == "everyday-actions"
    assert "recall per class (clips): cleaning a pool" in printed
    # Without --base, one folder is not enough; --base with the whole frame is refused with a reason.
    assert main(["train", str(data.parent), "--out", str(tmp_path / "x"), "--quiet"]) == 1
    assert "needs at least two" in capsys.readouterr().err
    assert main(["train", str(data.parent), "--out", str(tmp_path / "y"), "--base", "everyday-actions",
                 "--roi", "full", "--quiet"]) == 1
    assert "--roi pose" in capsys.readouterr().err


def test_info_on_the_default_that_reads_the_body(capsys):
    # everyday-actions has no backbone: info tries the pose stage's model on the device instead.
    assert main(["info", "--cameras", "0", "--device", "cpu"]) == 0
    out = capsys.readouterr().out
    assert "everyday-actions 1.0 (action): 12 labels" in out and "runs on: CPU" in out
    assert "body keypoints (33, MediaPipe Pose)" in out
