"""Whether a sentence's wording means what a clause's wording says, judged by the embedding model.

The deterministic checks of ``differences.py`` compare words; writers use others. Two questions
are left to the embedding model that already ranks the clauses, instead of lists of synonyms:

- does the clause name the actor the sentence names, in other words ("firms" where it says
  "businesses", "NGOs" for "non-governmental organisations")? The actor is compared with the
  clause's own one- and two-word terms;
- does a part of the sentence that shares no word with the clause still say what the clause
  says ("whether budgets are tight or growing" for "in times of fiscal pressure and of fiscal
  expansion")? The part is compared with the clause's sentences and list items.

The two thresholds were set on purpose-written pairs and on ``evals/attribution/tuning.jsonl``
(never on the sealed sets): see ``evals/attribution/README.md``. The corpus's terms and phrases
are embedded once and kept (``vector_cache.py``).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence

import numpy as np

from assistant.checking.vector_cache import TextVectors
from assistant.corpus.records import Clause
from assistant.retrieval.lexical import STOPWORDS

# "Public Governance Committee (PGC)": a long form and the abbreviation the text uses for it.
ABBREVIATION_RE = re.compile(
    r"((?:[A-Z][\w-]*\s+(?:(?:on|of|and|for)\s+)?){1,6})\(([A-Z]{2,6})s?\)"
)
TERM_WORD_RE = re.compile(r"[a-z][a-z'’-]*")
TERM_THRESHOLD = 0.68  # "firms"~"businesses" 0.75, "ministers"~"governments" 0.60
PART_THRESHOLD = 0.47
SECOND_CLAUSE_THRESHOLD = 0.6  # a second clause is looked for by its part alone: closer


class Wording:
    """Meaning-level comparisons of a sentence's words with a clause's words, cached."""

    def __init__(
        self,
        vectors: TextVectors,
        term_threshold: float = TERM_THRESHOLD,
        part_threshold: float = PART_THRESHOLD,
        second_threshold: float = SECOND_CLAUSE_THRESHOLD,
    ) -> None:
        self.vectors = vectors
        self.term_threshold = term_threshold
        self.part_threshold = part_threshold
        self.second_threshold = second_threshold

    def best_similarity(self, text: str, candidates: Sequence[str]) -> float:
        """The highest cosine of ``text`` (from a checked sentence) with any of ``candidates``
        (the corpus's own words; 0 when there are none)."""
        if not candidates:
            return 0.0
        [first] = self.vectors.other([text])
        return float(np.max(np.vstack(self.vectors.corpus(candidates)) @ first))

    def names_term(self, term: str, clause_text: str) -> bool:
        """Whether the clause names ``term`` in other words (one of its one- or two-word terms
        means the same)."""
        return self.best_similarity(term.lower(), terms_of(clause_text)) >= self.term_threshold

    def says_part(self, part: str, clause_parts: Sequence[str], strict: bool = False) -> bool:
        """Whether one of the clause's phrases says what ``part`` says (``strict``: for a
        clause that was not the sentence's best match, a closer meaning is asked)."""
        threshold = self.second_threshold if strict else self.part_threshold
        return self.best_similarity(part, clause_parts) >= threshold


def terms_of(text: str) -> list[str]:
    """The content words of ``text`` and its two-word phrases (the candidates an actor or a
    name of a sentence is compared with)."""
    words = TERM_WORD_RE.findall(text.lower())
    single = [w for w in words if w not in STOPWORDS and len(w) > 2]
    pairs = [f"{a} {b}" for a, b in itertools.pairwise(words) if b not in STOPWORDS]
    return list(dict.fromkeys(single + pairs))


def long_forms(clauses: Sequence[Clause]) -> dict[str, str]:
    """Abbreviations the text defines ("PGC") and their long forms ("Public Governance
    Committee"), read from the text itself."""
    found: dict[str, str] = {}
    for clause in clauses:
        for long_form, short in ABBREVIATION_RE.findall(clause.text):
            words = long_form.split()
            initials = "".join(w[0] for w in words if w[0].isupper())
            if initials.endswith(short) or short.startswith(initials[-len(short) :]):
                found.setdefault(short, " ".join(words[-len(short) - 2 :]))
    return found
