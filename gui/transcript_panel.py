"""Lip mode's transcript panel: the words read so far, the current one highlighted.

Words come from the engine's records (``TranscriptUpdate.token``, one completed word at a time,
and ``partial``, the words of the sentence still being spoken, or ``current``, the word being
read now: both provisional, in grey italics) and, for a file, from the whole-file
analysis once it is done (final words with their times). The current word is the one under the
playhead for a file, else the newest; a word the model was unsure of is drawn paler.

When the bundle carries the speaker check (engine/lips/novelty.py), each word says whether the
reader can vouch for it: a word it cannot is drawn grey in brackets, and a sentence it cannot
read at all (another face; lips that fit none of its sentences) puts a notice above the words
instead of letting them read as confident. A bundle without the check says so in a grey line.
"""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGroupBox, QLabel, QVBoxLayout, QWidget

LOW_CONFIDENCE = 0.5  # below it a word is drawn pale: the reader was unsure
HOLD_S = 0.5  # a word stays highlighted this long after its end when no word follows at once


class TranscriptPanel(QGroupBox):
    """The running transcript (rich text, wrapped), the current word highlighted."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        lay = QVBoxLayout(self)
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.text.setTextFormat(Qt.TextFormat.RichText)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.text.setMinimumHeight(60)
        self.text.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        font = self.text.font()
        font.setPointSizeF(font.pointSizeF() * 1.35)  # read at a glance beside the video
        self.text.setFont(font)
        lay.addWidget(self.text)
        self._live: list = []  # words from the engine's records, in order
        self._file: list | None = None  # the whole file's words (replace the live ones)
        self._provisional: str | None = None
        self._checks_reading: bool | None = None  # live: whether the reader flags what it cannot read
        self._position_s: float | None = None
        self._shown_key = None
        self.retranslate()

    def retranslate(self) -> None:
        """Re-read the user-visible texts after a language switch."""
        self.setTitle(self.tr("Transcript"))
        self._shown_key = None
        self._render()

    def clear(self) -> None:
        """Forget every word (a new source or model)."""
        self._live, self._file, self._provisional, self._position_s = [], None, None, None
        self._checks_reading = None
        self._render()

    def add_updates(self, updates) -> None:
        """Take the words completed in ``updates`` (TranscriptUpdate records, oldest first)."""
        for u in updates:
            if u.token is not None:
                self._live.append(u.token)
        if updates:
            # The sentence being spoken, as read so far (or at least the word being read now).
            partial = getattr(updates[-1], "partial", ())
            self._provisional = " ".join(partial) if partial else updates[-1].current
            self._position_s = updates[-1].pts_s
            self._checks_reading = bool(getattr(updates[-1], "checks_reading", False))
        self._render()

    def set_file_words(self, tokens) -> None:
        """The whole file's words from the offline analysis (final, with their times)."""
        self._file = list(tokens)
        self._render()

    def set_position(self, t_s: float) -> None:
        """The playhead moved to ``t_s``: the word under it is the current one."""
        self._position_s = t_s
        self._render()

    def words(self) -> list[str]:
        """The words shown, in order."""
        return [w.text for w in self._words()]

    def flagged(self) -> list[bool]:
        """For each word shown: whether the reader said it cannot vouch for it."""
        return [_cannot_read(w) for w in self._words()]

    def notice(self) -> str:
        """The line above the words: why the reader cannot read (the newest such sentence), or
        that it cannot tell; "" when the words stand on their own."""
        words = self._words()
        reasons = [w.check.reason for w in words if _check(w) is not None and w.check.sentence_cannot_read]
        if reasons:
            if reasons[-1] == "unfamiliar_face":
                return self.tr("Cannot read this face (the reader knows one speaker).")
            return self.tr("Cannot read this: the lips do not fit the sentences the reader knows.")
        unchecked = (self._checks_reading is False) if self._file is None else any(_check(w) is None for w in words)
        if words and unchecked:
            return self.tr("This reader cannot tell when it cannot read (its bundle has no speaker check).")
        return ""

    def current_index(self) -> int | None:
        """Index in :meth:`words` of the highlighted word (None: none is)."""
        words = self._words()
        if not words:
            return None
        t = self._position_s
        if self._file is not None and t is not None:
            # A file: the word being said at the playhead. A word's span from the reader is
            # often shorter than the word (the model answers at its clearest frames), so it
            # stays current until the next word starts, or for HOLD_S after its end at a pause.
            for k, w in enumerate(words):
                nxt = words[k + 1].start_s if k + 1 < len(words) else w.end_s + HOLD_S
                if w.start_s <= t < min(nxt, w.end_s + HOLD_S):
                    return k
            return None
        return len(words) - 1  # live: the newest word

    def _words(self) -> list:
        return self._file if self._file is not None else self._live

    def _render(self) -> None:
        words = self._words()
        current = self.current_index()
        provisional = self._provisional if self._file is None else None
        key = (len(words), id(self._file), current, provisional, self._checks_reading)
        if key == self._shown_key:
            return
        self._shown_key = key
        if not words and not provisional:
            empty = self.tr("No words read yet.")  # outside the f-string, where lupdate finds it
            self.text.setText(f"<span style='color: gray'>{html.escape(empty)}</span>")
            return
        pal = self.palette()
        hl_bg, hl_fg = pal.highlight().color().name(), pal.highlightedText().color().name()
        parts = []
        notice = self.notice()
        if notice:
            flagged_sentence = any(_check(w) is not None and w.check.sentence_cannot_read for w in words)
            colour = "#c0392b" if flagged_sentence else "gray"
            parts.append(f"<span style='color: {colour}; font-size: small'>{html.escape(notice)}</span><br>")
        for k, w in enumerate(words):
            text = html.escape(w.text)
            if _cannot_read(w):
                text = f"[{text}]"
            if k == current:
                parts.append(f"<span style='background-color: {hl_bg}; color: {hl_fg}; font-weight: bold'>"
                             f"&nbsp;{text}&nbsp;</span>")
            elif _cannot_read(w) or w.confidence < LOW_CONFIDENCE:
                parts.append(f"<span style='color: gray'>{text}</span>")
            else:
                parts.append(text)
        if provisional:
            parts.append(f"<i style='color: gray'>{html.escape(provisional)}…</i>")
        self.text.setText(" ".join(parts))


def _check(word):
    """The word's ReadingCheck, None when unchecked (words from older records have none)."""
    return getattr(word, "check", None)


def _cannot_read(word) -> bool:
    check = _check(word)
    return check is not None and check.cannot_read
