"""Each question is embedded once, and the guard reuses vectors computed already.

The unit tests run on the fakes of ``assistant.testing`` (hashing embedder, in-memory store) and
count what the embedder is asked; the integration test checks on the real model and Chroma that
the clause vectors read back from the index are the ones the guard would have computed.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from assistant.answering.instrument_router import InstrumentRouter
from assistant.backends.embeddings import HashingEmbeddings
from assistant.services import Services
from assistant.settings import Settings
from assistant.testing import InMemoryStore, fake_services


class CountingEmbeddings(HashingEmbeddings):
    """The hashing fake, counting every text it is asked to embed."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: Counter[str] = Counter()

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        self.seen.update(texts)
        return super().embed_documents(texts)

    def embed_query(self, text: str) -> list[float]:
        self.seen[text] += 1
        return super().embed_query(text)


def _fake_settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", embedding_model="fake-hash", _env_file=None)  # type: ignore[call-arg]


def test_warm_up_reads_clause_vectors_from_the_index_fake_embedder(tmp_path: Path) -> None:
    store = InMemoryStore()
    settings = _fake_settings(tmp_path)
    Services.with_components(settings, store=store).index.build(progress=False)
    embeddings = CountingEmbeddings()
    services = Services.with_components(settings, store=store, embeddings=embeddings)
    services.warm_up()
    clause_texts = {c.embedding_text() for c in services.corpus.clauses}
    assert not clause_texts & set(embeddings.seen), "a clause was embedded again at start"
    clause = services.corpus.clauses[7]
    assert services.grounding.clause_vector(clause) == embeddings._vector(clause.embedding_text())


def test_clause_vectors_of_a_stale_index_are_not_used_fake_embedder(tmp_path: Path) -> None:
    store = InMemoryStore()
    settings = _fake_settings(tmp_path)
    Services.with_components(settings, store=store).index.build(progress=False)
    other = settings.model_copy(update={"use_paraphrases": False})
    assert Services.with_components(other, store=store).index.clause_vectors() == {}


def test_router_reads_the_retrieval_vector_fake_embedder(tmp_settings: Settings) -> None:
    services = fake_services(tmp_settings)
    embeddings = CountingEmbeddings()
    services.__dict__["embeddings"] = embeddings
    services.index.build(progress=False)
    question = "How should we justfy the fundng of digital projects?"  # typos: rewritten
    rewritten = services.search.rewrite(question)
    assert rewritten != question
    scope = services.instrument_scope
    ids = tuple(i.instrument.id for i in services.corpus.instruments)
    rows = np.random.default_rng(0).normal(size=(len(ids), embeddings.size))
    scope.router = InstrumentRouter(ids, rows, np.zeros(len(ids)))  # a stand-in router
    hits = services.search.search(question, 10)
    assert scope.evidence(question, hits)
    assert embeddings.seen[question] == 0, "the question as asked was embedded besides its rewrite"
    assert embeddings.seen[rewritten] >= 1


def test_guard_keeps_sentence_vectors_apart_from_the_query_cache_fake_embedder(
    tmp_settings: Settings,
) -> None:
    services = fake_services(tmp_settings)
    embeddings = CountingEmbeddings()
    checker = services.grounding
    checker.embeddings = embeddings
    clause = services.corpus.clauses[3]
    sentence = "Governments should think about money for the projects [IV.9]."
    first = checker.support(sentence, [clause])
    again = checker.support(sentence, [clause])
    assert first == again
    assert sum(embeddings.seen.values()) <= 2  # the sentence once (and the clause, if new)
    assert embeddings.seen["Governments should think about money for the projects."] <= 1


@pytest.mark.integration
def test_index_clause_vectors_match_fresh_embeddings(real_services: Services) -> None:
    """Real model, real Chroma: the vectors the index holds are the clause vectors."""
    stored = real_services.index.clause_vectors()
    clauses = real_services.corpus.clauses
    assert set(stored) == {c.key for c in clauses}
    fresh = real_services.embeddings.embed_documents([c.embedding_text() for c in clauses[:20]])
    for clause, vector in zip(clauses[:20], fresh, strict=True):
        a, b = np.asarray(stored[clause.key]), np.asarray(vector)
        assert float(a @ b / np.linalg.norm(a) / np.linalg.norm(b)) > 0.9999
