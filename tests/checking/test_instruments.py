"""Which instruments a sentence is judged against, from the instruments' metadata alone."""

from __future__ import annotations

import pytest

from assistant.checking.instruments import InstrumentCues
from assistant.corpus.instruments import Corpus
from assistant.settings import PROJECT_ROOT

DGS, AI = "OECD/LEGAL/0406", "OECD/LEGAL/0449"


@pytest.fixture(scope="module")
def cues() -> InstrumentCues:
    return InstrumentCues(Corpus.load(PROJECT_ROOT / "corpus"))


def test_a_sentence_naming_an_instrument_is_judged_against_it_alone(cues: InstrumentCues) -> None:
    assert cues.allowed("The AI Recommendation instructs the Committee to report.") == {AI}
    assert cues.allowed("The 2014 Recommendation invites non-Members to adhere.") == {DGS}


def test_without_a_name_the_primary_instrument_and_the_subjects_spoken_of(
    cues: InstrumentCues,
) -> None:
    assert cues.allowed("The Committee reports to the Council within five years.") == {DGS}
    assert cues.allowed("AI systems should be robust, secure and safe.") == {DGS, AI}
    assert cues.allowed("Artificial intelligence may transform societies.") == {DGS, AI}
    # "said" or "aid" are no subject; the prefix counts as a word of its own only
    assert cues.allowed("Governments said that aid was paid.") == {DGS}


def test_cited_clauses_and_the_document_open_their_instruments(cues: InstrumentCues) -> None:
    assert cues.allowed("Adherents should co-operate [AI:2.5.a].", cited=["AI:2.5.a"]) == {DGS, AI}
    assert cues.allowed("Adherents should co-operate.", document={AI}) == {DGS, AI}
