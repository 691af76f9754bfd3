"""Fakes that ship as code, for unit tests and for teams testing code built on the assistant:
a hashing embedder, an in-memory vector store and a scripted generator. Together they give a
whole ``Services`` (index, search, guard, answers) with no model, server or network, in
milliseconds. Nothing in the product imports this module."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from assistant.backends.embeddings import FAKE_MODEL, HashingEmbeddings
from assistant.backends.vector_store import Manifest, VectorHit
from assistant.corpus.records import ScoredClause
from assistant.services import Services
from assistant.settings import Settings

__all__ = ["HashingEmbeddings", "InMemoryStore", "ScriptedGenerator", "fake_services"]


@dataclass
class _Collection:
    ids: list[str] = field(default_factory=list)
    vectors: list[list[float]] = field(default_factory=list)
    metadatas: list[dict[str, Any]] = field(default_factory=list)


class InMemoryStore:
    """The vector store interface over plain lists: exact cosine search, a manifest in memory."""

    def __init__(self) -> None:
        self.collections: dict[str, _Collection] = {}
        self.manifest: Manifest | None = None
        self._lock = threading.Lock()

    def read_manifest(self) -> Manifest | None:
        return self.manifest

    def write_manifest(self, manifest: Manifest) -> None:
        self.manifest = manifest

    def create_collection(self, name: str) -> str:
        with self._lock:
            self.collections[name] = _Collection()
        return name

    def add(
        self,
        collection: Any,
        ids: Sequence[str],
        vectors: Sequence[Sequence[float]],
        documents: Sequence[str],
        metadatas: Sequence[dict[str, Any]],
    ) -> None:
        with self._lock:
            target = self.collections[collection]
            target.ids.extend(ids)
            target.vectors.extend(list(v) for v in vectors)
            target.metadatas.extend(dict(m) for m in metadatas)

    def query(
        self, name: str, vector: Sequence[float], n: int, metadata: bool = True
    ) -> list[VectorHit]:
        found = self.collections[name]
        norm = math.sqrt(sum(x * x for x in vector)) or 1.0
        scored = [
            (sum(a * b for a, b in zip(vector, stored, strict=True)) / norm, index)
            for index, stored in enumerate(found.vectors)
        ]
        scored.sort(key=lambda pair: -pair[0])
        return [
            VectorHit(
                id=found.ids[i],
                metadata=found.metadatas[i] if metadata else {},
                similarity=similarity,
            )
            for similarity, i in scored[:n]
        ]

    def vectors_where(
        self, name: str, metadata: dict[str, str]
    ) -> list[tuple[dict[str, Any], list[float]]]:
        found = self.collections[name]
        return [
            (dict(meta), list(vector))
            for meta, vector in zip(found.metadatas, found.vectors, strict=True)
            if all(meta.get(k) == v for k, v in metadata.items())
        ]

    def stale_collections(self, keep: str) -> list[str]:
        return [name for name in self.collections if name != keep]

    def drop(self, name: str) -> None:
        with self._lock:
            self.collections.pop(name, None)

    def quarantine(self) -> str | None:
        return None

    def reset_connection(self) -> None:
        return None

    def heartbeat(self) -> bool:
        return True


class ScriptedGenerator:
    """An LLM stand-in: replies from a queue, each written in word-sized pieces (optionally with
    a pause before each piece, to test streaming), and every call recorded."""

    def __init__(
        self, replies: Sequence[str] = (), name: str = "scripted", delay_s: float = 0.0
    ) -> None:
        self.name = name
        self.replies = list(replies)
        self.delay_s = delay_s
        self.calls: list[tuple[str, list[str]]] = []

    def queue(self, *replies: str) -> None:
        self.replies.extend(replies)

    def generate(self, question: str, hits: Sequence[ScoredClause]) -> Iterator[str]:
        self.calls.append((question, [h.clause.clause_id for h in hits]))
        reply = self.replies.pop(0) if self.replies else "NOT COVERED"
        for number, word in enumerate(reply.split(" ")):
            if self.delay_s:
                time.sleep(self.delay_s)
            yield word if number == 0 else " " + word


def fake_services(settings: Settings, generator: ScriptedGenerator | None = None) -> Services:
    """Services over the real corpus with the hashing embedder and the in-memory store (the
    index is built on first use, in well under a second); with ``generator``, answers are
    written by it and guarded as an LLM's would be."""
    fake = settings.model_copy(update={"embedding_model": FAKE_MODEL})
    if generator is None:
        return Services.with_components(fake, store=InMemoryStore())
    return Services.with_components(fake, store=InMemoryStore(), llm=generator)
