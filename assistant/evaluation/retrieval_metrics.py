"""Metrics of a ranked retrieval result against gold clauses: recall@k and mean reciprocal
rank, at clause or paragraph level.

Kept apart from the answer metrics because they score what a system retrieved, not what it
said, and the retrieval evaluation (``retrieval_eval``) needs nothing else.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence

from assistant.evaluation.metric_core import Level, MetricResult, matches, mean

Ranked = Sequence[Collection[str]]
"""One ranked retrieval result: per rank, the clause ids that unit holds (one for a clause, several
for a text chunk of the naive baseline)."""


def _first_rank(ranked: Ranked, gold: str, level: Level, parents: Mapping[str, str]) -> int | None:
    for rank, unit in enumerate(ranked, start=1):
        if any(matches(cid, gold, level, parents) for cid in unit):
            return rank
    return None


def _per_item(
    ranked: Sequence[Ranked],
    gold: Sequence[Sequence[str]],
    score: Callable[[Ranked, Sequence[str]], float],
) -> MetricResult:
    """Score each item with gold clauses; items without gold are left out (None)."""
    scores: list[float | None] = [
        score(units, golds) if golds else None for units, golds in zip(ranked, gold, strict=True)
    ]
    return MetricResult(mean(scores), scores)


def recall_at_k(
    ranked: Sequence[Ranked],
    gold: Sequence[Sequence[str]],
    k: int,
    level: Level = "clause",
    parents: Mapping[str, str] | None = None,
) -> MetricResult:
    """Per item, the share of its gold clauses found in the top ``k`` units."""
    links = parents or {}

    def score(units: Ranked, golds: Sequence[str]) -> float:
        found = sum(_first_rank(units[:k], g, level, links) is not None for g in golds)
        return found / len(golds)

    return _per_item(ranked, gold, score)


def mean_reciprocal_rank(
    ranked: Sequence[Ranked],
    gold: Sequence[Sequence[str]],
    level: Level = "clause",
    parents: Mapping[str, str] | None = None,
) -> MetricResult:
    """Per item, 1 / rank of the first unit that matches any gold clause (0 when none does)."""
    links = parents or {}

    def score(units: Ranked, golds: Sequence[str]) -> float:
        ranks = [r for g in golds if (r := _first_rank(units, g, level, links)) is not None]
        return 1.0 / min(ranks) if ranks else 0.0

    return _per_item(ranked, gold, score)
