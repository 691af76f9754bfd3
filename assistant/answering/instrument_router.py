"""The learned instrument router: how likely a question is about each instrument, from its
vector alone.

Clause similarity alone cannot tell which instrument a question is about: a question on open
data for a ministry matches a clause of the AI Recommendation about datasets nearly as well as
the Digital Government one it belongs to. A multinomial logistic regression over the question's
embedding, trained on questions written per instrument (``assistant train instrument_router``),
adds what the instruments are *about*. Run time needs only NumPy: a matrix product and a softmax.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from assistant.answering.linear import ArtefactMismatch, load_for_model
from assistant.artefacts import LEARNED_DIR, ArtefactInfo

ARTEFACT = "instrument_router"


@dataclass(frozen=True)
class InstrumentRouter:
    """``P(instrument | question) = softmax(coef @ vector + intercept)``."""

    instrument_ids: tuple[str, ...]
    coef: np.ndarray  # instruments x embedding dimensions
    intercept: np.ndarray  # instruments

    def __post_init__(self) -> None:
        rows = len(self.instrument_ids)
        if self.coef.shape[0] != rows or self.intercept.shape != (rows,):
            raise ArtefactMismatch(f"the router needs one row of weights per instrument ({rows})")

    def probabilities(self, vector: list[float] | np.ndarray) -> dict[str, float]:
        logits = self.coef @ np.asarray(vector, dtype=np.float64) + self.intercept
        weights = np.exp(logits - logits.max())
        shares = weights / weights.sum()
        return dict(zip(self.instrument_ids, (float(s) for s in shares), strict=True))

    def arrays(self) -> dict[str, np.ndarray]:
        return {
            "coef": self.coef.astype(np.float64),
            "intercept": self.intercept.astype(np.float64),
        }

    @classmethod
    def load(
        cls, embedding_model: str, instrument_ids: tuple[str, ...], root: Path = LEARNED_DIR
    ) -> tuple[ArtefactInfo, InstrumentRouter]:
        """The stored router; refused when it was trained for other instruments or vectors."""
        info, arrays = load_for_model(ARTEFACT, embedding_model, root)
        trained_for = tuple(info.params.get("instrument_ids", ()))
        if trained_for != instrument_ids:
            raise ArtefactMismatch(
                f"the instrument router was trained for {trained_for}, the corpus holds "
                f"{instrument_ids}; retrain it with `assistant train instrument_router`."
            )
        return info, cls(trained_for, arrays["coef"], arrays["intercept"])
