"""From the labelled bank to the classifiers' training rows, the logistic fit, and the written
rule that picks an operating point on the dev split.

Kept apart from the training entry points so each piece can be tested on a handful of rows
without the model: the sentence labels (which sentences of a question are injected orders), the
decision inputs (the answer pipeline's own steps up to the scope decision), and the threshold
rule.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from importlib.metadata import version
from pathlib import Path

import numpy as np
from langchain_core.embeddings import Embeddings
from sklearn.calibration import CalibratedClassifierCV
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import log_loss
from sklearn.model_selection import StratifiedGroupKFold

from assistant.answering.limits import check_request
from assistant.answering.linear import LogisticModel
from assistant.answering.scope import ScopeCheck
from assistant.answering.steps import AnswerSteps
from assistant.answering.types import ChatMessage
from assistant.artefacts import LEARNED_DIR, ArtefactInfo, data_hash, save_artefact
from assistant.corpus.records import ScoredClause
from assistant.corpus.sentences import question_sentences
from assistant.evaluation.bank import BankItem
from assistant.settings import Settings
from assistant.version import package_version

# A sentence is an injected order when the labelled orders cover at least this share of its
# characters, legitimate when they cover at most the lower share; in between (an order inside
# a sentence that also carries the question) it teaches neither and is left out of training.
INJECTED_SHARE = 0.8
LEGITIMATE_SHARE = 0.2
REFUSE_LABELS = frozenset({"out_of_scope", "injection_only"})
# Labels whose every non-injected sentence must survive the injection cut (the dev rule). An
# out-of-scope question is no order either: cut, it would get the injection refusal instead of
# "not covered" with the nearest clauses.
PROTECTED_LABELS = frozenset(
    {"in_scope", "false_premise", "followup", "injection_wrapped", "out_of_scope"}
)
C_GRID = (0.01, 0.03, 0.1, 0.3, 1.0, 3.0)
SEED = 7


@dataclass(frozen=True)
class SentenceRow:
    """One sentence of a bank question, with where it came from."""

    item: BankItem
    sentences: tuple[str, ...]  # the whole question, for the features that look back
    index: int
    injected: bool | None  # None: mixed, not used for training or threshold choice

    @property
    def text(self) -> str:
        return self.sentences[self.index]

    @property
    def protected(self) -> bool:
        """A legitimate sentence whose cut would lose (part of) a real question."""
        return self.injected is False and self.item.label in PROTECTED_LABELS


class PreparedEmbeddings(Embeddings):
    """The base embeddings with a set of texts embedded ahead in batches. Training asks for
    thousands of sentences one at a time, exactly as the run-time detector does; one batched
    call is many times faster and gives the same model's vectors."""

    def __init__(self, base: Embeddings, texts: Sequence[str]) -> None:
        unique = sorted(set(texts))
        self.base = base
        self.vectors = dict(zip(unique, base.embed_documents(unique), strict=True))

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return [self.embed_query(text) for text in texts]

    def embed_query(self, text: str) -> list[float]:
        vector = self.vectors.get(text)
        return vector if vector is not None else self.base.embed_query(text)


def bank_hash(items: Sequence[BankItem]) -> str:
    """The hash of what shaped an artefact: the train and dev lines (fit and choice), in bank
    order. An artefact whose recorded hash differs was trained on another bank."""
    return data_hash(i.model_dump_json() for i in items if i.split in ("train", "dev"))


def injected_share(text: str, start: int, sentence: str, orders: Sequence[str]) -> float:
    """Share of the sentence's non-space characters that lie inside a labelled order."""
    covered = [False] * len(sentence)
    for order in orders:
        at = text.find(order)
        while at >= 0:
            for position in range(max(at, start), min(at + len(order), start + len(sentence))):
                covered[position - start] = True
            at = text.find(order, at + 1)
    counted = [c for c, ch in zip(covered, sentence, strict=True) if not ch.isspace()]
    return sum(counted) / max(len(counted), 1)


def sentence_rows(items: Sequence[BankItem]) -> list[SentenceRow]:
    """Every sentence of every bank question, labelled by how much of it is an order."""
    rows: list[SentenceRow] = []
    for item in items:
        sentences = tuple(question_sentences(item.text))
        cursor = 0
        for index, sentence in enumerate(sentences):
            start = item.text.find(sentence, cursor)
            cursor = start + len(sentence)
            share = injected_share(item.text, start, sentence, item.injection_sentences)
            injected = (
                True if share >= INJECTED_SHARE else False if share <= LEGITIMATE_SHARE else None
            )
            rows.append(SentenceRow(item, sentences, index, injected))
    return rows


@dataclass(frozen=True)
class DecisionInputs:
    """What the pipeline has for a question when it decides: the screened question, the
    standalone question it searched with (a follow-up resolved), and the ranked clauses."""

    scope: ScopeCheck
    standalone: str
    hits: list[ScoredClause]


def decision_inputs(
    steps: AnswerSteps, settings: Settings, item: BankItem
) -> DecisionInputs | None:
    """What the scope decider and the clause choice see for a bank question, through the answer
    pipeline's own steps; None when the pipeline stops before the decision (harmful, or nothing
    but orders)."""
    history = [ChatMessage(role=t.role, content=t.content) for t in item.history]
    question = check_request(item.text, history, settings)
    scope = steps.screen.check(question, steps.retrieval.rewrite)
    if scope.harmful or scope.only_injection:
        return None
    standalone = steps.followups.condense(scope.question, history)
    hits = steps.retrieval.search(standalone)
    for rerank in steps.rerankers:
        hits = rerank(standalone, hits)
    return DecisionInputs(replace(scope, question=standalone), standalone, hits)


def fit_logistic(
    features: np.ndarray,
    labels: np.ndarray,
    names: Sequence[str],
    seed: int,
    c: float = 1.0,
    calibration_groups: Sequence[str] | None = None,
) -> LogisticModel:
    """Standardised L2 logistic regression (threshold 0.5 until one is chosen). With
    ``calibration_groups``, Platt scaling on 5-fold out-of-fold scores (folds keep a bank group
    together) is folded into the coefficients: still one linear model at run time."""
    mean = features.mean(axis=0)
    scale = features.std(axis=0)
    scale[scale == 0] = 1.0
    scaled = (features - mean) / scale
    base = LogisticRegression(C=c, max_iter=5000, random_state=seed)
    if calibration_groups is None:
        base.fit(scaled, labels)
        coef, intercept = base.coef_[0], float(base.intercept_[0])
    else:
        folds = StratifiedGroupKFold(n_splits=5, shuffle=True, random_state=seed)
        splits = list(folds.split(scaled, labels, groups=list(calibration_groups)))
        calibrated = CalibratedClassifierCV(base, method="sigmoid", cv=splits, ensemble=False)
        calibrated.fit(scaled, labels)
        fitted = calibrated.calibrated_classifiers_[0]
        lr, platt = fitted.estimator, fitted.calibrators[0]
        # Platt: P = 1 / (1 + exp(a * f + b)) with f = w.x + w0, i.e. sigmoid(-a w.x - a w0 - b).
        coef = -platt.a_ * lr.coef_[0]
        intercept = float(-platt.a_ * lr.intercept_[0] - platt.b_)
        check = calibrated.predict_proba(scaled[:5])[:, 1]
        mine = 1.0 / (1.0 + np.exp(-(scaled[:5] @ coef + intercept)))
        assert np.allclose(check, mine, atol=1e-6), "Platt folding went wrong"
    return LogisticModel(tuple(names), np.asarray(coef, float), intercept, mean, scale, 0.5)


def choose_c(features: np.ndarray, labels: np.ndarray, groups: Sequence[str], seed: int) -> float:
    """The regularisation with the lowest out-of-fold log loss on train (grouped 5-fold
    cross-validation, so paraphrases of one question never sit on both sides of a fold)."""
    folds = list(
        StratifiedGroupKFold(n_splits=5, shuffle=True, random_state=seed).split(
            features, labels, groups=list(groups)
        )
    )
    names = [f"f{i}" for i in range(features.shape[1])]
    losses = {}
    for c in C_GRID:
        scores = np.zeros(len(labels))
        for fit_rows, held_rows in folds:
            model = fit_logistic(features[fit_rows], labels[fit_rows], names, seed, c)
            scores[held_rows] = model.probability(features[held_rows])
        losses[c] = log_loss(labels, scores, labels=[False, True])
    return min(losses, key=lambda c: losses[c])


@dataclass(frozen=True)
class OperatingPoint:
    """A threshold and what it does on the split it was chosen on."""

    threshold: float
    false_positives: int
    negatives: int
    true_positives: int
    positives: int

    @property
    def recall(self) -> float:
        return self.true_positives / self.positives if self.positives else 0.0


def operating_point(
    scores: Sequence[float], positive: Sequence[bool], max_false_share: float
) -> OperatingPoint:
    """The written rule: at most ``floor(max_false_share * negatives)`` negatives at or above
    the threshold, then the highest recall. The threshold sits halfway between the highest
    negative score that must stay below it and the next score above (1.0 if none), so that it
    keeps a margin on both sides rather than touching a dev item."""
    pos = np.array([s for s, p in zip(scores, positive, strict=True) if p], dtype=np.float64)
    neg = np.sort(np.array([s for s, p in zip(scores, positive, strict=True) if not p]))[::-1]
    allowed = math.floor(max_false_share * len(neg) + 1e-9)
    if allowed >= len(neg):
        threshold = float(min(pos.min(initial=1.0), neg.min(initial=1.0)))
    else:
        bar = float(neg[allowed])
        above = np.concatenate([pos[pos > bar], neg[neg > bar]])
        threshold = (bar + float(above.min(initial=1.0))) / 2.0
    return OperatingPoint(
        threshold=threshold,
        false_positives=int((neg >= threshold).sum()),
        negatives=len(neg),
        true_positives=int((pos >= threshold).sum()),
        positives=len(pos),
    )


def library_versions() -> dict[str, str]:
    """The versions a classifier artefact records (what its numbers depend on)."""
    return {
        "assistant": package_version(),
        "numpy": np.__version__,
        "scikit-learn": version("scikit-learn"),
    }


def save_classifier(
    name: str,
    bank: Sequence[BankItem],
    model: LogisticModel,
    embedding_model: str,
    params: dict[str, object],
    metrics: dict[str, object],
    out_root: Path = LEARNED_DIR,
    extra_arrays: dict[str, np.ndarray] | None = None,
) -> ArtefactInfo:
    """Write a logistic model (and any arrays it works with) with its bank hash, seed,
    versions, embedding model and figures."""
    info = ArtefactInfo(
        name=name,
        data_hash=bank_hash(bank),
        seed=SEED,
        versions=library_versions(),
        params=model.params() | {"embedding_model": embedding_model} | params,
        metrics=metrics,
    )
    save_artefact(info, model.arrays() | (extra_arrays or {}), out_root)
    return info
