"""The deterministic differences between a sentence and one clause."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.checking.differences import find_differences
from assistant.corpus.instruments import Corpus
from assistant.corpus.records import Clause
from assistant.settings import PROJECT_ROOT


@pytest.fixture(scope="module")
def corpus() -> Corpus:
    return Corpus.load(Path(PROJECT_ROOT / "corpus"))


def clause(corpus: Corpus, clause_id: str) -> Clause:
    found = corpus.get(clause_id)
    assert found is not None
    return found


def kinds(sentence: str, found: Clause) -> set[tuple[str, str]]:
    return {(d.kind, d.claim) for d in find_differences(sentence, found, {"2014"})}


def test_a_faithful_sentence_has_no_difference(corpus: Corpus) -> None:
    viii = clause(corpus, "VIII")
    sentence = "The Public Governance Committee reports to the Council within three years."
    assert kinds(sentence, viii) == set()


def test_number_words_and_digits_are_the_same_figure(corpus: Corpus) -> None:
    value = clause(corpus, "I.public-value")
    assert kinds("One element of public value is fairness of distribution.", value) == set()
    assert ("number", "nine") in kinds("Public value lists nine kinds of benefits.", value)


def test_a_changed_figure_names_what_the_clause_says(corpus: Corpus) -> None:
    [difference] = find_differences(
        "The Committee reports no later than five years after adoption.", clause(corpus, "VIII")
    )
    assert (difference.kind, difference.claim, difference.clause) == ("deadline", "five", "three")
    assert "the clause says 'three'" in difference.explain()


def test_negations_of_one_kind_are_paraphrases_not_reversals(corpus: Corpus) -> None:
    divides = clause(corpus, "II.1.iii")
    assert kinds("Governments should prevent new forms of digital exclusion.", divides) == set()
    assert ("negation", "not") in kinds("Non-Members may not adhere to it.", clause(corpus, "VII"))
    assert (
        kinds("Countries that are not Members are invited to adhere.", clause(corpus, "VII"))
        == set()
    )


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("Members must disseminate the Recommendation.", ("modality", "must")),
        ("Members are obliged to disseminate the Recommendation.", ("modality", "obliged")),
        ("Members that do not comply pay fines.", ("sanction", "fines")),
        ("Members should disseminate it solely at national level.", ("scope", "solely")),
        (
            "Members should disseminate it through the European Commission.",
            ("actor", "european commission"),
        ),
        ("Members should disseminate it within 30 days.", ("deadline", "30")),
        ("Members should spend EUR 5 million on dissemination.", ("amount", "5")),
    ],
)
def test_each_kind_of_alteration_is_named(
    corpus: Corpus, sentence: str, expected: tuple[str, str]
) -> None:
    assert expected in kinds(sentence, clause(corpus, "VI"))


def test_clause_references_and_the_year_of_adoption_are_not_claimed_figures(
    corpus: Corpus,
) -> None:
    sentence = "Paragraph 9 of the 2014 Recommendation asks for clear business cases [IV.9]."
    assert kinds(sentence, clause(corpus, "IV.9")) == set()


def test_a_plain_not_restates_the_clause_avoid_or_lack_about_the_same_thing(
    corpus: Corpus,
) -> None:
    picture = clause(corpus, "IV.10.ii")
    focus = picture.text
    restated = (
        "Governments should keep a full picture of initiatives so that datasets are not duplicated."
    )
    assert kinds_in(restated, picture, focus) == set()
    # The clause's "avoid" is about duplication, not about keeping the picture.
    reversed_ = (
        "Governments should not keep a comprehensive picture of on-going digital initiatives."
    )
    assert ("negation", "not") in kinds_in(reversed_, picture, focus)
    lacking = clause(corpus, "background.9")
    sentence = "Many governments cannot monitor the costs and benefits of new technologies."
    assert ("negation", "cannot") not in kinds_in(sentence, lacking, None)


def test_a_negation_is_counted_in_the_part_of_the_clause_the_sentence_is_about(
    corpus: Corpus,
) -> None:
    scope = clause(corpus, "background.5")  # says "not" in its first sentence
    focus = (
        "Public sector capacities, workflows, business processes, operations, methodologies "
        "and frameworks need to be adapted"
    )
    sentence = "Public sector workflows and business processes do not need to be adapted."
    assert ("negation", "not") in kinds_in(sentence, scope, focus)
    assert ("negation", "not") not in kinds_in(sentence, scope, None)


def test_always_at_any_time_and_an_instruction_are_what_the_clause_says(corpus: Corpus) -> None:
    picture = clause(corpus, "IV.10.ii")
    assert (
        kinds("Governments should always have a comprehensive picture of initiatives.", picture)
        == set()
    )
    viii = clause(corpus, "VIII")
    assert kinds("The Public Governance Committee has to report to the Council.", viii) == set()
    assert ("modality", "must") in kinds("Members must disseminate it.", clause(corpus, "VI"))


def kinds_in(sentence: str, found: Clause, focus: str | None) -> set[tuple[str, str]]:
    return {(d.kind, d.claim) for d in find_differences(sentence, found, {"2014"}, focus)}


def test_members_where_the_clause_says_non_members_is_another_actor(corpus: Corpus) -> None:
    vii = clause(corpus, "VII")
    found = find_differences("Members are invited to adhere to the Recommendation.", vii)
    assert [(d.kind, d.claim, d.clause) for d in found] == [("actor", "members", "non-members")]
    same = "Countries that are not OECD Members are invited to adhere to the Recommendation."
    assert kinds(same, vii) == set()


def test_an_obligation_left_to_the_reader_is_a_weakened_modality(corpus: Corpus) -> None:
    business_cases = clause(corpus, "IV.9")
    sentence = "Governments may, if they wish, develop clear business cases for their projects."
    assert ("modality", "if they wish") in kinds(sentence, business_cases)


def test_the_opposite_direction_about_the_same_thing_is_a_difference(corpus: Corpus) -> None:
    evidence = clause(corpus, "IV.10.i")
    reduce = "Governments should reduce the amount of evidence captured during projects."
    assert ("direction", "reduce") in kinds(reduce, evidence)
    increase = "Governments should increase the amount of evidence captured during projects."
    assert kinds(increase, evidence) == set()
    closer = clause(corpus, "background.1")
    away = "The Recommendation aims at moving governments further away from citizens."
    assert ("direction", "further away from") in kinds(away, closer)


def test_a_negation_of_the_clause_left_out_is_a_difference(corpus: Corpus) -> None:
    expectations = clause(corpus, "background.3")
    dropped = "The Recommendation encourages governments to separate efficiency from other goals."
    assert ("negation", "it without the negation") in kinds(dropped, expectations)
    kept = "Governments can no longer afford to separate efficiency from other policy objectives."
    assert kinds(kept, expectations) == set()
    # "no later than three years" may be said "within three years"
    viii = clause(corpus, "VIII")
    assert kinds("The Public Governance Committee reports within three years.", viii) == set()


def test_a_recommendation_made_a_permission_or_an_instruction_is_a_modality(
    corpus: Corpus,
) -> None:
    stakeholders = clause(corpus, "IV.9.ii")
    sentence = "Governments may involve key stakeholders in the definition of the business case."
    assert ("modality", "may") in kinds(sentence, stakeholders)
    choose = "Governments can choose whether to involve key stakeholders in the business case."
    assert ("modality", "can choose whether") in kinds(choose, stakeholders)
    members = clause(corpus, "VI")
    assert ("modality", "instructed") in kinds(
        "Members are instructed to disseminate the Recommendation.", members
    )
    viii = clause(corpus, "VIII")
    assert kinds("The Public Governance Committee is instructed to monitor it.", viii) == set()
