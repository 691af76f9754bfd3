"""Follow-up resolution on hand-built conversations (pure: no index, no model)."""

from __future__ import annotations

import pytest

from assistant.answering.followup import FollowUpResolver
from assistant.answering.types import ChatMessage

IDS = [
    "II.3",
    "II.3.i",
    "II.3.ii",
    "IV.9",
    "IV.9.i",
    "IV.9.ii",
    "IV.10",
    "IV.10.i",
    "IV.10.ii",
    "IV.10.iii",
    "I.digital-government",
    "I.public-value",
    "I.digital-technologies",
]
TERMS = {
    "Digital Government": "I.digital-government",
    "Public value": "I.public-value",
    "Digital technologies": "I.digital-technologies",
}


def chat(*turns: str) -> list[ChatMessage]:
    roles = ["user", "assistant"]
    return [ChatMessage(role=roles[n % 2], content=text) for n, text in enumerate(turns)]  # type: ignore[arg-type]


@pytest.fixture
def resolver() -> FollowUpResolver:
    return FollowUpResolver(IDS, TERMS)


BUSINESS_CASE = chat(
    "What about business cases?", "Governments should develop business cases [IV.9][IV.9.i]."
)


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("And what about the second sub-item?", "What does IV.9.ii say?"),
        ("and the first point?", "What does IV.9.i say?"),
        ("what does the last item add?", "What does IV.9.ii say?"),
        ("and the fifth one?", None),  # IV.9 has two sub-items: no invented IV.9.v
    ],
)
def test_ordinal_sub_items_resolve_against_the_last_cited_paragraph(
    resolver: FollowUpResolver, question: str, expected: str | None
) -> None:
    standalone = resolver.condense(question, BUSINESS_CASE)
    if expected:
        assert standalone == expected
    else:
        assert "IV.9.v" not in standalone and question in standalone


@pytest.mark.parametrize(
    ("answer", "question", "expected"),
    [
        ("Clear business cases [IV.9].", "And the next paragraph?", "IV.10"),
        (
            "Clear business cases [IV.9].",
            "what is the paragraph right after that one about?",
            "IV.10",
        ),
        ("Clear business cases [IV.9].", "and the previous paragraph?", "II.3"),
        ("The value proposition [IV.9.i].", "what does the next point add?", "IV.9.ii"),
    ],
)
def test_next_and_previous_move_from_the_clause_cited_last(
    resolver: FollowUpResolver, answer: str, question: str, expected: str
) -> None:
    history = chat("What about business cases?", answer)
    assert resolver.condense(question, history) == f"What does {expected} say?"


def test_the_other_one_is_the_sibling_cited_earlier(resolver: FollowUpResolver) -> None:
    history = chat(
        "Tell me about the data provisions.",
        "Frameworks for re-use [II.3.i] and balancing timely data with trustworthy data [II.3.ii].",
        "What's the purpose of the frameworks?",
        "To increase openness and transparency [II.3.i].",
    )
    assert (
        resolver.condense("ok and the other one, what risk?", history) == "What does II.3.ii say?"
    )


def test_the_other_one_is_left_alone_when_ambiguous(resolver: FollowUpResolver) -> None:
    history = chat("Implementation?", "Governments should monitor projects [IV.10.i].")
    # IV.10 has two other sub-items and none was cited before: no guess.
    assert "say?" not in resolver.condense("and the other one?", history)


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("And what does that last term mean?", "I.public-value"),
        ("what does the first term mean?", "I.digital-technologies"),
        ("what is meant by that term?", "I.public-value"),
    ],
)
def test_term_references_resolve_to_the_defining_clause(
    resolver: FollowUpResolver, question: str, expected: str
) -> None:
    history = chat(
        "How is digital government defined?",
        "As the use of digital technologies to create public value [I.digital-government].",
    )
    assert resolver.condense(question, history) == f"What does {expected} say?"


def test_short_pronoun_question_carries_the_previous_topic(resolver: FollowUpResolver) -> None:
    standalone = resolver.condense("Who should be involved in it?", BUSINESS_CASE)
    assert standalone == "Who should be involved in it? (about: What about business cases?)"


def test_a_long_question_pointing_back_carries_the_previous_topic(
    resolver: FollowUpResolver,
) -> None:
    question = "Which of those two is about asking the people who will use the service?"
    standalone = resolver.condense(question, BUSINESS_CASE)
    assert standalone.endswith("(about: What about business cases?)")


def test_without_history_or_follow_up_the_question_is_unchanged(resolver: FollowUpResolver) -> None:
    assert resolver.condense("What is public value?", []) == "What is public value?"
    long_question = "What does the Recommendation say about skills in the public sector workforce?"
    assert resolver.condense(long_question, BUSINESS_CASE) == long_question


BUSINESS_CASES = chat(
    "What does it say about business cases?",
    "Develop clear business cases [IV.9], with a value proposition [IV.9.i].",
)


@pytest.mark.parametrize(
    "question",
    ["Can you quote the exact wording?", "Say more.", "Tell me more", "Quote it verbatim please"],
)
def test_asking_for_the_wording_or_more_points_at_the_clauses_just_cited(
    resolver: FollowUpResolver, question: str
) -> None:
    assert resolver.condense(question, BUSINESS_CASES) == "What do IV.9, IV.9.i say?"


@pytest.mark.parametrize(
    "question",
    ["By when?", "Why?", "and who?", "How exactly?", "Since when?", "On which dates?", "How long?"],
)
def test_a_bare_question_word_carries_the_previous_topic(
    resolver: FollowUpResolver, question: str
) -> None:
    standalone = resolver.condense(question, BUSINESS_CASES)
    assert standalone == f"{question} (about: What does it say about business cases?)"


@pytest.mark.parametrize(
    "question",
    [
        "Why should governments involve stakeholders in business cases?",
        "When was the Recommendation adopted?",
        "How should governments quote prices in procurement?",
    ],
)
def test_a_full_question_stays_as_it_is(resolver: FollowUpResolver, question: str) -> None:
    assert resolver.condense(question, BUSINESS_CASES) == question


def test_the_last_one_counts_the_parts_of_the_clause_just_cited() -> None:
    """Section I's parts are its definitions, not sub-items: "the last one" after an answer
    citing [I] is the last definition, found through the corpus's own structure."""
    children = {"I": ["I.digital-government", "I.digital-technologies", "I.public-value"]}
    resolver = FollowUpResolver([*IDS, "I"], TERMS, children)
    history = chat("What are the definitions in Section I?", "Four terms are defined [I].")
    assert (
        resolver.condense("Give me the exact wording of the last one.", history)
        == "What does I.public-value say?"
    )
    assert resolver.condense("and the first one?", history) == "What does I.digital-government say?"


def test_a_question_about_a_new_date_stays_as_it_is(resolver: FollowUpResolver) -> None:
    question = "On which date was the Recommendation adopted by the Council?"
    assert resolver.condense(question, BUSINESS_CASES) == question
