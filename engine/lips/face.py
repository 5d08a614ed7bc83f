"""Face and landmark locator: MTCNN (P/R/O-Net as ONNX) run by ONNX Runtime, no torch.

The three graphs are exported from the ``facenet-pytorch`` weights by ``models/face_export.py``
and ship inside a lip bundle (``face_pnet.onnx``, ``face_rnet.onnx``, ``face_onet.onnx``), so the
app needs no download. The cascade follows facenet-pytorch's ``detect_face`` (image pyramid ->
P-Net proposals -> NMS -> R-Net -> O-Net with five landmarks), re-written in numpy/OpenCV.

``MtcnnLocator.track`` is the cheap path between full detections: O-Net alone on the previous
face box (one 48x48 inference instead of a pyramid), which follows a moving head and returns
fresh landmarks, or None when the face is gone.

YuNet (``cv2.FaceDetectorYN``) stays an optional, faster locator when the user has its model
file (it cannot ship); :func:`make_locator` picks it when asked for and present.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from engine.core.errors import EngineError

PNET_FILE = "face_pnet.onnx"
RNET_FILE = "face_rnet.onnx"
ONET_FILE = "face_onet.onnx"
FACE_FILES = (PNET_FILE, RNET_FILE, ONET_FILE)


@dataclass(frozen=True)
class Face:
    """One located face in image pixels.

    box: (x0, y0, x1, y1); score: detector confidence in [0, 1];
    landmarks: (5, 2) float32 x, y of left eye, right eye, nose, left mouth corner, right mouth
    corner ("left"/"right" as seen in the image: left = smaller x for a frontal face).
    """

    box: tuple[float, float, float, float]
    score: float
    landmarks: np.ndarray

    @property
    def area(self) -> float:
        x0, y0, x1, y1 = self.box
        return max(0.0, x1 - x0) * max(0.0, y1 - y0)

    @property
    def mouth_corners(self) -> np.ndarray:
        """(2, 2): left and right mouth corner."""
        return self.landmarks[3:5]

    @property
    def eyes(self) -> np.ndarray:
        """(2, 2): left and right eye."""
        return self.landmarks[0:2]


def iou(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    """Intersection over union of two (x0, y0, x1, y1) boxes."""
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def nms(boxes: np.ndarray, scores: np.ndarray, threshold: float, method: str = "union") -> np.ndarray:
    """Indices kept by greedy non-maximum suppression (MTCNN's +1 pixel convention)."""
    if len(boxes) == 0:
        return np.zeros(0, dtype=np.int64)
    x1, y1, x2, y2 = boxes[:, 0], boxes[:, 1], boxes[:, 2], boxes[:, 3]
    area = (x2 - x1 + 1) * (y2 - y1 + 1)
    order = np.argsort(scores)
    keep = []
    while order.size:
        i = order[-1]
        keep.append(i)
        rest = order[:-1]
        w = np.maximum(0.0, np.minimum(x2[i], x2[rest]) - np.maximum(x1[i], x1[rest]) + 1)
        h = np.maximum(0.0, np.minimum(y2[i], y2[rest]) - np.maximum(y1[i], y1[rest]) + 1)
        inter = w * h
        if method == "min":
            o = inter / np.minimum(area[i], area[rest])
        else:
            o = inter / (area[i] + area[rest] - inter)
        order = rest[o <= threshold]
    return np.asarray(keep, dtype=np.int64)


def _square(boxes: np.ndarray) -> np.ndarray:
    """Boxes made square around their centre (MTCNN's ``rerec``)."""
    boxes = boxes.copy()
    w = boxes[:, 2] - boxes[:, 0]
    h = boxes[:, 3] - boxes[:, 1]
    side = np.maximum(w, h)
    boxes[:, 0] = boxes[:, 0] + w * 0.5 - side * 0.5
    boxes[:, 1] = boxes[:, 1] + h * 0.5 - side * 0.5
    boxes[:, 2] = boxes[:, 0] + side
    boxes[:, 3] = boxes[:, 1] + side
    return boxes


def _regress(boxes: np.ndarray, reg: np.ndarray) -> np.ndarray:
    """Apply the networks' box offsets (``bbreg``)."""
    boxes = boxes.copy()
    w = boxes[:, 2] - boxes[:, 0] + 1
    h = boxes[:, 3] - boxes[:, 1] + 1
    boxes[:, 0] += reg[:, 0] * w
    boxes[:, 1] += reg[:, 1] * h
    boxes[:, 2] += reg[:, 2] * w
    boxes[:, 3] += reg[:, 3] * h
    return boxes


def _norm(patch: np.ndarray) -> np.ndarray:
    """(N, h, w, 3) uint8 RGB -> (N, 3, h, w) float32 scaled as MTCNN was trained."""
    x = patch.astype(np.float32)
    x -= 127.5
    x *= 0.0078125
    return np.ascontiguousarray(x.transpose(0, 3, 1, 2))


def _patches(image: np.ndarray, boxes: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Crops of ``boxes`` (clipped to the image, as facenet-pytorch does) resized to size x size.

    Returns the patches and the indices of the boxes that had a non-empty crop.
    """
    h, w = image.shape[:2]
    out, ok = [], []
    for k, b in enumerate(boxes[:, :4].astype(np.int64)):  # trunc like facenet-pytorch's pad()
        x0, y0 = max(int(b[0]), 1), max(int(b[1]), 1)
        x1, y1 = min(int(b[2]), w), min(int(b[3]), h)
        if x1 > x0 - 1 and y1 > y0 - 1 and x1 - (x0 - 1) >= 1 and y1 - (y0 - 1) >= 1:
            crop = image[y0 - 1 : y1, x0 - 1 : x1]
            out.append(cv2.resize(crop, (size, size), interpolation=cv2.INTER_AREA))
            ok.append(k)
    if not out:
        return np.zeros((0, size, size, 3), np.uint8), np.zeros(0, np.int64)
    return np.stack(out), np.asarray(ok, dtype=np.int64)


class MtcnnLocator:
    """MTCNN in ONNX Runtime: ``detect`` (full cascade) and ``track`` (O-Net on a known box).

    ``min_face``: the smallest face side searched for, in pixels; ``thresholds`` for P/R/O-Net
    (facenet-pytorch's defaults); ``factor`` the pyramid step.
    """

    def __init__(self, folder: str | Path, *, min_face: int = 40,
                 thresholds: tuple[float, float, float] = (0.6, 0.7, 0.7), factor: float = 0.709,
                 threads: int = 1) -> None:
        from engine.core.runtime import make_session

        folder = Path(folder)
        missing = [f for f in FACE_FILES if not (folder / f).is_file()]
        if missing:
            raise EngineError(
                f"the face locator files {', '.join(missing)} are missing from {folder}; "
                "rebuild the lip bundle (resources/bundles/make_grid_lips.sh) or re-download it"
            )
        # One thread each: the graphs are tiny, and the locator runs beside the model's sessions.
        self._pnet = make_session(folder / PNET_FILE, "cpu", threads)[0]
        self._rnet = make_session(folder / RNET_FILE, "cpu", threads)[0]
        self._onet = make_session(folder / ONET_FILE, "cpu", threads)[0]
        self.min_face = min_face
        self.thresholds = thresholds
        self.factor = factor

    # -- stages -----------------------------------------------------------------------------
    def _proposals(self, image: np.ndarray) -> np.ndarray:
        """P-Net over the pyramid -> (K, 5) candidate boxes (x0, y0, x1, y1, score)."""
        h, w = image.shape[:2]
        m = 12.0 / self.min_face
        minl = min(h, w) * m
        scales = []
        s = m
        while minl >= 12:
            scales.append(s)
            s *= self.factor
            minl *= self.factor
        found = []
        for scale in scales:
            hs, ws = int(h * scale + 1), int(w * scale + 1)
            im = cv2.resize(image, (ws, hs), interpolation=cv2.INTER_AREA)
            reg, prob = self._pnet.run(None, {"image": _norm(im[None])})
            p = prob[0, 1]
            ys, xs = np.nonzero(p >= self.thresholds[0])
            if len(ys) == 0:
                continue
            score = p[ys, xs]
            r = reg[0][:, ys, xs].T
            q1x = np.floor((2 * xs + 1) / scale)
            q1y = np.floor((2 * ys + 1) / scale)
            q2x = np.floor((2 * xs + 12) / scale)
            q2y = np.floor((2 * ys + 12) / scale)
            boxes = np.stack([q1x, q1y, q2x, q2y, score], axis=1).astype(np.float32)
            keep = nms(boxes[:, :4], boxes[:, 4], 0.5)
            found.append(np.concatenate([boxes[keep], r[keep]], axis=1))
        if not found:
            return np.zeros((0, 5), np.float32)
        allb = np.concatenate(found)
        allb = allb[nms(allb[:, :4], allb[:, 4], 0.7)]
        # P-Net's regression here uses the width without +1 (as facenet-pytorch does).
        bw = allb[:, 2] - allb[:, 0]
        bh = allb[:, 3] - allb[:, 1]
        boxes = np.stack([allb[:, 0] + allb[:, 5] * bw, allb[:, 1] + allb[:, 6] * bh,
                          allb[:, 2] + allb[:, 7] * bw, allb[:, 3] + allb[:, 8] * bh, allb[:, 4]], axis=1)
        return _square(boxes)

    def _refine(self, image: np.ndarray, boxes: np.ndarray) -> np.ndarray:
        """R-Net: keep and adjust the candidates it believes."""
        patches, ok = _patches(image, boxes, 24)
        if len(ok) == 0:
            return np.zeros((0, 5), np.float32)
        reg, prob = self._rnet.run(None, {"image": _norm(patches)})
        boxes = boxes[ok]
        keep = prob[:, 1] > self.thresholds[1]
        boxes = np.concatenate([boxes[keep, :4], prob[keep, 1:2]], axis=1)
        reg = reg[keep]
        pick = nms(boxes[:, :4], boxes[:, 4], 0.7)
        return _square(_regress(boxes[pick], reg[pick]))

    def _output(self, image: np.ndarray, boxes: np.ndarray, threshold: float) -> list[Face]:
        """O-Net: final boxes, scores and the five landmarks."""
        patches, ok = _patches(image, boxes, 48)
        if len(ok) == 0:
            return []
        reg, points, prob = self._onet.run(None, {"image": _norm(patches)})
        boxes = boxes[ok]
        keep = prob[:, 1] > threshold
        if not keep.any():
            return []
        boxes, reg, points, score = boxes[keep], reg[keep], points[keep], prob[keep, 1]
        bw = boxes[:, 2] - boxes[:, 0] + 1
        bh = boxes[:, 3] - boxes[:, 1] + 1
        px = bw[:, None] * points[:, :5] + boxes[:, 0:1] - 1
        py = bh[:, None] * points[:, 5:10] + boxes[:, 1:2] - 1
        boxes = _regress(np.concatenate([boxes[:, :4], score[:, None]], axis=1), reg)
        pick = nms(boxes[:, :4], boxes[:, 4], 0.7, "min")
        return [Face(tuple(float(v) for v in boxes[i, :4]), float(score[i]),
                     np.stack([px[i], py[i]], axis=1).astype(np.float32)) for i in pick]

    # -- public -----------------------------------------------------------------------------
    def detect(self, image: np.ndarray) -> list[Face]:
        """All faces in an RGB uint8 image, best first."""
        boxes = self._proposals(image)
        if len(boxes):
            boxes = self._refine(image, boxes)
        faces = self._output(image, boxes, self.thresholds[2]) if len(boxes) else []
        return sorted(faces, key=lambda f: -f.score)

    def track(self, image: np.ndarray, previous: Face) -> Face | None:
        """The same face in a new frame, from O-Net on the previous box (about 1 ms), or None
        when O-Net no longer sees a face there (it left, turned away, or was covered)."""
        box = _square(np.asarray([[*previous.box, previous.score]], dtype=np.float32))
        faces = self._output(image, box, self.thresholds[2])
        return faces[0] if faces else None


class YunetLocator:
    """YuNet through ``cv2.FaceDetectorYN`` (optional: the model file cannot ship)."""

    def __init__(self, model_path: str | Path, score_threshold: float = 0.6) -> None:
        from engine.lips.yunet import open_yunet

        self._det = open_yunet(model_path, score_threshold)
        self._size: tuple[int, int] | None = None

    def detect(self, image: np.ndarray) -> list[Face]:
        h, w = image.shape[:2]
        if self._size != (w, h):
            self._det.setInputSize((w, h))
            self._size = (w, h)
        _, rows = self._det.detect(cv2.cvtColor(image, cv2.COLOR_RGB2BGR))
        faces = []
        for r in ([] if rows is None else rows):
            # YuNet: box(4), right eye, left eye, nose, right mouth corner, left mouth corner,
            # score; "right" is the subject's right = image left, which is our "left".
            lm = np.asarray([r[4:6], r[6:8], r[8:10], r[10:12], r[12:14]], dtype=np.float32)
            faces.append(Face((float(r[0]), float(r[1]), float(r[0] + r[2]), float(r[1] + r[3])), float(r[14]), lm))
        return sorted(faces, key=lambda f: -f.score)

    def track(self, image: np.ndarray, previous: Face) -> Face | None:
        """YuNet is fast enough to re-detect; keep the face nearest the previous one."""
        faces = [f for f in self.detect(image) if iou(f.box, previous.box) > 0.3]
        return max(faces, key=lambda f: iou(f.box, previous.box)) if faces else None


def make_locator(folder: str | Path, *, prefer_yunet: bool = False, min_face: int = 40):
    """The MTCNN locator of a bundle folder; YuNet instead when asked for and its file exists."""
    if prefer_yunet:
        from engine.lips.yunet import find_yunet

        path = find_yunet()
        if path is not None:
            return YunetLocator(path)
    return MtcnnLocator(folder, min_face=min_face)
