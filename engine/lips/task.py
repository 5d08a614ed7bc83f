"""What the lip tasks run: the mouth-crop frame stage and their output decoders, built for one bundle.

The registry entries ``lip`` and ``lip-words`` (``engine/tasks.py``) name these factories. The
heavy modules (face locators, OpenCV DNN) are imported only when a lip bundle is loaded.
"""

from __future__ import annotations

from typing import Any

from engine.core.decoders import OutputDecoder
from engine.core.settings import EngineSettings
from engine.core.stages import FrameStage


def frame_stages(bundle: Any, settings: EngineSettings | None = None) -> list[FrameStage]:
    """A bundle that ships the MTCNN face locator gets the causal stabilised crop of
    engine/lips/mouth.py (with the face mesh's lip landmarks when ``settings.lip_landmarks``
    asks); one without it keeps the YuNet cropper of engine/lips/yunet.py."""
    from engine.lips.face import FACE_FILES

    if all((bundle.root / f).is_file() for f in FACE_FILES):
        from engine.lips.mouth import MouthStage

        return [MouthStage.for_bundle(bundle, settings.lip_landmarks if settings is not None else "off")]
    from engine.lips.yunet import MouthCropStage

    return [MouthCropStage.for_bundle(bundle)]


def transcript_decoder(bundle: Any, settings: EngineSettings) -> OutputDecoder:
    """Timed words and a running transcript. A lip reader made by models/lipread.py (it ships its
    grammar) answers for every step of a window: engine/lips/reading.py reads each frame with
    look-ahead and decodes utterances."""
    from engine.lips.grammar import GRAMMAR_FILE

    if (bundle.root / GRAMMAR_FILE).is_file():
        from engine.lips.reading import LipTranscriptDecoder

        return LipTranscriptDecoder.for_bundle(bundle, settings)
    from engine.lips.transcript import TranscriptDecoder

    return TranscriptDecoder(bundle.labels, settings, bundle.manifest.window.sample_fps)


def words_decoder(bundle: Any, settings: EngineSettings) -> OutputDecoder:
    """Taught silent commands, decoded like actions (engine/lips/words.py)."""
    from engine.lips.words import LipWordsDecoder

    return LipWordsDecoder.for_bundle(bundle, settings)


# The region name the mouth stages publish for the mouth they found (engine/lips/mouth.py, yunet.py).
MOUTH_REGION = "mouth"


def result_warnings(source: str, records: list, tokens: list) -> list[str]:
    """A whole clip read: warn when a face was found and answered for, yet no word was read (the
    user would otherwise see an empty transcript and no reason). Clips too short to answer are
    left to the short-clip warning."""
    if tokens or any(getattr(r, "transcript", "") for r in records):
        return []
    saw_face = any(reg.name == MOUTH_REGION for r in records for reg in r.regions)
    answered = any(r.state.value != "warming_up" for r in records)
    if not (saw_face and answered):
        return []
    return [f"{source}: a face was found but no word was read: the mouth did not move as in speech, or the "
            "reader does not know this face (a lip reader reads the people and words it was trained on; the "
            "shipped grid-lips knows one GRID speaker saying GRID sentences and reads other faces poorly or not "
            "at all). To read your own words, teach them (docs/lip-mode.md)"]


def check_bundle(bundle: Any) -> None:
    """Refuse a lip bundle whose speaker check (lip_novelty.npz) is unlisted, damaged or does not
    fit its features; a bundle without one is fine (its words are not checked)."""
    from engine.lips.novelty import load_novelty

    load_novelty(bundle)
