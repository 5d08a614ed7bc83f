"""A taught action bundle looks at the whole frame and at the region that moves: the window plays
it live and draws that region as a thin dashed square over the video."""

from __future__ import annotations

import numpy as np
import pytest

from engine.bundles import load_bundle

WAIT = 30000  # ms; generous for a loaded 2-core machine


@pytest.fixture(scope="module")
def taught_motion_bundle(clip_segments, tmp_path_factory):
    from models.teach import train_bundle

    out = tmp_path_factory.mktemp("motion") / "taught"
    # quick options (as tests/gui/test_teach.py): a short window at 5 fps, one view per clip
    train_bundle(clip_segments, out, window=6, sample_fps=5.0, views=1, cache_dir=out.parent / "cache",
                 roi="full+motion")
    assert load_bundle(out).manifest.input.roi == "full+motion"
    return out


def _light_pixels_on(widget, rect) -> float:
    """Share of pixels along the bottom edge of ``rect`` (widget coordinates; the label overlay may
    cover the top one) that are near white."""
    from PySide6.QtGui import QImage

    img = widget.grab().toImage().convertToFormat(QImage.Format.Format_RGB888)
    arr = np.frombuffer(img.constBits(), dtype=np.uint8, count=img.sizeInBytes()).reshape(img.height(), img.bytesPerLine())
    rgb = arr[:, : img.width() * 3].reshape(img.height(), img.width(), 3).astype(int)
    y = int(round(rect.bottom()))
    row = rgb[max(0, y - 1) : y + 2, int(rect.left()) + 2 : int(rect.right()) - 2]
    return float((row.min(axis=2) > 170).any(axis=0).mean())


def test_the_region_a_taught_bundle_looks_at_is_drawn_over_the_video(qtbot, make_window, taught_motion_bundle,
                                                                     shared_data):
    from PySide6.QtCore import QRectF

    w = make_window(bundle=taught_motion_bundle)
    grid = sorted((shared_data / "grid" / "s1" / "video").glob("*.mp4"))[7]  # a speaker: the mouth moves
    w.open_source(str(grid))

    def zoomed():
        boxes = [r.box for r in w.video.regions() if r.name == "motion"]
        return boxes and boxes[0][2] - boxes[0][0] < 200  # a square around the face, not the 360x288 frame

    qtbot.waitUntil(lambda: w.last_prediction is not None and bool(zoomed()), timeout=WAIT)
    w.transport.play_button.click()  # pause, so the frame and the box stay put while we look
    box = next(r.box for r in w.video.regions() if r.name == "motion")
    target = w.video._image_rect()
    sx, sy = target.width() / 360, target.height() / 288
    edge = QRectF(target.left() + box[0] * sx, target.top() + box[1] * sy, (box[2] - box[0]) * sx,
                  (box[3] - box[1]) * sy)
    drawn = _light_pixels_on(w.video, edge)
    w.video.set_regions((), None)
    w.video.repaint()
    bare = _light_pixels_on(w.video, edge)
    assert drawn > 0.3 and bare < 0.1, (drawn, bare)  # the dashed line: about half its length is drawn
