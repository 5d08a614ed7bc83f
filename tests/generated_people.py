"""How many of the twelve everyday actions a bundle's head names right on generated people it never
saw (tests/models/test_everyday_bundle.py, test_teach_on_top.py)."""

from __future__ import annotations

from collections import Counter

import numpy as np
import onnxruntime as ort

from engine.bundles import load_bundle
from models.everyday import WINDOW, clip_features
from models.posegen import ACTION_TITLES, ACTIONS, NoiseModel


def generated_actions_right(bundle_dir, first_seed: int) -> int:
    """One generated clip per action (seeds ``first_seed + k``, new bodies, cameras and speeds)
    through the bundle's own head.onnx and unknown threshold: the actions whose most frequent
    accepted label is their own."""
    bundle = load_bundle(bundle_dir)
    head = ort.InferenceSession(str(bundle.head_path), providers=["CPUExecutionProvider"])
    thr = bundle.manifest.open_set["threshold"]
    labels = list(bundle.labels)
    right = 0
    for k, name in enumerate(ACTIONS):
        feats = clip_features(name, first_seed + k, NoiseModel())[0]
        windows = np.stack([feats[i:i + WINDOW] for i in range(0, len(feats) - WINDOW + 1, 4)]).astype(np.float32)
        logits, novelty = head.run(None, {"features": windows})
        said = Counter(labels[i] for i, n in zip(logits.argmax(1), novelty) if n <= thr)
        right += bool(said) and said.most_common(1)[0][0] == ACTION_TITLES[name]
    return right
