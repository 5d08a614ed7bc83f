"""Lip mode's face geometry: find the mouth with YuNet (``cv2.FaceDetectorYN``), crop a stabilised box.

The YuNet model is not shipped (its licence forbids committing it here); the user points to it
with ``KINESIGHT_YUNET=/path/yunet.onnx`` or puts it at ``~/.cache/kinesight/yunet.onnx``.
Without it, a bundle whose input roi is "mouth" is refused with a message saying so.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from engine.core.errors import EngineError
from engine.core.prediction import Region

YUNET_ENV = "KINESIGHT_YUNET"
YUNET_DEFAULT = Path.home() / ".cache" / "kinesight" / "yunet.onnx"


def find_yunet() -> Path | None:
    """The YuNet model the user provided, or None."""
    env = os.environ.get(YUNET_ENV)
    for cand in ([Path(env).expanduser()] if env else []) + [YUNET_DEFAULT]:
        if cand.is_file():
            return cand
    return None


def open_yunet(model_path: str | Path, score_threshold: float = 0.6):
    """A ``cv2.FaceDetectorYN`` for the user's YuNet file, or an EngineError saying what is wrong."""
    import cv2

    model_path = Path(model_path)
    if not model_path.is_file():
        raise EngineError(f"YuNet face model not found at {model_path}; set {YUNET_ENV} to its path")
    try:
        return cv2.FaceDetectorYN.create(str(model_path), "", (320, 320), score_threshold, 0.3, 5)
    except cv2.error as exc:
        raise EngineError(f"{model_path} is not a usable YuNet model: {exc}") from exc


class MouthCropper:
    """Face -> mouth corners -> a square crop around the mouth, smoothed over frames.

    ``scale`` is the crop side relative to the mouth width; ``smoothing`` the weight of the
    previous box (stops the crop from jittering with the detector). When no face is found the
    last box is kept (or the lower-middle of the frame before any face was seen).
    """

    def __init__(self, model_path: str | Path, *, scale: float = 1.8, smoothing: float = 0.6,
                 score_threshold: float = 0.6) -> None:
        self._detector = open_yunet(model_path, score_threshold)
        self.scale = scale
        self.smoothing = smoothing
        self._box: np.ndarray | None = None  # (cx, cy, side)
        self._size: tuple[int, int] | None = None

    @classmethod
    def for_bundle(cls, bundle) -> "MouthCropper":
        """A cropper for a lip bundle, or an EngineError saying how to provide YuNet."""
        path = find_yunet()
        if path is None:
            raise EngineError(
                f"bundle {bundle.manifest.name} reads lips and needs the YuNet face model: download "
                f"face_detection_yunet (opencv_zoo) and set {YUNET_ENV}=/path/to/yunet.onnx"
            )
        return cls(path)

    def reset(self) -> None:
        """Forget the smoothed box (a new source or a seek)."""
        self._box = None

    def mouth_box(self, image: np.ndarray) -> tuple[int, int, int] | None:
        """(cx, cy, side) of the mouth in an RGB image, or None when no face is found."""
        import cv2

        h, w = image.shape[:2]
        if self._size != (w, h):
            self._detector.setInputSize((w, h))
            self._size = (w, h)
        _, faces = self._detector.detect(cv2.cvtColor(image, cv2.COLOR_RGB2BGR))
        if faces is None or len(faces) == 0:
            return None
        face = faces[int(np.argmax(faces[:, -1]))]
        # YuNet row: box(4), right eye, left eye, nose, right mouth corner, left mouth corner, score
        mr, ml = face[10:12], face[12:14]
        cx, cy = (mr + ml) / 2
        side = max(float(np.linalg.norm(ml - mr)) * self.scale, face[2] * 0.35, 16.0)
        return int(cx), int(cy), int(side)

    def crop(self, image: np.ndarray) -> np.ndarray:
        """The stabilised square mouth crop of an RGB image (RGB, uint8)."""
        return self.crop_with_box(image)[0]

    def crop_with_box(self, image: np.ndarray) -> tuple[np.ndarray, tuple[int, int, int, int]]:
        """The stabilised mouth crop and its box (x0, y0, x1, y1) in the image's pixels."""
        found = self.mouth_box(image)
        h, w = image.shape[:2]
        if found is not None:
            new = np.asarray(found, dtype=np.float64)
            self._box = new if self._box is None else self.smoothing * self._box + (1 - self.smoothing) * new
        box = self._box if self._box is not None else np.array([w / 2, h * 0.7, min(w, h) / 3])
        cx, cy, side = box
        half = side / 2
        x0, y0 = int(max(0, cx - half)), int(max(0, cy - half))
        x1, y1 = int(min(w, cx + half)), int(min(h, cy + half))
        if x1 - x0 < 2 or y1 - y0 < 2:
            return image, (0, 0, w, h)
        return np.ascontiguousarray(image[y0:y1, x0:x1]), (x0, y0, x1, y1)


class MouthCropStage:
    """Lip reading: face -> mouth corners -> a stabilised square crop around the mouth.

    Publishes the crop box as ``Region("mouth", box)`` in the source frame's pixels.
    """

    name = "mouth_crop"

    def __init__(self, cropper) -> None:
        self._cropper = cropper

    @classmethod
    def for_bundle(cls, bundle) -> "MouthCropStage":
        """The stage for a lip bundle; raises EngineError saying how to provide the face model."""
        return cls(MouthCropper.for_bundle(bundle))

    def __call__(self, image: np.ndarray) -> tuple[np.ndarray, tuple[Region, ...]]:
        crop, box = self._cropper.crop_with_box(image)
        return crop, (Region("mouth", box),)

    def reset(self) -> None:
        """Forget the smoothed mouth box."""
        self._cropper.reset()
