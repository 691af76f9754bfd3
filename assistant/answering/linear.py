"""A logistic-regression model over named features, as the learned judgements use it at run time.

Training happens elsewhere (``assistant.learning``, with scikit-learn); the product only needs
the arithmetic, so this is plain NumPy: standardise, dot product, sigmoid, compare with the
threshold chosen on the dev split. The feature names travel with the coefficients, and loading
refuses an artefact whose names differ from the code's, so a reordered or renamed feature can
never be silently multiplied by another feature's weight.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from assistant.artefacts import LEARNED_DIR, ArtefactInfo, load_artefact


class ArtefactMismatch(ValueError):
    """A learned artefact does not fit the code or the components it is used with."""


@dataclass(frozen=True)
class LogisticModel:
    """``P(positive) = sigmoid(((x - mean) / scale) . coef + intercept)``; positive when
    ``P >= threshold``."""

    feature_names: tuple[str, ...]
    coef: np.ndarray
    intercept: float
    mean: np.ndarray
    scale: np.ndarray
    threshold: float

    def __post_init__(self) -> None:
        width = len(self.feature_names)
        if not (self.coef.shape == self.mean.shape == self.scale.shape == (width,)):
            raise ArtefactMismatch(
                f"coefficients, mean and scale must each have {width} entries (one per feature)"
            )

    def probability(self, features: np.ndarray) -> np.ndarray:
        """P(positive) for each row of ``features`` (rows x features, in ``feature_names``
        order)."""
        rows = np.atleast_2d(np.asarray(features, dtype=np.float64))
        logits = ((rows - self.mean) / self.scale) @ self.coef + self.intercept
        return 1.0 / (1.0 + np.exp(-np.clip(logits, -50.0, 50.0)))

    def decide(self, features: np.ndarray) -> np.ndarray:
        """True where the model says positive at its chosen operating point."""
        return self.probability(features) >= self.threshold

    def arrays(self) -> dict[str, np.ndarray]:
        """What ``save_artefact`` stores; names and threshold go to ``meta.json``."""
        return {
            "coef": self.coef.astype(np.float64),
            "intercept": np.array([self.intercept], dtype=np.float64),
            "mean": self.mean.astype(np.float64),
            "scale": self.scale.astype(np.float64),
        }

    def params(self) -> dict[str, object]:
        """The readable half of the model, for ``ArtefactInfo.params``."""
        return {"feature_names": list(self.feature_names), "threshold": self.threshold}

    @classmethod
    def from_artefact(
        cls, info: ArtefactInfo, arrays: dict[str, np.ndarray], expected: Sequence[str]
    ) -> LogisticModel:
        """The model stored in an artefact, checked against the feature names the code
        computes today."""
        names = tuple(info.params.get("feature_names", ()))
        if names != tuple(expected):
            raise ArtefactMismatch(
                f"Artefact {info.name!r} was trained on other features than the code computes "
                "now; retrain it with `python -m assistant.learning.classifier_training`."
            )
        return cls(
            feature_names=names,
            coef=arrays["coef"],
            intercept=float(arrays["intercept"][0]),
            mean=arrays["mean"],
            scale=arrays["scale"],
            threshold=float(info.params["threshold"]),
        )


def load_model(
    name: str, expected: Sequence[str], root: Path = LEARNED_DIR
) -> tuple[ArtefactInfo, LogisticModel]:
    """An artefact's metadata and its logistic model."""
    info, arrays = load_artefact(name, root)
    return info, LogisticModel.from_artefact(info, arrays, expected)


def load_for_model(
    name: str, embedding_model: str, root: Path = LEARNED_DIR
) -> tuple[ArtefactInfo, dict[str, np.ndarray]]:
    """An artefact trained on ``embedding_model``'s vectors; any other model's vectors would be
    weighed with coefficients learned on different numbers, so loading refuses."""
    info, arrays = load_artefact(name, root)
    trained_on = info.params.get("embedding_model")
    if trained_on != embedding_model:
        raise ArtefactMismatch(
            f"{name} was trained on {trained_on!r} vectors, not {embedding_model!r}."
        )
    return info, arrays
