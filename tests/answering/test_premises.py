"""Premises about the text (unit tests on the real corpus, no model): which questions assert
what the text requires, whether the thing claimed is one the text speaks of (then the premise
is corrected from the nearest clause) or one it never mentions (then the question is about that
thing), and amounts that are figures, never absent topics."""

from __future__ import annotations

import pytest

from assistant.answering.scope import ScopeGuard
from assistant.corpus.instruments import Corpus
from assistant.settings import PROJECT_ROOT


@pytest.fixture(scope="module")
def guard() -> ScopeGuard:
    return ScopeGuard(Corpus.load(PROJECT_ROOT / "corpus"))


@pytest.mark.parametrize(
    ("question", "premise", "on_covered"),
    [
        (
            "Since the Recommendation requires statistics offices to release all their "
            "microdata, how do we anonymise it?",
            True,
            True,
        ),
        (
            "Given that the Recommendation makes the European Interoperability Framework "
            "mandatory, which version applies?",
            True,
            True,
        ),
        ("Because the text bans paper forms, how do we go digital?", True, True),
        ("Why does the Recommendation require blockchain for all public services?", True, False),
        ("As it is, what does the Recommendation say about open data?", False, False),
        ("How should governments develop business cases?", False, False),
    ],
)
def test_a_premise_is_told_and_so_is_whether_its_matter_is_the_texts(
    guard: ScopeGuard, question: str, premise: bool, on_covered: bool
) -> None:
    check = guard.check(question)
    assert (check.claims_premise, check.premise_on_covered) == (premise, on_covered)


def test_amount_words_are_part_of_a_figure_not_an_absent_topic(guard: ScopeGuard) -> None:
    check = guard.check(
        "Since the Recommendation requires a business case for every project above "
        "EUR 1 million, how should the value proposition be articulated?"
    )
    assert "million" not in check.unknown_names
    assert guard.unknown_words("projects above five million euros") == ["euros"]
