"""The vector store's interface, and the records that cross it: what retrieval and ingestion
need of a store, whichever store it is (Chroma embedded or as a server, or the in-memory one in
``assistant.testing``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol


class StoreUnavailable(RuntimeError):
    """The vector store cannot be reached or opened."""


@dataclass(frozen=True)
class Manifest:
    """What the live index was built from."""

    collection: str
    corpus_hash: str
    embedding_model: str
    index_version: str
    built_at: str
    vectors: int

    def matches(self, corpus_hash: str, embedding_model: str, index_version: str) -> bool:
        return (self.corpus_hash, self.embedding_model, self.index_version) == (
            corpus_hash,
            embedding_model,
            index_version,
        )


@dataclass(frozen=True)
class VectorHit:
    """One stored vector near a query: its id, metadata and cosine similarity."""

    id: str
    metadata: dict[str, Any]
    similarity: float


class VectorStore(Protocol):
    """What retrieval and ingestion need of a vector store: named collections of vectors and
    a manifest naming the live one. Chroma is the real one; ``assistant.testing`` has an
    in-memory one for unit tests."""

    def read_manifest(self) -> Manifest | None: ...

    def write_manifest(self, manifest: Manifest) -> None: ...

    def create_collection(self, name: str) -> Any: ...

    def add(
        self,
        collection: Any,
        ids: Sequence[str],
        vectors: Sequence[Sequence[float]],
        documents: Sequence[str],
        metadatas: Sequence[dict[str, Any]],
    ) -> None: ...

    def query(
        self, name: str, vector: Sequence[float], n: int, metadata: bool = True
    ) -> list[VectorHit]: ...

    def vectors_where(
        self, name: str, metadata: dict[str, str]
    ) -> list[tuple[dict[str, Any], list[float]]]: ...

    def stale_collections(self, keep: str) -> list[str]: ...

    def drop(self, name: str) -> None: ...

    def quarantine(self) -> str | None: ...

    def reset_connection(self) -> None: ...

    def heartbeat(self) -> bool: ...
