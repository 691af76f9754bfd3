"""Sentence splitting, the one place that does it. Each reader of text needs its own cut, so each
has a named function here:

- ``answer_sentences``: an answer's sentences, a citation written after the full stop
  ("... cases. [IV.9]") kept on its sentence (the guard and the evaluation);
- ``SentenceBuffer``: the same cut on text that is still being written (streaming);
- ``split_rendered``: a finished answer in pieces that join back to exactly the same text;
- ``clause_sentences``: a clause's sentences, semicolons included (representations, figures);
- ``question_sentences``: a question's sentences and lines (where injected orders are cut).
"""

from __future__ import annotations

import re

from assistant.corpus.citations import MARKER_RE, OPEN_BRACKETS

ANSWER_SENTENCE_END_RE = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"“(\[*])")
ANSWER_LINE_BREAK_RE = re.compile(r"(?<=[.!?])\s+|\n+")
LEADING_MARKERS_RE = re.compile(rf"^((?:\s*{MARKER_RE.pattern})+)")
COMPLETE_END_RE = re.compile(rf"[.!?](?:\s*{MARKER_RE.pattern})*[\"”)]?$")
RENDERED_BREAK_RE = re.compile(r"(?<=[.!?])\s+")
CLAUSE_BREAK_RE = re.compile(r"(?<=[.;?!])\s+(?=[A-Z(])")
CLAUSE_ANY_BREAK_RE = re.compile(r"(?<=[.;!?])\s+")
QUESTION_BREAK_RE = re.compile(r"(?<=[.!?:;\]>])\s+|\n+")


def _merge_leading_markers(pieces: list[str]) -> list[str]:
    merged: list[str] = []
    for piece in pieces:
        lead = LEADING_MARKERS_RE.match(piece)
        if lead and merged:
            merged[-1] = f"{merged[-1]} {lead.group(1).strip()}"
            piece = piece[lead.end() :].strip()
        if piece:
            merged.append(piece)
    return merged


def answer_sentences(text: str, lines: bool = False) -> list[str]:
    """An answer's sentences. ``lines`` also breaks at newlines and after any full stop (for
    answers written by other systems, as lists or with lower-case starts) and drops bullets."""
    if lines:
        raw = [p.strip().lstrip("-*• ").strip() for p in ANSWER_LINE_BREAK_RE.split(text)]
    else:
        raw = [p.strip() for p in ANSWER_SENTENCE_END_RE.split(text.strip())]
    return _merge_leading_markers([p for p in raw if p])


class SentenceBuffer:
    """Collects pieces of a text being written and hands out each sentence once it is
    finished: when the next sentence has begun, so a citation after the full stop is kept."""

    def __init__(self) -> None:
        self.text = ""
        self._done = 0

    def add(self, piece: str) -> None:
        self.text += piece

    def finished(self) -> list[str]:
        """Sentences finished since the last call."""
        sentences = answer_sentences(self.text)
        if len(sentences) < 2 or sentences[-1].startswith(tuple(OPEN_BRACKETS)):
            return []  # the last one may still grow, or a marker may still be on its way
        ready = sentences[self._done : -1]
        self._done = len(sentences) - 1
        return ready

    def rest(self) -> list[str]:
        """Whatever remains once the text is complete, without a half sentence left by a model
        stopped at its token limit."""
        sentences = answer_sentences(self.text)[self._done :]
        self._done += len(sentences)
        if sentences and not _is_complete(sentences[-1]):
            sentences = sentences[:-1] if len(sentences) > 1 else _complete_part(sentences[-1])
        return sentences


def _is_complete(sentence: str) -> bool:
    return bool(COMPLETE_END_RE.search(sentence.rstrip()))


def _complete_part(sentence: str) -> list[str]:
    """A lone unfinished sentence: up to its last full stop inside, or as it is."""
    cut = max(sentence.rfind(". "), sentence.rfind("! "), sentence.rfind("? "))
    return [sentence[: cut + 1]] if cut > 0 else [sentence]


def split_rendered(text: str) -> list[str]:
    """A finished answer in pieces that join back (with single spaces) to the same text."""
    return [p for p in RENDERED_BREAK_RE.split(text) if p]


def clause_sentences(text: str, only_before_capital: bool = True) -> list[str]:
    """A clause's sentences and semicolon-separated parts; with ``only_before_capital`` False,
    also the parts of a list whose items start in lower case."""
    pattern = CLAUSE_BREAK_RE if only_before_capital else CLAUSE_ANY_BREAK_RE
    return [s.strip() for s in pattern.split(text) if s.strip()]


def question_sentences(text: str) -> list[str]:
    """A question's sentences, lines, bracketed headers ("[SYSTEM] ...") and markup ("<b>...</b>
    What ...?"): pasted tags end a sentence, so the question after them stands alone."""
    return [s for s in QUESTION_BREAK_RE.split(text.strip()) if s.strip()]
