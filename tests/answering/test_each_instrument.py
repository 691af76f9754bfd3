"""Questions about each instrument, answered by the real pipeline (real model, real index):
each instrument that speaks to the question answers with its own clauses, and one that says
nothing close enough is named in a notice instead of being quoted beside the other."""

from __future__ import annotations

import pytest

from assistant.services import Services

pytestmark = pytest.mark.integration

AI, DG = "OECD/LEGAL/0449", "OECD/LEGAL/0406"


def instruments_cited(services: Services, question: str) -> tuple[set[str], list[str]]:
    answer = services.answers.ask(question)
    assert not answer.abstained, answer.answer
    return {c.instrument for c in answer.citations}, answer.notices


def test_both_texts_answer_with_their_own_clauses(real_services: Services) -> None:
    cited, notices = instruments_cited(
        real_services, "What do both texts say about accountability and transparency?"
    )
    assert cited == {DG, AI}
    assert not any("says nothing close enough" in n for n in notices)


def test_a_text_with_nothing_on_the_matter_is_named_not_quoted(real_services: Services) -> None:
    cited, notices = instruments_cited(
        real_services, "What do both Recommendations say about business cases for IT projects?"
    )
    assert cited == {DG}
    assert any(
        "Recommendation on Artificial Intelligence says nothing close enough" in n for n in notices
    )


def test_which_of_the_two_is_a_choice_not_both(real_services: Services) -> None:
    cited, _ = instruments_cited(
        real_services, "Which of the two Recommendations talks about data trusts?"
    )
    assert cited == {AI}
