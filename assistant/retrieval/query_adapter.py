"""A learned linear map applied to the question's vector only (Chroma's "embedding adapter").

all-MiniLM-L6-v2 places "hand out the money in instalments" or a French, terse or misspelt
question some way from the clause that answers it, because the model never saw how officials
ask about this text. Re-embedding the clauses would mean rebuilding the index for every change,
so only the query side moves: ``adapted = normalise(vector @ W)``, with ``W`` a 384x384 matrix
trained on the question bank and the paraphrases (``assistant.learning.query_adapter_training``)
and started from the identity. The clause vectors in Chroma, and every other use of the model
(the grounding guard compares answer sentences with clauses), stay unadapted.

The matrix is a committed artefact (``assistant/learned/query_adapter/``), loaded with NumPy
alone, never from the network.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from langchain_core.embeddings import Embeddings

from assistant.artefacts import LEARNED_DIR, ArtefactInfo, load_artefact

ARTEFACT_NAME = "query_adapter"
MATRIX_KEY = "matrix"


class QueryAdapter:
    """``vector -> normalise(vector @ W)``: a question vector moved towards the clauses that
    answer questions phrased like it."""

    def __init__(self, matrix: np.ndarray, info: ArtefactInfo | None = None) -> None:
        if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1]:
            raise ValueError(f"A query adapter is a square matrix, not {matrix.shape}.")
        self.matrix = np.asarray(matrix, dtype=np.float32)
        self.info = info

    @classmethod
    def load(cls, root: Path = LEARNED_DIR, expected_model: str | None = None) -> QueryAdapter:
        """The committed adapter; FileNotFoundError (naming ``assistant train``) when missing.
        With ``expected_model``, an adapter trained for another model is refused: its matrix
        would silently scramble that model's vectors."""
        info, arrays = load_artefact(ARTEFACT_NAME, root)
        if MATRIX_KEY not in arrays:
            raise ValueError(f"Artefact {ARTEFACT_NAME!r} in {root} holds no {MATRIX_KEY!r} array.")
        trained_for = info.params.get("embedding_model")
        if expected_model is not None and trained_for != expected_model:
            raise ValueError(
                f"{ARTEFACT_NAME} was trained for {trained_for!r}, not {expected_model!r}; "
                "retrain it with `assistant train` or set ASSISTANT_USE_QUERY_ADAPTER=false."
            )
        return cls(arrays[MATRIX_KEY], info)

    @classmethod
    def identity(cls, size: int) -> QueryAdapter:
        """An adapter that changes nothing (what training starts from)."""
        return cls(np.eye(size, dtype=np.float32))

    @property
    def size(self) -> int:
        return int(self.matrix.shape[0])

    def adapt(self, vector: Sequence[float]) -> list[float]:
        """The adapted, unit-length vector. Re-normalised because similarities are cosines and
        the stored clause vectors are unit length."""
        array = np.asarray(vector, dtype=np.float32)
        if array.shape != (self.size,):
            raise ValueError(
                f"The query adapter maps {self.size}-dimensional vectors, got {array.shape}: "
                "it was trained for another embedding model."
            )
        adapted = array @ self.matrix
        norm = float(np.linalg.norm(adapted))
        return [float(x) for x in (adapted / norm if norm else adapted)]


class AdaptedQueryEmbeddings(Embeddings):
    """The base embeddings with their query side adapted: what retrieval embeds a question with.

    Documents pass through unchanged, so an index built with either object is the same. The
    base's own query cache (the model call) is reused; the matrix product costs microseconds."""

    def __init__(self, base: Embeddings, adapter: QueryAdapter) -> None:
        self.base = base
        self.adapter = adapter

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.base.embed_documents(texts)

    def embed_query(self, text: str) -> list[float]:
        return self.adapter.adapt(self.base.embed_query(text))
