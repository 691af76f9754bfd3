"""Training of the learned scope decider (``assistant.answering.scope_classifier``) from the
question bank.

Rows: every bank question that reaches the scope decision, screened by the learned injection
detector and retrieved by the real search; a row is positive when the text does not answer it
(out_of_scope, injection_only). Its features include how close the question comes to the
nearest labelled example of each kind (``scope_examples``): the examples are the train split's
questions, and a train row never meets its own group. Fit on **train** (regularisation by
grouped cross-validation, Platt calibration), the operating point chosen on **dev** by the
written rule, the **test** split reported next to the threshold rules' figures.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from sklearn.metrics import brier_score_loss, log_loss

from assistant.answering.decision import ThresholdScopeDecider
from assistant.answering.injection import LearnedInjectionDetector
from assistant.answering.scope_classifier import ARTEFACT_NAME as SCOPE_ARTEFACT
from assistant.answering.scope_classifier import (
    SCOPE_FEATURE_NAMES,
    feature_row,
    named_refusal,
    names_a_clause,
    scope_features,
)
from assistant.answering.scope_examples import NOWHERE, ExampleMemory
from assistant.artefacts import LEARNED_DIR, ArtefactInfo
from assistant.evaluation.bank import BankItem, training_bank
from assistant.learning.classifier_data import (
    REFUSE_LABELS,
    SEED,
    PreparedEmbeddings,
    choose_c,
    decision_inputs,
    fit_logistic,
    operating_point,
    save_classifier,
    sentence_rows,
)
from assistant.services import Services

MAX_FALSE_REFUSALS = 0.02
SCOPE_RULE = (
    "Refuse when P(refuse) >= threshold (or a product choice, the named rule). Threshold on dev: "
    "false refusals <= 2% of answerable items (in_scope, false_premise, injection_wrapped, "
    "followup), then the highest recall on out_of_scope/injection_only; placed halfway between "
    "the highest answerable score that must stay below it and the next score above it."
)


@dataclass(frozen=True)
class DecisionRow:
    """One bank question as the scope decider sees it, and what the threshold rules decide."""

    item: BankItem
    features: dict[str, float]
    rules_refused: bool
    named_rule: bool  # refused by a named rule whatever the model says

    @property
    def refuse(self) -> bool:
        return self.item.label in REFUSE_LABELS


EXAMPLE_LABELS = frozenset({"in_scope", "false_premise", "out_of_scope"})


def example_memory(
    services: Services, items: Sequence[BankItem]
) -> tuple[ExampleMemory, list[str]]:
    """The train split's questions that stand alone (no history, no injected orders), embedded
    with the decider's model, and each one's group key."""
    examples = [i for i in items if i.split == "train" and i.label in EXAMPLE_LABELS]
    vectors = np.asarray(services.embeddings.embed_documents([i.text for i in examples]))
    refuse = np.array([i.label in REFUSE_LABELS for i in examples])
    return ExampleMemory.of(vectors, refuse), [i.split_key for i in examples]


def decision_rows(
    services: Services,
    out_root: Path,
    items: Sequence[BankItem],
    examples: ExampleMemory | None = None,
    example_keys: Sequence[str] = (),
) -> list[DecisionRow]:
    """Every bank question that reaches the scope decision, screened by the learned injection
    detector (the one the learned decider runs behind) and retrieved by the real search; with
    ``examples``, placed among them (never among its own group's, by ``example_keys``)."""
    rules = ThresholdScopeDecider(
        services.settings, services.composer, services.prompts.composed.refusal
    )
    sentences = [r.text for r in sentence_rows(items)]
    prepared = PreparedEmbeddings(services.embeddings, sentences)
    detector = LearnedInjectionDetector.load(prepared, services.settings.embedding_model, out_root)
    steps = Services.with_components(
        services.settings,
        corpus=services.corpus,
        search=services.search,
        injection_detector=detector,
        scope_decider=rules,
    ).answer_steps
    reached = [(i, x) for i in items if (x := decision_inputs(steps, services.settings, i))]
    questions = [inputs.scope.question for _, inputs in reached]
    vectors = np.asarray(services.embeddings.embed_documents(questions)) if examples else None
    keys = np.array(example_keys)
    rows = []
    for number, (item, inputs) in enumerate(reached):
        place = NOWHERE
        if examples is not None and vectors is not None:
            exclude = keys == item.split_key if len(keys) else None
            place = examples.place(vectors[number], exclude)
        features = scope_features(inputs.scope, inputs.hits, services.composer, place)
        refused = rules.refusal(inputs.scope, inputs.hits) is not None
        named = named_refusal(features, inputs.scope)
        rows.append(DecisionRow(item, features, refused, named))
    return rows


def _refusal_figures(rows: Sequence[DecisionRow], refused: np.ndarray) -> dict[str, int]:
    answerable = [not r.refuse for r in rows]
    return {
        "answerable": sum(answerable),
        "answerable_refused": int((refused & np.array(answerable, dtype=bool)).sum()),
        "must_refuse": len(rows) - sum(answerable),
        "must_refuse_refused": int((refused & ~np.array(answerable, dtype=bool)).sum()),
    }


def train_scope_classifier(
    services: Services, out_root: Path = LEARNED_DIR, items: Sequence[BankItem] | None = None
) -> ArtefactInfo:
    """Fit the calibrated decider, choose its operating point on dev, report on test, save
    ``scope_classifier``. Needs the injection classifier of the same ``out_root``."""
    bank = list(items) if items is not None else training_bank()
    examples, example_keys = example_memory(services, bank)
    rows = decision_rows(services, out_root, bank, examples, example_keys)
    features = np.vstack([feature_row(r.features) for r in rows])
    labels = np.array([r.refuse for r in rows])
    split = np.array([r.item.split for r in rows])
    train = split == "train"
    groups = [r.item.split_key for r, t in zip(rows, train, strict=True) if t]
    c = choose_c(features[train], labels[train], groups, SEED)
    model = fit_logistic(features[train], labels[train], SCOPE_FEATURE_NAMES, SEED, c, groups)
    scores = model.probability(features)
    # A product choice or a question about others is refused by its rule at any threshold; a
    # question naming a clause is answered by its rule.
    named = np.array([r.named_rule for r in rows])
    answered = np.array([names_a_clause(r.features) for r in rows])
    effective = np.where(named, 1.0, np.where(answered, 0.0, scores))
    dev = split == "dev"
    point = operating_point(effective[dev], labels[dev], MAX_FALSE_REFUSALS)
    model = replace(model, threshold=point.threshold)
    metrics: dict[str, object] = {
        "dev_operating_point": point.__dict__ | {"recall": point.recall},
        "dev_calibration": {
            "brier": float(brier_score_loss(labels[dev], scores[dev])),
            "log_loss": float(log_loss(labels[dev], scores[dev], labels=[False, True])),
        },
    }
    for name in ("dev", "test"):
        part = [r for r, s in zip(rows, split, strict=True) if s == name]
        mask = split == name
        rules = np.array([r.rules_refused for r in part], dtype=bool)
        metrics[name] = {
            "learned": _refusal_figures(part, effective[mask] >= model.threshold),
            "rules": _refusal_figures(part, rules),
        }
    params = {
        # Its similarity features depend on how retrieval embeds a question: retrain after
        # changing that (the query adapter, the model).
        "query_embeddings": type(services.search.embeddings).__name__,
        "C": c,
        "calibration": "Platt (sigmoid) on grouped 5-fold out-of-fold scores, folded in",
        "rule": SCOPE_RULE,
        "train_items": int(train.sum()),
        "screened_out_items": len(bank) - len(rows),
    }
    embedding_model = services.settings.embedding_model
    arrays = examples.arrays()
    return save_classifier(
        SCOPE_ARTEFACT, bank, model, embedding_model, params, metrics, out_root, arrays
    )
