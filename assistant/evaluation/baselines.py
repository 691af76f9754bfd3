"""Baselines scored on the same questions as the assistant, so every report shows the margin.

* :class:`NaiveRag` — the textbook LangChain RAG: ``RecursiveCharacterTextSplitter`` (1000/200)
  over the raw instrument text, a ``langchain_chroma.Chroma`` store in a temporary folder with
  the assistant's own embeddings object (never Chroma's default embedding function), top-4.
* :class:`Bm25Baseline` — the assistant's BM25 index alone, on the bare question.
* :func:`dense_only` — the assistant's dense half alone (for the retrieval table).

Chunk to clause mapping (naive RAG has no clause ids): a chunk "holds" a clause when, after
removing markdown bold markers, lower-casing and collapsing whitespace, the chunk contains the
clause's whole text, its first 60 characters or its last 60 characters. A gold clause is found at
the rank of the first chunk that holds it. The last-60 rule is a small kindness to the baseline: a
long clause cut by a chunk boundary is still found through its tail.
"""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from langchain_core.embeddings import Embeddings

from assistant.backends.chroma_store import langchain_vector_store
from assistant.corpus.instruments import Corpus, read_text
from assistant.corpus.records import Clause
from assistant.evaluation.datasets import GoldItem
from assistant.evaluation.types import Response
from assistant.retrieval.lexical import tokenize
from assistant.retrieval.search import HybridSearch
from assistant.services import Services

CHUNK_SIZE = 1000
CHUNK_OVERLAP = 200
NAIVE_TOP_K = 4
PROBE_CHARS = 60
RETRIEVAL_DEPTH = 10


def normalise(text: str) -> str:
    """Text as compared for chunk-to-clause mapping: no bold markers, one space, lower case."""
    return " ".join(text.replace("**", "").lower().split())


def clauses_in_chunk(chunk: str, clauses: list[Clause]) -> frozenset[str]:
    """Clause ids whose text (or its first or last 60 characters) the chunk contains."""
    body = normalise(chunk)
    held = set()
    for clause in clauses:
        text = normalise(clause.text)
        if not text:
            continue
        probes = (text, text[:PROBE_CHARS], text[-PROBE_CHARS:])
        if any(probe in body for probe in probes):
            held.add(clause.clause_id)
    return frozenset(held)


class NaiveRag:
    """Naive LangChain RAG over the primary instrument's raw text; use inside :meth:`open`."""

    def __init__(self, corpus: Corpus, embeddings: Embeddings, top_k: int = NAIVE_TOP_K) -> None:
        self.corpus = corpus
        self.embeddings = embeddings
        self.top_k = top_k
        self._store: Any = None

    @contextmanager
    def open(self) -> Iterator[NaiveRag]:
        """Split, embed and index the raw text in a throw-away Chroma folder."""
        from langchain_text_splitters import RecursiveCharacterTextSplitter

        splitter = RecursiveCharacterTextSplitter(
            chunk_size=CHUNK_SIZE, chunk_overlap=CHUNK_OVERLAP
        )
        text = read_text(self.corpus.instruments[0].path)
        chunks = splitter.split_text(text)
        with tempfile.TemporaryDirectory(prefix="naive-rag-", ignore_cleanup_errors=True) as tmp:
            store = langchain_vector_store(
                f"naive_rag_{uuid.uuid4().hex[:8]}", self.embeddings, Path(tmp)
            )
            store.add_texts(chunks)
            self._store = store
            try:
                yield self
            finally:
                self._store = None

    def chunks(self, question: str) -> list[str]:
        """The top-k chunks for a question, best first."""
        if self._store is None:
            raise RuntimeError("NaiveRag is used outside its `open()` block.")
        return [doc.page_content for doc in self._store.similarity_search(question, k=self.top_k)]

    def retrieve(self, question: str, n: int) -> list[frozenset[str]]:
        """Per chunk rank, the clause ids the chunk holds (``n`` is capped at top-k)."""
        clauses = self.corpus.clauses
        return [clauses_in_chunk(c, clauses) for c in self.chunks(question)[:n]]


class Bm25Baseline:
    """BM25 alone over the assistant's clause index, on the bare question (no glossary)."""

    def __init__(self, search: HybridSearch) -> None:
        self.search = search

    def clauses(self, question: str, n: int) -> list[Clause]:
        return [clause for clause, _ in self.search.lexical.search(tokenize(question), n)]

    def retrieve(self, question: str, n: int) -> list[frozenset[str]]:
        return [frozenset({c.clause_id}) for c in self.clauses(question, n)]


class Bm25System:
    """BM25 alone as an answerer: the top clause texts, each cited. Grounding does not apply
    (the sentences are the clauses themselves) and it never abstains."""

    name = "bm25"

    def __init__(self, services: Services, answer_clauses: int = NAIVE_TOP_K) -> None:
        self.baseline = Bm25Baseline(services.search)
        self.answer_clauses = answer_clauses

    def respond(self, item: GoldItem) -> Response:
        clauses = self.baseline.clauses(item.question, RETRIEVAL_DEPTH)
        shown = clauses[: self.answer_clauses]
        return Response(
            answer="\n\n".join(f"{c.text} [{c.clause_id}]" for c in shown),
            abstained=False,
            retrieved=[frozenset({c.clause_id}) for c in clauses],
            contexts=[c.text for c in shown],
            citations=[c.clause_id for c in shown],
        )


class NaiveRagSystem:
    """The naive RAG as an answerer: its top-4 chunks concatenated. It cannot cite, so citation
    and grounding metrics do not apply; retrieval is scored through the chunk-to-clause map."""

    name = "naive-rag"

    def __init__(self, naive: NaiveRag) -> None:
        self.naive = naive

    def respond(self, item: GoldItem) -> Response:
        chunks = self.naive.chunks(item.question)
        clauses = self.naive.corpus.clauses
        return Response(
            answer="\n\n".join(chunks),
            abstained=False,
            retrieved=[clauses_in_chunk(c, clauses) for c in chunks],
            contexts=chunks,
        )


def dense_only(search: HybridSearch, question: str, n: int) -> list[frozenset[str]]:
    """The dense half of the hybrid search alone: clauses by best representation similarity."""
    return [frozenset({clause.clause_id}) for clause, _ in search._dense(question)[:n]]


def hybrid(search: HybridSearch, question: str, n: int) -> list[frozenset[str]]:
    """The product's search, as the retrieval evaluation sees it."""
    return [frozenset({hit.clause.clause_id}) for hit in search.search(question, n)]


def paragraph_parents(corpus: Corpus) -> dict[str, str]:
    """Sub-item id -> paragraph id, for paragraph-level matching."""
    return {c.clause_id: c.paragraph_id for c in corpus.clauses if c.paragraph_id != c.clause_id}
