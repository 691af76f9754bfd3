"""Attribution on the real corpus with the hashing fake embedder: the verdicts that the word
share and the deterministic differences decide on their own."""

from __future__ import annotations

import pytest

from assistant.checking.engine import AttributionEngine
from assistant.checking.types import Verdict
from assistant.services import Services


@pytest.fixture
def engine(fake_index: Services) -> AttributionEngine:
    return AttributionEngine(fake_index.corpus, fake_index.grounding)


def test_a_sentence_in_the_clause_own_words_is_supported_with_its_quote(
    engine: AttributionEngine,
) -> None:
    [check] = engine.check_sentences(
        ["Governments should procure digital technologies based on assessment of existing assets."]
    )
    assert check.verdict == Verdict.SUPPORTED
    assert check.clause_ids == ["IV.11"]
    assert check.quote is not None
    clause = engine.corpus.get("IV.11")
    assert clause is not None
    assert clause.text[check.quote.start : check.quote.end] == check.quote.text


@pytest.mark.parametrize(
    ("sentence", "clause_id", "kind", "claimed"),
    [
        (
            "Governments must develop clear business cases to sustain the funding of digital "
            "technologies projects.",
            "IV.9",
            "modality",
            "must",
        ),
        (
            "The Public Governance Committee should report to the Council no later than five "
            "years following the adoption of this Recommendation.",
            "VIII",
            "deadline",
            "five",
        ),
        (
            "Governments should not encourage engagement and participation of public, private and "
            "civil society stakeholders in policy making.",
            "II.2",
            "negation",
            "not",
        ),
        (
            "Governments should procure digital technologies based on assessment of existing "
            "assets, and vendors that fail to comply pay fines.",
            "IV.11",
            "sanction",
            "fines",
        ),
    ],
)
def test_an_altered_sentence_is_contradicted_naming_the_clause_and_the_difference(
    engine: AttributionEngine, sentence: str, clause_id: str, kind: str, claimed: str
) -> None:
    [check] = engine.check_sentences([sentence])
    assert check.verdict == Verdict.CONTRADICTED
    assert check.clause_ids == [clause_id]
    assert (kind, claimed) in {(d.kind, d.claim) for d in check.differences}
    assert claimed in check.note


def test_a_cited_clause_is_judged_first_even_when_the_sentence_adds_an_amount(
    engine: AttributionEngine,
) -> None:
    [check] = engine.check_sentences(
        ["Under paragraph 9, projects above EUR 1 million require approval by parliament."]
    )
    assert check.cited == ["IV.9"]
    assert check.verdict == Verdict.CONTRADICTED
    assert check.clause_ids[0].startswith("IV.9")
    assert {"amount", "actor"} <= {d.kind for d in check.differences}


def test_an_invented_claim_is_not_found(engine: AttributionEngine) -> None:
    [check] = engine.check_sentences(
        ["The Recommendation asks every municipality to appoint a chief blockchain officer."]
    )
    assert check.verdict == Verdict.NOT_FOUND
    assert check.clause_ids == []


@pytest.mark.parametrize(
    ("sentence", "note"),
    [
        ("Dear colleagues,", "a greeting or courtesy"),
        ("What does paragraph 9 say?", "a question"),
        ("I think this is a great instrument.", "an opinion"),
        ("## Background", "a heading"),
        ("Paris is nice in spring.", "about something else"),
    ],
)
def test_greetings_questions_opinions_and_off_topic_text_are_not_claims(
    engine: AttributionEngine, sentence: str, note: str
) -> None:
    [check] = engine.check_sentences([sentence])
    assert check.verdict == Verdict.NOT_A_CLAIM
    assert check.note == note


def test_check_text_gives_offsets_into_the_text_as_given(engine: AttributionEngine) -> None:
    text = (
        "# Note\n\nHello all.\n- Governments should procure digital technologies based on "
        "assessment of existing assets. Paris is nice in spring."
    )
    result = engine.check_text(text)
    assert [text[s.start : s.end] for s in result.sentences] == [
        s.sentence for s in result.sentences
    ]
    assert result.counts["supported"] == 1
    assert result.counts["not a claim about the text"] == 3


def test_progress_is_reported_for_every_sentence(engine: AttributionEngine) -> None:
    seen: list[tuple[int, int]] = []
    engine.check_text(
        "Hello. Members are invited to disseminate it. Bye.", lambda d, t: seen.append((d, t))
    )
    assert seen == [(1, 3), (2, 3), (3, 3)]


def test_numbered_lists_and_lead_in_lines_are_read_as_a_brief_writes_them(
    engine: AttributionEngine,
) -> None:
    result = engine.check_text(
        "Key points:\n1. Governments should procure digital technologies based on assessment "
        "of existing assets.\n2) Members are invited to disseminate the Recommendation."
    )
    verdicts = [(s.verdict, s.note) for s in result.sentences]
    assert verdicts[:2] == [
        (Verdict.NOT_A_CLAIM, "a heading"),
        (Verdict.NOT_A_CLAIM, "a list number"),
    ]
    assert [s.verdict for s in result.sentences[2:]] == [Verdict.SUPPORTED, Verdict.SUPPORTED]


def test_a_sentence_is_judged_against_the_instrument_it_names_or_else_the_primary_one(
    engine: AttributionEngine,
) -> None:
    """Both instruments instruct a committee to report to the Council; the AI Recommendation
    within five years, OECD/LEGAL/0406 within three."""
    ai, primary = engine.check_sentences(
        [
            "The AI Recommendation instructs the Committee on Digital Economy Policy to report "
            "to the Council no later than five years following its adoption.",
            "The Committee reports to the Council no later than five years following the adoption.",
        ]
    )
    assert (ai.verdict, ai.clause_ids) == (Verdict.SUPPORTED, ["AI:VIII.d"])
    assert (primary.verdict, primary.clause_ids) == (Verdict.CONTRADICTED, ["VIII"])
    [document] = engine.check_text(
        "Notes on the AI Recommendation.\n\nThe Committee reports to the Council no later "
        "than five years following the adoption."
    ).sentences[1:]
    assert document.clause_ids == ["AI:VIII.d"]


def test_another_instruments_clause_restated_without_its_subject_is_still_found(
    engine: AttributionEngine,
) -> None:
    """No "AI" in it, but every word is the AI Recommendation's and none is the first's."""
    [check] = engine.check_sentences(
        ["Adherents should promote and implement the principles for responsible stewardship."]
    )
    assert (check.verdict, check.clause_ids) == (Verdict.SUPPORTED, ["AI:II"])
