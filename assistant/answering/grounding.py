"""Is a sentence supported by the clauses it cites?

Support combines two offline signals:
- lexical: the share of the sentence's content words (stemmed) that the clause, with its stems,
  also uses. Invented facts bring words the clause does not have;
- semantic: cosine similarity of sentence and clause embeddings, which credits faithful paraphrase.
Two hard checks catch the edits that keep most words: a number the clause does not contain, and a
negation the clause does not make. The checker is shared by the answer guard and the evaluation
(and measured by the meta-evaluation).
"""

from __future__ import annotations

import math
import re
import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from functools import lru_cache

from langchain_core.embeddings import Embeddings

from assistant.corpus.citations import strip_citations
from assistant.corpus.records import Clause
from assistant.retrieval.lexical import tokenize

NUMBER_RE = re.compile(
    r"\b(?:\d+(?:[.,]\d+)?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
    r"fifteen|twenty|thirty|hundred|thousand|million|billion|first|second|third|annual|annually|"
    r"monthly|weekly|daily)\b",
    re.IGNORECASE,
)
# Words that turn a statement around. Counted, not just looked for: "should not" added to a
# clause that already says "not" elsewhere is still a reversal.
NEGATION_RE = re.compile(
    r"\b(?:not|no|never|none|nor|neither|without|forbid\w*|prohibit\w*|ban|bans|banned|"
    r"cannot|can't|won't|shouldn't|mustn't|don't|doesn't|isn't|aren't|avoid\w*|prevent\w*|"
    r"discourag\w*|refrain\w*|instead|rather than|only)\b",
    re.IGNORECASE,
)
# Who does what: an actor the clause never names means the sentence is about someone else.
ACTOR_RE = re.compile(
    r"\b(?:governments?|private (?:sector|compan\w+|firms?)|compan(?:y|ies)|firms?|"
    r"businesses|citizens|investors?|members?|non-members|committees?|secretary-general|"
    r"secretariat|ministr(?:y|ies)|ministers?|agenc(?:y|ies)|municipalit(?:y|ies)|"
    r"vendors?|providers?|regulators?|parliaments?|presidents?|commission|public sector|"
    r"courts?|banks?|universit(?:y|ies)|foreign\w*|international organisations?)\b",
    re.IGNORECASE,
)
# Names every clause speaks with, although few repeat them.
IMPLICIT_NAMES = frozenset({"recommendation", "council", "oecd", "according", "this", "it", "the"})
CAPITALISED_RE = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][a-z]+(?:-[A-Z][a-z]+)*\b")
LEXICAL_WEIGHT = 0.6
SEMANTIC_WEIGHT = 0.4
SENTENCE_CACHE_SIZE = 2048  # about 25 MB at most (lists of 384 floats)


def _cosine(a: Sequence[float], b: Sequence[float]) -> float:
    dot = sum(x * y for x, y in zip(a, b, strict=True))
    norm = math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b))
    return dot / norm if norm else 0.0


@lru_cache(maxsize=1024)
def _source_words(text: str) -> frozenset[str]:
    return frozenset(tokenize(text))


def lexical_support(sentence: str, clause: Clause) -> float:
    """Share of the sentence's content words found in the clause (with its heading and stems)."""
    words = set(tokenize(strip_citations(sentence)))
    if not words:
        return 1.0
    source = _source_words(" ".join((clause.context, clause.heading, clause.text)))
    return len(words & source) / len(words)


def _counts(pattern: re.Pattern[str], text: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    for match in pattern.findall(text):
        key = match.lower()
        counts[key] = counts.get(key, 0) + 1
    return counts


def contradicts(sentence: str, clause: Clause) -> bool:
    """A number, a negation, an actor or a name that the clause's wording does not have."""
    claim = strip_citations(sentence)
    source = " ".join((clause.context, clause.heading, clause.text))
    lowered = source.lower()
    numbers = {n.lower() for n in NUMBER_RE.findall(claim)}
    if any(n not in {m.lower() for m in NUMBER_RE.findall(source)} for n in numbers):
        return True
    source_negations = _counts(NEGATION_RE, source)
    if any(n > source_negations.get(w, 0) for w, n in _counts(NEGATION_RE, claim).items()):
        return True
    if any(actor.lower() not in lowered for actor in ACTOR_RE.findall(claim)):
        return True
    names = {n.lower() for n in CAPITALISED_RE.findall(claim)} - IMPLICIT_NAMES
    return any(name not in lowered for name in names)


class GroundingChecker:
    """Scores the support of a sentence by clauses; the threshold comes from settings."""

    def __init__(self, embeddings: Embeddings, threshold: float = 0.5) -> None:
        self.embeddings = embeddings
        self.threshold = threshold
        self._clause_vectors: dict[str, list[float]] = {}
        # Composed answers reuse the clauses' own sentences, so the same sentences
        # come back again and again: their vectors are kept here, apart from the embedder's
        # query cache, where a stream of new questions would push them out.
        self._sentence_vectors: OrderedDict[str, list[float]] = OrderedDict()
        self._sentence_lock = threading.Lock()

    def remember(self, vectors: Mapping[str, Sequence[float]]) -> None:
        """Clause vectors computed already, by clause key (the index holds every clause's
        vector: reading them back spares embedding the whole corpus again at each start)."""
        self._clause_vectors.update((key, list(vector)) for key, vector in vectors.items())

    def warm_up(self, clauses: Sequence[Clause]) -> None:
        """Embed every clause not yet known (:meth:`remember`) once, in one batch, so no
        question pays for it."""
        missing = [c for c in clauses if c.key not in self._clause_vectors]
        if missing:
            vectors = self.embeddings.embed_documents([c.embedding_text() for c in missing])
            self._clause_vectors.update(zip((c.key for c in missing), vectors, strict=True))

    def _clause_vector(self, clause: Clause) -> list[float]:
        if clause.key not in self._clause_vectors:
            self._clause_vectors[clause.key] = self.embeddings.embed_query(clause.embedding_text())
        return self._clause_vectors[clause.key]

    def sentence_vector(self, sentence: str) -> list[float]:
        """A sentence's embedding (citations stripped), computed once while it is kept."""
        text = strip_citations(sentence)
        with self._sentence_lock:
            cached = self._sentence_vectors.get(text)
            if cached is not None:
                self._sentence_vectors.move_to_end(text)
                return cached
        vector = self.embeddings.embed_query(text)
        with self._sentence_lock:
            self._sentence_vectors[text] = vector
            if len(self._sentence_vectors) > SENTENCE_CACHE_SIZE:
                self._sentence_vectors.popitem(last=False)
        return vector

    def clause_vector(self, clause: Clause) -> list[float]:
        """A clause's embedding, computed once (attribution ranks every clause with these)."""
        return self._clause_vector(clause)

    def score(
        self, sentence: str, clause: Clause, sentence_vector: Sequence[float] | None = None
    ) -> float:
        """Support in [0, 1] of ``sentence`` by one clause."""
        if contradicts(sentence, clause):
            return 0.0
        lexical = lexical_support(sentence, clause)
        if lexical >= 0.999:  # every content word is the clause's own: quoted or condensed
            return 1.0
        vector = sentence_vector or self.sentence_vector(sentence)
        semantic = max(0.0, _cosine(vector, self._clause_vector(clause)))
        return LEXICAL_WEIGHT * lexical + SEMANTIC_WEIGHT * semantic

    def support(self, sentence: str, clauses: Sequence[Clause]) -> tuple[float, str | None]:
        """Best support among ``clauses`` and the id of the clause that gives it."""
        best: tuple[float, str | None] = (0.0, None)
        vector: Sequence[float] | None = None
        for clause in clauses:
            if vector is None and lexical_support(sentence, clause) < 0.999:
                vector = self.sentence_vector(sentence)
            value = self.score(sentence, clause, vector)
            if value > best[0]:
                best = (value, clause.clause_id)
        return round(best[0], 4), best[1]

    def is_supported(self, score: float) -> bool:
        return score >= self.threshold
