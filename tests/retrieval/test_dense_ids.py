"""The dense search maps stored vector ids to clauses itself, so the store is asked for no
metadata; an id it does not know (an index rebuilt elsewhere) falls back to the metadata."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from assistant.backends.vector_store import VectorHit
from assistant.evaluation.datasets import load_gold
from assistant.services import Services
from assistant.settings import PROJECT_ROOT, Settings
from assistant.testing import InMemoryStore, fake_services

GOLD = PROJECT_ROOT / "evals" / "datasets" / "gold.jsonl"


class RecordingStore(InMemoryStore):
    """The in-memory fake store, recording whether each query asked for metadata."""

    def __init__(self) -> None:
        super().__init__()
        self.asked: list[bool] = []

    def query(
        self, name: str, vector: Sequence[float], n: int, metadata: bool = True
    ) -> list[VectorHit]:
        self.asked.append(metadata)
        return super().query(name, vector, n, metadata)


def _ranked(services: Services, questions: list[str]) -> list[list[tuple[object, ...]]]:
    return [
        [(h.clause.key, h.score, h.dense, h.lexical) for h in services.search.search(q, 16)]
        for q in questions
    ]


def test_same_hits_without_metadata_fake_embedder(tmp_settings: Settings) -> None:
    store = RecordingStore()
    fake = tmp_settings.model_copy(update={"embedding_model": "fake-hash"})
    services = Services.with_components(fake, store=store)
    services.index.build(progress=False)
    questions = [item.question for item in load_gold(GOLD)][:60]
    fast = _ranked(services, questions)
    assert store.asked and not any(store.asked), "the store was asked for metadata"
    services.search.__dict__["_representation_keys"] = {}  # ids unknown: the metadata path
    assert _ranked(services, questions) == fast
    assert store.asked[-1] is True


def test_unknown_ids_fall_back_to_metadata_fake_embedder(tmp_settings: Settings) -> None:
    services = fake_services(tmp_settings)
    services.index.build(progress=False)
    keys = services.search._representation_keys
    known = dict(list(keys.items())[: len(keys) // 2])
    services.search.__dict__["_representation_keys"] = known  # half the ids: fall back
    hits = services.search.search("How should digital projects be funded?", 8)
    assert hits and all(h.clause.key in services.corpus.by_id for h in hits)


@pytest.mark.integration
def test_same_hits_without_metadata_real_chroma(real_services: Services) -> None:
    """Real model and Chroma: the gold questions rank the same top clauses either way. The
    metadata path asks Chroma's HNSW index, which is approximate (now and then it misses one of
    a clause's many vectors far down the list, moving that clause's summed score); the id path
    may rank exactly, so the top 8 must agree on all but 1% of the questions."""
    search = real_services.search
    questions = [item.question for item in load_gold(GOLD)]
    fast = [[key for key, *_ in hits[:8]] for hits in _ranked(real_services, questions)]
    saved = search.__dict__.pop("_representation_keys", None)
    search.__dict__["_representation_keys"] = {}
    try:
        slow = [[key for key, *_ in hits[:8]] for hits in _ranked(real_services, questions)]
        differ = sum(a != b for a, b in zip(fast, slow, strict=True))
        assert differ <= len(questions) // 100, f"{differ} of {len(questions)} differ"
    finally:
        search.__dict__.pop("_representation_keys", None)
        if saved is not None:
            search.__dict__["_representation_keys"] = saved
