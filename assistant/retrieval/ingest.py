"""Ingestion: corpus -> representations -> vectors -> a new Chroma collection -> manifest switch.

Idempotent: the manifest records the corpus content hash, the embedding model and the
representation scheme; when all three match, ingestion does nothing. Atomic: a new index is
written to a fresh collection and becomes live only when the manifest is pointed at it, so a
half-built index is never served; older collections are dropped afterwards.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

from langchain_core.embeddings import Embeddings
from tqdm import tqdm

from assistant.backends.embeddings import vector_identity
from assistant.backends.vector_store import Manifest, StoreUnavailable, VectorStore
from assistant.clock import utc_now
from assistant.corpus.instruments import Corpus
from assistant.retrieval.representations import FULL_KIND, index_version, representations
from assistant.settings import Settings

ADD_BATCH = 256


class IndexMismatch(RuntimeError):
    """The live index was built from another corpus or model and rebuilding is not allowed."""


@dataclass(frozen=True)
class IngestReport:
    """What one ingestion run did."""

    rebuilt: bool
    manifest: Manifest
    clauses: int
    seconds: float


class IndexService:
    """Builds and checks the clause index for one corpus, embedder and store."""

    def __init__(
        self, settings: Settings, corpus: Corpus, embeddings: Embeddings, store: VectorStore
    ) -> None:
        self.settings = settings
        self.corpus = corpus
        self.embeddings = embeddings
        self.store = store

    @property
    def index_version(self) -> str:
        return index_version(self.settings.use_paraphrases)

    @property
    def vector_identity(self) -> str:
        """The name of the vectors this embedder makes (the model's, or its int8 graph's)."""
        return vector_identity(self.embeddings, self.settings.embedding_model)

    def is_current(self, manifest: Manifest | None) -> bool:
        return manifest is not None and manifest.matches(
            self.corpus.content_hash, self.vector_identity, self.index_version
        )

    def ensure(self, progress: bool = False) -> IngestReport:
        """Return the live index, building it when missing or out of date (per settings).

        An embedded index folder that cannot be read (corrupt, half-deleted) is moved aside and
        rebuilt, with a warning, instead of stopping the assistant.
        """
        try:
            return self._ensure(progress)
        except StoreUnavailable:
            if self.store.quarantine() is None:
                raise
            return self._ensure(progress)

    def _ensure(self, progress: bool) -> IngestReport:
        manifest = self.store.read_manifest()
        mismatch = manifest is not None and not self.is_current(manifest)
        if mismatch and self.settings.on_index_mismatch == "error":
            assert manifest is not None
            raise IndexMismatch(
                f"The index was built from corpus {manifest.corpus_hash[:12]} with "
                f"{manifest.embedding_model!r}; the corpus is now "
                f"{self.corpus.content_hash[:12]} with {self.vector_identity!r}. "
                "Run `assistant ingest` to rebuild it."
            )
        return self.build(progress=progress)

    def build(self, force: bool = False, progress: bool = True) -> IngestReport:
        started = time.perf_counter()
        manifest = self.store.read_manifest()
        if not force and self.is_current(manifest):
            assert manifest is not None
            return IngestReport(False, manifest, len(self.corpus.clauses), 0.0)
        reps = representations(self.corpus, self.settings.use_paraphrases)
        name = self._collection_name()
        collection = self.store.create_collection(name)
        bar = tqdm(total=len(reps), desc="Embedding clauses", unit="text", disable=not progress)
        for start in range(0, len(reps), ADD_BATCH):
            batch = reps[start : start + ADD_BATCH]
            vectors = self.embeddings.embed_documents([r.text for r in batch])
            self.store.add(
                collection,
                ids=[r.id for r in batch],
                vectors=vectors,
                documents=[r.text for r in batch],
                metadatas=[r.metadata() for r in batch],
            )
            bar.update(len(batch))
        bar.close()
        new_manifest = Manifest(
            collection=name,
            corpus_hash=self.corpus.content_hash,
            embedding_model=self.vector_identity,
            index_version=self.index_version,
            built_at=utc_now(),
            vectors=len(reps),
        )
        self.store.write_manifest(new_manifest)
        for stale in self.store.stale_collections(keep=name):
            self.store.drop(stale)
        return IngestReport(
            True, new_manifest, len(self.corpus.clauses), time.perf_counter() - started
        )

    def clause_vectors(self) -> dict[str, list[float]]:
        """Each clause's vector as the live index holds it (its ``full`` representation, the
        text :meth:`Clause.embedding_text` gives), by clause key; empty when the index is not
        current. Reading them back costs milliseconds where embedding every clause again at
        each start cost seconds."""
        manifest = self.store.read_manifest()
        if manifest is None or not self.is_current(manifest):
            return {}
        stored = self.store.vectors_where(manifest.collection, {"kind": FULL_KIND})
        return {f"{meta.get('instrument_id')}#{meta.get('clause_id')}": v for meta, v in stored}

    def _collection_name(self) -> str:
        stamp = re.sub(r"\D", "", utc_now())
        unique = time.time_ns() % 10**6
        return f"{self.settings.collection_prefix}_{self.corpus.content_hash[:12]}_{stamp}_{unique}"
