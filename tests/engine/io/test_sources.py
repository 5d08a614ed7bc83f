"""Frame sources on real files: decoding, timestamps, seeking, and every typed failure."""

from __future__ import annotations

import functools
import http.server
import threading
from pathlib import Path

import cv2
import numpy as np
import pytest

from engine.core.errors import DecodeError, SourceError, SourceNotFound, SourceOpenError
from engine.io.sources import (
    CameraSource,
    FakeSource,
    FrameSource,
    ImageFolderSource,
    VideoFileSource,
    list_cameras,
    open_source,
)


@pytest.mark.parametrize(
    "name, size, fps, frames",
    [("ucf", (320, 240), 25, 164), ("arm", (340, 256), 28, 280), ("pool", (340, 256), 30, 300)],
)
def test_real_clips_decode_with_real_timestamps(clips, name, size, fps, frames):
    with open_source(clips[name]) as src:
        assert isinstance(src, VideoFileSource) and not src.is_live
        assert src.size == size and src.fps == pytest.approx(fps, rel=1e-3)
        decoded = list(src)
        assert src.warnings == []
    assert len(decoded) == frames
    pts = np.array([f.pts_s for f in decoded])
    assert np.all(np.diff(pts) > 0), "timestamps must increase"
    # Timestamps come from the container, not from counting: the last one is near the duration.
    assert pts[-1] == pytest.approx(src.duration_s, abs=2.5 / fps)
    img = decoded[len(decoded) // 2].image
    assert img.dtype == np.uint8 and img.shape == (size[1], size[0], 3) and img.flags.c_contiguous
    assert img.std() > 10, "a real frame has content"


def test_original_mpeg1_file_decodes(shared_data):
    mpg = sorted((shared_data / "grid" / "s1" / "raw").glob("*.mpg"))[0]
    with open_source(mpg) as src:
        frames = list(src)
    assert len(frames) >= 70 and frames[0].image.shape == (288, 360, 3)
    assert frames[-1].pts_s == pytest.approx(3.0, abs=0.1)


def test_frames_filter_skips_rgb_conversion_but_keeps_indices(clips):
    with open_source(clips["pool"]) as src:
        kept = list(src.frames(want=lambda index, pts: index % 3 == 0))
    assert [f.index for f in kept] == list(range(0, 300, 3))


def test_seek_continues_at_the_requested_time(clips):
    with open_source(clips["arm"]) as src:
        src.seek(5.0)
        frames = list(src)
        again = list(src)  # a new pass starts at the beginning
    assert frames[0].pts_s == pytest.approx(5.0, abs=1 / 28 + 1e-6)
    assert frames[0].index == round(frames[0].pts_s * 28)
    assert len(frames) == pytest.approx(140, abs=2)
    assert len(again) == 280 and again[0].pts_s == 0.0 and again[0].index == 0


def test_truncated_file_yields_decoded_frames_and_a_warning(clips, tmp_path):
    data = clips["ucf"].read_bytes()
    cut = tmp_path / "cut.avi"
    cut.write_bytes(data[: len(data) // 2])
    with open_source(cut) as src:
        frames = list(src)
    assert 20 < len(frames) < 164
    assert len(src.warnings) == 1
    assert "decoding stopped" in src.warnings[0] and "truncated" in src.warnings[0]


def test_truncated_mp4_without_index_cannot_be_opened(clips, tmp_path):
    # Our mp4s keep their index (moov) at the end: half a file has no index at all.
    data = clips["arm"].read_bytes()
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(SourceOpenError, match="cannot open cut.mp4"):
        open_source(cut)


def test_missing_file_is_not_found(tmp_path):
    with pytest.raises(SourceNotFound, match="not found"):
        open_source(tmp_path / "nothing.mp4")


def test_text_file_named_mp4_cannot_be_opened(tmp_path):
    fake = tmp_path / "notes.mp4"
    fake.write_text("this is not a video\n" * 20)
    with pytest.raises(SourceOpenError, match="cannot open notes.mp4 as video"):
        open_source(fake)


def test_file_without_any_decodable_frame_raises_decode_error(clips, tmp_path):
    # Keep the AVI header and chunk layout but zero out every byte of the video payload.
    data = bytearray(clips["ucf"].read_bytes())
    movi = data.find(b"movi") + 4
    data[movi:] = bytes(len(data) - movi)
    broken = tmp_path / "zeros.avi"
    broken.write_bytes(bytes(data))
    with open_source(broken) as src, pytest.raises(DecodeError, match="zeros.avi"):
        list(src)


def test_absent_webcam_index_is_not_found():
    with pytest.raises(SourceNotFound, match="no camera at index 9"):
        open_source("9")
    with pytest.raises(SourceNotFound):
        CameraSource(9)
    assert all(c.index != 9 for c in list_cameras(2))


def test_image_folder_plays_in_name_order(tmp_path, clips):
    with open_source(clips["ucf"]) as src:
        for i, f in zip(range(5), src):
            cv2.imwrite(str(tmp_path / f"frame_{i:03d}.png"), cv2.cvtColor(f.image, cv2.COLOR_RGB2BGR))
    (tmp_path / "readme.txt").write_text("not an image")
    src = open_source(tmp_path, fps=10)
    assert isinstance(src, ImageFolderSource) and src.frame_count == 5 and src.size == (320, 240)
    frames = list(src)
    assert [f.pts_s for f in frames] == pytest.approx([0.0, 0.1, 0.2, 0.3, 0.4])
    src.seek(0.3)
    assert [f.index for f in src] == [3, 4]


def test_empty_folder_is_refused(tmp_path):
    with pytest.raises(SourceOpenError, match="holds no images"):
        open_source(tmp_path)


def test_stream_url_is_live_and_cannot_seek(clips):
    # A plain HTTP server without range requests: the AVI streams front to back.
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(clips["ucf"].parent))
    handler.log_message = lambda *a, **k: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/{clips['ucf'].name}"
        with open_source(url) as src:
            assert src.is_live and src.duration_s is None
            with pytest.raises(SourceError):
                src.seek(1.0)
            frames = [f for _, f in zip(range(30), src)]
        assert len(frames) == 30 and frames[0].pts_s == 0.0 and frames[-1].pts_s == pytest.approx(29 / 25)
        with pytest.raises(SourceError):
            open_source(f"http://127.0.0.1:{server.server_address[1]}/missing.mp4")
    finally:
        server.shutdown()
        server.server_close()


def test_fake_source_is_deterministic_and_seekable():
    src = FakeSource(fps=30, n=10, size=(64, 48))
    a = list(src)
    assert len(a) == 10 and a[3].pts_s == pytest.approx(0.1) and a[0].image.shape == (48, 64, 3)
    assert not np.array_equal(a[0].image, a[1].image), "the pattern moves"
    src.seek(0.2)
    b = list(src)
    assert b[0].index == 6 and np.array_equal(b[0].image, a[6].image)
    live = FakeSource(fps=100, n=5, live=True)
    with pytest.raises(SourceError):
        live.seek(0.0)


class _UnpluggedCapture:
    """Stands in for cv2.VideoCapture (no webcam here): a few frames, then every read fails,
    which is what OpenCV's read() does once a camera is unplugged."""

    def __init__(self, frames: int) -> None:
        self.left = frames

    def read(self):
        if self.left > 0:
            self.left -= 1
            return True, np.zeros((48, 64, 3), np.uint8)
        return False, None

    def release(self) -> None:
        pass


def test_a_lost_camera_raises_decode_error_and_the_fake_fails_the_same_way():
    camera = object.__new__(CameraSource)  # the real class and read loop, without a device
    FrameSource.__init__(camera)  # only the base attributes (warnings...)
    camera.name, camera._cap, camera._closed = "camera 0", _UnpluggedCapture(5), False
    with pytest.raises(DecodeError, match=r"camera 0 stopped delivering frames after 5 frames") as real:
        list(camera)
    fake = FakeSource(fps=100, n=None, size=(64, 48), live=True, fail_after=5)
    got = []
    with pytest.raises(DecodeError, match=r"stopped delivering frames after 5 frames") as faked:
        for frame in fake:
            got.append(frame.index)
    assert got == [0, 1, 2, 3, 4]
    assert type(faked.value) is type(real.value) and faked.value.frames_decoded == real.value.frames_decoded == 5


def test_a_file_like_fake_with_fail_after_stops_like_a_truncated_file():
    src = FakeSource(fps=10, n=50, size=(64, 48), fail_after=20)
    assert len(list(src)) == 20
    assert len(src.warnings) == 1 and "decoding stopped at 1.90 s" in src.warnings[0] and "20 frames" in src.warnings[0]
