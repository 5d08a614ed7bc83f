"""Backbones: real ImageNet weights (checked on real photographs), preprocessing carried along,
and a clear error instead of silent random weights when torchvision weights are missing."""

from __future__ import annotations

import pytest
import torch
from skimage import data

from engine.bundles.preprocess import preprocess
from models.backbones import BACKBONES, WeightsUnavailable, build_backbone, imagenet_categories


def _top5(backbone, image) -> list[str]:
    x = torch.from_numpy(preprocess([image], backbone.input_spec))
    with torch.no_grad():
        probs = backbone.classify(x).softmax(1)[0]
    cats = imagenet_categories()
    return [cats[i] for i in probs.topk(5).indices]


def test_efficientnet_lite0_weights_are_real_imagenet_weights():
    bb = build_backbone("efficientnet_lite0")
    coffee = _top5(bb, data.coffee())
    cat = _top5(bb, data.chelsea())
    assert coffee[0] == "espresso", coffee
    assert cat[0] in {"tabby", "tiger cat", "Egyptian cat"}, cat
    # the preprocessing the TF-converted weights expect travels with the backbone
    spec = bb.input_spec
    assert spec.size == (224, 224) and spec.colour == "RGB"
    assert spec.mean == pytest.approx((127 / 255,) * 3) and spec.std == pytest.approx((128 / 255,) * 3)
    with torch.no_grad():
        feats = bb(torch.from_numpy(preprocess([data.coffee(), data.chelsea()], spec)))
    assert feats.shape == (2, bb.feature_dim) == (2, 1280)
    # a cup and a cat are not the same picture to the features either
    assert torch.nn.functional.cosine_similarity(feats[0], feats[1], dim=0) < 0.7


@pytest.mark.parametrize("name", [n for n in BACKBONES if n != "efficientnet_lite0"])
def test_torchvision_backbone_without_weights_says_how_to_get_them(name, tmp_path, monkeypatch):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))  # an empty hub cache; no download is attempted
    with pytest.raises(WeightsUnavailable) as info:
        build_backbone(name)
    msg = str(info.value)
    assert str(tmp_path / "hub" / "checkpoints") in msg  # where to put the file
    assert "--weights" in msg and "https://download.pytorch.org/models/" in msg


def test_torchvision_backbone_loads_weights_from_a_given_path(tmp_path):
    donor = build_backbone("mobilenet_v3_small", pretrained=False)
    full = {f"features.{k}": v for k, v in donor.features[0].state_dict().items()}
    full.update({f"classifier.{k}": v for k, v in donor.classifier.state_dict().items()})
    path = tmp_path / "mnv3s.pth"
    torch.save(full, path)
    bb = build_backbone("mobilenet_v3_small", weights=path)
    x = torch.rand(2, 3, 224, 224)
    with torch.no_grad():
        assert torch.allclose(bb(x), donor(x), atol=1e-6)
        assert bb(x).shape == (2, bb.feature_dim) == (2, 576)
        assert bb.classify(x).shape == (2, 1000)
    assert bb.input_spec.mean == (0.485, 0.456, 0.406)


@pytest.mark.parametrize(("name", "dim", "size"), [
    ("mobilenet_v2", 1280, 224), ("inception_v3", 2048, 299),
])
def test_torchvision_backbones_share_the_feature_interface(name, dim, size):
    bb = build_backbone(name, pretrained=False)  # random weights only because the test asks for them
    assert bb.feature_dim == dim and bb.input_spec.size == (size, size)
    with torch.no_grad():
        x = torch.rand(1, 3, size, size)
        assert bb(x).shape == (1, dim)
        assert bb.classify(x).shape == (1, 1000)
