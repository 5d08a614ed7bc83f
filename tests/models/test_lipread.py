"""Building a lip bundle: MTCNN export parity, the GRID split, targets, export to a loadable bundle."""

from __future__ import annotations

import numpy as np
import pytest

import importlib.util  # noqa: E402

pytest.importorskip("torch")
if importlib.util.find_spec("facenet_pytorch") is None:  # its __init__ needs `requests`: look, do not import
    pytest.skip("facenet-pytorch (the [train] extra) is not installed", allow_module_level=True)

from engine.bundles import load_bundle  # noqa: E402
from engine.lips.face import FACE_FILES, MtcnnLocator  # noqa: E402
from models import lipread  # noqa: E402
from models.face_export import _mtcnn_module, export_mtcnn  # noqa: E402


@pytest.fixture(scope="module")
def face_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("face")
    export_mtcnn(out)
    return out


def test_exported_locator_agrees_with_facenet_pytorch(face_dir, shared_data):
    """The torch-free cascade finds the same face and landmarks as facenet-pytorch's MTCNN."""
    import torch

    from engine.io.sources import open_source

    with open_source(shared_data / "grid" / "s1" / "video" / "bbaf3s.mp4") as src:
        image = next(iter(src)).image
    m = _mtcnn_module()
    from _kinesight_facenet.models.utils.detect_face import detect_face  # loaded by _mtcnn_module

    nets = [m.PNet().eval(), m.RNet().eval(), m.ONet().eval()]
    with torch.no_grad():
        boxes, points = detect_face(image, 40, *nets, [0.6, 0.7, 0.7], 0.709, "cpu")
    want_points = np.asarray(points[0], dtype=float)[0]
    faces = MtcnnLocator(face_dir).detect(image)
    assert len(faces) == 1 and len(np.asarray(boxes[0])) == 1
    # OpenCV's area resampling differs slightly from torch's, so allow a pixel or two.
    assert np.abs(faces[0].landmarks - want_points).max() < 2.5


def test_split_keeps_the_raw_sentences_and_validation_out_of_training():
    ids = lipread.split_ids()
    assert len(ids["raw"]) == 20 and len(ids["val"]) == 40
    assert not (set(ids["train"]) & (set(ids["raw"]) | set(ids["val"])))
    assert len(ids["train"]) + 60 == 800


def test_targets_follow_the_alignment():
    seq, frames = lipread.frame_targets("bbaf3s", 75)
    assert [lipread.TOKENS[t] for t in seq] == ["bin", "blue", "at", "f", "three", "soon"]
    assert frames[0] == 0 and lipread.TOKENS[frames[20]] == "bin" and frames[-1] == 0
    assert len(lipread.TOKENS) == 52 and lipread.TOKENS[0] == "<blank>"


def test_export_writes_a_loadable_lip_bundle(face_dir, tmp_path):
    import torch

    backbone, head = lipread.build_model()
    ck = tmp_path / "ck.pt"
    torch.save({"backbone": backbone.state_dict(), "head": head.state_dict(), "epoch": 0}, ck)
    out = lipread.export(ck, tmp_path / "bundle", face_dir)
    b = load_bundle(out)
    assert b.manifest.task == "lip" and b.manifest.input.roi == "mouth" and b.labels == lipread.TOKENS
    assert all((out / f).is_file() for f in FACE_FILES) and (out / "grammar.json").is_file()
    assert "CC BY 4.0" in (out / "README.md").read_text()
    # Augmentation keeps shape and type (it runs on every training clip).
    clip = np.random.default_rng(0).integers(0, 255, (5, 48, 96), dtype=np.uint8)
    aug = lipread.augment_clip(clip, np.random.default_rng(1))
    assert aug.shape == clip.shape and aug.dtype == np.uint8
