"""Word sequences from per-step token logits: greedy CTC and grammar-constrained Viterbi.

A lip bundle's head gives, for every frame of a window, log-probabilities over tokens
(index 0 = blank/silence, then words). Two ways to read words from them:

- :func:`greedy_tokens`: best token per frame, repeats merged, blanks dropped (CTC's rule).
- :class:`SlotGrammar`: the best path through a fixed sentence pattern, one word from each slot
  in order (GRID: command colour preposition letter digit adverb), blanks allowed between and
  around words. Viterbi over that small state graph, so a frame where the letter "b" beats
  "bin" cannot put a letter where a command belongs. Each word gets its frame span and a
  confidence (the mean posterior of the word over its frames).

A bundle carries its grammar as ``grammar.json`` (``{"slots": [[word, ...], ...]}``); without
one, decoding is greedy. No torch: the engine and the trainer's validation share this code.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

GRAMMAR_FILE = "grammar.json"
NEG = -1e30


@dataclass(frozen=True)
class DecodedWord:
    """One word read from a window: frames [start, end) of that window, confidence in [0, 1]."""

    word: str
    start: int
    end: int
    confidence: float


def log_softmax(logits: np.ndarray) -> np.ndarray:
    x = logits.astype(np.float64)
    x = x - x.max(axis=-1, keepdims=True)
    return x - np.log(np.exp(x).sum(axis=-1, keepdims=True))


def greedy_tokens(logits: np.ndarray, blank: int = 0) -> list[int]:
    """CTC greedy decoding of (T, V) logits: token ids, repeats merged, blanks dropped."""
    best = np.argmax(logits, axis=-1)
    out, prev = [], -1
    for b in best:
        b = int(b)
        if b != prev and b != blank:
            out.append(b)
        prev = b
    return out


def greedy_words(logits: np.ndarray, tokens: tuple[str, ...], blank: int = 0) -> list[DecodedWord]:
    """Greedy decoding with spans and confidences (for bundles without a grammar)."""
    probs = np.exp(log_softmax(logits))
    best = np.argmax(probs, axis=-1)
    words, t = [], 0
    while t < len(best):
        b = int(best[t])
        s = t
        while t < len(best) and int(best[t]) == b:
            t += 1
        if b != blank:
            words.append(DecodedWord(tokens[b], s, t, float(probs[s:t, b].mean())))
    return words


class SlotGrammar:
    """Viterbi over "one word from each slot, in order" with optional blanks (see module doc).

    tokens: the bundle's labels (index 0 blank); slots: lists of words, each in ``tokens``.
    """

    def __init__(self, tokens: tuple[str, ...], slots: list[list[str]], blank: int = 0) -> None:
        index = {t: i for i, t in enumerate(tokens)}
        missing = [w for slot in slots for w in slot if w not in index]
        if missing:
            raise ValueError(f"grammar words not among the bundle's labels: {missing[:5]}")
        self.tokens = tokens
        self.slots = [list(s) for s in slots]
        # States: B0, W(slot 0)..., B1, W(slot 1)..., ..., W(slot n-1)..., Bn.
        emit, kind = [blank], [("b", 0)]
        for k, slot in enumerate(self.slots):
            for w in slot:
                emit.append(index[w])
                kind.append(("w", k))
            emit.append(blank)
            kind.append(("b", k + 1))
        self.emit = np.asarray(emit)
        self.kind = kind
        n = len(emit)
        trans = np.full((n, n), NEG)
        for i, (ki, si) in enumerate(kind):
            for j, (kj, sj) in enumerate(kind):
                if ki == "b" and ((kj == "b" and sj == si) or (kj == "w" and sj == si)):
                    trans[i, j] = 0.0  # stay in the blank, or start the next slot's word
                elif ki == "w" and (i == j or (kj == "b" and sj == si + 1) or (kj == "w" and sj == si + 1)):
                    trans[i, j] = 0.0  # stay in the word, a blank after it, or the next word at once
        self.trans = trans
        self.start = np.full(n, NEG)
        self.start[[i for i, (k, s) in enumerate(kind) if (k == "b" and s == 0) or (k == "w" and s == 0)]] = 0.0
        last = len(self.slots) - 1
        self.end = np.full(n, NEG)
        self.end[[i for i, (k, s) in enumerate(kind) if (k == "b" and s == last + 1) or (k == "w" and s == last)]] = 0.0

    @classmethod
    def load(cls, folder: str | Path, tokens: tuple[str, ...]) -> "SlotGrammar | None":
        """The grammar a bundle folder carries, or None when it has none."""
        path = Path(folder) / GRAMMAR_FILE
        if not path.is_file():
            return None
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls(tokens, data["slots"])

    def decode(self, logits: np.ndarray, *, open_start: bool = False, open_end: bool = False) -> list[DecodedWord]:
        """The best grammatical word sequence for (T, V) logits, with spans and confidences.

        A window shorter than the number of slots cannot hold a sentence: it decodes greedily.
        ``open_start``/``open_end``: the frames begin/end inside a sentence (a recording cut
        while the person spoke), so the words may start at any slot / stop after any slot
        (still in the grammar's order, none skipped in between).
        """
        t_len = len(logits)
        if t_len < len(self.slots) and not (open_start or open_end):
            return greedy_words(logits, self.tokens)
        lp = log_softmax(logits)
        e = lp[:, self.emit]  # (T, S)
        start = np.zeros(len(self.emit)) if open_start else self.start
        end = np.zeros(len(self.emit)) if open_end else self.end
        score = start + e[0]
        back = np.zeros((t_len, len(self.emit)), dtype=np.int32)
        for t in range(1, t_len):
            cand = score[:, None] + self.trans  # (from, to)
            back[t] = np.argmax(cand, axis=0)
            score = cand[back[t], np.arange(len(self.emit))] + e[t]
        state = int(np.argmax(score + end))
        path = [state]
        for t in range(t_len - 1, 0, -1):
            state = int(back[t, state])
            path.append(state)
        path.reverse()
        probs = np.exp(lp)
        words, t = [], 0
        while t < t_len:
            s = path[t]
            start = t
            while t < t_len and path[t] == s:
                t += 1
            if self.kind[s][0] == "w":
                tok = int(self.emit[s])
                words.append(DecodedWord(self.tokens[tok], start, t, float(probs[start:t, tok].mean())))
        return words
