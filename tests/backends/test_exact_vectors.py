"""The in-memory exact search of small collections: same hits as Chroma's HNSW query."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from assistant.backends import chroma_store
from assistant.backends.chroma_store import ChromaStore
from assistant.backends.exact_vectors import ExactVectors
from assistant.settings import Settings


def test_ranks_by_cosine_whatever_the_lengths() -> None:
    exact = ExactVectors(["a", "b", "c"], [[1.0, 0.0], [0.0, 5.0], [3.0, 3.0]])
    hits = exact.nearest([0.0, 2.0], 2)
    assert [h.id for h in hits] == ["b", "c"]
    assert hits[0].similarity == pytest.approx(1.0)
    assert hits[1].similarity == pytest.approx(2**-0.5)


def test_asking_for_more_than_it_holds_gives_all() -> None:
    exact = ExactVectors(["a", "b"], [[1.0, 0.0], [0.0, 1.0]])
    assert [h.id for h in exact.nearest([1.0, 0.1], 10)] == ["a", "b"]
    assert ExactVectors([], np.zeros((0, 2))).nearest([1.0, 0.0], 3) == []


@pytest.mark.integration
def test_same_hits_as_chromas_own_query(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Real embedded Chroma, 1,500 random unit vectors: the exact copy (queries without
    metadata) and Chroma's HNSW query (with metadata) return the same ids in the same order
    and the same similarities to float32 rounding."""
    store = ChromaStore(Settings(data_dir=tmp_path))
    rng = np.random.default_rng(13)
    vectors = rng.normal(size=(1500, 64)).astype(np.float32)
    ids = [f"v{i}" for i in range(len(vectors))]
    collection = store.create_collection("clauses_test")
    store.add(collection, ids, vectors.tolist(), ids, [{"n": i} for i in range(len(ids))])
    for query in rng.normal(size=(20, 64)):
        exact = store.query("clauses_test", query.tolist(), 50, metadata=False)
        hnsw = store.query("clauses_test", query.tolist(), 50, metadata=True)
        assert [h.id for h in exact] == [h.id for h in hnsw]
        similarities = [h.similarity for h in hnsw]
        assert [h.similarity for h in exact] == pytest.approx(similarities, abs=1e-5)
    assert store._exact["clauses_test"] is not None  # the exact copy answered

    monkeypatch.setattr(chroma_store, "MAX_VECTORS", 1000)
    store.drop("clauses_test")
    collection = store.create_collection("clauses_big")
    store.add(collection, ids, vectors.tolist(), ids, [{"n": i} for i in range(len(ids))])
    hits = store.query("clauses_big", vectors[7].tolist(), 5, metadata=False)
    assert hits[0].id == "v7"
    assert store._exact["clauses_big"] is None  # too large: Chroma answered
