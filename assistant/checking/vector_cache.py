"""Vectors of the corpus's own texts (clause texts, their terms and phrases), kept between runs.

``assistant check`` runs in a new process each time: without a cache it would embed every clause
of every instrument again (seconds on two cores) before reading the first sentence. The vectors
are kept in memory and, when a file is given, on disk (NumPy, no pickle), keyed by the exact text
and stored per embedding model and backend. Only texts of the corpus are written: the sentences
being checked never are (a draft may be confidential), and those are held in a bounded memory
cache only.
"""

from __future__ import annotations

import os
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from langchain_core.embeddings import Embeddings

SENTENCE_CACHE_SIZE = 4096


def _unit_rows(vectors: Sequence[Sequence[float]]) -> list[np.ndarray]:
    rows = []
    for vector in vectors:
        array = np.asarray(vector, dtype=np.float32)
        norm = float(np.linalg.norm(array)) or 1.0
        rows.append(array / norm)
    return rows


class TextVectors:
    """Unit vectors of texts: the corpus's kept (and saved, with a file), others bounded."""

    def __init__(self, embeddings: Embeddings, path: Path | None = None) -> None:
        self.embeddings = embeddings
        self.path = path
        self._corpus: dict[str, np.ndarray] = {}
        self._other: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()
        self._dirty = False
        if path is not None and path.exists():
            self._load(path)

    def _load(self, path: Path) -> None:
        try:
            with np.load(path, allow_pickle=False) as stored:
                texts, vectors = stored["texts"].tolist(), stored["vectors"]
        except (OSError, ValueError, KeyError):
            return  # an unreadable cache is rebuilt, never trusted
        self._corpus.update(zip(texts, list(vectors), strict=True))

    def corpus(self, texts: Sequence[str]) -> list[np.ndarray]:
        """Vectors of texts of the corpus (embedded once, then kept)."""
        missing = [t for t in dict.fromkeys(texts) if t not in self._corpus]
        if missing:
            found = _unit_rows(self.embeddings.embed_documents(missing))
            with self._lock:
                self._corpus.update(zip(missing, found, strict=True))
                self._dirty = True
        return [self._corpus[t] for t in texts]

    def other(self, texts: Sequence[str]) -> list[np.ndarray]:
        """Vectors of texts from the checked sentences (a bounded memory cache only)."""
        with self._lock:
            missing = [t for t in dict.fromkeys(texts) if t not in self._other]
        found = _unit_rows(self.embeddings.embed_documents(missing)) if missing else []
        with self._lock:
            self._other.update(zip(missing, found, strict=True))
            rows = [self._other[t] for t in texts]
            for text in texts:
                self._other.move_to_end(text)
            while len(self._other) > SENTENCE_CACHE_SIZE:
                self._other.popitem(last=False)
        return rows

    def save(self) -> None:
        """Write the corpus vectors when new ones were made (atomically: a reader sees the old
        file or the new one)."""
        if self.path is None or not self._dirty:
            return
        with self._lock:
            texts = list(self._corpus)
            matrix = np.vstack([self._corpus[t] for t in texts])
            self._dirty = False
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=self.path.parent, suffix=".npz")
        try:
            with os.fdopen(handle, "wb") as out:
                np.savez(out, texts=np.array(texts, dtype=str), vectors=matrix)
            os.replace(temporary, self.path)
        except OSError:
            Path(temporary).unlink(missing_ok=True)
