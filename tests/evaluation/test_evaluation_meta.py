"""The meta-evaluation: cases are built as documented, and the rates it reports are the rates
of the checker it is given (a fake checker here; the real one under the integration marker)."""

from __future__ import annotations

import pytest

from assistant.corpus.instruments import Corpus
from assistant.corpus.records import Clause
from assistant.evaluation.meta_eval import (
    build_cases,
    eligible,
    first_sentence,
    meta_evaluate,
    run_meta_eval,
)
from assistant.settings import PROJECT_ROOT


@pytest.fixture(scope="module")
def clauses() -> list[Clause]:
    return Corpus.load(PROJECT_ROOT / "corpus").clauses


class ExactChecker:
    """Supports only the clause's own first sentence: a perfect but brittle fake checker."""

    def support(self, sentence: str, clauses: list[Clause]) -> tuple[float, str | None]:
        body = (
            sentence.rsplit(" [", 1)[0]
            .rstrip(".")
            .removeprefix("According to the Recommendation, ")
        )
        for clause in clauses:
            if body.lower() == first_sentence(clause.text).rstrip(".").lower():
                return 1.0, clause.clause_id
        return 0.0, None

    def is_supported(self, score: float) -> bool:
        return score >= 0.5


def test_first_sentence_stops_at_the_first_full_stop() -> None:
    assert first_sentence("One thing. Another thing.") == "One thing."
    assert first_sentence("developing a strategy, by:") == "developing a strategy, by"


def test_cases_cover_every_perturbation_kind(clauses: list[Clause]) -> None:
    cases = build_cases(clauses)
    kinds = {c.kind for c in cases}
    assert {
        "correct-verbatim",
        "correct-framed",
        "invented",
        "invented-topical",
        "swapped-citation",
        "altered-number",
        "altered-actor",
        "altered-negation",
    } <= kinds
    assert all(c.correct == c.kind.startswith("correct") for c in cases)
    assert build_cases(clauses) == cases  # deterministic for a seed


def test_swapped_citations_point_outside_the_clause_family(clauses: list[Clause]) -> None:
    pool = {c.clause_id: c for c in eligible(clauses)}
    for case in build_cases(clauses):
        if case.kind == "swapped-citation":
            original = next(
                c
                for c in pool.values()
                if case.sentence.startswith(first_sentence(c.text).rstrip("."))
            )
            assert case.clause.paragraph_id != original.paragraph_id


def test_altered_sentences_differ_from_the_original(clauses: list[Clause]) -> None:
    for case in build_cases(clauses):
        if case.kind.startswith("altered"):
            assert case.sentence.rsplit(" [", 1)[0] != first_sentence(case.clause.text) + "."


def test_rates_with_a_fake_exact_checker(clauses: list[Clause]) -> None:
    report = run_meta_eval(clauses, ExactChecker())
    assert report.false_flag_rate == 0.0
    assert report.catch_rate == pytest.approx(1.0, abs=0.02)  # a swap to an identical opening
    assert report.correct_cases == 2 * len(eligible(clauses))


@pytest.mark.integration
def test_real_grounding_checker_meta_evaluation_is_printed(real_services, capsys) -> None:  # type: ignore[no-untyped-def]
    report = meta_evaluate(real_services)
    with capsys.disabled():
        print(
            f"\nmeta-eval: catch rate {report.catch_rate:.1%} (target >= 95%), "
            f"false-flag rate {report.false_flag_rate:.1%} (target <= 5%)"
        )
    assert report.perturbed_cases > 200 and report.correct_cases > 100
    assert 0.0 <= report.catch_rate <= 1.0 and 0.0 <= report.false_flag_rate <= 1.0
