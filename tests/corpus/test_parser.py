"""The clause parser on the real source text: the clause-id contract and clean, complete text."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.corpus.instruments import Corpus
from assistant.corpus.parser import ClauseParser, clean_text, heading_of
from assistant.corpus.records import ClauseKind
from assistant.corpus.related import related_instruments
from assistant.settings import PROJECT_ROOT

SHARED_SOURCE = (
    PROJECT_ROOT.parent
    / "shared"
    / "corpus-source"
    / "oecd-legal-0406-digital-government-strategies.txt"
)
EXPECTED_IDS = (
    ["background"] + [f"background.{n}" for n in range(1, 17)]
    + ["preamble"] + [f"preamble.{n}" for n in range(1, 12)]
    + ["I", "I.e-government", "I.digital-government", "I.digital-technologies", "I.public-value"]
    + ["II", "II.1", "II.1.i", "II.1.ii", "II.1.iii", "II.2", "II.2.i", "II.2.ii",
       "II.3", "II.3.i", "II.3.ii", "II.4"]
    + ["III", "III.5", "III.6", "III.6.i", "III.6.ii", "III.6.iii", "III.6.iv",
       "III.7", "III.7.i", "III.7.ii", "III.8"]
    + ["IV", "IV.9", "IV.9.i", "IV.9.ii", "IV.10", "IV.10.i", "IV.10.ii", "IV.10.iii",
       "IV.10.iv", "IV.10.v", "IV.11", "IV.12", "IV.12.i", "IV.12.ii"]
    + ["V", "VI", "VII", "VIII"]
)  # fmt: skip


@pytest.fixture(scope="module")
def corpus() -> Corpus:
    return Corpus.load(PROJECT_ROOT / "corpus")


def test_every_canonical_clause_id_in_document_order(corpus: Corpus) -> None:
    clauses = corpus.instruments[0].clauses
    assert [c.clause_id for c in clauses] == EXPECTED_IDS
    assert [c.position for c in clauses] == list(range(len(EXPECTED_IDS)))


def test_subitem_split_across_page_break_is_joined(corpus: Corpus) -> None:
    text = corpus.get("II.2.i").text
    assert text.startswith("addressing issues of citizens' rights")
    assert "(e.g. adoption of guidelines clarifying roles" in text
    assert text.endswith("norms of data sharing);")
    assert corpus.get("II.2.ii").text.startswith("identifying and engaging")


def test_subitem_that_lost_its_bullet_is_still_a_subitem(corpus: Corpus) -> None:
    clause = corpus.get("IV.12.ii")
    assert clause.kind == ClauseKind.SUBITEM and clause.parent_id == "IV.12"
    assert clause.text == (
        "including assessment of the implications of new legislations on governments' digital "
        "needs as part of the regulatory impact assessment process."
    )
    assert corpus.get("IV.12.i").text == "reviewing them as appropriate;"


def test_no_extraction_markup_survives(corpus: Corpus) -> None:
    for clause in corpus.clauses:
        for artefact in ("](#)", "[[", "**", "\\(", "\\)", "  "):
            assert artefact not in clause.text, (clause.clause_id, artefact)
    assert "[C(2008)36]" in corpus.get("preamble.2").text


def test_headings_parents_and_stems(corpus: Corpus) -> None:
    assert corpus.get("IV.9").heading == (
        "Develop clear business cases to sustain the funding and focused implementation of "
        "digital technologies projects"
    )
    assert corpus.get("II.3").heading == "Create a data-driven culture in the public sector"
    assert corpus.get("III.7").heading.endswith("within and across levels of government")
    sub = corpus.get("IV.9.i")
    assert sub.heading == corpus.get("IV.9").heading
    assert "governments should" in sub.context and sub.context.endswith("projects, by:")
    assert "governments should" not in sub.text  # quoted text is the clause's own
    assert sub.embedding_text().startswith(sub.context)
    assert corpus.get("I.public-value").heading == "Public value"
    assert corpus.get("VIII").text.startswith("INSTRUCTS the Public Governance Committee")
    assert corpus.get("III.5").parent_id == "III" and corpus.get("III").parent_id is None


def test_background_and_preamble_are_numbered_paragraphs(corpus: Corpus) -> None:
    assert corpus.get("background.1").text.startswith("This document presents")
    assert corpus.get("background.15").text == (
        "The Recommendation was adopted by the OECD Council on 15 July 2014 [C(2014)88]."
    )
    assert corpus.get("background.16").text.startswith("Recommendation of the Council concerning")
    assert corpus.get("preamble.1").text.startswith("HAVING REGARD to Article 5 b)")
    assert corpus.get("preamble.11").text == "On the proposal of the Public Governance Committee:"


def test_catalogue_of_the_fifteen_related_instruments(corpus: Corpus) -> None:
    related = [r for r in corpus.related if r.cited_by == "OECD/LEGAL/0406"]
    assert len(related) == 15
    assert {r.cited_in for r in related} == {"preamble.2"}
    by_ref = {r.council_ref: r for r in related}
    assert by_ref["C(2008)36"].title == "Recommendation of the Council on Electronic Authentication"
    assert by_ref["C(80)58/FINAL, as amended"].year == 1980
    assert by_ref["C/MIN(2014)8/FINAL"].year == 2014
    assert "C(2014)88" not in by_ref  # the instrument itself is not related to itself


def test_metadata(corpus: Corpus) -> None:
    instrument = corpus.primary
    assert instrument.id == "OECD/LEGAL/0406"
    assert instrument.council_ref == "C(2014)88"
    assert str(instrument.adopted) == "2014-07-15"
    assert instrument.url.endswith("OECD-LEGAL-0406") and instrument.language == "en"


@pytest.mark.skipif(not SHARED_SOURCE.exists(), reason="shared source text not beside the repo")
def test_corpus_text_is_the_source_unaltered() -> None:
    assert (
        PROJECT_ROOT / "corpus" / "oecd-legal-0406.txt"
    ).read_bytes() == SHARED_SOURCE.read_bytes()


def test_clean_text_and_heading_helpers() -> None:
    assert clean_text("as [[C\\(2008\\)36](#)] said") == "as [C(2008)36] said"
    assert clean_text("see [the page](https://example.org) **now**") == "see the page now"
    assert heading_of("9. **Develop clear things**, by:") == "Develop clear things"
    assert heading_of("3. **Create a culture, by:**") == "Create a culture"


def test_related_instruments_ignore_non_preamble_clauses() -> None:
    clauses = ClauseParser("X/1").parse(
        "THE COUNCIL,\n\nHAVING REGARD to the Recommendation of the Council on Tests [C(99)1];\n\n"
        "I. RECOMMENDS that Adherents:\n\n1. **Test things**, by:\n\n"
        "- i) the Recommendation of the Council on Other [C(1)2];\n"
    )
    assert [r.council_ref for r in related_instruments(clauses)] == ["C(99)1"]


def test_fixture_instrument_in_the_same_layout(tmp_path: Path) -> None:
    text = (Path(__file__).parent / "fixtures" / "sample-instrument.md").read_text()
    clauses = ClauseParser("OECD/LEGAL/9999").parse(text)
    ids = [c.clause_id for c in clauses]
    assert ids == [
        "background", "background.1", "background.2", "preamble", "preamble.1", "preamble.2",
        "preamble.3", "I", "I.lamp-keeper", "II", "II.1", "II.1.i", "II.1.ii", "II.2", "III",
        "III.3", "III.3.i", "III.3.ii", "IV",
    ]  # fmt: skip
    by_id = {c.clause_id: c for c in clauses}
    assert by_id["II.1.ii"].text.endswith(
        "within one hour of its failure, using spare lenses stored on site;"
    )
    assert by_id["III.3.ii"].parent_id == "III.3"
    assert by_id["II.1"].heading == "Keep every lamp lit through the night"
    assert [r.council_ref for r in related_instruments(clauses)] == ["C(2019)7"]
