"""Attribution with the real embedding model: everyday wording, sentences that join two clauses,
and the most specific clause (sentences written for these tests, none from the labelled sets)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from langchain_core.embeddings import Embeddings

from assistant.checking.engine import AttributionEngine
from assistant.checking.types import Verdict
from assistant.checking.vector_cache import TextVectors
from assistant.checking.wording import Wording
from assistant.services import Services


class FailingEmbeddings(Embeddings):
    """A fake that fails when asked to embed: proves vectors came from the file."""

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        raise AssertionError(f"embedded {texts}")

    def embed_query(self, text: str) -> list[float]:
        raise AssertionError(f"embedded {text}")


@pytest.fixture(scope="module")
def engine(real_services: Services) -> AttributionEngine:
    return real_services.attribution


@pytest.mark.integration
def test_an_actor_named_in_other_words_is_the_same_actor(real_services: Services) -> None:
    wording = Wording(TextVectors(real_services.embeddings))
    assert wording.names_term("firms", "closer to citizens and businesses")
    assert wording.names_term("ngos", "non-governmental organisations, businesses or citizens")
    assert not wording.names_term("ministers", "governments should develop strategies")
    assert not wording.names_term("european commission", "the Public Governance Committee")


@pytest.mark.integration
@pytest.mark.parametrize(
    ("sentence", "clause_id"),
    [
        (
            "Governments should strengthen international co-operation to serve citizens and firms "
            "across borders.",
            "III.8",
        ),
        (
            "Regulatory impact assessments should consider what new laws mean for digital needs.",
            "IV.12.ii",
        ),
    ],
)
def test_everyday_paraphrases_are_supported_by_their_clause(
    engine: AttributionEngine, sentence: str, clause_id: str
) -> None:
    [check] = engine.check_sentences([sentence])
    assert check.verdict == Verdict.SUPPORTED, check.note
    assert check.clause_ids[0] == clause_id


@pytest.mark.integration
def test_a_sentence_joining_two_items_of_a_paragraph_names_both(engine: AttributionEngine) -> None:
    [check] = engine.check_sentences(
        [
            "Governments should maintain an overview of on-going digital initiatives and evaluate "
            "prototypes early with end-users."
        ]
    )
    assert check.verdict == Verdict.SUPPORTED, check.note
    assert set(check.clause_ids) == {"IV.10.ii", "IV.10.v"}


@pytest.mark.integration
def test_an_added_part_of_another_paragraph_is_not_joined_in(engine: AttributionEngine) -> None:
    [check] = engine.check_sentences(
        ["Prototypes should be tested early with end-users, preferably in a national referendum."]
    )
    assert check.verdict == Verdict.PARTLY
    assert check.clause_ids == ["IV.10.v"]


@pytest.mark.integration
def test_a_changed_figure_in_an_added_part_is_partly_supported(engine: AttributionEngine) -> None:
    [check] = engine.check_sentences(
        [
            "Governments should establish evaluation and measurement frameworks for projects' "
            "performance, following the ISO 9001 standard."
        ]
    )
    assert check.verdict == Verdict.PARTLY, check.note
    assert check.clause_ids == ["IV.10.iii"]
    assert any(d.claim == "9001" for d in check.differences)


@pytest.mark.integration
def test_the_corpus_vectors_are_kept_on_disk_and_never_the_checked_sentences(
    real_services: Services, tmp_path: Path
) -> None:
    path = tmp_path / "vectors.npz"
    first = TextVectors(real_services.embeddings, path)
    [clause_vector] = first.corpus(["digital government strategies"])
    first.other(["A confidential draft sentence."])
    first.save()
    again = TextVectors(FailingEmbeddings(), path)  # read from the file, not embedded again
    [kept] = again.corpus(["digital government strategies"])
    assert (kept == clause_vector).all()
    with np.load(path) as stored:
        assert stored["texts"].tolist() == ["digital government strategies"]
