"""Attribution-based figures of any system's answers, the same for this assistant, the baselines
and systems evaluated from outside (``--system``, ``--answers``), which may never cite:

- ``supported_share``: share of an answer's claims that some clause supports (mean over answers);
- ``contradictions``: sentences that a clause contradicts (changed figures, negations,
  obligations or sanctions the text does not impose), and ``answers_contradicting``;
- ``correct_clause_mentioned``: of the answers to answerable questions that name a clause (a
  citation, a reference such as "paragraph 9", or a quote of its words), the share naming a gold
  clause or its paragraph.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from assistant.checking.engine import AttributionEngine
from assistant.checking.types import CheckResult, Verdict
from assistant.evaluation.datasets import AnswerAttribution, QuestionRecord
from assistant.evaluation.metric_core import matches, mean

QUOTE_SCORE = 0.999  # every content word of the sentence is the clause's own


def attribution_of(result: CheckResult) -> AnswerAttribution:
    """The counts of one checked answer."""
    claims = [s for s in result.sentences if s.verdict != Verdict.NOT_A_CLAIM]
    count = {v: sum(s.verdict == v for s in claims) for v in Verdict}
    contradicted = [c for s in claims if s.verdict == Verdict.CONTRADICTED for c in s.clause_ids]
    quoted = [
        c
        for s in claims
        if s.verdict == Verdict.SUPPORTED and s.score >= QUOTE_SCORE
        for c in s.clause_ids
    ]
    return AnswerAttribution(
        claims=len(claims),
        supported=count[Verdict.SUPPORTED],
        partly=count[Verdict.PARTLY],
        not_found=count[Verdict.NOT_FOUND],
        contradicted=count[Verdict.CONTRADICTED],
        contradicted_clauses=list(dict.fromkeys(contradicted)),
        quoted=list(dict.fromkeys(quoted)),
    )


def attribute_records(records: Sequence[QuestionRecord], engine: AttributionEngine) -> None:
    """Check every given answer (not refusals, not failed calls) and keep its counts."""
    for record in records:
        if record.error is None and not record.abstained and record.answer.strip():
            record.attribution = attribution_of(engine.check_text(record.answer))


def attribution_block(
    records: Sequence[QuestionRecord], parents: Mapping[str, str]
) -> dict[str, Any] | None:
    """The figures above for one system; None when no answer was checked."""
    checked = [r for r in records if r.attribution is not None]
    if not checked:
        return None
    shares = [
        r.attribution.supported / r.attribution.claims
        for r in checked
        if r.attribution and r.attribution.claims
    ]
    named: list[float | None] = []
    for r in checked:
        assert r.attribution is not None
        mentioned = {*(r.citations or []), *r.attribution.quoted}
        if r.gold and mentioned:
            hit = any(matches(m, g, "paragraph", parents) for m in mentioned for g in r.gold)
            named.append(1.0 if hit else 0.0)
    contradictions = [r.attribution.contradicted for r in checked if r.attribution]
    return {
        "answers_checked": len(checked),
        "supported_share": mean(shares),
        "contradictions": sum(contradictions),
        "answers_contradicting": sum(n > 0 for n in contradictions),
        "correct_clause_mentioned": mean(named),
        "answers_naming_a_clause": len(named),
    }
