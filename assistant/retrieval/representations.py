"""Several texts per clause, each embedded as its own vector.

One vector per clause misses questions asked in everyday words: a sub-item's wording is long and
specific, while an official asks about one idea in it. So each clause is represented by its full
text with the stems above it, by its own text and sentences alone, by its paragraph heading, and
by everyday-language paraphrases written for it. A hit on any of them is a hit on the clause.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from assistant.corpus.instruments import Corpus
from assistant.corpus.records import Clause, ClauseKind
from assistant.corpus.sentences import clause_sentences

# v3: a section that is a statement of its own is no longer part of its paragraphs' context.
REPRESENTATION_VERSION = "reps-v3"
# The representation whose text is ``Clause.embedding_text()``: the clause's own vector.
FULL_KIND = "full"


@dataclass(frozen=True)
class Representation:
    """One embedded text standing for a clause."""

    clause: Clause
    kind: str
    text: str

    @property
    def id(self) -> str:
        digest = hashlib.sha256(f"{self.clause.key}|{self.kind}|{self.text}".encode()).hexdigest()
        return digest[:32]

    def metadata(self) -> dict[str, str | int]:
        return {
            "instrument_id": self.clause.instrument_id,
            "clause_id": self.clause.clause_id,
            "kind": self.kind,
            "position": self.clause.position,
        }


def index_version(use_paraphrases: bool) -> str:
    """Names the representation scheme; a change means the index must be rebuilt."""
    return f"{REPRESENTATION_VERSION}-{'para' if use_paraphrases else 'nopara'}"


def sentences(text: str) -> list[str]:
    return [s for s in clause_sentences(text) if len(s.split()) >= 4]


def representations(corpus: Corpus, use_paraphrases: bool = True) -> list[Representation]:
    """All texts to embed for a corpus, without duplicates."""
    reps: list[Representation] = []
    seen: set[tuple[str, str]] = set()

    def add(clause: Clause, kind: str, text: str) -> None:
        text = text.strip()
        if text and (clause.key, text) not in seen:
            seen.add((clause.key, text))
            reps.append(Representation(clause, kind, text))

    for clause in corpus.clauses:
        add(clause, FULL_KIND, clause.embedding_text())
        if clause.kind in (ClauseKind.SUBITEM, ClauseKind.DEFINITION):
            add(clause, "own", clause.text)
        if clause.kind == ClauseKind.PARAGRAPH and clause.heading:
            add(clause, "heading", clause.heading)
        parts = sentences(clause.text)
        if len(parts) > 1:
            for part in parts:
                add(clause, "sentence", part)
        if use_paraphrases:
            for question in corpus.paraphrases(clause):
                add(clause, "paraphrase", question)
    for related in corpus.related:
        citing = corpus.get(related.cited_in, related.cited_by)
        if citing is not None:
            add(citing, "related", f"{related.title} [{related.council_ref}]")
    return reps
