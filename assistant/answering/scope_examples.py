"""Where a question sits among labelled example questions, for the learned scope decider.

Similarity to the clauses says whether the text speaks of a question's words; it cannot tell
"what does the Recommendation say about data-driven culture?" from "what does GDPR say about
data-driven profiling?", which are just as close to the same clause. Labelled questions can:
the bank's train split holds hundreds of questions near the text's topics that it does not
answer, and hundreds it does. How close a new question comes to the nearest of each is two
features of the decider, and the question's own vector (its direction in the embedding space,
which the decider weighs with strong regularisation) is the rest; the example vectors ship
inside its artefact.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

VECTORS = "example_vectors"
REFUSE = "example_refuse"
EXAMPLE_ARRAYS = frozenset({VECTORS, REFUSE})
VECTOR_DIMENSIONS = 384  # the packaged MiniLM's (and the hashing fake's)
VECTOR_FEATURES = tuple(f"question_vector_{i:03d}" for i in range(VECTOR_DIMENSIONS))


@dataclass(frozen=True)
class Nearest:
    """Cosine similarity of a question to its nearest answerable and refused examples."""

    answerable: float = 0.0
    refused: float = 0.0


@dataclass(frozen=True)
class QuestionPlace:
    """A question's unit vector and its nearest labelled examples."""

    nearest: Nearest
    vector: np.ndarray

    def features(self) -> dict[str, float]:
        values = {
            "nearest_answerable_example": self.nearest.answerable,
            "nearest_refused_example": self.nearest.refused,
        }
        return values | dict(zip(VECTOR_FEATURES, map(float, self.vector), strict=True))


NOWHERE = QuestionPlace(Nearest(), np.zeros(VECTOR_DIMENSIONS))


def unit_rows(vectors: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length (cosine similarity becomes a dot product)."""
    rows = np.atleast_2d(np.asarray(vectors, dtype=np.float32))
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    return rows / np.where(norms == 0, 1.0, norms)


@dataclass(frozen=True)
class ExampleMemory:
    """Unit vectors of labelled questions, and which of them the text does not answer."""

    vectors: np.ndarray  # examples x dimensions, unit rows
    refuse: np.ndarray  # one bool per example

    def nearest(self, vector: np.ndarray, exclude: np.ndarray | None = None) -> Nearest:
        """The nearest example of each kind; ``exclude`` masks examples out (in training, the
        question's own group, so a question never meets its own paraphrase)."""
        similarities = self.vectors @ unit_rows(vector)[0]
        if exclude is not None:
            similarities = np.where(exclude, -1.0, similarities)
        answerable = similarities[~self.refuse]
        refused = similarities[self.refuse]
        return Nearest(
            answerable=float(answerable.max(initial=0.0)), refused=float(refused.max(initial=0.0))
        )

    def place(self, vector: np.ndarray, exclude: np.ndarray | None = None) -> QuestionPlace:
        """The question's unit vector with its nearest examples."""
        return QuestionPlace(self.nearest(vector, exclude), unit_rows(vector)[0])

    @classmethod
    def of(cls, vectors: np.ndarray, refuse: np.ndarray) -> ExampleMemory:
        """Unit rows at half precision (half the artefact's size; cosines move by about 1e-3),
        so that training and serving read the very same numbers."""
        half = unit_rows(vectors).astype(np.float16).astype(np.float32)
        return cls(half, np.asarray(refuse, dtype=bool))

    def arrays(self) -> dict[str, np.ndarray]:
        return {VECTORS: self.vectors.astype(np.float16), REFUSE: self.refuse.astype(bool)}

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray]) -> ExampleMemory:
        return cls.of(arrays[VECTORS], arrays[REFUSE])
