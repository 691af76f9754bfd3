"""Pure metric functions: plain lists in, an overall score plus per-item scores out.

Nothing here touches a service, so every metric is unit-tested on hand-built data. A per-item
score of ``None`` means "does not apply" (e.g. citation recall of a question that must be
refused) and is left out of the overall mean rather than counted as zero.

Matching levels. ``clause``: the retrieved or cited id equals a gold id. ``paragraph``: it also
counts when it is the paragraph of a gold sub-item, or a sub-item of a gold paragraph (siblings
of a gold sub-item do not count). ``parents`` maps each sub-item id to its paragraph id.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from assistant.retrieval.lexical import tokenize

if TYPE_CHECKING:
    from assistant.evaluation.datasets import QuestionRecord

Level = Literal["clause", "paragraph"]
LEVELS: tuple[Level, ...] = ("clause", "paragraph")
Ranked = Sequence[Collection[str]]
"""One ranked retrieval result: per rank, the clause ids that unit holds (one for a clause, several
for a text chunk of the naive baseline)."""

FACT_COVERAGE = 0.7


@dataclass(frozen=True)
class MetricResult:
    """An overall score and the per-item scores it was computed from (``None`` = n/a)."""

    score: float | None
    individual: list[float | None] = field(default_factory=list)


def mean(values: Sequence[float | None]) -> float | None:
    """Mean of the applicable values; ``None`` when none applies."""
    present = [v for v in values if v is not None]
    return sum(present) / len(present) if present else None


def matches(candidate: str, gold: str, level: Level, parents: Mapping[str, str]) -> bool:
    """Whether a retrieved or cited clause id counts as the gold clause at this level."""
    if candidate == gold:
        return True
    if level == "clause":
        return False
    return parents.get(gold) == candidate or parents.get(candidate) == gold


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


def citation_scores(
    cited: Sequence[Sequence[str]],
    gold: Sequence[Sequence[str]],
    level: Level = "clause",
    parents: Mapping[str, str] | None = None,
) -> dict[str, MetricResult]:
    """Citation precision, recall and F1 against gold, for items that have gold clauses.

    An answerable item that cites nothing scores precision 0 (it failed to cite), not n/a.
    """
    parents = parents or {}
    precision: list[float | None] = []
    recall: list[float | None] = []
    f1: list[float | None] = []
    for ids, golds in zip(cited, gold, strict=True):
        if not golds:
            for scores in (precision, recall, f1):
                scores.append(None)
            continue
        unique = list(dict.fromkeys(ids))
        good = sum(any(matches(c, g, level, parents) for g in golds) for c in unique)
        found = sum(any(matches(c, g, level, parents) for c in unique) for g in golds)
        p = good / len(unique) if unique else 0.0
        r = found / len(golds)
        precision.append(p)
        recall.append(r)
        f1.append(2 * p * r / (p + r) if p + r else 0.0)
    return {
        "precision": MetricResult(mean(precision), precision),
        "recall": MetricResult(mean(recall), recall),
        "f1": MetricResult(mean(f1), f1),
    }


def correct_clause_cited(
    cited: Sequence[Sequence[str]],
    gold: Sequence[Sequence[str]],
    parents: Mapping[str, str] | None = None,
) -> MetricResult:
    """Per answerable item, 1 when at least one cited clause is a gold clause, its paragraph or
    one of its sub-items (paragraph-level match), else 0: "did the answer rest on a right clause
    at all", the figure an official feels first, and the one the answering target is set on."""
    links = parents or {}
    scores: list[float | None] = [
        float(any(matches(c, g, "paragraph", links) for c in ids for g in golds)) if golds else None
        for ids, golds in zip(cited, gold, strict=True)
    ]
    return MetricResult(mean(scores), scores)


def invalid_citations(cited: Sequence[Sequence[str]], known: Collection[str]) -> MetricResult:
    """Per item, how many cited ids are not clauses of the corpus; the score is the total."""
    counts: list[float | None] = [float(sum(c not in known for c in ids)) for ids in cited]
    return MetricResult(float(sum(c or 0 for c in counts)), counts)


def grounding_share(verdicts: Sequence[Sequence[bool]]) -> MetricResult:
    """Share of answer sentences supported by a cited clause: per item, and over all sentences
    (so a long answer weighs more than a one-liner, as a reader would feel it)."""
    per_item: list[float | None] = [sum(v) / len(v) if v else None for v in verdicts]
    total = sum(len(v) for v in verdicts)
    overall = sum(sum(v) for v in verdicts) / total if total else None
    return MetricResult(overall, per_item)


def fact_covered(fact: str, answer_tokens: Collection[str], share: float = FACT_COVERAGE) -> bool:
    """A key fact is covered when enough of its stemmed content tokens appear in the answer."""
    tokens = set(tokenize(fact))
    if not tokens:
        return False
    return len(tokens & set(answer_tokens)) / len(tokens) >= share


def key_fact_coverage(
    facts: Sequence[Sequence[str]], answers: Sequence[str], share: float = FACT_COVERAGE
) -> MetricResult:
    """Per item, the share of its key facts the answer contains or closely paraphrases."""
    scores: list[float | None] = []
    for item_facts, answer in zip(facts, answers, strict=True):
        if not item_facts:
            scores.append(None)
            continue
        tokens = set(tokenize(answer))
        scores.append(sum(fact_covered(f, tokens, share) for f in item_facts) / len(item_facts))
    return MetricResult(mean(scores), scores)


def abstention_scores(
    abstained: Sequence[bool], must_refuse: Sequence[bool]
) -> dict[str, MetricResult]:
    """Abstention precision and recall (a refusal is the positive class), the false-refusal rate
    (share of answerable questions refused) and accuracy (share of right decisions)."""
    pairs = list(zip(abstained, must_refuse, strict=True))
    precision: list[float | None] = [float(m) if a else None for a, m in pairs]
    recall: list[float | None] = [float(a) if m else None for a, m in pairs]
    false_refusal: list[float | None] = [float(a) if not m else None for a, m in pairs]
    correct: list[float | None] = [float(a == m) for a, m in pairs]
    return {
        name: MetricResult(mean(values), values)
        for name, values in (
            ("precision", precision),
            ("recall", recall),
            ("false_refusal_rate", false_refusal),
            ("accuracy", correct),
        )
    }


def latency_summary(seconds: Sequence[float]) -> dict[str, float | None]:
    """Median, 95th percentile and mean latency in seconds."""
    if not seconds:
        return {"p50": None, "p95": None, "mean": None}
    values = np.asarray(seconds, dtype=float)
    return {
        "p50": float(np.percentile(values, 50)),
        "p95": float(np.percentile(values, 95)),
        "mean": float(values.mean()),
    }


def by_group(individual: Sequence[float | None], labels: Sequence[str]) -> dict[str, float | None]:
    """Mean of the per-item scores within each label (question type or style)."""
    groups: dict[str, list[float | None]] = defaultdict(list)
    for value, label in zip(individual, labels, strict=True):
        groups[label].append(value)
    return {label: mean(values) for label, values in sorted(groups.items())}


SUMMARY_KS = (1, 3, 5, 10)
BY_TYPE_METRICS = (
    "retrieval.clause.recall@5",
    "retrieval.paragraph.recall@5",
    "retrieval.clause.mrr",
    "citations.clause.precision",
    "citations.clause.recall",
    "citations.clause.f1",
    "citations.paragraph.f1",
    "citations.correct_cited",
    "grounding.supported_share",
    "key_facts.coverage",
    "abstention.accuracy",
    "abstention.false_refusal_rate",
)


def summarise(
    records: Sequence[QuestionRecord],
    parents: Mapping[str, str],
    ks: Sequence[int] = SUMMARY_KS,
) -> dict[str, Any]:
    """The summary of one system's records: every metric overall, and headline metrics per
    question type. A section is ``None`` when it does not apply to the system at all."""
    per_item: dict[str, list[float | None]] = {}
    summary: dict[str, Any] = {
        "questions": len(records),
        "errors": sum(r.error is not None for r in records),
        "retrieval": _retrieval(records, parents, ks, per_item),
        "citations": _citations(records, parents, per_item),
        "grounding": _grounding(records, per_item),
    }
    facts = key_fact_coverage([list(r.key_facts) for r in records], [r.answer for r in records])
    per_item["key_facts.coverage"] = facts.individual
    summary["key_facts"] = {"coverage": facts.score}
    abstention = abstention_scores([r.abstained for r in records], [r.must_refuse for r in records])
    for name, result in abstention.items():
        per_item[f"abstention.{name}"] = result.individual
    summary["abstention"] = {name: m.score for name, m in abstention.items()}
    summary["latency"] = latency_summary([r.latency_s for r in records])
    types = [r.type for r in records]
    by_type: dict[str, dict[str, float | None]] = defaultdict(dict)
    for key in BY_TYPE_METRICS:
        for label, value in by_group(per_item.get(key, [None] * len(records)), types).items():
            by_type[label][key] = value
    for label in by_type:
        latencies = [r.latency_s for r in records if r.type == label]
        by_type[label]["n"] = len(latencies)
        latency = latency_summary(latencies)
        by_type[label]["latency.p50"] = latency["p50"]
        by_type[label]["latency.p95"] = latency["p95"]
    summary["by_type"] = dict(by_type)
    return summary


def _retrieval(
    records: Sequence[QuestionRecord],
    parents: Mapping[str, str],
    ks: Sequence[int],
    per_item: dict[str, list[float | None]],
) -> dict[str, dict[str, float | None]]:
    ranked = [[frozenset(unit) for unit in r.retrieved] for r in records]
    gold = [r.gold for r in records]
    block: dict[str, dict[str, float | None]] = {}
    for level in LEVELS:
        block[level] = {}
        for k in ks:
            result = recall_at_k(ranked, gold, k, level, parents)
            block[level][f"recall@{k}"] = result.score
            per_item[f"retrieval.{level}.recall@{k}"] = result.individual
        mrr = mean_reciprocal_rank(ranked, gold, level, parents)
        block[level]["mrr"] = mrr.score
        per_item[f"retrieval.{level}.mrr"] = mrr.individual
    return block


def _citations(
    records: Sequence[QuestionRecord],
    parents: Mapping[str, str],
    per_item: dict[str, list[float | None]],
) -> dict[str, Any] | None:
    if all(r.citations is None for r in records):
        return None
    cited = [r.citations or [] for r in records]
    gold = [r.gold if r.citations is not None else [] for r in records]
    block: dict[str, Any] = {}
    for level in LEVELS:
        scores = citation_scores(cited, gold, level, parents)
        block[level] = {name: result.score for name, result in scores.items()}
        for name, result in scores.items():
            per_item[f"citations.{level}.{name}"] = result.individual
    correct = correct_clause_cited(cited, gold, parents)
    block["correct_cited"] = correct.score
    per_item["citations.correct_cited"] = correct.individual
    block["invalid"] = sum(len(r.invalid_citations) for r in records if r.citations is not None)
    return block


def _grounding(
    records: Sequence[QuestionRecord], per_item: dict[str, list[float | None]]
) -> dict[str, Any] | None:
    if all(r.sentences is None for r in records):
        return None
    verdicts = [[s.supported for s in r.sentences or []] for r in records]
    result = grounding_share(verdicts)
    per_item["grounding.supported_share"] = result.individual
    total = sum(len(v) for v in verdicts)
    return {
        "supported_share": result.score,
        "sentences": total,
        "unsupported": total - sum(sum(v) for v in verdicts),
    }
