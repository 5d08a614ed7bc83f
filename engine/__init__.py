"""Kinesight's runtime (no Qt, no torch): the folder tree is the architecture.

    core/        frames, the model clock and window, the stage chain, decoders, predictions,
                 post-processing, ONNX Runtime sessions, errors, settings
    bundles/     the bundle format, its safety limits, loading, the bundle's preprocessing
    tasks.py     the task registry: one register_task entry per task subpackage
    actions/     the action task (motion crop)
    lips/        the lip tasks (face, mouth crop, transcript and taught-word decoders)
    sequences/   the time-series task: its manifest section, runner, figures and file readers
    pipeline.py  Recognizer: one frame's walk from stages to the decoded record (read this first)
    io/          sources in; analysis results, events and exports out
    runners/     live, offline, batch and Ray analysis over the pipeline
    version.py   Kinesight's version and what it runs on

Imports go downwards only (runners > pipeline/io/version > bundles > tasks > task subpackages > core);
import-linter contracts in pyproject.toml keep it so.
"""
