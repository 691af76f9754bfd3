"""Training the instrument router (``assistant train instrument_router``).

Rows: every instrument's paraphrase questions (``corpus/*.paraphrases.jsonl``, written per
clause for the purpose) labelled with their instrument, and the train questions of both banks
(``evals/bank/questions.jsonl`` and ``ai-questions.jsonl``) that clauses answer, labelled with the
instrument of their gold clause. The banks' dev splits measure it; the gold and held-out sets
never train it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from sklearn.linear_model import LogisticRegression

from assistant.answering.instrument_router import ARTEFACT, InstrumentRouter
from assistant.artefacts import ArtefactInfo, data_hash, save_artefact
from assistant.evaluation.bank import training_bank
from assistant.learning.classifier_data import SEED, library_versions

if TYPE_CHECKING:
    from assistant.services import Services

C = 4.0


def router_rows(services: Services, split: str) -> tuple[list[str], list[str]]:
    """(question, instrument id) pairs: paraphrases (train only) and bank items of ``split``."""
    corpus = services.corpus
    texts: list[str] = []
    labels: list[str] = []
    if split == "train":
        for clause in corpus.clauses:
            for question in corpus.paraphrases(clause):
                texts.append(question)
                labels.append(clause.instrument_id)
    for item in training_bank():
        if item.split != split or not item.gold or item.history:
            continue
        answering = corpus.get(item.gold[0])
        if answering is not None:
            texts.append(item.text)
            labels.append(answering.instrument_id)
    return texts, labels


def train_instrument_router(services: Services) -> ArtefactInfo:
    instrument_ids = tuple(i.instrument.id for i in services.corpus.instruments)
    texts, labels = router_rows(services, "train")
    vectors = np.asarray(services.router_vectors.embed_documents(texts))
    fitted = LogisticRegression(C=C, class_weight="balanced", max_iter=3000, random_state=SEED)
    fitted.fit(vectors, labels)
    router = _router(fitted, instrument_ids)
    dev_texts, dev_labels = router_rows(services, "dev")
    dev_vectors = services.router_vectors.embed_documents(dev_texts)
    right = [
        max((p := router.probabilities(v)), key=p.__getitem__) == label
        for v, label in zip(dev_vectors, dev_labels, strict=True)
    ]
    info = ArtefactInfo(
        name=ARTEFACT,
        data_hash=data_hash(f"{label}\t{text}" for text, label in zip(texts, labels, strict=True)),
        seed=SEED,
        versions=library_versions(),
        params={
            "instrument_ids": list(instrument_ids),
            "embedding_model": services.settings.embedding_model,
            "C": C,
            "rows": len(texts),
        },
        metrics={"dev_accuracy": round(float(np.mean(right)), 4) if right else None},
    )
    save_artefact(info, router.arrays())
    return info


def _router(fitted: LogisticRegression, instrument_ids: tuple[str, ...]) -> InstrumentRouter:
    """One row of weights per instrument, in corpus order; a two-class fit has one row, which
    is split evenly into two so that the softmax equals its sigmoid."""
    classes = list(fitted.classes_)
    coef, intercept = fitted.coef_, fitted.intercept_
    if len(classes) == 2:
        coef = np.vstack([-coef[0] / 2, coef[0] / 2])
        intercept = np.array([-intercept[0] / 2, intercept[0] / 2])
    rows = np.zeros((len(instrument_ids), coef.shape[1]))
    bias = np.full(len(instrument_ids), -50.0)  # an instrument with no rows is never chosen
    for position, instrument in enumerate(instrument_ids):
        if instrument in classes:
            rows[position] = coef[classes.index(instrument)]
            bias[position] = intercept[classes.index(instrument)]
    return InstrumentRouter(instrument_ids, rows, bias)
