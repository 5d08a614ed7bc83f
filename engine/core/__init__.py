"""The core every task and runner builds on; it knows no task, no bundle file and no source.

    errors.py      the typed error tree (KinesightError and its kinds)
    settings.py    EngineSettings: the user's settings, one source of defaults for CLI and GUI
    frames.py      Frame records, the FrameSource interface, FrameRing (bounded, drop-oldest)
    window.py      ModelClock (the model's own clock) and FeatureWindow (the last T features)
    stages.py      the FrameStage interface and the chain that runs a task's stages in order
    decoders.py    HeadOutput/TickContext, the OutputDecoder interface, ActionDecoder
    postprocess.py softmax, smoothing, hysteresis, thresholds
    prediction.py  the records the engine reports: Prediction, TranscriptUpdate, Region, timings
    runtime.py     ONNX Runtime sessions: providers, CUDA fallback, threads, fixed batches
    memory.py      malloc tuning for long runs
"""
