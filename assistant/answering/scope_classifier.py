"""A scope decision learned from labelled questions instead of hand-set thresholds.

The threshold decider (``assistant.answering.decision``) refuses when the best clause's similarity
falls under a fixed bar, raised by fixed amounts for unknown names: every such number was set by
hand on a few dozen questions, and each one moves every answer. This decider weighs the same
signals (similarities and their margin, keyword evidence, names the text never uses, claims,
figures, clause references, the kind of clause found), each a named feature, with a calibrated
logistic regression trained on the question bank; it refuses when the probability that the text
does not answer reaches the operating point chosen on the bank's dev split (at most 2% of
answerable questions refused). A choice among products stays a named rule: the text is
technology-neutral, so it never answers one, however close a clause looks.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from langchain_core.embeddings import Embeddings

from assistant.answering.composer import Composer
from assistant.answering.decision import ThresholdScopeDecider, about_others
from assistant.answering.linear import LogisticModel, load_for_model
from assistant.answering.phrases import RefusalPhrases, fill
from assistant.answering.scope import ScopeCheck
from assistant.answering.scope_examples import (
    EXAMPLE_ARRAYS,
    NOWHERE,
    VECTOR_FEATURES,
    ExampleMemory,
    QuestionPlace,
)
from assistant.artefacts import LEARNED_DIR
from assistant.corpus.records import ClauseKind, ScoredClause

ARTEFACT_NAME = "scope_classifier"
TOP_HITS = 3
# The embedding model is English: a French, Spanish or German question matches every clause
# weakly and its words look like unknown names, so low similarity means less there.
NON_ENGLISH_RE = re.compile(
    r"[¿¡]|\b(?:le|la|les|des|est|que|quel|quelle|quels|pour|dans|une|el|los|las|qué|cómo|"
    r"para|una|del|según|der|die|das|und|wie|wer|welche|für|ein|eine|soll|sollen|nach)\b",
    re.IGNORECASE,
)
# False premises talk about the text ("The Recommendation sets a target of ..."): they look out
# of scope, yet the text can correct them; most unrelated questions never name it.
MENTIONS_TEXT_RE = re.compile(
    r"\b(?:recommendation|the text|oecd|council|paragraph|section|clause|preamble|sub-?item|"
    r"recommandation|recomendación|empfehlung|ocde)\b",
    re.IGNORECASE,
)
KIND_FEATURES = tuple(f"top_kind_{kind.value}" for kind in ClauseKind)
SCOPE_FEATURE_NAMES: tuple[str, ...] = (
    "best_dense",  # best cosine similarity among the top content clauses
    "dense_margin",  # best minus second-best similarity: one clear match, or many vague ones
    "mean_dense_top3",
    "best_lexical_log",  # log(1 + best BM25 score): shared distinctive words
    "unknown_names",  # how many names / topic words the text never uses
    "names_are_subject",
    "checks_a_claim",
    "claims_premise",
    "asks_for_product",
    "figure_question",
    "figure_unanswered",  # asks for a figure that no clause chosen to cite states
    "reference_match",  # the question names a clause ("paragraph 9")
    "question_words_log",
    "non_english",
    "mentions_the_text",
    "nearest_answerable_example",  # cosine to the nearest labelled question the text answers
    "nearest_refused_example",  # ... and to the nearest one it does not
    *KIND_FEATURES,  # the kind of the best-ranked clause (one-hot)
    *VECTOR_FEATURES,  # the question's unit vector
)


def scope_features(
    scope: ScopeCheck,
    hits: Sequence[ScoredClause],
    composer: Composer,
    place: QuestionPlace = NOWHERE,
) -> dict[str, float]:
    """The named signals of one decision, as ``{name: value}`` in ``SCOPE_FEATURE_NAMES``
    order."""
    content = [h for h in hits if h.clause.kind != ClauseKind.CONTAINER][:TOP_HITS]
    dense = sorted((h.dense or 0.0 for h in content), reverse=True) or [0.0]
    second = dense[1] if len(dense) > 1 else 0.0
    lexical = max((h.lexical or 0.0 for h in content), default=0.0)
    figure_unanswered = False
    if scope.figure:
        chosen = composer.select(scope.question, hits)
        figure_unanswered = not any(scope.figure.answered_by(c.text) for c in chosen)
    top_kind = hits[0].clause.kind.value if hits else ""
    values: dict[str, float] = {
        "best_dense": dense[0],
        "dense_margin": dense[0] - second,
        "mean_dense_top3": float(np.mean(dense)),
        "best_lexical_log": math.log1p(lexical),
        "unknown_names": float(len(scope.unknown_names)),
        "names_are_subject": float(scope.names_are_subject),
        "checks_a_claim": float(scope.checks_a_claim),
        "claims_premise": float(scope.claims_premise),
        "asks_for_product": float(scope.asks_for_product),
        "figure_question": float(scope.figure is not None),
        "figure_unanswered": float(figure_unanswered),
        "reference_match": float(any("reference" in h.matched_by for h in hits)),
        "question_words_log": math.log1p(len(scope.question.split())),
        "non_english": float(bool(NON_ENGLISH_RE.search(scope.question))),
        "mentions_the_text": float(bool(MENTIONS_TEXT_RE.search(scope.question))),
    }
    values |= place.features()
    values |= {name: float(name == f"top_kind_{top_kind}") for name in KIND_FEATURES}
    return {name: values[name] for name in SCOPE_FEATURE_NAMES}


def feature_row(features: dict[str, float]) -> np.ndarray:
    """The features as the model's input row, by name."""
    return np.array([features[name] for name in SCOPE_FEATURE_NAMES], dtype=np.float64)


class LearnedScopeDecider:
    """Refuses when the calibrated probability that the text does not answer reaches the chosen
    operating point; otherwise the product-choice rule; otherwise the pipeline answers."""

    def __init__(
        self,
        model: LogisticModel,
        composer: Composer,
        phrases: RefusalPhrases,
        examples: ExampleMemory | None = None,
        embeddings: Embeddings | None = None,
        claims: ThresholdScopeDecider | None = None,
    ) -> None:
        self.model = model
        self.claims = claims  # the plain bars a premise or figure question is refused by
        self.composer = composer
        self.phrases = phrases
        self.examples = examples
        self.embeddings = embeddings  # what the examples were embedded with

    def _place(self, scope: ScopeCheck) -> QuestionPlace:
        """The question among the labelled examples (the search has embedded the same text
        already, so the embedder's cache answers)."""
        if self.examples is None or self.embeddings is None:
            return NOWHERE
        return self.examples.place(np.asarray(self.embeddings.embed_query(scope.question)))

    def features(self, scope: ScopeCheck, hits: Sequence[ScoredClause]) -> dict[str, float]:
        return scope_features(scope, hits, self.composer, self._place(scope))

    @classmethod
    def load(
        cls,
        composer: Composer,
        phrases: RefusalPhrases,
        embedding_model: str,
        root: Path = LEARNED_DIR,
        embeddings: Embeddings | None = None,
        claims: ThresholdScopeDecider | None = None,
    ) -> LearnedScopeDecider:
        """The committed decider, for the embedding model whose similarities it was trained
        on; ``embeddings`` (that model) places a question among its labelled examples."""
        info, arrays = load_for_model(ARTEFACT_NAME, embedding_model, root)
        model = LogisticModel.from_artefact(info, arrays, SCOPE_FEATURE_NAMES)
        examples = ExampleMemory.from_arrays(arrays) if arrays.keys() >= EXAMPLE_ARRAYS else None
        return cls(model, composer, phrases, examples, embeddings, claims)

    def probability(self, scope: ScopeCheck, hits: Sequence[ScoredClause]) -> float:
        """P(the text does not answer the question)."""
        row = feature_row(self.features(scope, hits))
        return float(self.model.probability(row)[0])

    def refusal(self, scope: ScopeCheck, hits: Sequence[ScoredClause]) -> str | None:
        features = self.features(scope, hits)
        if names_a_clause(features):
            return None
        if self.model.decide(feature_row(features))[0]:
            if self.claims is not None and corrected_not_refused(features, scope):
                return self.phrases.not_covered if self.claims.nothing_near(hits) else None
            return self._reason(scope, features)
        if named_refusal(features, scope):
            if no_products(features):
                return self.phrases.no_products
            return self._reason(scope, features)
        return None

    def _reason(self, scope: ScopeCheck, features: dict[str, float]) -> str:
        """The sentence the user reads: the most specific signal present."""
        if scope.names_are_subject and scope.unknown_names:
            return fill(self.phrases.unknown_names, names=", ".join(scope.unknown_names[:3]))
        if features["figure_unanswered"]:
            return self.phrases.no_figure
        return self.phrases.not_covered


def corrected_not_refused(features: dict[str, float], scope: ScopeCheck) -> bool:
    """The named rule for false premises and missing figures (issue: answered, not refused): a
    question asserting something about the text ("Is it true that the Recommendation requires
    ...?"), or asking for a figure about no outside thing it names ("What percentage of the IT
    budget ...?"), is corrected from the nearest clause with a notice. The model alone does not
    refuse it; it is refused only when no clause passes the plain similarity or keyword bar.
    A premise about a thing the text never names ("... requires blockchain", "its chapter on
    police use of facial recognition") has nothing to be corrected from: the model decides."""
    outside = about_unknown_names(features)
    claim = bool(features["checks_a_claim"] or features["claims_premise"])
    claim = claim and bool(features["mentions_the_text"])
    claim = claim and (scope.premise_on_covered or not outside)
    figure = bool(features["figure_question"]) and not outside
    return claim or figure


def no_products(features: dict[str, float]) -> bool:
    """The named rule kept from the threshold decider: a choice among products or vendors is
    refused unless the question names a clause, because the text never makes one."""
    return bool(features["asks_for_product"]) and not features["reference_match"]


def named_refusal(features: dict[str, float], scope: ScopeCheck) -> bool:
    """The named rules that refuse whatever the model says, because the text never answers such
    a question however close a clause looks: a choice among products, and a question about
    several things the text never names. Neither applies when the question names a clause."""
    return no_products(features) or (about_others(scope) and not features["reference_match"])


def names_a_clause(features: dict[str, float]) -> bool:
    """The named rule kept from the threshold decider: a question that names clauses of the
    text ("How do the lead-ins of Sections II, III and IV differ?") is about the text, however
    far its wording is from them, unless it is about things the text never names ("point 5 of
    the UK Service Standard")."""
    return bool(features["reference_match"]) and not about_unknown_names(features)


def about_unknown_names(features: dict[str, float]) -> bool:
    """The question's subject is a name the text never uses ("GDPR", "blockchain")."""
    return bool(features["names_are_subject"]) and bool(features["unknown_names"])
