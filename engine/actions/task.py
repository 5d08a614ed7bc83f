"""What the ``action`` task runs: its frame stages and its output decoder, built for one bundle.

The registry entry (``engine/tasks.py``) names these two factories.
"""

from __future__ import annotations

from typing import Any

from engine.core.decoders import ActionDecoder
from engine.core.settings import EngineSettings
from engine.core.stages import FrameStage


def frame_stages(bundle: Any, settings: Any = None) -> list[FrameStage]:
    """None for the whole frame; the motion crop for taught bundles (``input.roi = "full+motion"``);
    the pose stage for bundles that read the body (``"pose"``, ``"pose+full"``, ``"pose+person"``);
    the hands stage for bundles that read hand gestures (``"hands"``)."""
    if bundle.manifest.input.hands:
        from engine.hands.stage import HandStage

        return [HandStage.for_bundle(bundle)]
    if bundle.manifest.input.pose:
        from engine.pose.stage import PoseStage

        return [PoseStage.for_bundle(bundle)]
    if bundle.manifest.input.roi == "full+motion":
        from engine.actions.motion import MotionCropStage  # OpenCV: only for taught bundles

        return [MotionCropStage.for_bundle(bundle)]
    return []


def decoder(bundle: Any, settings: EngineSettings) -> ActionDecoder:
    """Softmax, smoothing, hysteresis, top-k; "unknown" above the bundle's open-set threshold."""
    open_set = bundle.manifest.open_set
    return ActionDecoder(bundle.labels, settings, open_set.get("threshold") if open_set else None)
