"""Lip mode with the shipped grid-lips bundle: the face locator, the stabilised causal mouth
crop, "no face", and words read from real GRID clips (torch-free: the app's own path)."""

from __future__ import annotations

import numpy as np
import pytest

from engine.bundles import load_bundle, shipped_bundles_dir
from engine.core.settings import EngineSettings
from engine.io.sources import open_source
from engine.lips.face import MtcnnLocator
from engine.lips.grammar import SlotGrammar
from engine.lips.mouth import MouthStage, MouthTracker
from engine.pipeline import Recognizer
from engine.runners.offline import analyze_file

BUNDLE = shipped_bundles_dir() / "grid-lips"


@pytest.fixture(scope="module")
def bundle():
    return load_bundle(BUNDLE)


@pytest.fixture(scope="module")
def locator(bundle):
    return MtcnnLocator(bundle.root)


def _frames(path, n=None):
    with open_source(path) as src:
        out = [f.image for f in src]
    return out[:n] if n else out


def _grid_clip(shared_data, stem="bbaf3s"):
    return shared_data / "grid" / "s1" / "video" / f"{stem}.mp4"


def test_locator_finds_the_face_and_its_mouth_corners(locator, shared_data):
    image = _frames(_grid_clip(shared_data), 1)[0]
    faces = locator.detect(image)
    assert len(faces) == 1 and faces[0].score > 0.95
    f = faces[0]
    x0, y0, x1, y1 = f.box
    eyes, mouth = f.eyes, f.mouth_corners
    # Mouth corners below the eyes, left of right, both inside the face box.
    assert mouth[:, 1].min() > eyes[:, 1].max() + 20
    assert mouth[0, 0] < mouth[1, 0] and eyes[0, 0] < eyes[1, 0]
    assert (x0 < mouth[:, 0]).all() and (mouth[:, 0] < x1).all() and (mouth[:, 1] < y1).all()
    # Tracking (O-Net on the last box) keeps the same face within a couple of pixels.
    again = locator.track(image, f)
    assert again is not None and np.abs(again.landmarks - f.landmarks).max() < 3


def test_smoothing_removes_jitter_on_a_still_head(locator, shared_data):
    frames = _frames(_grid_clip(shared_data), 40)
    jitter = {}
    for smooth in (False, True):
        tracker = MouthTracker(locator, smooth=smooth)
        centres = np.array([(o.box.cx, o.box.cy) for o in (tracker.observe(im) for im in frames)])
        jitter[smooth] = float(np.diff(centres, axis=0).std(axis=0).max())
    assert jitter[True] < 0.6 * jitter[False]
    assert jitter[True] < 0.6  # px, frame to frame


def test_crop_is_fixed_size_and_shows_the_mouth(bundle, shared_data):
    stage = MouthStage.for_bundle(bundle)
    image = _frames(_grid_clip(shared_data), 1)[0]
    crop, regions = stage(image)
    assert crop.shape == (*bundle.manifest.input.size, 3) and crop.dtype == np.uint8
    (region,) = regions
    x0, y0, x1, y1 = region.box
    h, w = image.shape[:2]
    assert region.name == "mouth" and w * 0.3 < (x0 + x1) / 2 < w * 0.7 and h * 0.55 < (y0 + y1) / 2 < h * 0.9
    assert stage.observation.state == "face" and stage.last_crop is crop


def test_a_face_leaving_the_frame_is_held_then_dropped(locator, shared_data):
    import cv2

    frames = _frames(_grid_clip(shared_data), 45)
    h, w = frames[0].shape[:2]
    # The real clip, still for 20 frames, then sliding right by 60 px a frame until the face is
    # out of view (a grey background comes in from the left).
    moved = [cv2.warpAffine(f, np.float32([[1, 0, 60 * (k + 1)], [0, 1, 0]]), (w, h), borderValue=(90, 90, 90))
             for k, f in enumerate(frames[20:])]
    tracker = MouthTracker(locator, hold_frames=8)
    states = [tracker.observe(im).state for im in frames[:20] + moved]
    assert states[:20] == ["face"] * 20
    lost = states.index("held")
    assert 20 < lost < 27  # followed while it is still partly in view
    assert states[lost:lost + 8] == ["held"] * 8  # the last box is kept for the hold time...
    assert set(states[lost + 8:]) == {"no_face"}  # ...then dropped
    assert tracker.last.box is None
    crop = tracker.crop(moved[-1])
    assert crop.shape == (48, 96, 3) and (crop == crop.flat[0]).all()  # flat grey: nothing to read


def test_grammar_puts_each_word_in_its_slot():
    tokens = ("<blank>", "bin", "lay", "b", "f", "at")
    g = SlotGrammar(tokens, [["bin", "lay"], ["at"], ["b", "f"]])
    # Frame by frame: a letter "b" narrowly beats "bin" where a command must be.
    logits = np.full((7, len(tokens)), -5.0)
    for t, (tok, score) in enumerate([(0, 5), (3, 5), (0, 5), (5, 5), (0, 5), (4, 5), (0, 5)]):
        logits[t, tok] = score
    logits[1, 1] = 4.5
    words = g.decode(logits)
    assert [w.word for w in words] == ["bin", "at", "f"]
    assert [(w.start, w.end) for w in words] == [(1, 2), (3, 4), (5, 6)]
    assert 0 < words[0].confidence < words[1].confidence <= 1


def test_a_grid_clip_reads_as_its_sentence(bundle, shared_data):
    # A sentence never trained on (one of the 20 that also exist as original MPEG-1), in its
    # re-encoded H.264 copy and its original MPEG-1 file. (The bundle's word error rate on all
    # held-out sentences is in its manifest; this checks the app's path end to end.)
    stem = "bbal6n"
    assert stem in bundle.manifest.training["split_raw"]
    ref = [line.split()[2] for line in (shared_data / "grid" / "s1" / "align" / f"{stem}.align").read_text().split("\n")
           if len(line.split()) == 3 and line.split()[2] not in ("sil", "sp")]
    for clip in (shared_data / "grid" / "s1" / "video" / f"{stem}.mp4", shared_data / "grid" / "s1" / "raw" / f"{stem}.mpg"):
        result = analyze_file(clip, BUNDLE, EngineSettings(device="cpu"))
        words = [t.text for t in result.tokens]
        assert len(words) == 6 and sum(a == b for a, b in zip(words, ref)) >= 5, (clip.name, words, ref)
        assert result.transcript == " ".join(words)
        starts = [t.start_s for t in result.tokens]
        assert starts == sorted(starts) and 0 <= starts[0] and result.tokens[-1].end_s <= result.duration_s + 1e-6
        assert all(0 < t.confidence <= 1 for t in result.tokens)
        # Each record carries the mouth box for the GUI.
        assert all(r.regions and r.regions[0].name == "mouth" for r in result.predictions)


def test_no_face_gives_no_words(clips):
    rec = Recognizer(BUNDLE, EngineSettings(device="cpu"))
    frames = _frames(clips["pool"], 90)
    from engine.core.frames import Frame

    updates = rec.run([Frame(i, i / 30.0, im) for i, im in enumerate(frames)])
    assert updates and all(u.regions == () for u in updates)  # no face: no box to draw
    assert all(u.current is None for u in updates)
    assert rec.finish(3.0) == []


def test_speech_activity_is_on_while_speaking_and_off_for_a_still_mouth(bundle, shared_data):
    frames = _frames(_grid_clip(shared_data))  # silence to frame 17, the sentence to 46, silence
    stage = MouthStage.for_bundle(bundle)
    speaking = [any(r.name == "speaking" for r in stage(im)[1]) for im in frames]
    assert not any(speaking[:15]) and sum(speaking[22:47]) > 15
    stage.reset()
    still = [any(r.name == "speaking" for r in stage(frames[0])[1]) for _ in range(30)]
    assert not any(still)


def test_decoder_reads_utterances_from_sliding_windows_and_skips_faceless_frames():
    from engine.core.decoders import HeadOutput, TickContext
    from engine.lips.reading import LipTranscriptDecoder
    from engine.core.prediction import Region, StageTimings, StreamStats

    tokens = ("<blank>", "bin", "lay", "at", "b", "f")
    grammar = SlotGrammar(tokens, [["bin", "lay"], ["at"], ["b", "f"]])
    # Per-frame truth: silence, "lay at f" (frames 10-24), silence, then the same words again
    # while the face is gone (frames 50-64), then silence. Windows of 20 slide over it.
    plan = [0] * 10 + [2] * 5 + [3] * 5 + [5] * 5 + [0] * 25 + [2] * 5 + [3] * 5 + [5] * 5 + [0] * 20
    frames = np.full((len(plan), len(tokens)), -4.0)
    frames[np.arange(len(plan)), plan] = 4.0
    dec = LipTranscriptDecoder(tokens, EngineSettings(), 25.0, grammar=grammar, lookahead=6, gap=8)
    reported = []
    for t in range(len(plan)):
        face = not 45 <= t < 70
        ctx = TickContext(t, t / 25, t / 25, t, StageTimings(), StreamStats(),
                          (Region("mouth", (0, 0, 10, 10)),) if face else ())
        u = dec.decode(ctx, HeadOutput(frames[max(0, t - 19) : t + 1]) if t >= 19 else None)
        if u.token is not None:
            reported.append(u.token.text)
    words = dec.finish(len(plan) / 25)
    assert [w.text for w in words] == ["lay", "at", "f"]  # nothing read while the face was gone
    assert reported == ["lay", "at", "f"] and dec.transcript == "lay at f"
    assert [round(w.start_s * 25) for w in words] == [10, 15, 20] and round(words[-1].end_s * 25) == 25
