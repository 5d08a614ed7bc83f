"""The lip task's output decoder: per-window token logits -> timed words and a running transcript.

A lip bundle's head reads a window of T mouth-crop features and answers with logits for every
step of it (``(S, V)``: blank/silence first, then words). A bidirectional head is most sure about
a frame when it has seen some frames after it, so each frame's answer is taken from the first
window in which at least ``lookahead`` later frames follow it (about one second; at the end of a
stream, from the last window). Those per-frame answers accumulate into an utterance; an
utterance ends at a silence (``gap`` frames of confident blank while the mouth is still) or
where the face was lost,
and is then decoded as a whole:

- with the bundle's grammar (``grammar.json``, e.g. GRID's command colour preposition letter
  digit adverb) by Viterbi over the grammar (:class:`engine.lips.grammar.SlotGrammar`), when the
  utterance holds enough words to be a sentence; otherwise, or without a grammar, greedily;
- every word gets its start/end time (model clock) and a confidence (its mean posterior);
- when the bundle carries the speaker check (``lip_novelty.npz``, :mod:`engine.lips.novelty`),
  every word also gets a :class:`ReadingCheck`: whether the reader can vouch for it and why not
  (another face, posteriors that fit no sentence, a word it is unsure of). The check measures
  each tick's backbone feature against the training speaker's statistics as the tick arrives.

While an utterance is open, ``current`` on each update is the word the newest answered frame
shows (provisional), and ``partial`` the open utterance's words so far: its answered frames and
the newest window's frames not yet answered, decoded greedily (provisional: the final words come
when it closes, decoded as above, and equal what an offline analysis of the same frames gives).
While the window is still warming up the pipeline hands over padded windows
(``reads_padded_windows``; ``HeadOutput.valid`` real steps at the end): they feed ``partial``
and ``current`` at once, and when a stream ends before the window ever filled (an utterance
shorter than the window), the last of them is read as the whole stream. Frames without a face (the mouth stage published no "mouth" region)
count as silence, so a video without a face yields no words; a frame where the mouth stage
reports "speaking" never counts as silence.
"""

from __future__ import annotations

import numpy as np

from engine.core.decoders import HeadOutput, TickContext
from engine.core.prediction import PredictionState, TimedToken, TranscriptUpdate
from engine.core.settings import EngineSettings
from engine.lips.grammar import DecodedWord, SlotGrammar, greedy_words, log_softmax
from engine.lips.novelty import SpeakerNovelty, load_novelty

BLANK = 0
# A recording that starts with speech within this many frames (0.24 s) was cut mid-sentence
# (GRID's sentences start after 0.5-0.7 s of silence).
EDGE = 6


class LipTranscriptDecoder:
    """Timed words from a lip bundle's per-step logits (see the module docstring).

    labels: token vocabulary, blank first; sample_fps: the model clock; grammar: optional
    sentence grammar; lookahead: frames of future context a frame's answer waits for;
    gap: frames of confident silence that end an utterance; novelty: the speaker check (None:
    words are not checked).
    """

    reads_padded_windows = True  # see the module docstring

    def __init__(self, labels: tuple[str, ...], settings: EngineSettings, sample_fps: float, *,
                 grammar: SlotGrammar | None = None, lookahead: int = 25, gap: int = 12,
                 region: str = "mouth", novelty: SpeakerNovelty | None = None) -> None:
        self.labels = labels
        self.novelty = novelty
        self.period_s = 1.0 / sample_fps
        self.grammar = grammar
        self.lookahead = lookahead
        self.gap = gap
        self.region = region
        self.configure(settings)
        self.reset()

    @classmethod
    def for_bundle(cls, bundle, settings: EngineSettings) -> "LipTranscriptDecoder":
        grammar = SlotGrammar.load(bundle.root, bundle.labels)
        return cls(bundle.labels, settings, bundle.manifest.window.sample_fps, grammar=grammar,
                   lookahead=min(25, max(0, bundle.manifest.window.window_length // 3)),
                   novelty=load_novelty(bundle))

    def configure(self, settings: EngineSettings) -> None:
        self.threshold = settings.threshold

    def reset(self) -> None:
        self.tokens: list[TimedToken] = []
        self._rows: list[np.ndarray] = []  # log-probs of the open utterance's frames
        self._row_faces: list[bool] = []
        self._row_dist: list[float] = []  # speaker distances of the open utterance's face frames
        self._sentences = 0  # utterances decoded into words so far
        self._start = 0  # tick of self._rows[0]
        self._next = 0  # first tick without an answer yet
        self._faces: dict[int, bool] = {}  # tick -> face seen (ticks not yet answered)
        self._speaking: dict[int, bool] = {}  # tick -> the mouth moved as in speech
        self._dist: dict[int, float] = {}  # tick -> speaker distance of its feature (with a check)
        self._last: tuple[int, np.ndarray] | None = None  # newest window: (its last tick, log-probs)
        self._warm: tuple[int, np.ndarray] | None = None  # newest padded warm-up window's real steps
        self._first_tick: int | None = None  # the stream's first tick
        self._silent = 0  # trailing frames of the open utterance that are silence
        self._pending: list[TimedToken] = []  # completed words not yet reported as ``token``

    @property
    def transcript(self) -> str:
        """Every completed word so far, joined by spaces."""
        return " ".join(t.text for t in self.tokens)

    # -- per-frame answers -------------------------------------------------------------------
    def _answer(self, upto: int) -> list[TimedToken]:
        """Give every tick up to ``upto`` its answer from the newest window; close utterances."""
        done: list[TimedToken] = []
        if self._last is None:
            return done
        last_tick, lp = self._last
        first = last_tick - len(lp) + 1
        for t in range(self._next, upto + 1):
            face = self._faces.pop(t, True)
            speaking = self._speaking.pop(t, False)
            dist = self._dist.pop(t, None)
            if t < first:  # older than the window (e.g. a skipped span): nothing to read there
                row = np.full(lp.shape[1], -30.0)
                row[BLANK] = 0.0
            else:
                row = lp[t - first]
            if not face:  # no face: silence, whatever the model says about a grey crop
                row = np.full(lp.shape[1], -30.0)
                row[BLANK] = 0.0
            if not self._rows:
                self._start = t
            self._rows.append(row)
            self._row_faces.append(face)
            if face and dist is not None:
                self._row_dist.append(dist)
            # Silence needs both the model (blank) and the mouth (not moving as in speech), so a
            # hesitant model does not cut a sentence into pieces while the lips still move.
            silent = (not face) or (np.exp(row[BLANK]) > 0.9 and not speaking)
            self._silent = self._silent + 1 if silent else 0
            if self._silent >= self.gap or not face:
                done += self._close()
        self._next = max(self._next, upto + 1)
        return done

    def _close(self, at_end: bool = False) -> list[TimedToken]:
        """Decode the open utterance (if it holds any word) and start a new one; ``at_end``:
        the stream ended (not a silence)."""
        rows, start, dists, silent = self._rows, self._start, self._row_dist, self._silent
        self._rows, self._row_faces, self._row_dist, self._silent = [], [], [], 0
        if not rows:
            return []
        lp = np.stack(rows)
        words = greedy_words(lp, self.labels)
        # The grammar decodes an utterance with some evidence of speech: a few words that win
        # outright, or a few frames' worth of non-blank probability (a sentence often has
        # more of that than words that win a frame outright). Noise gets no forced sentence.
        speech_frames = float((1.0 - np.exp(lp[:, BLANK])).sum())
        if self.grammar is not None and (len(words) >= max(2, len(self.grammar.slots) // 2) or speech_frames >= 3):
            # A recording cut while the lips moved (speech in its first or last frames) holds
            # part of a sentence: the grammar may then start or stop at any slot.
            speech = np.flatnonzero(np.exp(lp[:, BLANK]) < 0.5)
            open_start = start == self._first_tick and len(speech) > 0 and speech[0] < EDGE
            open_end = at_end and silent < self.gap  # the stream ended before the sentence's silence
            words = self.grammar.decode(lp, open_start=open_start, open_end=open_end)
        if not words:
            return []
        verdict = self.novelty.check_utterance(lp, dists) if self.novelty is not None else None
        out = [self._timed(w, start, verdict) for w in words]
        self._sentences += 1
        self.tokens.extend(out)
        return out

    def _timed(self, w: DecodedWord, start: int, verdict) -> TimedToken:
        check = None if verdict is None else self.novelty.word_check(w.confidence, self._sentences, verdict)
        return TimedToken(w.word, (start + w.start) * self.period_s, (start + w.end) * self.period_s, w.confidence,
                          check)

    # -- OutputDecoder -----------------------------------------------------------------------
    def decode(self, ctx: TickContext, head: HeadOutput | None) -> TranscriptUpdate:
        if self._first_tick is None:
            self._first_tick = ctx.tick
        self._faces[ctx.tick] = any(r.name == self.region for r in ctx.regions)
        self._speaking[ctx.tick] = any(r.name == "speaking" for r in ctx.regions)
        if self.novelty is not None and ctx.feature is not None:
            self._dist[ctx.tick] = self.novelty.distance(ctx.feature)
        done: list[TimedToken] = []
        current, partial = None, ()
        if head is None:
            state = PredictionState.WARMING_UP
        else:
            lp = log_softmax(head.logits if head.logits.ndim == 2 else head.logits[None])
            if head.valid is not None:  # a padded warm-up window: provisional words only
                lp = lp[-head.valid :]
                self._warm = (ctx.tick, lp)
            else:
                self._last = (ctx.tick, lp)
                done = self._answer(ctx.tick - self.lookahead)
            newest = lp[-1]
            best = int(np.argmax(newest))
            current = None if best == BLANK or not self._faces.get(ctx.tick, True) else self.labels[best]
            conf = float(np.exp(newest[best]))
            state = (PredictionState.WARMING_UP if head.valid is not None else
                     PredictionState.CONFIDENT if conf >= self.threshold else PredictionState.UNCERTAIN)
            partial = self._partial(ctx.tick, lp)
        # An utterance completes several words at once; each update reports one of them, so a
        # consumer that collects ``token`` sees every word (a few ticks later at most).
        self._pending.extend(done)
        return TranscriptUpdate(
            pts_s=ctx.pts_s, tick=ctx.tick, frame_index=ctx.frame_index, state=state,
            token=self._pending.pop(0) if self._pending else None, current=current, transcript=self.transcript,
            timings=ctx.timings, input_fps=ctx.stats.input_fps, model_fps=ctx.stats.model_fps,
            dropped_frames=ctx.stats.dropped_frames, regions=ctx.regions, checks_reading=self.novelty is not None,
            partial=partial,
        )

    def _partial(self, tick: int, lp: np.ndarray) -> tuple[str, ...]:
        """The open utterance's words so far: its answered frames, then the newest window's
        frames not answered yet (frames without a face as silence), decoded greedily."""
        first = tick - len(lp) + 1
        tail = []
        for t in range(max(self._next, first), tick + 1):
            row = lp[t - first]
            if not self._faces.get(t, True):
                row = np.full(lp.shape[1], -30.0)
                row[BLANK] = 0.0
            tail.append(row)
        rows = self._rows + tail
        if not rows:
            return ()
        return tuple(w.word for w in greedy_words(np.stack(rows), self.labels))

    def finish(self, end_s: float) -> list[TimedToken]:
        """Every word of the stream: the frames still waiting take the last window's answer (a
        stream shorter than the window: the last padded window's)."""
        if self._last is None and self._warm is not None:
            self._last = self._warm
        if self._last is not None:
            self._answer(self._last[0])
        self._close(at_end=True)
        return list(self.tokens)
