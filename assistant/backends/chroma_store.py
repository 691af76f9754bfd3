"""The vector-store component: the only module that talks to Chroma.

Embedded (``PersistentClient`` in the data folder) by default, or a Chroma server over HTTP. The
assistant always passes its own vectors, so Chroma's default embedding function (which would
download a model) is never invoked. Which collection is live is recorded in a small manifest
collection, so a new index is built beside the old one and switched to in one metadata write.
"""

from __future__ import annotations

import logging
import shutil
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from assistant.backends.exact_vectors import MAX_VECTORS, ExactVectors
from assistant.backends.vector_store import Manifest, StoreUnavailable, VectorHit
from assistant.clock import utc_now
from assistant.settings import Settings

MANIFEST_SUFFIX = "manifest"
log = logging.getLogger(__name__)


HNSW_CONFIGURATION: Any = {
    "hnsw": {"space": "cosine", "ef_construction": 200, "ef_search": 400, "max_neighbors": 32}
}


def _client_settings() -> Any:
    from chromadb.config import Settings as ChromaSettings

    return ChromaSettings(anonymized_telemetry=False, allow_reset=False)


class ChromaStore:
    """Collections of clause representations in Chroma, and the manifest naming the live one."""

    #: Longest wait for a Chroma server (seconds). Chroma's own HTTP client never times out, so
    #: a frozen server would hang every request; with this bound it becomes a 503 instead.
    http_timeout_s: float = 10.0

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._client: Any = None
        # Collection handles by name: looking one up cost ~3 ms a query, as much as the rest of
        # a search's bookkeeping. Forgotten on reconnect, on drop and on any failed query.
        self._collections: dict[str, Any] = {}
        # Small collections' vectors in memory, searched exactly (``exact_vectors``); None for
        # a collection too large for that. Forgotten with the handles, and on any add.
        self._exact: dict[str, ExactVectors | None] = {}
        self._exact_lock = threading.Lock()

    @property
    def client(self) -> Any:
        if self._client is None:
            self._client = self._connect()
        return self._client

    def _connect(self) -> Any:
        import chromadb

        try:
            if self.settings.chroma_mode == "http":
                self._probe_server()
                client = chromadb.HttpClient(
                    host=self.settings.chroma_host,
                    port=self.settings.chroma_port,
                    settings=_client_settings(),
                )
                _bound_http_timeouts(client, self.http_timeout_s)
                return client
            self.embedded_path.mkdir(parents=True, exist_ok=True)
            return chromadb.PersistentClient(
                path=str(self.embedded_path), settings=_client_settings()
            )
        except Exception as exc:  # chromadb raises several unrelated types here
            raise StoreUnavailable(f"Cannot open the Chroma store: {exc}") from exc

    def _probe_server(self) -> None:
        """A bounded heartbeat before Chroma's client (whose constructor calls the server with
        no timeout) is built: a server that is down or frozen fails fast here."""
        import httpx

        url = f"http://{self.settings.chroma_host}:{self.settings.chroma_port}/api/v2/heartbeat"
        httpx.get(url, timeout=_timeout(self.http_timeout_s)).raise_for_status()

    @property
    def embedded_path(self) -> Any:
        return self.settings.data_dir / "chroma"

    def quarantine(self) -> str | None:
        """Move an unreadable embedded index aside (kept for inspection) so it can be rebuilt.

        Only the embedded store is ever moved: a Chroma server's data is not this process's.
        """
        if self.settings.chroma_mode != "embedded" or not self.embedded_path.exists():
            return None
        target = self.embedded_path.with_name(f"chroma.unreadable-{utc_now().replace(':', '')}")
        self.reset_connection()
        _forget_cached_system(str(self.embedded_path))
        shutil.move(str(self.embedded_path), target)
        log.warning("The index folder could not be read; moved it to %s and rebuilding.", target)
        return str(target)

    def reset_connection(self) -> None:
        """Forget the client so the next call reconnects (after a server restart)."""
        if self._client is not None and self.settings.chroma_mode == "embedded":
            _forget_cached_system(str(self.embedded_path))
        self._client = None
        self._collections = {}
        self._exact = {}

    def heartbeat(self) -> bool:
        try:
            self.client.heartbeat()
            return True
        except Exception:
            self.reset_connection()
            return False

    @property
    def manifest_name(self) -> str:
        return f"{self.settings.collection_prefix}_{MANIFEST_SUFFIX}"

    def read_manifest(self) -> Manifest | None:
        from chromadb.errors import NotFoundError

        try:
            collection = self.client.get_collection(self.manifest_name)
        except StoreUnavailable:
            raise
        except (NotFoundError, ValueError):  # no manifest yet (older Chroma raised ValueError)
            return None
        except Exception as exc:  # the store did not answer: not the same as "no index"
            self.reset_connection()
            raise StoreUnavailable(f"The Chroma store did not answer: {exc}") from exc
        meta = collection.metadata or {}
        if "collection" not in meta:
            return None
        return Manifest(
            collection=str(meta["collection"]),
            corpus_hash=str(meta.get("corpus_hash", "")),
            embedding_model=str(meta.get("embedding_model", "")),
            index_version=str(meta.get("index_version", "")),
            built_at=str(meta.get("built_at", "")),
            vectors=int(meta.get("vectors", 0)),
        )

    def write_manifest(self, manifest: Manifest) -> None:
        """Point the manifest at a fully built collection: the one write that switches indexes."""
        metadata = {
            "collection": manifest.collection,
            "corpus_hash": manifest.corpus_hash,
            "embedding_model": manifest.embedding_model,
            "index_version": manifest.index_version,
            "built_at": manifest.built_at,
            "vectors": manifest.vectors,
        }
        collection = self.client.get_or_create_collection(self.manifest_name)
        collection.modify(metadata=metadata)

    def create_collection(self, name: str) -> Any:
        """A cosine HNSW index searched wide enough to be exact at this corpus's size (a few
        thousand vectors): rankings must not shift when the store restarts and reloads it."""
        return self.client.create_collection(name, configuration=HNSW_CONFIGURATION)

    def add(
        self,
        collection: Any,
        ids: Sequence[str],
        vectors: Sequence[Sequence[float]],
        documents: Sequence[str],
        metadatas: Sequence[dict[str, Any]],
    ) -> None:
        self._exact.pop(getattr(collection, "name", ""), None)
        collection.add(
            ids=list(ids),
            embeddings=[list(v) for v in vectors],
            documents=list(documents),
            metadatas=list(metadatas),
        )

    def query(
        self, name: str, vector: Sequence[float], n: int, metadata: bool = True
    ) -> list[VectorHit]:
        """Nearest stored vectors; always by vector, never by text (no default embedder).
        Without ``metadata`` the hits carry ids and similarities only: reading 200 hits'
        metadata back was three quarters of a query's cost, and a caller that knows its ids
        does not need it. A small collection is answered from its vectors held in memory (the
        same hits, about 20 times cheaper; ``exact_vectors``). Only the embedded store: a
        Chroma server's queries keep going to the server, so its outage shows as one (503)."""
        if not metadata and self.settings.chroma_mode == "embedded":
            exact = self._exact_copy(name)
            if exact is not None:
                return exact.nearest(vector, n)
        collection = self._handle(name)
        include = ["metadatas", "distances"] if metadata else ["distances"]
        try:
            result = collection.query(query_embeddings=[list(vector)], n_results=n, include=include)
        except Exception:
            self._collections.pop(name, None)  # dropped or reconnected: look it up again
            raise
        metadatas = result["metadatas"][0] if metadata else [None] * len(result["ids"][0])
        return [
            VectorHit(id=i, metadata=dict(m or {}), similarity=1.0 - float(d))
            for i, m, d in zip(result["ids"][0], metadatas, result["distances"][0], strict=True)
        ]

    def _handle(self, name: str) -> Any:
        collection = self._collections.get(name)
        if collection is None:
            collection = self._collections[name] = self.client.get_collection(name)
        return collection

    def _exact_copy(self, name: str) -> ExactVectors | None:
        """The collection's vectors, read once (0.2 s for 1,441); None over ``MAX_VECTORS``."""
        if name in self._exact:
            return self._exact[name]
        with self._exact_lock:
            if name not in self._exact:
                try:
                    collection, exact = self._handle(name), None
                    if collection.count() <= MAX_VECTORS:
                        got = collection.get(include=["embeddings"])
                        exact = ExactVectors(got["ids"], got["embeddings"])
                except Exception:
                    self._collections.pop(name, None)
                    raise
                self._exact[name] = exact
            return self._exact[name]

    def vectors_where(
        self, name: str, metadata: dict[str, str]
    ) -> list[tuple[dict[str, Any], list[float]]]:
        """The stored vectors whose metadata has these values, with their metadata: what was
        embedded at ingestion, read back instead of embedded again."""
        collection = self.client.get_collection(name)
        where: Any = (
            {"$and": [{k: v} for k, v in metadata.items()]} if len(metadata) > 1 else dict(metadata)
        )
        result = collection.get(where=where, include=["metadatas", "embeddings"])
        return [
            (dict(m or {}), [float(x) for x in v])
            for m, v in zip(result["metadatas"], result["embeddings"], strict=True)
        ]

    def stale_collections(self, keep: str) -> list[str]:
        prefix = f"{self.settings.collection_prefix}_"
        names = [c if isinstance(c, str) else c.name for c in self.client.list_collections()]
        return [n for n in names if n.startswith(prefix) and n not in (keep, self.manifest_name)]

    def drop(self, name: str) -> None:
        self._collections.pop(name, None)
        self._exact.pop(name, None)
        self.client.delete_collection(name)


def _timeout(seconds: float) -> Any:
    import httpx

    return httpx.Timeout(seconds, connect=min(seconds, 3.0))


def _bound_http_timeouts(client: Any, seconds: float) -> None:
    """Give the HTTP session inside Chroma's client a timeout (chromadb 1.5 creates it with
    ``timeout=None`` and has no setting for it)."""
    session = getattr(getattr(client, "_server", None), "_session", None)
    if session is not None and hasattr(session, "timeout"):
        session.timeout = _timeout(seconds)
    else:  # a Chroma release that moved it: say so rather than hang silently later
        log.warning("Could not set a timeout on the Chroma HTTP client; a frozen server may hang.")


def _forget_cached_system(path: str) -> None:
    """Chroma caches one client system per folder in the process; a broken one would be handed
    back on reconnect, so drop the entry for this folder (and only this one)."""
    from chromadb.api.shared_system_client import SharedSystemClient

    SharedSystemClient._identifier_to_system.pop(path, None)
    SharedSystemClient._identifier_to_refcount.pop(path, None)


def langchain_vector_store(name: str, embeddings: Any, folder: Path) -> Any:
    """LangChain's own Chroma vector store in ``folder``, with our embeddings and no telemetry:
    what a plain LangChain RAG pipeline (the evaluation's naive baseline) would use."""
    from chromadb.config import Settings as ChromaSettings
    from langchain_chroma import Chroma

    return Chroma(
        collection_name=name,
        embedding_function=embeddings,
        persist_directory=str(folder),
        client_settings=ChromaSettings(
            anonymized_telemetry=False, is_persistent=True, persist_directory=str(folder)
        ),
        collection_metadata={"hnsw:space": "cosine"},
    )
