"""Metrics of an answer: citation precision/recall/F1, whether a right clause was cited,
invalid citations, the share of grounded sentences, key-fact coverage and abstention.

Kept apart from the retrieval metrics because they score what a system said (its citations,
sentences and refusals) rather than what it retrieved.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

from assistant.corpus.clause_ids import split_prefix
from assistant.evaluation.metric_core import Level, MetricResult, matches, mean
from assistant.retrieval.lexical import tokenize

FACT_COVERAGE = 0.7


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


def instrument_scores(
    cited: Sequence[Sequence[str]],
    gold: Sequence[Sequence[str]],
    parents: Mapping[str, str] | None = None,
) -> dict[str, MetricResult]:
    """Per answerable item: ``correct`` is 1 when, for every instrument the gold names, a
    right clause of it is cited (paragraph-level match), and nothing is cited from an
    instrument the gold does not name; ``wrong`` counts the cited clauses of an instrument the
    gold does not name (the score is the total). An instrument is told by its id prefix
    ('AI:1.3' against the bare ids of the primary instrument)."""
    links = parents or {}
    correct: list[float | None] = []
    wrong: list[float | None] = []
    for ids, golds in zip(cited, gold, strict=True):
        if not golds:
            correct.append(None)
            wrong.append(None)
            continue
        wanted = {split_prefix(g)[0] for g in golds}
        strays = sum(split_prefix(c)[0] not in wanted for c in ids)
        each = all(
            any(
                matches(c, g, "paragraph", links)
                for c in ids
                for g in golds
                if split_prefix(g)[0] == i
            )
            for i in wanted
        )
        correct.append(float(each and strays == 0))
        wrong.append(float(strays))
    return {
        "correct": MetricResult(mean(correct), correct),
        "wrong": MetricResult(float(sum(w or 0 for w in wrong)), wrong),
    }


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
