"""The chat page's own wording (unit tests on the real corpus metadata, no server): it names
every instrument it answers from, and speaks of the texts, not of one Recommendation."""

from __future__ import annotations

from assistant.corpus.instruments import Corpus
from assistant.settings import PROJECT_ROOT
from assistant.web.markdown_export import header, panel_intro


def test_the_heading_names_every_instrument_by_title_and_id() -> None:
    corpus = Corpus.load(PROJECT_ROOT / "corpus")
    heading = header([i.instrument for i in corpus.instruments])
    assert "Recommendation of the Council on Digital Government Strategies (OECD/LEGAL/0406)" in (
        heading
    )
    assert "Recommendation of the Council on Artificial Intelligence (OECD/LEGAL/0449)" in heading
    assert "the texts do not cover" in heading


def test_the_heading_escapes_metadata() -> None:
    corpus = Corpus.load(PROJECT_ROOT / "corpus")
    odd = corpus.primary.model_copy(update={"title": "<b>Bold</b> title"})
    assert "<b>" not in header([odd]) and "&lt;b&gt;" in header([odd])


def test_the_clause_panel_invites_browsing_the_texts() -> None:
    assert "browse the texts" in panel_intro()
