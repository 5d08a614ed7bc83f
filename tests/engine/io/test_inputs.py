"""Odd inputs: each gives a result or a clear typed error, never a crash or a hang.

Every file is generated here with PyAV from real frames of ../shared/data clips: 8K frames, a
one-frame file, a file with a video stream but no frames, variable frame rate, a phone-style
rotated video (display matrix), audio only, still images given as video, a path with spaces
and non-ASCII characters.
"""

from __future__ import annotations

import fractions
import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from engine.core.errors import SourceError, SourceOpenError
from engine.core.settings import EngineSettings
from engine.io.sources import open_source
from engine.runners.offline import analyze_file

CPU = EngineSettings(device="cpu")


@pytest.fixture(scope="module")
def real_frames(clips) -> list[np.ndarray]:
    """The first 40 frames of a real clip (RGB)."""
    import av

    out = []
    with av.open(str(clips["pool"])) as c:
        for f in c.decode(video=0):
            out.append(f.to_ndarray(format="rgb24"))
            if len(out) == 40:
                break
    return out


def write_video(path: Path, frames, *, fps: int = 30, codec: str = "libx264", pts_ms=None,
                rotation: int | None = None) -> Path:
    """Encode ``frames`` with PyAV (libx264 ultrafast, or mjpeg for huge frames)."""
    import av

    with av.open(str(path), "w") as c:
        s = c.add_stream(codec, rate=fps)
        h, w = frames[0].shape[:2] if frames else (240, 320)
        s.width, s.height = w, h
        s.pix_fmt = "yuv420p" if codec == "libx264" else "yuvj420p"
        if codec == "libx264":
            s.options = {"preset": "ultrafast"}
        if pts_ms is not None:
            s.codec_context.time_base = s.time_base = fractions.Fraction(1, 1000)
        if rotation is not None:
            s.set_display_rotation(rotation)
        for i, im in enumerate(frames):
            vf = av.VideoFrame.from_ndarray(im, format="rgb24")
            if pts_ms is not None:
                vf.pts, vf.time_base = pts_ms[i], fractions.Fraction(1, 1000)
            for p in s.encode(vf):
                c.mux(p)
        for p in s.encode():
            c.mux(p)
    return path


def test_8k_frames_are_analysed(tiny_bundle, real_frames, tmp_path):
    import cv2

    # Two frames: encoding and decoding 8K is seconds of CPU each on a loaded 2-core machine.
    big = [cv2.resize(f, (7680, 4320), interpolation=cv2.INTER_NEAREST) for f in real_frames[:2]]
    path = write_video(tmp_path / "8k.mkv", big, fps=10, codec="mjpeg")
    src = open_source(path)
    assert src.size == (7680, 4320)
    src.close()
    result = analyze_file(path, tiny_bundle, CPU)
    assert result.frames == 2 and len(result.predictions) == 2


def test_a_one_frame_file_is_analysed(tiny_bundle, real_frames, tmp_path):
    result = analyze_file(write_video(tmp_path / "one.mp4", real_frames[:1]), tiny_bundle, CPU)
    assert result.frames == 1 and len(result.predictions) == 1
    assert len(result.warnings) == 1 and "shorter than the model's window" in result.warnings[0]


def test_zero_duration_files_say_so(tiny_bundle, tmp_path):
    import av

    # A video stream whose header was written but which holds no frame (a recording that
    # stopped at once), and an empty file.
    path = tmp_path / "no frames.mp4"
    with av.open(str(path), "w") as c:
        s = c.add_stream("libx264", rate=30)
        s.width, s.height, s.pix_fmt = 320, 240, "yuv420p"
        c.start_encoding()
    assert path.stat().st_size > 0
    with pytest.raises(SourceError, match="no decodable video frames|has no video stream"):
        analyze_file(path, tiny_bundle, CPU)
    (tmp_path / "empty.mp4").write_bytes(b"")
    with pytest.raises(SourceOpenError, match="cannot open empty.mp4 as video"):
        open_source(tmp_path / "empty.mp4")


def test_variable_frame_rate_keeps_real_timestamps(tiny_bundle, real_frames, tmp_path):
    # 50 ms and 20 ms gaps alternating: 40 frames over 1.38 s (nominal rates mean nothing here).
    pts = [0]
    for i in range(len(real_frames) - 1):
        pts.append(pts[-1] + (20 if i % 2 else 50))
    path = write_video(tmp_path / "vfr.mkv", real_frames, pts_ms=pts)
    src = open_source(path)
    got = [round(f.pts_s * 1000) for f in src]
    src.close()
    assert got == pts
    result = analyze_file(path, tiny_bundle, CPU)
    # The model clock (10 fps) samples by time, not by frame count: one tick per 100 ms.
    ticks = [p.tick for p in result.predictions]
    assert ticks == list(range(len(ticks))) and len(ticks) == pts[-1] // 100 + 1
    assert all(p.pts_s + 1e-6 >= p.tick / 10 for p in result.predictions)


@pytest.mark.parametrize("rotation", [90, -90, 180])
def test_rotated_phone_video_is_turned_upright(real_frames, tmp_path, rotation):
    path = write_video(tmp_path / "phone.mp4", real_frames[:5], rotation=rotation)
    src = open_source(path)
    frames = list(src)
    src.close()
    k = (rotation // 90) % 4
    want = np.rot90(real_frames[0], k)  # the display matrix turns it counterclockwise
    assert src.size == (want.shape[1], want.shape[0])
    assert frames[0].image.shape == want.shape and frames[0].image.flags["C_CONTIGUOUS"]
    err = np.abs(frames[0].image.astype(int) - want).mean()
    wrong = np.abs(frames[0].image.astype(int) - np.rot90(real_frames[0], k + 2)).mean()
    assert err < 8 < wrong


def test_an_audio_only_file_is_refused_clearly(tmp_path):
    import av

    path = tmp_path / "voice.m4a"
    with av.open(str(path), "w") as c:
        s = c.add_stream("aac", rate=16000)
        for i in range(10):
            af = av.AudioFrame.from_ndarray(np.zeros((1, 1024), dtype=np.float32), format="fltp", layout="mono")
            af.sample_rate, af.pts = 16000, i * 1024
            for p in s.encode(af):
                c.mux(p)
        for p in s.encode():
            c.mux(p)
    with pytest.raises(SourceOpenError, match=r"voice.m4a has no video stream \(it holds only audio\)"):
        open_source(path)


@pytest.mark.parametrize("suffix", [".png", ".jpg"])
def test_an_image_given_as_video_is_a_one_frame_video(tiny_bundle, real_frames, tmp_path, suffix):
    import cv2

    path = tmp_path / f"photo{suffix}"
    cv2.imwrite(str(path), cv2.cvtColor(real_frames[0], cv2.COLOR_RGB2BGR))
    result = analyze_file(path, tiny_bundle, CPU)
    assert result.frames == 1 and len(result.predictions) == 1


def test_paths_with_spaces_and_non_ascii_names(tiny_bundle, clips, tmp_path):
    folder = tmp_path / "vidéos d'été 動画"
    folder.mkdir()
    path = folder / "clip ü ñ 视频.mp4"
    shutil.copy(clips["pool"], path)
    result = analyze_file(path, tiny_bundle, CPU)
    assert result.frames == 300 and result.warnings == []
    out = result.to_csv(folder / "timeline ü.csv")
    assert out.read_text(encoding="utf-8").startswith("pts_s,label")


def test_an_unreadable_file_says_permission_denied(tmp_path, clips):
    if os.geteuid() == 0:
        pytest.skip("runs as root (CI does): root reads a file whatever its permissions, so the refusal "
                    "cannot happen here")
    path = tmp_path / "locked.mp4"
    shutil.copy(clips["pool"], path)
    path.chmod(0)
    with pytest.raises(SourceOpenError, match="Permission denied"):
        open_source(path)
