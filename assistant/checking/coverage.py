"""Which parts of a sentence a clause says: the words a clause and a sentence share, the
clause's sentences and phrases, and the part of a sentence a clause leaves unsaid.

A sentence is cut at commas and linking words into parts. A clause says a part when half of the
part's content words are the clause's, or when one of the clause's phrases is close to it in
meaning (``wording.py``). The part a clause does not say is what a writer added ("..., based on
ISO 27001"), or what a second clause says (a sentence may join two items of a paragraph).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from assistant.checking.differences import claim_text
from assistant.checking.wording import Wording
from assistant.corpus.records import Clause
from assistant.corpus.sentences import clause_sentences
from assistant.retrieval.lexical import tokenize

PART_BREAK_RE = re.compile(
    r",\s*|;\s*|\s+(?:and|by|through|after|mainly|preferably|in particular|based on|via)\s+"
)
PHRASE_BREAK_RE = re.compile(r",\s*|;\s*|\s*[()–]\s*|:\s*")
HYPHEN_RE = re.compile(r"(?<=[a-z])-(?=[a-z])")
MIN_PART_WORDS = 2
# Words that place a statement in the text rather than add to it ("According to the
# background", "The preamble notes that").
FRAMING_WORDS = frozenset(
    tokenize(
        "according background preamble text document note notes noted states stated says said "
        "explains explained mentions describes described recalls recognises recognised"
    )
)


def tokens(text: str) -> list[str]:
    """Content-word stems, hyphenated words also written solid ("on-going" is "ongoing")."""
    return tokenize(text) + tokenize(HYPHEN_RE.sub("", text))


def same_paragraph(one: Clause, other: Clause) -> bool:
    """Items of one paragraph, or a paragraph and one of its items."""
    return bool(
        (one.parent_id and one.parent_id == other.parent_id)
        or one.parent_id == other.clause_id
        or other.parent_id == one.clause_id
    )


class Coverage:
    """The words, sentences and phrases of every clause, and what of a sentence each says."""

    def __init__(self, clauses: Sequence[Clause], wording: Wording) -> None:
        self.wording = wording
        self.words = {
            c.key: frozenset(tokens(" ".join((c.context, c.heading, c.text)))) for c in clauses
        }
        self.sentences = {
            c.key: clause_sentences(c.text, only_before_capital=False) for c in clauses
        }
        self._phrases: dict[str, list[str]] = {}

    def parts(self, claim: str) -> list[str]:
        """The parts of a sentence, cut at commas and linking words."""
        return [p.strip(" .,;") for p in PART_BREAK_RE.split(claim_text(claim)) if p.strip()]

    def focus(self, claim: str, clause: Clause) -> str:
        """The sentences or list items of ``clause`` that ``claim`` is about: those sharing at
        least half as many content words with it as the closest one."""
        words = set(tokenize(claim_text(claim)))
        sentences = self.sentences[clause.key]
        shared = [len(words & set(tokenize(s))) for s in sentences]
        best = max(shared, default=0)
        if best == 0:
            return clause.text
        return " ".join(s for s, n in zip(sentences, shared, strict=True) if n * 2 >= best)

    def says(self, clause: Clause, part: str, strict: bool = False) -> bool:
        """Whether ``clause`` says ``part`` of a sentence: half of its content words are the
        clause's, or one of the clause's phrases is close to it in meaning. ``strict`` (a
        clause looked for by this part alone) asks for a phrase closer in meaning."""
        own = set(tokens(part)) - FRAMING_WORDS
        if len(own) < MIN_PART_WORDS:
            return True
        if not strict and len(own & self.words[clause.key]) * 2 >= len(own):
            return True
        return self.wording.says_part(part, self.phrases(clause), strict=strict)

    def uncovered_part(self, claim: str, clause: Clause) -> str | None:
        """The first part of the sentence that ``clause`` does not say, if any."""
        return next((p for p in self.parts(claim) if not self.says(clause, p)), None)

    def phrases(self, clause: Clause) -> list[str]:
        """The clause's sentences and list items, and their pieces between commas and brackets
        (a sentence's part is compared with the clause's phrase of the same size)."""
        if clause.key not in self._phrases:
            sentences = self.sentences[clause.key]
            pieces = [p.strip(" .,;()") for s in sentences for p in PHRASE_BREAK_RE.split(s)]
            longer = [p for p in pieces if len(p.split()) >= MIN_PART_WORDS]
            self._phrases[clause.key] = list(dict.fromkeys(sentences + longer))
        return self._phrases[clause.key]
