"""Hybrid clause search: dense (Chroma, several vectors per clause) + BM25, fused by reciprocal
rank fusion, with clause references in the question resolved first.

This is the service every front door uses (CLI ``search``, ``/v1/search``, the answer pipeline);
``assistant.retrieval.retriever`` wraps it as a LangChain retriever.
"""

from __future__ import annotations

import math
import threading
import time
from collections import defaultdict
from collections.abc import Collection
from functools import cached_property

from langchain_core.embeddings import Embeddings

from assistant.backends.vector_store import StoreUnavailable, VectorHit, VectorStore
from assistant.corpus.instruments import Corpus
from assistant.corpus.records import Clause, ScoredClause
from assistant.corpus.references import KnownIds, resolve_references
from assistant.retrieval.lexical import LexicalIndex, expand_with_glossary, tokenize
from assistant.retrieval.query import QueryRewriter
from assistant.retrieval.representations import representations
from assistant.settings import Settings

MANIFEST_TTL_S = 2.0
LEXICAL_WEIGHT = 0.7


class IndexNotReady(RuntimeError):
    """No index has been built yet, or the store cannot be reached."""


class HybridSearch:
    """Ranks the corpus's clauses for a question."""

    def __init__(
        self,
        settings: Settings,
        corpus: Corpus,
        embeddings: Embeddings,
        store: VectorStore,
        rewriter: QueryRewriter | None = None,
    ) -> None:
        self.settings = settings
        self.corpus = corpus
        self.embeddings = embeddings
        self.store = store
        self.rewriter = rewriter or QueryRewriter(corpus)
        self.lexical = LexicalIndex(corpus, settings.use_paraphrases)
        self._active: tuple[str, float] | None = None
        self._lock = threading.Lock()

    def active_collection(self) -> str:
        """The live collection named by the manifest, re-read every few seconds so that a
        rebuilt index is picked up without a restart."""
        with self._lock:
            if self._active and time.monotonic() - self._active[1] < MANIFEST_TTL_S:
                return self._active[0]
        try:
            manifest = self.store.read_manifest()
        except StoreUnavailable as exc:
            raise IndexNotReady(str(exc)) from exc
        if manifest is None:
            raise IndexNotReady("No index has been built yet: run `assistant ingest`.")
        with self._lock:
            self._active = (manifest.collection, time.monotonic())
        return manifest.collection

    def rewrite(self, question: str) -> str:
        """The question as retrieval reads it (typos fixed, French terms in English)."""
        return self.rewriter.rewrite(question)

    def language(self, question: str) -> str:
        """The question's language ("en", "fr", "es", "de" or "other")."""
        return self.rewriter.detect_language(question)

    def query_vector(self, question: str) -> list[float]:
        """The vector the dense search uses for ``question`` (rewritten, then embedded): the
        embedder's cache holds it once the question was searched, so later steps that need
        the question's vector (the instrument router) reuse it instead of embedding again."""
        return self.embeddings.embed_query(self.rewriter.rewrite(question))

    def invalidate(self) -> None:
        with self._lock:
            self._active = None

    def search(
        self,
        question: str,
        top_k: int | None = None,
        instruments: Collection[str] | None = None,
    ) -> list[ScoredClause]:
        """The best clauses for the question; only those of ``instruments`` when given."""
        top_k = top_k or self.settings.top_k
        referenced = resolve_references(question, self._known_ids)
        question = self.rewriter.rewrite(question)
        expansions = (
            expand_with_glossary(question, self.corpus.glossary)
            if self.settings.use_glossary
            else []
        )
        dense = self._dense(question)
        lexical = self.lexical.search(tokenize(" ".join([question, *expansions])), n=50)
        if instruments:
            referenced = [
                c for c in referenced if self.corpus.by_id[c].instrument_id in instruments
            ]
            dense = [(c, s) for c, s in dense if c.instrument_id in instruments]
            lexical = [(c, s) for c, s in lexical if c.instrument_id in instruments]
        return self._fuse(referenced, dense, lexical, top_k)

    def _dense(self, question: str) -> list[tuple[Clause, float]]:
        """Clauses ranked by the evidence of all their matching representations, each with its
        best single cosine similarity (the score margins and thresholds are set on).

        Ranking by the best match alone lets one lucky paraphrase win; a soft maximum
        (log-sum-exp) also counts how many of a clause's texts match. Measured on the three
        question sets, it lifts top-1 accuracy for questions in everyday words by 5-7 points.
        ``question`` is already rewritten: its vector is the one :meth:`query_vector` gives."""
        vector = self.embeddings.embed_query(question)
        similarities: dict[str, list[float]] = defaultdict(list)
        for key, similarity in self._nearest(vector):
            similarities[key].append(similarity)
        temperature = self.settings.dense_evidence_temperature
        evidence = {key: _soft_max(sims, temperature) for key, sims in similarities.items()}
        ranked = sorted(evidence, key=lambda key: evidence[key], reverse=True)
        return [
            (self.corpus.by_id[key], max(similarities[key]))
            for key in ranked
            if key in self.corpus.by_id
        ]

    @cached_property
    def _known_ids(self) -> KnownIds:
        return KnownIds(self.corpus.by_id.keys())

    @cached_property
    def _representation_keys(self) -> dict[str, str]:
        """Stored vector id -> clause key, from the corpus this process serves (ids are
        hashes of what ingestion embedded): hits need no metadata read from the store."""
        reps = representations(self.corpus, self.settings.use_paraphrases)
        return {rep.id: rep.clause.key for rep in reps}

    def _nearest(self, vector: list[float]) -> list[tuple[str, float]]:
        """Clause key and similarity of the nearest stored vectors. An id this process does
        not know (an index rebuilt elsewhere from another corpus) is looked up the slow way,
        in the hits' metadata."""
        keys = self._representation_keys
        hits = self._query_live(vector, metadata=False)
        if all(hit.id in keys for hit in hits):
            return [(keys[hit.id], hit.similarity) for hit in hits]
        return [
            (f"{hit.metadata.get('instrument_id')}#{hit.metadata.get('clause_id')}", hit.similarity)
            for hit in self._query_live(vector, metadata=True)
        ]

    def _query_live(self, vector: list[float], metadata: bool = True) -> list[VectorHit]:
        """Query the live collection. A rebuild may have dropped the collection this process
        last read from the manifest: then the manifest is re-read and the query retried once on
        the new live collection, so a request never fails because of an index switch."""
        n = self.settings.dense_candidates
        collection = self.active_collection()
        try:
            return self.store.query(collection, vector, n, metadata)
        except Exception as exc:
            error = exc
        self.invalidate()
        live = self.active_collection()
        if live != collection:
            try:
                return self.store.query(live, vector, n, metadata)
            except Exception as exc:
                error = exc
        self.invalidate()
        self.store.reset_connection()
        raise IndexNotReady(f"The vector store did not answer: {error}") from error

    def _fuse(
        self,
        referenced: list[str],
        dense: list[tuple[Clause, float]],
        lexical: list[tuple[Clause, float]],
        top_k: int,
    ) -> list[ScoredClause]:
        k = self.settings.rrf_k
        fused: dict[str, float] = defaultdict(float)
        dense_scores = {c.key: s for c, s in dense}
        lexical_scores = {c.key: s for c, s in lexical}
        signals: dict[str, list[str]] = defaultdict(list)
        for rank, (clause, _) in enumerate(dense):
            fused[clause.key] += 1.0 / (k + rank + 1)
            signals[clause.key].append("dense")
        for rank, (clause, _) in enumerate(lexical):
            fused[clause.key] += LEXICAL_WEIGHT / (k + rank + 1)
            signals[clause.key].append("lexical")
        top = max(fused.values(), default=0.0)
        for position, clause_id in enumerate(referenced):
            clause = self.corpus.by_id[clause_id]
            fused[clause.key] = top + 1.0 - position * 0.01
            signals[clause.key].insert(0, "reference")
        ranked = sorted(fused.items(), key=lambda kv: kv[1], reverse=True)[:top_k]
        return [
            ScoredClause(
                clause=self.corpus.by_id[key],
                score=round(score, 6),
                dense=round(dense_scores[key], 4) if key in dense_scores else None,
                lexical=round(lexical_scores[key], 4) if key in lexical_scores else None,
                matched_by=signals[key],
            )
            for key, score in ranked
        ]


def _soft_max(values: list[float], temperature: float) -> float:
    """``temperature * log(sum(exp(v / temperature)))``: the maximum plus a bonus for other
    high values; the plain maximum at temperature 0."""
    if temperature <= 0:
        return max(values)
    top = max(values)
    return top + temperature * math.log(sum(math.exp((v - top) / temperature) for v in values))


class RetrievalVectors(Embeddings):
    """A question's vector as retrieval computed it, behind LangChain's ``Embeddings``: what
    a step after the search hands to code that asks an embedder for the question's vector,
    so that the question is embedded once per answer (rewritten first, as the search reads
    it; the query adapter applied when it is on)."""

    def __init__(self, search: HybridSearch, plain: Embeddings | None = None) -> None:
        """``plain``: the embedder without the query adapter, for a reader trained on plain
        vectors of rewritten questions (the instrument router); its cache already holds the
        vector the adapter moved, so the question is still embedded once."""
        self.search = search
        self.plain = plain

    def embed_query(self, text: str) -> list[float]:
        if self.plain is not None:
            return self.plain.embed_query(self.search.rewriter.rewrite(text))
        return self.search.query_vector(text)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        if self.plain is not None:
            return self.plain.embed_documents([self.search.rewriter.rewrite(t) for t in texts])
        return [self.search.query_vector(t) for t in texts]
