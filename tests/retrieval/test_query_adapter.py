"""The learned query adapter: the map itself and its wiring on fakes and small arrays, its
training on synthetic vectors, and (integration) the committed artefact against the bank."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from assistant.artefacts import ArtefactInfo, load_artefact, save_artefact
from assistant.backends.embeddings import PACKAGED_MODEL, HashingEmbeddings
from assistant.corpus.instruments import Corpus
from assistant.evaluation.bank import training_bank
from assistant.learning.adapter_fit import FitParams, Problem, fit_adapter, loss_and_gradient
from assistant.learning.query_adapter_training import (
    Candidate,
    bank_examples,
    choose,
    examples_hash,
    recall,
    training_examples,
)
from assistant.retrieval.query_adapter import (
    ARTEFACT_NAME,
    MATRIX_KEY,
    AdaptedQueryEmbeddings,
    QueryAdapter,
)
from assistant.retrieval.representations import representations
from assistant.retrieval.search import HybridSearch
from assistant.services import Services
from assistant.settings import Settings
from assistant.testing import fake_services


def _unit(rows: np.ndarray) -> np.ndarray:
    return (rows / np.linalg.norm(rows, axis=-1, keepdims=True)).astype(np.float32)


def test_identity_adapter_leaves_a_vector_unchanged() -> None:
    vector = _unit(np.random.default_rng(0).normal(size=384))
    assert np.allclose(QueryAdapter.identity(384).adapt(vector.tolist()), vector, atol=1e-6)


def test_adapted_vectors_are_unit_length() -> None:
    rng = np.random.default_rng(1)
    adapter = QueryAdapter((np.eye(8) + rng.normal(scale=0.5, size=(8, 8))).astype(np.float32))
    for _ in range(5):
        assert math.isclose(
            np.linalg.norm(adapter.adapt(rng.normal(size=8).tolist())), 1.0, abs_tol=1e-6
        )


def test_a_vector_of_another_size_is_refused() -> None:
    with pytest.raises(ValueError, match="another embedding model"):
        QueryAdapter.identity(8).adapt([1.0, 0.0])


def test_only_the_query_side_is_adapted() -> None:
    base = HashingEmbeddings(size=16)
    swap = np.roll(np.eye(16, dtype=np.float32), 1, axis=1)  # a permutation: visibly different
    adapted = AdaptedQueryEmbeddings(base, QueryAdapter(swap))
    texts = ["business cases for digital projects", "open government data"]
    assert adapted.embed_documents(texts) == base.embed_documents(texts)
    query = adapted.embed_query(texts[0])
    assert np.allclose(query, np.asarray(base.embed_query(texts[0])) @ swap, atol=1e-6)
    assert not np.allclose(query, base.embed_query(texts[0]))


def _synthetic_problem() -> Problem:
    """Three clauses with two stored vectors each; each question sits nearer a wrong clause."""
    rng = np.random.default_rng(3)
    reps = _unit(rng.normal(size=(6, 12)))
    rep_clause = np.array([0, 0, 1, 1, 2, 2])
    gold_clause = np.array([0, 1, 2, 0, 1, 2])
    wrong = (gold_clause + 1) % 3
    queries = _unit(0.4 * reps[2 * gold_clause] + reps[2 * wrong] + 0.1 * rng.normal(size=(6, 12)))
    gold = np.zeros((6, 3), dtype=np.float32)
    gold[np.arange(6), gold_clause] = 1.0
    return Problem(queries, reps, rep_clause, gold, np.full(6, -1))


def test_tiny_training_is_deterministic_and_moves_questions_to_their_clause() -> None:
    problem = _synthetic_problem()
    params = FitParams(temperature=0.1, pull=0.001, learning_rate=0.05, batch_size=4, seed=5)
    first = fit_adapter(problem, params, snapshots=(10, 40))
    second = fit_adapter(problem, params, snapshots=(10, 40))
    assert all(np.array_equal(first[e], second[e]) for e in (10, 40))
    adapter = QueryAdapter(first[40])
    target = problem.reps[0]  # a stored vector of question 0's gold clause
    before = float(problem.queries[0] @ target)
    after = float(np.asarray(adapter.adapt(problem.queries[0].tolist())) @ target)
    assert after > before + 0.1


def test_paraphrase_is_left_out_of_its_own_targets() -> None:
    """A paraphrase is stored in the index too: as a training question it must not count its
    own vector, or it would find itself and teach nothing."""
    problem = _synthetic_problem()
    question = Problem(problem.reps[:1], problem.reps, problem.rep_clause, problem.gold[:1],
                       np.array([-1]))  # fmt: skip
    itself_left_out = Problem(question.queries, question.reps, question.rep_clause,
                              question.gold, np.array([0]))  # fmt: skip
    params = FitParams(temperature=0.05, pull=0.0)
    identity, rows = np.eye(12, dtype=np.float32), np.array([0])
    found_itself, _ = loss_and_gradient(identity, question, rows, params)
    left_out, _ = loss_and_gradient(identity, itself_left_out, rows, params)
    assert found_itself < 0.01 < left_out


def _candidate(epochs: int, pull: float, r1: float, temperature: float = 0.05) -> Candidate:
    params = {"epochs": epochs, "pull": pull, "temperature": temperature}
    return Candidate(params, np.eye(2, dtype=np.float32), {"r@1": r1, "r@5": 1.0})


def test_choice_rule_prefers_regularisation_within_one_dev_question() -> None:
    identity = _candidate(0, 0.0, 0.80)
    strong, weak = _candidate(5, 0.1, 0.90), _candidate(10, 0.01, 0.905)
    assert choose([identity, weak, strong], n_dev=100) is strong
    assert choose([identity, _candidate(5, 0.1, 0.805)], n_dev=100) is identity
    assert choose([identity, _candidate(5, 0.01, 0.95), strong], n_dev=100).dev["r@1"] == 0.95


def test_training_questions_cut_injected_orders_and_skip_followups() -> None:
    items = [item for item in training_bank() if item.split == "train"]
    examples = bank_examples(items, "train")
    texts = {e.text for e in examples}
    assert len(examples) == sum(i.label in ("in_scope", "false_premise", "injection_wrapped")
                                for i in items)  # fmt: skip
    for item in items:
        if item.label == "injection_wrapped":
            assert item.residual in texts and item.text not in texts


def test_missing_artefact_names_the_command(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="assistant train"):
        QueryAdapter.load(tmp_path)


def test_adapter_for_another_model_is_refused(tmp_path: Path) -> None:
    info = ArtefactInfo(ARTEFACT_NAME, "0" * 64, 0, params={"embedding_model": "other"})
    save_artefact(info, {MATRIX_KEY: np.eye(4, dtype=np.float32)}, tmp_path)
    assert QueryAdapter.load(tmp_path).size == 4
    with pytest.raises(ValueError, match="trained for 'other'"):
        QueryAdapter.load(tmp_path, expected_model=PACKAGED_MODEL)


def test_services_adapt_only_the_packaged_model(tmp_settings: Settings) -> None:
    fake = fake_services(tmp_settings)
    assert fake.query_embeddings is fake.embeddings
    assert fake.search.embeddings is fake.embeddings
    on = tmp_settings.model_copy(update={"use_query_adapter": True})
    real = Services(on)  # the model is never loaded: embeddings are lazy
    assert isinstance(real.query_embeddings, AdaptedQueryEmbeddings)
    assert real.query_embeddings.base is real.embeddings
    assert real.search.embeddings is real.query_embeddings
    assert real.grounding.embeddings is real.embeddings
    off = Services(tmp_settings.model_copy(update={"use_query_adapter": False}))
    assert off.query_embeddings is off.embeddings


@pytest.mark.integration
def test_committed_adapter_matches_the_bank_and_lifts_dense_recall_on_dev(
    real_services: Services,
) -> None:
    adapter = QueryAdapter.load(expected_model=PACKAGED_MODEL)
    assert adapter.matrix.shape == (384, 384) and adapter.matrix.dtype == np.float32
    info, _ = load_artefact(ARTEFACT_NAME)
    corpus: Corpus = real_services.corpus
    items = training_bank()
    reps = representations(corpus, real_services.settings.use_paraphrases)
    assert info.data_hash == examples_hash(training_examples(corpus, items, reps)), (
        "The bank or the paraphrases changed since the query adapter was trained: "
        "run `python -m assistant.learning.query_adapter_training` and commit the artefact."
    )
    dev = bank_examples(items, "dev")
    settings, store, rewriter = real_services.settings, real_services.store, real_services.rewriter
    plain = HybridSearch(settings, corpus, real_services.embeddings, store, rewriter)
    adapted = HybridSearch(
        settings, corpus, AdaptedQueryEmbeddings(real_services.embeddings, adapter), store, rewriter
    )
    before, after = recall(plain, dev, dense=True), recall(adapted, dev, dense=True)
    assert after["r@1"] > before["r@1"] + 0.05, (before, after)
