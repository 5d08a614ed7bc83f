"""Frames from a video file: the one reused colour converter gives PyAV's own per-frame pixels."""

from __future__ import annotations

import av
import numpy as np
import pytest

from engine.io.video_file import VideoFileSource


@pytest.mark.parametrize("name", ["ucf", "arm", "pool"])
def test_reused_converter_gives_the_pixels_of_a_fresh_one_per_frame(clips, name):
    with av.open(str(clips[name])) as c:
        expected = [f.to_ndarray(format="rgb24") for f in c.decode(video=0)]
    src = VideoFileSource(clips[name])
    got = [f.image for f in src]
    src.close()
    assert len(got) == len(expected) > 100
    assert all(g.flags.c_contiguous and np.array_equal(g, e) for g, e in zip(got, expected))
    assert not np.array_equal(got[0], got[-1])  # every frame its own pixels, not one reused buffer
