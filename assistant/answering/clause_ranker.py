"""Which retrieved clauses answer the question, learned from labelled questions.

Retrieval ranks clauses by similarity; the answer must cite the clauses that *answer*. The two
differ: a paragraph's lead looks like every question about its sub-items, a background paragraph
looks like a question about motives, a neighbour shares the words but not the point. The hand-set
rule (cite every clause within 0.1 cosine of the best) cited about two clauses per answer, one of
them usually a neighbour. This ranker weighs the retrieval signals of each candidate (similarity
and its gap to the best, keyword score, rank, the clause's kind, how it sits in the text next to
the best hit, the share of the question's words it holds) with a logistic regression trained on
the question bank's train split (``assistant train clause_ranker``): the best-scored clause leads
the answer, and others join only when their probability reaches the operating point chosen on the
dev split.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from assistant.answering.linear import LogisticModel, load_for_model
from assistant.artefacts import LEARNED_DIR
from assistant.corpus.instruments import Corpus
from assistant.corpus.records import ClauseKind, ScoredClause
from assistant.retrieval.lexical import tokenize

ARTEFACT_NAME = "clause_ranker"
CANDIDATES = 10
# Questions about motives: the reasons live in the background paragraphs.
RATIONALE_RE = re.compile(
    r"^\s*why\b|[.?!]\s*why\b|\breasons?\b|\bpurpose\b|\bpoint\b|\bjustif|\bpourquoi\b",
    re.IGNORECASE,
)
KIND_FEATURES = tuple(f"kind_{kind.value}" for kind in ClauseKind)
RANKER_FEATURE_NAMES: tuple[str, ...] = (
    "dense",  # best cosine similarity of any of the clause's vectors
    "dense_gap",  # its similarity minus the best candidate's
    "dense_rank",
    "lexical_share",  # BM25 score over the best candidate's
    "fused_share",  # hybrid score over the best candidate's
    "position",  # rank in the hybrid list
    "first",
    "reference",  # the question names this clause ("paragraph 9")
    "question_words_held",  # share of the question's words found in the clause
    "clause_words_asked",  # share of the clause's words found in the question
    "child_of_first",
    "parent_of_first",
    "has_children",
    "rationale_background",  # a "why" question and a background paragraph
    *KIND_FEATURES,
)


def candidates(hits: Sequence[ScoredClause]) -> list[ScoredClause]:
    """The hits a citation may come from: the containers ('background', 'preamble') answer
    nothing by themselves unless the question names them."""
    usable = [
        h for h in hits if h.clause.kind != ClauseKind.CONTAINER or "reference" in h.matched_by
    ]
    return usable[:CANDIDATES]


def ranker_features(question: str, hits: Sequence[ScoredClause], corpus: Corpus) -> np.ndarray:
    """One row per hit (as given: call :func:`candidates` first), in ``RANKER_FEATURE_NAMES``
    order."""
    if not hits:
        return np.zeros((0, len(RANKER_FEATURE_NAMES)))
    asked = set(tokenize(question))
    best_dense = max(h.dense or 0.0 for h in hits)
    best_lexical = max(h.lexical or 0.0 for h in hits) or 1.0
    best_score = max(h.score for h in hits) or 1.0
    by_dense = sorted(range(len(hits)), key=lambda i: -(hits[i].dense or 0.0))
    dense_rank = {index: rank for rank, index in enumerate(by_dense)}
    first = hits[0].clause
    rationale = bool(RATIONALE_RE.search(question))
    rows = []
    for position, hit in enumerate(hits):
        clause = hit.clause
        held = set(tokenize(f"{clause.heading} {clause.text}"))
        values = {
            "dense": hit.dense or 0.0,
            "dense_gap": (hit.dense or 0.0) - best_dense,
            "dense_rank": float(dense_rank[position]),
            "lexical_share": (hit.lexical or 0.0) / best_lexical,
            "fused_share": hit.score / best_score,
            "position": float(position),
            "first": float(position == 0),
            "reference": float("reference" in hit.matched_by),
            "question_words_held": len(asked & held) / max(len(asked), 1),
            "clause_words_asked": len(asked & held) / max(len(held), 1),
            "child_of_first": float(clause.parent_id == first.clause_id),
            "parent_of_first": float(first.parent_id == clause.clause_id),
            "has_children": float(bool(corpus.children(clause))),
            "rationale_background": float(rationale and clause.kind == ClauseKind.BACKGROUND),
        }
        values |= {name: float(name == f"kind_{clause.kind.value}") for name in KIND_FEATURES}
        rows.append([values[name] for name in RANKER_FEATURE_NAMES])
    return np.array(rows, dtype=np.float64)


@dataclass(frozen=True)
class RankedClause:
    """A candidate and the probability that it answers the question."""

    hit: ScoredClause
    probability: float


class ClauseRanker(Protocol):
    """Orders candidate clauses by how likely they answer, and says which join the best."""

    def rank(self, question: str, hits: Sequence[ScoredClause]) -> list[RankedClause]: ...

    def joins(self, ranked: RankedClause) -> bool: ...


class LearnedClauseRanker:
    """Orders the candidates by the probability that they answer; ``joins`` says whether one
    beside the best is worth citing too (the operating point chosen on dev)."""

    def __init__(self, model: LogisticModel, corpus: Corpus) -> None:
        self.model = model
        self.corpus = corpus

    @classmethod
    def load(
        cls, corpus: Corpus, embedding_model: str, root: Path = LEARNED_DIR
    ) -> LearnedClauseRanker:
        """The committed ranker, for the embedding model whose similarities it learned from."""
        info, arrays = load_for_model(ARTEFACT_NAME, embedding_model, root)
        return cls(LogisticModel.from_artefact(info, arrays, RANKER_FEATURE_NAMES), corpus)

    def rank(self, question: str, hits: Sequence[ScoredClause]) -> list[RankedClause]:
        """The candidates among ``hits``, most probably answering first (ties keep retrieval
        order)."""
        usable = candidates(hits)
        if not usable:
            return []
        scores = self.model.probability(ranker_features(question, usable, self.corpus))
        order = sorted(range(len(usable)), key=lambda i: (-scores[i], i))
        return [RankedClause(usable[i], float(scores[i])) for i in order]

    def joins(self, ranked: RankedClause) -> bool:
        """Whether a clause beside the best one is cited too."""
        return ranked.probability >= self.model.threshold
