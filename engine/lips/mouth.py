"""Causal, stabilised mouth crop: face locator -> landmarks -> smoothed rotated box -> fixed-size crop.

Each frame is handled from the past alone (no look-ahead), so live and offline crops are
identical. Per frame:

1. Locate: a full detection (image pyramid) every ``detect_every`` frames or when the face was
   lost; in between the locator's cheap ``track`` (MTCNN's O-Net on the previous face box,
   about 1 ms) follows the head and refreshes the landmarks. With several faces, the one that
   overlaps the tracked face wins, else the largest.
2. Measure: centre = mean of the mouth corners; angle = the eye line's (the eyes are further
   apart than the mouth corners, so the angle is steadier, and it does not tilt when one mouth
   corner moves while speaking); size from the eye distance and the eye-mouth distance (not the
   mouth width, which changes with every vowel and would zoom the crop while speaking).
3. Smooth: a One-Euro filter (Casiez et al. 2012) per quantity: heavy smoothing while the head
   is still (removes detector jitter), little when it moves (follows real motion without lag).
4. Hold: when the face is not found, the last box is kept for ``hold_frames`` ("held"), then
   the state becomes "no_face" and the crop is flat grey (so a model sees nothing to read).
5. Crop: one affine warp (rotation + scale) to ``out_size`` (H, W), RGB or grayscale.
6. Speech activity: how much the mouth band of the crop changes over the last 0.4 s
   (:class:`SpeechActivity`), for a "speaking / not speaking" signal that works for any face.

What was found is published as :attr:`MouthTracker.last` (a :class:`MouthObservation`) for the
GUI to draw: the state, the rotated box and its corners in image pixels, the face and its
landmarks.

Lip landmarks (optional, ``mesh``): MediaPipe's face mesh (``engine/lips/facemesh.py``) runs on
the located face every frame and publishes the lips' shape (:class:`~engine.lips.facemesh.LipShape`:
40 contour points, width, opening, normalised to the face). With ``align="lips"`` the crop is
placed by the mesh's mouth corners instead (centre = their midpoint, angle = their line, width =
``LIP_SCALE`` x their distance); the shipped reader was trained on the default crop, so that is
for measuring (bench/bench_lip_landmarks.py), not the default.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Literal, Protocol

import cv2
import numpy as np

from engine.lips.face import Face, iou
from engine.lips.facemesh import LipShape

FaceState = Literal["face", "held", "no_face"]

# Crop width relative to the face reference length (mean of eye distance and eye-mouth
# distance). On GRID s1 the reference is about 1.1 mouth widths, so 2.0 gives a crop about 2.2
# mouth widths wide, as the measured lip-reading recipe used.
DEFAULT_SCALE = 2.0
# Crop width relative to the face mesh's mouth-corner distance with ``align="lips"``: 2.0 face
# reference lengths are about this many corner distances on GRID s1 (same crop size on average).
LIP_SCALE = 2.5
GREY = 128
ALIGNS = ("face", "lips")


class Locator(Protocol):
    def detect(self, image: np.ndarray) -> list[Face]: ...
    def track(self, image: np.ndarray, previous: Face) -> Face | None: ...


class OneEuro:
    """One-Euro filter for one scalar: cutoff = min_cutoff + beta * |speed| (Hz, units/s)."""

    def __init__(self, min_cutoff: float, beta: float, d_cutoff: float = 1.0) -> None:
        self.min_cutoff, self.beta, self.d_cutoff = min_cutoff, beta, d_cutoff
        self.x: float | None = None
        self.dx = 0.0

    @staticmethod
    def _alpha(cutoff: float, dt: float) -> float:
        tau = 1.0 / (2 * math.pi * cutoff)
        return 1.0 / (1.0 + tau / dt)

    def reset(self) -> None:
        self.x, self.dx = None, 0.0

    def __call__(self, x: float, dt: float) -> float:
        if self.x is None:
            self.x, self.dx = x, 0.0
            return x
        dx = (x - self.x) / dt
        a_d = self._alpha(self.d_cutoff, dt)
        self.dx = a_d * dx + (1 - a_d) * self.dx
        cutoff = self.min_cutoff + self.beta * abs(self.dx)
        a = self._alpha(cutoff, dt)
        self.x = a * x + (1 - a) * self.x
        return self.x


@dataclass(frozen=True)
class MouthBox:
    """A rotated box in image pixels: centre, width, height, angle (radians, image y down)."""

    cx: float
    cy: float
    width: float
    height: float
    angle: float

    def corners(self) -> np.ndarray:
        """(4, 2) float32 corners (top-left, top-right, bottom-right, bottom-left of the crop)."""
        c, s = math.cos(self.angle), math.sin(self.angle)
        hw, hh = self.width / 2, self.height / 2
        local = np.array([[-hw, -hh], [hw, -hh], [hw, hh], [-hw, hh]], dtype=np.float32)
        rot = np.array([[c, -s], [s, c]], dtype=np.float32)
        return local @ rot.T + np.array([self.cx, self.cy], dtype=np.float32)


@dataclass(frozen=True)
class MouthObservation:
    """What the mouth stage found in one frame (published for the GUI and the decoder).

    state: "face" (located this frame), "held" (not found, last box kept for a short dropout),
    "no_face" (gone longer than the hold time: no box, grey crop).
    box: the smoothed crop box, None in "no_face". face: the located face this frame (None when
    held or absent). frame: index of the frame since the last reset. activity/speaking: the
    visual speech-activity signal (see :class:`SpeechActivity`) after this frame's crop.
    """

    frame: int
    state: FaceState
    box: MouthBox | None
    face: Face | None
    activity: float = 0.0
    speaking: bool = False
    lips: "LipShape | None" = None  # the face mesh's lips this frame (trackers with a mesh only)

    @property
    def has_face(self) -> bool:
        return self.state != "no_face"


def measure(face: Face, scale: float = DEFAULT_SCALE, aspect: float = 0.5) -> tuple[float, float, float, float]:
    """Raw (cx, cy, width, angle) of the mouth crop for one face (before smoothing)."""
    lm = face.landmarks.astype(np.float64)
    eye_l, eye_r, _, m_l, m_r = lm
    cx, cy = (m_l + m_r) / 2
    eye_mid = (eye_l + eye_r) / 2
    ref = 0.5 * (np.linalg.norm(eye_r - eye_l) + np.linalg.norm((m_l + m_r) / 2 - eye_mid))
    d = eye_r - eye_l
    angle = math.atan2(d[1], d[0])
    return float(cx), float(cy), float(max(ref * scale, 8.0)), angle


def measure_lips(lips: LipShape, scale: float = LIP_SCALE) -> tuple[float, float, float, float]:
    """Raw (cx, cy, width, angle) of a crop placed by the face mesh's mouth corners."""
    (x0, y0), (x1, y1) = lips.corners.astype(np.float64)
    return (x0 + x1) / 2, (y0 + y1) / 2, max(math.hypot(x1 - x0, y1 - y0) * scale, 8.0), math.atan2(y1 - y0, x1 - x0)


def warp_crop(image: np.ndarray, box: MouthBox, out_size: tuple[int, int], gray: bool = False) -> np.ndarray:
    """The rotated box of ``image`` resampled to ``out_size`` (H, W): uint8 RGB, or (H, W) gray."""
    out_h, out_w = out_size
    s = out_w / box.width  # output pixels per image pixel (the box keeps the output's aspect)
    c, si = math.cos(box.angle) * s, math.sin(box.angle) * s
    # Image -> crop: rotate by -angle about the box centre, scale, move the centre to the middle.
    m = np.array([[c, si, out_w / 2 - (c * box.cx + si * box.cy)],
                  [-si, c, out_h / 2 - (-si * box.cx + c * box.cy)]], dtype=np.float64)
    src = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY) if gray and image.ndim == 3 else image
    return cv2.warpAffine(src, m, (out_w, out_h), flags=cv2.INTER_AREA if s < 1 else cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_REPLICATE)


class SpeechActivity:
    """Is the mouth moving as in speech? A causal signal from the stabilised crops.

    activity = mean absolute frame-to-frame change of the crop's mouth band, relative to the
    band's contrast, averaged over the last ``window`` frames (0.4 s at 25 fps). Speech keeps
    lips and jaw moving; a still or merely breathing face does not. ``speaking`` switches on
    above ``on`` and off below ``off`` (hysteresis). Calibrated on GRID s1 crops against the
X
    """

    def __init__(self, window: int = 10, on: float = 0.105, off: float = 0.085) -> None:
        self.window, self.on, self.off = window, on, off
        self.reset()

    def reset(self) -> None:
        self._prev: np.ndarray | None = None
        self._contrast: float | None = None
        self._recent: list[float] = []
        self.speaking = False
        self.activity = 0.0

    def update(self, crop: np.ndarray | None) -> tuple[float, bool]:
        """Feed this frame's crop (None when there is no face); returns (activity, speaking)."""
        if crop is None:
            self.reset()
            return 0.0, False
        gray = cv2.cvtColor(crop, cv2.COLOR_RGB2GRAY) if crop.ndim == 3 else crop
        h, w = gray.shape
        band = gray[int(h * 0.2) : int(h * 0.9), int(w * 0.2) : int(w * 0.8)].astype(np.float32)
        std = float(band.std())
        self._contrast = std if self._contrast is None else 0.95 * self._contrast + 0.05 * std
        if self._prev is not None:
            self._recent.append(float(np.abs(band - self._prev).mean()) / (self._contrast + 5.0))
            del self._recent[: -self.window]
        self._prev = band
        self.activity = float(np.mean(self._recent)) if self._recent else 0.0
        if self.speaking and self.activity < self.off:
            self.speaking = False
        elif not self.speaking and self.activity > self.on:
            self.speaking = True
        return self.activity, self.speaking


class MouthTracker:
    """Causal stabilised mouth crops from a face locator (see the module docstring).

    out_size: (H, W) of the crop; gray: one-channel output; scale: crop width relative to the
    face reference length; detect_every: full detection period in frames; hold_frames: frames a
    lost face's box is kept; idle_every: detection period while no face is tracked;
    fps: frame rate assumed when ``crop`` gets no timestamp;
    smooth: False turns the One-Euro filters off (raw per-frame boxes, for comparison);
    mesh: a :class:`~engine.lips.facemesh.FaceMesh` for lip landmarks (None: none);
    align: "face" (the locator's eyes and mouth place the crop) or "lips" (the mesh's mouth corners).
    """

    def __init__(self, locator: Locator, *, out_size: tuple[int, int] = (48, 96), gray: bool = False,
                 scale: float = DEFAULT_SCALE, detect_every: int = 10, hold_frames: int = 12,
                 fps: float = 25.0, smooth: bool = True, idle_every: int = 3, mesh=None, align: str = "face") -> None:
        if align not in ALIGNS or (align == "lips" and mesh is None):
            raise ValueError(f"align must be one of {ALIGNS}; 'lips' needs a face mesh")
        self.locator = locator
        self.mesh = mesh
        self.align = align
        self.out_size = (int(out_size[0]), int(out_size[1]))
        self.gray = gray
        self.scale = scale
        self.detect_every = max(1, int(detect_every))
        self.hold_frames = int(hold_frames)
        self.fps = float(fps)
        self.smooth = smooth
        self.idle_every = max(1, int(idle_every))
        self.speech = SpeechActivity()
        # Position follows speed strongly (beta): a moving head is followed within a frame or
        # two; size and angle change slowly on a real face, so they are smoothed harder.
        self._filters = {"cx": OneEuro(1.0, 0.05), "cy": OneEuro(1.0, 0.05),
                         "w": OneEuro(0.5, 0.02), "a": OneEuro(0.5, 0.5)}
        self.reset()

    def reset(self) -> None:
        """Forget the tracked face and the filters (a new source, or a seek)."""
        self._face: Face | None = None
        self._box: MouthBox | None = None
        self._frame = -1
        self._last_detect = -10**9
        self._missed = 0
        self._t: float | None = None
        for f in self._filters.values():
            f.reset()
        self.speech.reset()
        self.last = MouthObservation(-1, "no_face", None, None)

    def _choose(self, faces: list[Face]) -> Face | None:
        if not faces:
            return None
        if self._face is not None:
            best = max(faces, key=lambda f: iou(f.box, self._face.box))
            if iou(best.box, self._face.box) > 0.3:
                return best
        return max(faces, key=lambda f: f.area)

    def _locate(self, image: np.ndarray) -> Face | None:
        due = self._frame - self._last_detect >= self.detect_every
        if self._face is not None and not due:
            face = self.locator.track(image, self._face)
            if face is not None:
                return face
            due = True  # lost while tracking: look again at once
        # With no face in view, a full detection every frame would cost the most exactly when
        # nothing is there: look every ``idle_every`` frames (about 0.1 s at 25 fps).
        if due or (self._face is None and self._frame - self._last_detect >= self.idle_every):
            self._last_detect = self._frame
            return self._choose(self.locator.detect(image))
        return None

    def observe(self, image: np.ndarray, t: float | None = None) -> MouthObservation:
        """Locate and smooth the mouth box of one RGB frame (``t`` in seconds, optional)."""
        self._frame += 1
        dt = 1.0 / self.fps
        if t is not None:
            if self._t is not None and t > self._t:
                dt = t - self._t
            self._t = t
        face = self._locate(image)
        lips = self.mesh.lips(image, face) if face is not None and self.mesh is not None else None
        if face is not None:
            if self.align == "lips" and lips is not None:
                cx, cy, w, a = measure_lips(lips, self.scale / DEFAULT_SCALE * LIP_SCALE)
            else:
                cx, cy, w, a = measure(face, self.scale, self.out_size[0] / self.out_size[1])
            if self._box is None:  # (re)acquired: start the filters here, no glide from the past
                for f in self._filters.values():
                    f.reset()
            if self.smooth:
                cx, cy = self._filters["cx"](cx, dt), self._filters["cy"](cy, dt)
                w, a = self._filters["w"](w, dt), self._filters["a"](a, dt)
            h = w * self.out_size[0] / self.out_size[1]
            self._box = MouthBox(cx, cy, w, h, a)
            self._face, self._missed = face, 0
            state: FaceState = "face"
        else:
            self._missed += 1
            if self._box is not None and self._missed <= self.hold_frames:
                state = "held"
            else:
                self._box, self._face, state = None, None, "no_face"
        self.last = MouthObservation(self._frame, state, self._box, face, lips=lips)
        return self.last

    def crop(self, image: np.ndarray, t: float | None = None) -> np.ndarray:
        """Observe one RGB frame and return its mouth crop at ``out_size`` (grey when no face)."""
        obs = self.observe(image, t)
        if obs.box is None:
            self.speech.update(None)
            shape = self.out_size if self.gray else (*self.out_size, 3)
            return np.full(shape, GREY, dtype=np.uint8)
        crop = warp_crop(image, obs.box, self.out_size, self.gray)
        activity, speaking = self.speech.update(crop)
        self.last = dataclasses.replace(obs, activity=activity, speaking=speaking)
        return crop


class MouthStage:
    """Lip mode's frame stage (``engine.core.stages.FrameStage``): RGB frame -> mouth crop at the
    bundle's input size, publishing ``Region("mouth", (x0, y0, x1, y1))`` (the integer bounds of
    the rotated crop box, in the frame's pixels) while a face is seen or held, and no region in
    the "no face" state; ``Region("speaking", same box)`` is added while the mouth moves as in
    speech. :attr:`observation` has the full :class:`MouthObservation` (rotated
    box corners, landmarks, state) and :attr:`last_crop` the crop, for a GUI that draws them.
    """

    name = "mouth_crop"

    def __init__(self, tracker: MouthTracker) -> None:
        self.tracker = tracker
        self.last_crop: np.ndarray | None = None

    @classmethod
    def for_bundle(cls, bundle, landmarks: str = "off") -> "MouthStage":
        """The stage for a lip bundle: the MTCNN locator the bundle ships, or YuNet when the
        bundle ships none and the user has its file; else an EngineError saying what to do.
        ``landmarks`` (``EngineSettings.lip_landmarks``): "off"; "points" (the face mesh's lips
        are published, the crop is unchanged); "crop" (the crop is placed by the lip corners too)."""
        from engine.core.errors import EngineError
        from engine.lips.face import FACE_FILES, MtcnnLocator, YunetLocator
        from engine.lips.yunet import YUNET_ENV, find_yunet

        m = bundle.manifest
        if all((bundle.root / f).is_file() for f in FACE_FILES):
            locator = MtcnnLocator(bundle.root)
        else:
            path = find_yunet()
            if path is None:
                raise EngineError(
                    f"bundle {m.name} reads lips but ships no face locator ({', '.join(FACE_FILES)}); "
                    f"use a lip bundle made by models/lipread.py (e.g. resources/bundles/grid-lips), or "
                    f"download face_detection_yunet (opencv_zoo) and set {YUNET_ENV}=/path/to/yunet.onnx"
                )
            locator = YunetLocator(path)
        mesh = None
        if landmarks != "off":
            from engine.lips.facemesh import FaceMesh

            mesh = FaceMesh()
        return cls(MouthTracker(locator, out_size=tuple(m.input.size), fps=m.window.sample_fps, mesh=mesh,
                                align="lips" if landmarks == "crop" else "face"))

    @property
    def observation(self) -> MouthObservation:
        return self.tracker.last

    def __call__(self, image: np.ndarray):
        from engine.core.prediction import Region

        crop = self.tracker.crop(image)
        self.last_crop = crop
        box = self.tracker.last.box
        if box is None:
            return crop, ()
        h, w = image.shape[:2]
        c = box.corners()
        x0, y0 = int(max(0, np.floor(c[:, 0].min()))), int(max(0, np.floor(c[:, 1].min())))
        x1, y1 = int(min(w, np.ceil(c[:, 0].max()))), int(min(h, np.ceil(c[:, 1].max())))
        region = (x0, y0, max(x1, x0 + 1), max(y1, y0 + 1))
        # "speaking" (same box) while the speech-activity signal is on, so a GUI can show it
        # and a timeline can collect it into segments.
        extra = (Region("speaking", region),) if self.tracker.last.speaking else ()
        lips = self.tracker.last.lips
        # With lip landmarks, the mouth region carries the 40 lip points (outer, then inner contour).
        points = tuple((float(x), float(y), 1.0) for x, y in lips.points) if lips is not None else ()
        return crop, (Region("mouth", region, points), *extra)

    def reset(self) -> None:
        self.tracker.reset()
        self.last_crop = None
