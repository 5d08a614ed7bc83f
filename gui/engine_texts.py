"""Engine texts in the user's language: the GUI boundary's translation of what the engine reports.

The engine (Qt-free, used by the CLI too) words its reports in English. The GUI recognises the
ones it knows (the CUDA fallback reasons of ``engine.core.runtime``, the stopped-file warning of
``engine.io.sources``) and shows a translated sentence; the engine's own words stay available as
the technical detail. An unknown text is shown as it is rather than hidden.
"""

from __future__ import annotations

import re

from PySide6.QtCore import QCoreApplication, QT_TRANSLATE_NOOP

from engine.core.runtime import NO_DRIVER



def cuda_reason_text(reason: str) -> str:
    """Why CUDA is not used (``ProviderReport.reason``), in the UI language."""
    if not reason:
        return ""
    if reason == NO_DRIVER or "libcuda.so" in reason:
        return QCoreApplication.translate("engine", "no NVIDIA driver found (libcuda.so.1 is missing)")
    m = re.match(r"CUDA library (\S+) not found", reason)
    if m:
        return QCoreApplication.translate("engine", "CUDA library %1 not found: install CUDA 13 and cuDNN 9").replace("%1", m.group(1))
    if reason.startswith("this onnxruntime build has no CUDA provider"):
        return QCoreApplication.translate("engine", "this ONNX Runtime build has no CUDA support")
    if reason.startswith("CUDA session failed"):
        return QCoreApplication.translate("engine", "the GPU could not run the model")
    if reason.startswith("Require cuDNN"):
        return QCoreApplication.translate("engine", "the installed cuDNN version does not fit this ONNX Runtime")
    if reason.startswith("no usable GPU"):
        return QCoreApplication.translate("engine", "no usable GPU, or the CUDA/cuDNN libraries are missing")
    return reason


def warning_text(warning: str) -> str:
    """A source warning (a file that stops early...) in the UI language; unknown ones as they are."""
    m = re.match(r"(.+?): decoding stopped at ([\d.]+) s", warning)
    if m:
        return QCoreApplication.translate("engine", "%1 stops at %2 s: the file is probably truncated or damaged.").replace(
            "%1", m.group(1)).replace("%2", m.group(2))
    m = re.match(r"(.+?) stopped delivering frames after (\d+) frames", warning)
    if m:
        return QCoreApplication.translate("engine", "%1 stopped delivering frames.").replace("%1", m.group(1))
    return warning


# Texts the shipped bundles carry (manifest "description", task names, head kinds): listed here
# so that lupdate collects them into the .ts; ``bundle_text`` looks them up at run time. A
# bundle someone trained keeps its own words.
BUNDLE_TEXTS = (
    # One literal per line: lupdate does not join implicitly concatenated strings.
    QT_TRANSLATE_NOOP("bundle", "Synthetic demo: recognises stick-figure motions (waving, arm_circles, jumping, walking_across, idle) rendered by models/synthetic.py; train your own bundle for real actions."),  # noqa: E501
    QT_TRANSLATE_NOOP("bundle", "Twelve everyday actions (waving, raising the arms, clapping, jumping jacks, squats, bows, punches, kicks, standing, walking on the spot) read from a person's body keypoints; learned from generated body motion only. Anything else is unknown: teach your own actions for it."),  # noqa: E501
    QT_TRANSLATE_NOOP("bundle", "action"),
    QT_TRANSLATE_NOOP("bundle", "lip"),
    QT_TRANSLATE_NOOP("bundle", "lip-words"),
    QT_TRANSLATE_NOOP("bundle", "window"),
    QT_TRANSLATE_NOOP("bundle", "streaming"),
)


def bundle_text(text: str) -> str:
    """A bundle-provided text in the UI language when it is one of the shipped ones."""
    return QCoreApplication.translate("bundle", text) if text else text


# The labels of the shipped default model (everyday-actions), named in the UI language wherever a
# label is shown (overlay, top-k, timeline, model panel). Predictions, exports and rules keep the
# bundle's own label; a bundle someone taught keeps its own words.
LABEL_TEXTS = (
    QT_TRANSLATE_NOOP("label", "wave one arm"),
    QT_TRANSLATE_NOOP("label", "wave both arms"),
    QT_TRANSLATE_NOOP("label", "raise both arms sideways"),
    QT_TRANSLATE_NOOP("label", "raise both arms forward"),
    QT_TRANSLATE_NOOP("label", "clap"),
    QT_TRANSLATE_NOOP("label", "jumping jack"),
    QT_TRANSLATE_NOOP("label", "squat"),
    QT_TRANSLATE_NOOP("label", "bow"),
    QT_TRANSLATE_NOOP("label", "punch"),
    QT_TRANSLATE_NOOP("label", "kick"),
    QT_TRANSLATE_NOOP("label", "stand still"),
    QT_TRANSLATE_NOOP("label", "walk on the spot"),
    QT_TRANSLATE_NOOP("label", "none of these"),
)


def label_text(label: str) -> str:
    """A label as the user reads it: the UI language's name for the shipped default model's
    actions, the bundle's own word for any other."""
    return QCoreApplication.translate("label", label) if label else label
