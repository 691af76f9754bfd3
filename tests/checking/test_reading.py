"""The English reading of French, Spanish and German sentences (the corpus's glossaries and the
words a check turns on; no model)."""

from __future__ import annotations

import pytest

from assistant.checking.reading import EnglishReader
from assistant.corpus.instruments import Corpus
from assistant.retrieval.query import QueryRewriter
from assistant.settings import PROJECT_ROOT


@pytest.fixture(scope="module")
def reader() -> EnglishReader:
    corpus_dir = PROJECT_ROOT / "corpus"
    return EnglishReader(QueryRewriter(Corpus.load(corpus_dir), corpus_dir / "glossary-fr.toml"))


def test_an_english_sentence_is_read_as_written(reader: EnglishReader) -> None:
    sentence = "Governments should develop clear business cases."
    reading = reader.read(sentence)
    assert (reading.language, reading.text, reading.translated) == ("en", sentence, False)


def test_figures_obligations_and_negations_are_read_in_english(reader: EnglishReader) -> None:
    french = reader.read(
        "Le Comité de la gouvernance publique doit faire rapport au Conseil au plus tard cinq "
        "ans après l'adoption."
    )
    assert french.language == "fr" and french.translated
    assert "Public Governance Committee" in french.text
    assert "must" in french.text and "five years" in french.text
    spanish = reader.read("La Recomendación no se aplica a los gobiernos locales.")
    assert spanish.language == "es" and "not" in spanish.text.split()
    german = reader.read("KI-Systeme sollten während ihres gesamten Lebenszyklus robust sein.")
    assert german.language == "de" and "AI" in german.text and "lifecycle" in german.text


def test_words_left_in_the_other_language_are_dropped(reader: EnglishReader) -> None:
    reading = reader.read("Les gouvernements devraient soutenir les projets numériques.")
    assert "soutenir" not in reading.text
    assert "governments should" in reading.text


def test_without_a_rewriter_every_sentence_is_read_as_written() -> None:
    sentence = "Les gouvernements devraient soutenir les projets."
    assert EnglishReader(None).read(sentence).text == sentence
