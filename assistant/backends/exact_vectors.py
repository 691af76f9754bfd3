"""An exact nearest-vector search over one collection's vectors held in memory.

At this corpus's size (a few thousand vectors of 384 numbers, 2 MB) one matrix product ranks
every stored vector in about 0.1 ms of CPU, where a query through Chroma's bindings cost about
2-3 ms (measured on 400 questions, same machine, same vectors), most of it bookkeeping around
the HNSW search. The collection's HNSW index is searched wide enough to be exact at this size
(``ef_search`` 400), so both give the same vectors in the same order, up to rounding in the last
bits of a similarity. Larger collections stay with Chroma, whose index does not read every
vector: the store decides by the collection's size (:data:`MAX_VECTORS`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from assistant.backends.vector_store import VectorHit

#: Collections up to this many vectors are searched in memory: 77 MB and a few ms a query at
#: most. The corpus holds 1,441 vectors (2 MB); the benchmark's synthetic x100 corpus 19,855.
MAX_VECTORS = 50_000


class ExactVectors:
    """One collection's ids and unit vectors; read-only once built, so any number of threads
    may search it at once."""

    def __init__(self, ids: Sequence[str], vectors: Any) -> None:
        matrix = np.asarray(vectors, dtype=np.float32).reshape(len(ids), -1 if len(ids) else 0)
        norms = np.linalg.norm(matrix, axis=1, keepdims=True)
        # Chroma's cosine space normalises stored and query vectors; so does this.
        self._matrix = matrix / np.where(norms == 0, 1, norms)
        self._ids = list(ids)

    def __len__(self) -> int:
        return len(self._ids)

    def nearest(self, vector: Sequence[float], n: int) -> list[VectorHit]:
        """The ``n`` nearest vectors, most similar first, as Chroma reports them (similarity
        is 1 minus the float32 cosine distance)."""
        if not self._ids or n <= 0:
            return []
        query = np.asarray(vector, dtype=np.float32)
        norm = np.linalg.norm(query)
        if norm > 0:
            query = query / norm
        distances = np.float32(1.0) - self._matrix @ query
        n = min(n, len(distances))
        top = np.argpartition(distances, n - 1)[:n] if n < len(distances) else np.arange(n)
        top = top[np.argsort(distances[top], kind="stable")]
        return [
            VectorHit(id=self._ids[i], metadata={}, similarity=1.0 - float(distances[i]))
            for i in top.tolist()
        ]
