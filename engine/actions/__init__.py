"""The ``action`` task: what the person does, one label per window.

    motion.py  MotionCropper and its frame stage: the crop that follows what moves (taught
               bundles, ``input.roi = "full+motion"``)
    task.py    the factories the registry entry names: frame stages, output decoder
    unsure.py  the stretches an analysis was least sure of (what "Ask where unsure" lists)

The decoder itself (softmax, smoothing, hysteresis, top-k, "unknown") is the core's
:class:`~engine.core.decoders.ActionDecoder`, which taught lip words share.
"""
