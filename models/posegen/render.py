"""Debug renderer: the skeleton drawn with OpenCV on blank frames, as a PNG contact sheet."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .skeleton import EDGES, LANDMARKS

_LEFT, _RIGHT, _MID = (255, 140, 40), (40, 120, 255), (200, 200, 200)  # BGR: left blue, right orange


def _colour(i: int, j: int) -> tuple[int, int, int]:
    a, b = LANDMARKS[i], LANDMARKS[j]
    if a.startswith("left") and b.startswith("left") or a == "mouth_left" and b == "mouth_right":
        return _LEFT if a.startswith("left") else _MID
    if a.startswith("right") and b.startswith("right"):
        return _RIGHT
    return _MID


def draw_pose(img: np.ndarray, kp: np.ndarray, scale: float = 1.0, thickness: int = 2) -> np.ndarray:
    """Draw one frame's (33,4) keypoints on ``img`` (BGR, modified in place). Low-visibility
    points and lines are drawn dim; left limbs blue, right limbs orange."""
    import cv2

    xy = kp[:, :2] * scale
    vis = kp[:, 3]
    if not np.any(kp):
        return img
    for i, j in EDGES:
        v = float(min(vis[i], vis[j]))
        c = tuple(int(x * (0.35 + 0.65 * (v > 0.5))) for x in _colour(i, j))
        cv2.line(img, tuple(int(round(x)) for x in xy[i]), tuple(int(round(x)) for x in xy[j]), c, thickness, cv2.LINE_AA)
    for i in range(len(xy)):
        c = (0, 255, 0) if vis[i] > 0.5 else (0, 90, 0)
        cv2.circle(img, tuple(int(round(x)) for x in xy[i]), max(2, thickness), c, -1 if vis[i] > 0.5 else 1, cv2.LINE_AA)
    return img


def render_clip(clip, path: str | Path, n_frames: int = 8, cols: int = 4, tile_width: int = 320,
                title: str | None = None) -> Path:
    """Write a PNG contact sheet of ``n_frames`` frames of ``clip`` spread evenly over it."""
    import cv2

    T = clip.keypoints.shape[0]
    idx = np.linspace(0, T - 1, min(n_frames, T)).round().astype(int)
    s = tile_width / clip.width
    th = int(round(clip.height * s))
    rows = int(np.ceil(len(idx) / cols))
    head = 44
    sheet = np.full((head + rows * (th + 4), cols * (tile_width + 4), 3), 255, np.uint8)
    text = title or f"{clip.label}  {clip.meta.get('motion', '')}"
    cam = clip.meta.get("camera", {})
    cv2.putText(sheet, text[:120], (4, 16), cv2.FONT_HERSHEY_SIMPLEX, 0.42, (0, 0, 0), 1, cv2.LINE_AA)
    cv2.putText(sheet, f"{clip.width}x{clip.height} yaw {cam.get('yaw_deg', 0):.0f} pitch {cam.get('pitch_deg', 0):.0f} "
                f"height {cam.get('height_frac', 0):.2f} fps {clip.fps:g}", (4, 36), cv2.FONT_HERSHEY_SIMPLEX, 0.42,
                (0, 0, 0), 1, cv2.LINE_AA)
    for n, f in enumerate(idx):
        r, c = divmod(n, cols)
        tile = np.full((th, tile_width, 3), 30, np.uint8)
        draw_pose(tile, clip.keypoints[f], s, thickness=2)
        lab = f"{f}: {clip.labels[f]}" + ("" if clip.present[f] else " (no person)")
        cv2.putText(tile, lab, (4, 14), cv2.FONT_HERSHEY_SIMPLEX, 0.4, (255, 255, 255), 1, cv2.LINE_AA)
        y0, x0 = head + r * (th + 4), c * (tile_width + 4)
        sheet[y0: y0 + th, x0: x0 + tile_width] = tile
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(path), sheet)
    return path
