"""The Recommendation on Artificial Intelligence (OECD/LEGAL/0449, 2019 wording) as a second
instrument: every clause of its own numbering, word for word, under ids that carry its prefix."""

from __future__ import annotations

import hashlib
import re

import pytest

from assistant.corpus.citations import parse_citations
from assistant.corpus.clause_ids import is_paragraph_id, paragraph_of, split_prefix
from assistant.corpus.instruments import Corpus, InstrumentText
from assistant.corpus.records import ClauseKind
from assistant.corpus.references import resolve_references
from assistant.settings import PROJECT_ROOT

AI = "OECD/LEGAL/0449"
SHARED_SOURCE = PROJECT_ROOT.parent / "shared" / "corpus-source"
SHARED_SOURCE = SHARED_SOURCE / "oecd-legal-0449-artificial-intelligence-2019.txt"
SOURCE = PROJECT_ROOT / "corpus" / "oecd-legal-0449.txt"  # the copy, checked byte for byte
EXPECTED_AI_IDS = (
    ["preamble"] + [f"preamble.{n}" for n in range(1, 13)]
    + ["I", "I.ai-system", "I.ai-system-lifecycle", "I.ai-knowledge", "I.ai-actors",
       "I.stakeholders", "II", "III", "IV"]
    + ["1.1", "1.2", "1.2.a", "1.2.b", "1.3", "1.3.i", "1.3.ii", "1.3.iii", "1.3.iv",
       "1.4", "1.4.a", "1.4.b", "1.4.c", "1.5"]
    + ["V", "2.1", "2.1.a", "2.1.b", "2.2", "2.3", "2.3.a", "2.3.b", "2.4", "2.4.a", "2.4.b",
       "2.4.c", "2.5", "2.5.a", "2.5.b", "2.5.c", "2.5.d"]
    + ["VI", "VII", "VIII", "VIII.a", "VIII.b", "VIII.c", "VIII.d"]
)  # fmt: skip


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


@pytest.fixture(scope="module")
def corpus() -> Corpus:
    return Corpus.load(PROJECT_ROOT / "corpus")


@pytest.fixture(scope="module")
def ai(corpus: Corpus) -> InstrumentText:
    return next(item for item in corpus.instruments if item.instrument.id == AI)


def test_every_clause_of_its_own_numbering_with_the_prefix(ai: InstrumentText) -> None:
    assert [c.clause_id for c in ai.clauses] == [f"AI:{cid}" for cid in EXPECTED_AI_IDS]
    assert all(c.instrument_id == AI for c in ai.clauses)
    parents = {c.clause_id: c.parent_id for c in ai.clauses}
    assert parents["AI:1.3.ii"] == "AI:1.3" and parents["AI:VIII.d"] == "AI:VIII"
    assert parents["AI:I.stakeholders"] == "AI:I" and parents["AI:2.4"] == "AI:V"


def test_the_copy_is_the_source_byte_for_byte(corpus: Corpus) -> None:
    digest = hashlib.sha256(SOURCE.read_bytes()).hexdigest()
    assert digest == corpus.instrument_by_id[AI].source_sha256
    if SHARED_SOURCE.exists():  # beside the repository on the machines that have it
        assert SHARED_SOURCE.read_bytes() == SOURCE.read_bytes()


def test_every_clause_matches_the_source_word_for_word(ai: InstrumentText) -> None:
    source = _flat(SOURCE.read_text(encoding="utf-8"))
    for clause in ai.clauses:
        assert _flat(clause.text) in source, clause.clause_id


def test_every_paragraph_of_the_source_is_in_a_clause(ai: InstrumentText) -> None:
    """Nothing after the title is lost: each paragraph is a clause's text or a heading."""
    quoted = {_flat(c.text) for c in ai.clauses} | {_flat(c.heading) for c in ai.clauses}
    paragraphs = [p for p in SOURCE.read_text(encoding="utf-8").split("\n\n") if p.strip()][1:]
    for paragraph in paragraphs:
        flat = _flat(paragraph)
        flat = re.sub(r"^(?:[IVX]+\.|\d\.\d\.|[a-d]\)|[ivx]+\.|‒)\s*", "", flat)
        if flat.startswith("Section "):
            continue  # 'Section 1: Principles ...' groups sections; it is not a clause
        assert any(flat == q or flat in q for q in quoted), flat[:60]


def test_kinds_headings_and_definitions(corpus: Corpus) -> None:
    principle = corpus.get("AI:1.3")
    assert principle.kind == ClauseKind.PARAGRAPH
    assert principle.heading == "Transparency and explainability"
    assert principle.text.startswith("AI Actors should commit to transparency")
    assert corpus.get("AI:1.2").text == "Human-centred values and fairness"  # title only
    item = corpus.get("AI:1.2.b")
    assert item.kind == ClauseKind.SUBITEM and item.heading == "Human-centred values and fairness"
    definition = corpus.get("AI:I.ai-system")
    assert definition.kind == ClauseKind.DEFINITION and definition.heading == "AI system"
    assert definition.text.startswith("AI system: An AI system is a machine-based system")
    assert corpus.get("AI:VII").text.startswith("INVITES non-Adherents")


def test_metadata_says_which_version_the_text_is(corpus: Corpus) -> None:
    instrument = corpus.instrument_by_id[AI]
    assert instrument.id_prefix == "AI"
    assert "22 May 2019" in instrument.version and "not included" in instrument.version
    assert "2023" in instrument.version_notice and "2024" in instrument.version_notice
    assert "0449" in instrument.aliases
    assert corpus.primary.id == "OECD/LEGAL/0406"  # bare ids keep meaning 0406


def test_id_grammar_with_prefixes() -> None:
    assert split_prefix("AI:1.3.ii") == ("AI", "1.3.ii") and split_prefix("IV.9") == ("", "IV.9")
    assert is_paragraph_id("AI:2.4") and not is_paragraph_id("AI:2.4.a")
    assert paragraph_of("AI:2.4.a") == "AI:2.4" and paragraph_of("AI:VIII.c") == "AI:VIII"
    assert paragraph_of("IV.9.i") == "IV.9" and paragraph_of("AI:I.ai-actors") is None


def test_citation_markers_with_prefixes(corpus: Corpus) -> None:
    valid = corpus.by_id.keys()
    parsed = parse_citations(
        "Be open [AI:1.3(ii)] and fair [ai: 1.2.a, IV.9.i] [AI:2.5.a-b].", valid
    )
    assert parsed.ids == ["AI:1.3.ii", "AI:1.2.a", "IV.9.i", "AI:2.5.a", "AI:2.5.b"]
    assert parse_citations("[AI:9.9] [AI:IV.9]", valid).dropped == ["AI:9.9", "AI:IV.9"]


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("What does principle 1.3 say?", ["AI:1.3"]),
        ("and 2.5 c)?", ["AI:2.5.c"]),
        ("Explain AI:1.4.b and AI:I.ai-system", ["AI:1.4.b", "AI:I.ai-system"]),
        ("paragraph 9 and IV.10(ii)", ["IV.9", "IV.10.ii"]),
        ("Is a 1.5 million budget enough?", []),
    ],
)
def test_references_in_questions(corpus: Corpus, question: str, expected: list[str]) -> None:
    assert resolve_references(question, corpus.by_id.keys()) == expected
