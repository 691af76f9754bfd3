"""Which retrieved clauses an answer cites, most relevant first.

Two ways to choose, behind one method: the learned clause ranker (``clause_ranker``), the
default, and the hand-set rule kept for comparison (the best hit, and the next ones within a
fixed similarity margin of it). Questions that name a clause ("paragraph 9") are answered from
that clause either way.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from assistant.answering.clause_ranker import ClauseRanker
from assistant.corpus.instruments import Corpus
from assistant.corpus.records import Clause, ClauseKind, ScoredClause

# Clauses whose best vector is this close to the best clause's join the answer: measured on the
# retrieval gold set, 0.1 finds a right clause for 98% of questions at about two clauses an answer.
DENSE_MARGIN = 0.1
MAX_PARAGRAPH_EXPANSION = 5
CHILD_MARGIN = 0.1
# "Why ...?", "Isn't it enough to ...?": the reasons live in the background paragraphs, so such a
# question also gets the best background clause among the first hits, next to what to do.
RATIONALE_RE = re.compile(
    r"^\s*why\b|[.?!]\s*why\b|\b(?:isn't|is) it (?:enough|sufficient)\b|"
    r"\bwhat(?:'s| is) the point\b|\bwhy (?:does|do|is|would) (?:it|this|that) matter\b",
    re.IGNORECASE,
)
RATIONALE_HITS = 3


class ClauseSelection:
    """Chooses the clauses that answer a question."""

    def __init__(
        self, corpus: Corpus, max_clauses: int = 4, ranker: ClauseRanker | None = None
    ) -> None:
        self.corpus = corpus
        self.max_clauses = max_clauses
        self.ranker = ranker  # None: the hand-set similarity margin chooses

    def _citable(self, hit: ScoredClause) -> bool:
        """The 'background' and 'preamble' containers are no answer by themselves."""
        if "reference" in hit.matched_by:
            return True
        return hit.clause.kind != ClauseKind.CONTAINER

    def select(self, question: str, hits: Sequence[ScoredClause]) -> list[Clause]:
        """The clauses worth citing, most relevant first. Hits of several instruments (a
        question about each of them) are chosen from instrument by instrument, the best
        instrument first, so that every one of them answers with its own clauses."""
        groups: dict[str, list[ScoredClause]] = {}
        for hit in hits:
            groups.setdefault(hit.clause.instrument_id, []).append(hit)
        if len(groups) < 2:
            return self._select_one(question, hits)
        share = max(2, self.max_clauses // len(groups))
        chosen: list[Clause] = []
        for group in groups.values():
            chosen += self._select_one(question, group)[:share]
        return chosen

    def _select_one(self, question: str, hits: Sequence[ScoredClause]) -> list[Clause]:
        """The best clause, and the next few only when they match the question almost as
        well."""
        usable = [h for h in hits if self._citable(h)]
        if not usable:
            return []
        if self.ranker is not None and "reference" not in usable[0].matched_by:
            return self._select_ranked(question, hits)
        primary = usable[0]
        if "reference" in primary.matched_by and self.corpus.children(primary.clause):
            inside = [
                h
                for h in usable[1:4]
                if "reference" not in h.matched_by and self._within(h.clause, primary.clause)
            ]
            if primary.clause.kind == ClauseKind.SECTION and inside:
                primary = inside[0]  # "public value in Section I": the section only narrows
        chosen = [primary.clause]
        if "reference" in primary.matched_by:
            chosen += [h.clause for h in usable[1:] if "reference" in h.matched_by]
        else:
            floor = (primary.dense or 0.0) - DENSE_MARGIN
            chosen += [
                h.clause
                for h in usable[:4]
                if h is not primary
                and h.dense is not None
                and h.dense >= floor
                and "reference" not in h.matched_by
            ]
        if RATIONALE_RE.search(question) and "reference" not in primary.matched_by:
            chosen += [
                h.clause for h in usable[:RATIONALE_HITS] if h.clause.kind == ClauseKind.BACKGROUND
            ][:1]
        expanded: list[Clause] = []
        for clause in chosen:
            expanded.append(clause)
            if clause is primary.clause:
                expanded.extend(self._expansion(primary, hits))
        unique = list({c.key: c for c in expanded}.values())
        limit = max(self.max_clauses, MAX_PARAGRAPH_EXPANSION + 1)
        return unique[:limit]

    def _select_ranked(self, question: str, hits: Sequence[ScoredClause]) -> list[Clause]:
        """The learned choice: the clause most likely to answer, the others that reach the
        ranker's operating point and, for a paragraph none of whose sub-items does, the whole
        paragraph."""
        assert self.ranker is not None
        ranked = self.ranker.rank(question, hits)
        if not ranked:
            return []
        primary = ranked[0].hit.clause
        chosen = [primary] + [r.hit.clause for r in ranked[1:] if self.ranker.joins(r)]
        chosen = chosen[: self.max_clauses]
        children = self.corpus.children(primary)
        if children and not any(c.parent_id == primary.clause_id for c in chosen):
            chosen[1:1] = children[:MAX_PARAGRAPH_EXPANSION]
        return list({c.key: c for c in chosen}.values())

    def _within(self, clause: Clause, ancestor: Clause) -> bool:
        parent = clause.parent_id
        while parent:
            if parent == ancestor.clause_id and clause.instrument_id == ancestor.instrument_id:
                return True
            above = self.corpus.get(parent, clause.instrument_id)
            parent = above.parent_id if above else None
        return False

    def _expansion(self, primary: ScoredClause, hits: Sequence[ScoredClause]) -> list[Clause]:
        """Sub-items (or paragraphs) under the best clause that the answer should include: those
        the question also matched, or all of them for a question about the whole paragraph."""
        children = self.corpus.children(primary.clause)
        if not children:
            return []
        if "reference" in primary.matched_by or primary.clause.kind == ClauseKind.SECTION:
            return children[:MAX_PARAGRAPH_EXPANSION]
        floor = (primary.dense or 0.0) - CHILD_MARGIN
        keys = {c.key for c in children}
        matched = [
            h.clause
            for h in hits
            if h.clause.key in keys and h.dense is not None and h.dense >= floor
        ]
        return matched or children[:MAX_PARAGRAPH_EXPANSION]
