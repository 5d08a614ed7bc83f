"""The skeleton overlay: a bundle that reads the body draws the person's keypoints over the video
(the person's left side orange, right side blue), and View ▸ Show the Skeleton turns it off and
is remembered."""

from __future__ import annotations

import numpy as np

from engine.core.prediction import Region
from engine.pose.landmarks import IDX


def _person(w: int, h: int) -> Region:
    """A standing person facing the camera, arms out (33 keypoints, all seen)."""
    pts = np.zeros((33, 3))
    pts[:, 2] = 1.0
    cx = w / 2
    for name, (dx, y) in {
        "nose": (0, 0.15), "left_shoulder": (0.12, 0.3), "right_shoulder": (-0.12, 0.3),
        "left_elbow": (0.25, 0.3), "right_elbow": (-0.25, 0.3), "left_wrist": (0.38, 0.3),
        "right_wrist": (-0.38, 0.3), "left_hip": (0.08, 0.6), "right_hip": (-0.08, 0.6),
        "left_knee": (0.08, 0.75), "right_knee": (-0.08, 0.75), "left_ankle": (0.08, 0.9),
        "right_ankle": (-0.08, 0.9),
    }.items():
        pts[IDX[name]] = (cx + dx * w, y * h, 1.0)
    for i in range(33):  # the rest (face details, hands, feet) sit near their joints
        if not pts[i, :2].any():
            pts[i] = (cx, 0.15 * h, 0.2)
    return Region("person", (int(0.1 * w), int(0.1 * h), int(0.9 * w), int(0.95 * h)),
                  tuple(tuple(map(float, p)) for p in pts))


def _colour_share(widget, rgb: tuple[int, int, int]) -> float:
    from PySide6.QtGui import QImage

    img = widget.grab().toImage().convertToFormat(QImage.Format.Format_RGB888)
    arr = np.frombuffer(img.constBits(), dtype=np.uint8, count=img.sizeInBytes()).reshape(img.height(), img.bytesPerLine())
    px = arr[:, : img.width() * 3].reshape(img.height(), img.width(), 3).astype(int)
    return float((np.abs(px - np.array(rgb)).sum(axis=2) < 40).mean())


def test_the_skeleton_is_drawn_and_the_view_menu_turns_it_off(make_window, qtbot, qsettings):
    w = make_window()
    frame = np.full((240, 320, 3), 40, np.uint8)
    w.video.set_frame(frame)
    w.video.set_regions((_person(320, 240),), (320, 240))
    orange, blue = (255, 160, 40), (60, 170, 255)
    qtbot.waitUntil(lambda: _colour_share(w.video, orange) > 0.002, timeout=10000)
    assert _colour_share(w.video, blue) > 0.002  # both sides of the body
    # the person's left arm is on the image's right (they face the camera)
    from PySide6.QtGui import QImage

    img = w.video.grab().toImage().convertToFormat(QImage.Format.Format_RGB888)
    arr = np.frombuffer(img.constBits(), dtype=np.uint8, count=img.sizeInBytes()).reshape(img.height(), img.bytesPerLine())
    px = arr[:, : img.width() * 3].reshape(img.height(), img.width(), 3).astype(int)
    cols = np.nonzero((np.abs(px - np.array(orange)).sum(axis=2) < 40).any(axis=0))[0]
    assert cols.mean() > img.width() / 2

    assert w.menus.skeleton.isChecked()
    w.menus.skeleton.trigger()  # View ▸ Show the Skeleton off
    qtbot.waitUntil(lambda: _colour_share(w.video, orange) == 0.0, timeout=10000)
    assert qsettings.value("view/skeleton", type=bool) is False


def test_the_choice_is_remembered_by_the_next_window(make_window, qsettings):
    qsettings.setValue("view/skeleton", False)
    w = make_window()
    assert not w.menus.skeleton.isChecked() and not w.video.show_skeleton
