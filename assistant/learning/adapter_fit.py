"""The optimisation behind the query adapter: plain NumPy, full gradients written out, seeded.

Kept apart from the data and selection code (``query_adapter_training``) so it can be tested on
a handful of synthetic vectors, with no model, corpus or index.

The loss mirrors how the search ranks clauses. A clause's score for a question is the soft
maximum (log-sum-exp, ``evidence_temperature``: the search's ``dense_evidence_temperature``) of
the cosines between the adapted question and every stored vector of that clause; a softmax over
the clauses' scores at ``temperature`` gives the probability of each clause, and the loss is
minus the log of the probability mass on the gold clauses. ``pull`` times ``||W - I||^2`` keeps
the map near the identity, so questions unlike the training ones are left roughly where the
model put them. A paraphrase is itself one of the stored vectors: as a training question it is
left out of its own clause's vectors (``own_rep``), or it would only learn to find itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np

BETA1, BETA2, EPSILON = 0.9, 0.999, 1e-8


@dataclass(frozen=True)
class FitParams:
    """Hyper-parameters of one training run (the grid and the choice are in the caller)."""

    temperature: float
    pull: float
    evidence_temperature: float = 0.1
    learning_rate: float = 1e-3
    batch_size: int = 128
    seed: int = 0


@dataclass(frozen=True)
class Problem:
    """Training questions and the stored vectors, as arrays.

    ``queries`` (n, d) and ``reps`` (r, d) are unit vectors; ``rep_clause`` (r,) the clause
    index of each stored vector; ``gold`` (n, c) marks each question's gold clauses; ``own_rep``
    (n,) is the stored vector a question is itself (a paraphrase), or -1."""

    queries: np.ndarray
    reps: np.ndarray
    rep_clause: np.ndarray
    gold: np.ndarray
    own_rep: np.ndarray

    @cached_property
    def membership(self) -> np.ndarray:
        """(r, c) one-hot: which clause each stored vector stands for."""
        onehot = np.zeros((len(self.reps), self.gold.shape[1]), dtype=np.float32)
        onehot[np.arange(len(self.reps)), self.rep_clause] = 1.0
        return onehot


def clause_scores(
    adapted: np.ndarray, reps: np.ndarray, membership: np.ndarray, keep: np.ndarray, te: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per question and clause, the soft maximum of its vectors' cosines; also the
    (stabilised) exponentials and their per-clause sums, which the gradient reuses."""
    sims = adapted @ reps.T
    top = sims.max(axis=1, keepdims=True)
    weights = np.exp((sims - top) / te) * keep
    sums = np.maximum(weights @ membership, 1e-30)
    return te * np.log(sums) + top, weights, sums


def loss_and_gradient(
    matrix: np.ndarray, problem: Problem, rows: np.ndarray, params: FitParams
) -> tuple[float, np.ndarray]:
    """Mean loss over ``rows`` plus the pull, and its gradient with respect to ``matrix``."""
    queries, gold = problem.queries[rows], problem.gold[rows]
    keep = np.ones((len(rows), len(problem.reps)), dtype=np.float32)
    own = problem.own_rep[rows]
    keep[np.flatnonzero(own >= 0), own[own >= 0]] = 0.0
    membership = problem.membership
    raw = queries @ matrix
    norms = np.linalg.norm(raw, axis=1, keepdims=True)
    adapted = raw / norms
    scores, weights, sums = clause_scores(
        adapted, problem.reps, membership, keep, params.evidence_temperature
    )
    logits = scores / params.temperature
    logits -= logits.max(axis=1, keepdims=True)
    probs = np.exp(logits)
    probs /= probs.sum(axis=1, keepdims=True)
    on_gold = probs * gold
    mass = on_gold.sum(axis=1, keepdims=True)
    identity = np.eye(len(matrix), dtype=matrix.dtype)
    loss = float(-np.log(mass).mean() + params.pull * ((matrix - identity) ** 2).sum())
    d_scores = (probs - on_gold / mass) / (params.temperature * len(rows))
    d_sims = ((d_scores / sums) @ membership.T) * weights
    d_adapted = d_sims @ problem.reps
    d_raw = (d_adapted - adapted * (d_adapted * adapted).sum(axis=1, keepdims=True)) / norms
    gradient = queries.T @ d_raw + 2.0 * params.pull * (matrix - identity)
    return loss, gradient.astype(np.float32)


def fit_adapter(
    problem: Problem, params: FitParams, snapshots: Sequence[int]
) -> dict[int, np.ndarray]:
    """Train from the identity with Adam on seeded mini-batches; the matrix after each epoch
    count in ``snapshots`` (one run gives every epoch count the grid compares)."""
    rng = np.random.default_rng(params.seed)
    size = problem.queries.shape[1]
    matrix: np.ndarray = np.eye(size, dtype=np.float32)
    first: np.ndarray = np.zeros_like(matrix)
    second: np.ndarray = np.zeros_like(matrix)
    step = 0
    kept: dict[int, np.ndarray] = {}
    for epoch in range(1, max(snapshots) + 1):
        order = rng.permutation(len(problem.queries))
        for start in range(0, len(order), params.batch_size):
            step += 1
            _, gradient = loss_and_gradient(
                matrix, problem, order[start : start + params.batch_size], params
            )
            first = BETA1 * first + (1 - BETA1) * gradient
            second = BETA2 * second + (1 - BETA2) * gradient**2
            unbiased = first / (1 - BETA1**step)
            scale = np.sqrt(second / (1 - BETA2**step)) + EPSILON
            matrix = (matrix - params.learning_rate * unbiased / scale).astype(np.float32)
        if epoch in snapshots:
            kept[epoch] = matrix.copy()
    return kept
