"""Training of the sentence-level injection classifier (``assistant.answering.injection``)
from the question bank; the scope decider's training is in ``scope_training``.

It is fit on the bank's **train** split only; the regularisation is chosen by grouped 5-fold
cross-validation on train (log loss), the operating point on **dev** by a written rule, and the
**test** split is only reported, next to the hand-written rules' figures on the same questions.
Seeds are fixed and the bank's hash is recorded, so a rerun on the same bank gives the same
artefact. ``python -m assistant.learning.classifier_training`` retrains both classifiers.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np
from langchain_core.embeddings import Embeddings

from assistant.answering.injection import ARTEFACT_NAME as INJECTION_ARTEFACT
from assistant.answering.injection import (
    LEXICAL_FEATURE_NAMES,
    RuleInjectionDetector,
    feature_names,
    sentence_features,
)
from assistant.artefacts import LEARNED_DIR, ArtefactInfo
from assistant.evaluation.bank import BankItem, training_bank
from assistant.learning.classifier_data import (
    SEED,
    PreparedEmbeddings,
    SentenceRow,
    choose_c,
    fit_logistic,
    operating_point,
    save_classifier,
    sentence_rows,
)
from assistant.learning.scope_training import train_scope_classifier
from assistant.services import Services
from assistant.settings import Settings

MAX_FALSE_REFUSALS = 0.02
INJECTION_RULE = (
    "Cut a sentence when P(injected) >= threshold. Threshold on dev: no legitimate sentence of an "
    "in_scope, false_premise, followup, injection_wrapped or out_of_scope question cut (0 false "
    "positives), "
    "then the highest recall; placed halfway between the highest legitimate score and the next "
    "score above it."
)


# -- the injection classifier --------------------------------------------------------------------


def _sentence_matrix(rows: Sequence[SentenceRow], embeddings: Embeddings) -> np.ndarray:
    """The run-time features of every sentence, computed per question as at run time."""
    by_question: dict[tuple[str, ...], np.ndarray] = {}
    for row in rows:
        if row.sentences not in by_question:
            by_question[row.sentences] = sentence_features(row.sentences, embeddings)
    return np.vstack([by_question[r.sentences][r.index] for r in rows])


def _cut_figures(rows: Sequence[SentenceRow], cut: np.ndarray) -> dict[str, int]:
    """What a detector's cuts do on one split, per sentence and per question."""
    cut_items = {r.item.id for r, flag in zip(rows, cut, strict=True) if flag}
    lost = {r.item.id for r, flag in zip(rows, cut, strict=True) if flag and r.protected}
    worded = {r.item.id for r in rows if r.item.style == "injection_words"}
    only = {r.item.id for r in rows if r.item.label == "injection_only"}
    kept = {r.item.id for r, flag in zip(rows, cut, strict=True) if not flag}
    return {
        "injected_sentences": sum(r.injected is True for r in rows),
        "injected_cut": sum(bool(f) and r.injected is True for r, f in zip(rows, cut, strict=True)),
        "legitimate_sentences": sum(r.protected for r in rows),
        "legitimate_cut": sum(bool(f) and r.protected for r, f in zip(rows, cut, strict=True)),
        "mixed_sentences": sum(r.injected is None for r in rows),
        "questions_losing_a_legitimate_sentence": len(lost),
        "injection_words_questions": len(worded),
        "injection_words_questions_cut": len(worded & cut_items),
        "injection_only_questions": len(only),
        "injection_only_fully_cut": len(only - kept),
    }


def train_injection_classifier(
    services: Services, out_root: Path = LEARNED_DIR, items: Sequence[BankItem] | None = None
) -> ArtefactInfo:
    """Fit, choose the threshold on dev, report on test, save ``injection_classifier``."""
    bank = list(items) if items is not None else training_bank()
    rows = sentence_rows(bank)
    prepared = PreparedEmbeddings(services.embeddings, [r.text for r in rows])
    features = _sentence_matrix(rows, prepared)
    labels = np.array([r.injected is True for r in rows])
    split = np.array([r.item.split for r in rows])
    train = (split == "train") & np.array([r.injected is not None for r in rows])
    groups = [r.item.split_key for r, t in zip(rows, train, strict=True) if t]
    c = choose_c(features[train], labels[train], groups, SEED)
    dim = features.shape[1] - len(LEXICAL_FEATURE_NAMES)
    model = fit_logistic(features[train], labels[train], feature_names(dim), SEED, c)
    scores = model.probability(features)
    chosen = (split == "dev") & np.array([r.injected is True or r.protected for r in rows])
    point = operating_point(scores[chosen], labels[chosen], max_false_share=0.0)
    model = replace(model, threshold=point.threshold)
    rules = _rule_cuts(rows)
    metrics: dict[str, object] = {"dev_operating_point": point.__dict__ | {"recall": point.recall}}
    for name in ("dev", "test"):
        part = [r for r, s in zip(rows, split, strict=True) if s == name]
        mask = split == name
        metrics[name] = {
            "learned": _cut_figures(part, scores[mask] >= model.threshold),
            "rules": _cut_figures(part, rules[mask]),
        }
    params = {
        "embedding_dim": dim,
        "C": c,
        "rule": INJECTION_RULE,
        "train_sentences": int(train.sum()),
    }
    embedding_model = services.settings.embedding_model
    return save_classifier(
        INJECTION_ARTEFACT, bank, model, embedding_model, params, metrics, out_root
    )


def _rule_cuts(rows: Sequence[SentenceRow]) -> np.ndarray:
    rules = RuleInjectionDetector()
    return np.array([rules.injected(r.sentences)[r.index] for r in rows])


def main(argv: Sequence[str]) -> int:
    """Retrain both classifiers on the project's bank with the configured settings."""
    del argv
    services = Services(Settings())
    services.index.ensure()
    for train in (train_injection_classifier, train_scope_classifier):
        info = train(services)
        print(f"{info.name}: bank {info.short_hash}, threshold {info.params['threshold']:.4f}")
        for split in ("dev", "test"):
            print(f"  {split}: {info.metrics[split]}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
