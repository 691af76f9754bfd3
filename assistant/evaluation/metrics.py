"""The summary of one system's records, and the one place to import every metric from.

Metric functions are pure (plain lists in, an overall score plus per-item scores out), so every
metric is unit-tested on hand-built data. They live by what they score: ``metric_core`` (the
result type, means and the clause/paragraph matching rule), ``retrieval_metrics`` (recall@k,
MRR) and ``answer_metrics`` (citations, grounding, key facts, abstention); every metric function
and ``MetricResult`` are re-exported here, so ``from assistant.evaluation.metrics import
recall_at_k`` keeps working. This module adds the latency summary and ``summarise``, which turns
one system's records into its section of ``summary.json``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from assistant.evaluation.answer_metrics import (
    abstention_scores,
    citation_scores,
    correct_clause_cited,
    grounding_share,
    instrument_scores,
    key_fact_coverage,
)
from assistant.evaluation.answer_metrics import fact_covered as fact_covered
from assistant.evaluation.answer_metrics import invalid_citations as invalid_citations
from assistant.evaluation.attribution_metrics import attribution_block
from assistant.evaluation.metric_core import LEVELS, by_group
from assistant.evaluation.metric_core import MetricResult as MetricResult
from assistant.evaluation.metric_core import matches as matches
from assistant.evaluation.retrieval_metrics import mean_reciprocal_rank, recall_at_k

if TYPE_CHECKING:
    from assistant.evaluation.datasets import QuestionRecord


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
    "citations.correct_instrument",
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
    summary["attribution"] = attribution_block(records, parents)
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
    instruments = instrument_scores(cited, gold, parents)
    block["correct_instrument"] = instruments["correct"].score
    block["wrong_instrument"] = instruments["wrong"].score
    per_item["citations.correct_instrument"] = instruments["correct"].individual
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
