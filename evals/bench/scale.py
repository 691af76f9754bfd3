"""Scale: a synthetic corpus N times larger (``synthetic.py``), ingested and searched by both
systems, with embedded Chroma and with a ``chroma run`` server.

The embedded ingestion is a full one (every text embedded). The server-mode ingestion reuses the
vectors the embedded run computed (same model, same texts), for both systems alike: it measures
what differs between the two modes (representations, store writes over HTTP), not the embedding
model a second time, which would double an already long run. Retrieval is measured on new
questions (cache-busting variants), so each includes its query embedding.
"""

from __future__ import annotations

import shutil
import uuid
from collections import defaultdict
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from langchain_core.embeddings import Embeddings

from assistant.corpus.instruments import Corpus
from assistant.evaluation.baselines import NaiveRag
from assistant.evaluation.datasets import GoldItem
from assistant.settings import Settings
from evals.bench.common import interleaved, ms_summary, stopwatch, variant
from evals.bench.inprocess import instrumented, make_services
from evals.bench.servers import bench_env, chroma_command, free_port, running
from evals.bench.synthetic import generate_corpus

WARM_UP_QUERIES = 3


class MemoEmbeddings(Embeddings):
    """Delegates to an embedder and remembers document vectors by text, so a second ingestion
    of the same texts does not embed them again. Queries are never memoised here."""

    def __init__(self, inner: Embeddings) -> None:
        self.inner = inner
        self.memo: dict[str, list[float]] = {}
        self.reuse = False

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        missing = [t for t in dict.fromkeys(texts) if not (self.reuse and t in self.memo)]
        if missing:
            self.memo.update(zip(missing, self.inner.embed_documents(missing), strict=True))
        return [self.memo[t] for t in texts]

    def embed_query(self, text: str) -> list[float]:
        return self.inner.embed_query(text)


class ServerNaiveRag(NaiveRag):
    """The same naive RAG, its Chroma collection on a Chroma server instead of a folder."""

    def __init__(self, corpus: Any, embeddings: Embeddings, port: int) -> None:
        super().__init__(corpus, embeddings)
        self.port = port

    @contextmanager
    def open(self) -> Iterator[NaiveRag]:
        import chromadb
        from chromadb.config import Settings as ChromaSettings
        from langchain_chroma import Chroma
        from langchain_text_splitters import RecursiveCharacterTextSplitter

        from assistant.corpus.instruments import read_text
        from assistant.evaluation.baselines import CHUNK_OVERLAP, CHUNK_SIZE

        splitter = RecursiveCharacterTextSplitter(
            chunk_size=CHUNK_SIZE, chunk_overlap=CHUNK_OVERLAP
        )
        chunks = splitter.split_text(read_text(self.corpus.instruments[0].path))
        client = chromadb.HttpClient(
            host="127.0.0.1", port=self.port, settings=ChromaSettings(anonymized_telemetry=False)
        )
        self._store = Chroma(
            collection_name=f"naive_rag_{uuid.uuid4().hex[:8]}",
            embedding_function=self.embeddings,
            client=client,
            collection_metadata={"hnsw:space": "cosine"},
        )
        self._store.add_texts(chunks)
        try:
            yield self
        finally:
            self._store = None


def _joined_corpus(corpus: Corpus, path: Path) -> SimpleNamespace:
    """All instruments' texts in one file, shaped like the corpus NaiveRag reads (it splits the
    first instrument's file): the naive RAG indexes the whole scaled corpus."""
    path.write_text("\n\n".join(i.path.read_text(encoding="utf-8") for i in corpus.instruments))
    return SimpleNamespace(instruments=[SimpleNamespace(path=path)], clauses=[])


def _measure(
    settings: Settings, naive: NaiveRag, embeddings: Embeddings, items: list[GoldItem], first: int
) -> dict[str, Any]:
    """Ingest with both systems, then time their retrieval on new questions, interleaved."""
    with stopwatch() as took:
        services = make_services(settings, embeddings)
        report = services.index.build(progress=False)
    search = services.search
    totals: dict[str, float] = defaultdict(float)
    probes = {
        "whole search": (search, "search"),
        "embed_query": (embeddings, "embed_query"),
        "chroma_query": (services.store, "query"),
        "bm25": (search.lexical, "search"),
    }
    with ExitStack() as stack:
        with stopwatch() as naive_took:
            stack.enter_context(naive.open())
        chunks = naive._store._collection.count()
        warm = items[:WARM_UP_QUERIES]
        for item in warm:  # first queries load the BM25 index, the typo vocabulary, ...
            search.search(variant(item.question, first))
            naive.chunks(variant(item.question, first + 1))
        times = interleaved(
            {
                "assistant": lambda item: search.search(variant(item.question, first + 2)),
                "naive": lambda item: naive.chunks(variant(item.question, first + 3)),
            },
            items,
        )
    with ExitStack() as stack:  # a separate pass: the naive RAG shares the probed embedder
        for key, (target, name) in probes.items():
            stack.enter_context(instrumented(target, name, totals, key))
        for item in items:
            search.search(variant(item.question, first + 4))
    services.store.reset_connection()
    return {
        "assistant_ingest_s": took[0],
        "assistant_vectors": report.manifest.vectors,
        "assistant_retrieval": ms_summary(times["assistant"]),
        "assistant_stage_ms": {k: round(v / len(items) * 1000, 2) for k, v in totals.items()},
        "naive_ingest_s": naive_took[0],
        "naive_chunks": chunks,
        "naive_retrieval": ms_summary(times["naive"]),
    }


def run_scale(
    base: Settings, embeddings: Embeddings, items: list[GoldItem], scale: int, work: Path
) -> dict[str, Any]:
    """Generate the corpus, measure embedded Chroma, then a Chroma server (vectors reused)."""
    if work.exists():
        shutil.rmtree(work)
    corpus_dir = generate_corpus(base.corpus_dir, work / "corpus", scale)
    corpus = Corpus.load(corpus_dir)
    joined = _joined_corpus(corpus, work / "all-instruments.txt")
    memo = MemoEmbeddings(embeddings)
    settings = base.model_copy(update={"corpus_dir": corpus_dir, "data_dir": work / "embedded"})
    result: dict[str, Any] = {"scale": scale, "instruments": len(corpus.instruments)}
    result["clauses"] = len(corpus.clauses)
    print(f"  scale x{scale}: embedded Chroma ({len(corpus.clauses)} clauses)", flush=True)
    result["embedded"] = _measure(settings, NaiveRag(joined, memo), memo, items, 10)  # type: ignore[arg-type]
    memo.reuse = True
    port = free_port()
    log = work / "chroma-server.log"
    env = bench_env(work / "unused")
    with running(chroma_command(work / "chroma-server", port), env, "/api/v2/heartbeat", port, log):
        print(f"  scale x{scale}: Chroma server on port {port}", flush=True)
        http = settings.model_copy(
            update={"chroma_mode": "http", "chroma_port": port, "data_dir": work / "http"}
        )
        result["server"] = _measure(http, ServerNaiveRag(joined, memo, port), memo, items, 20)
    result["server"]["vectors_reused"] = True
    return result
