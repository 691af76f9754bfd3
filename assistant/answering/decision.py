"""The scope decision: given what the scope checks found and what retrieval returned, does the
corpus answer this question, and if not, why not (as the sentence the user reads)?"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from assistant.answering.composer import Composer
from assistant.answering.phrases import RefusalPhrases, fill
from assistant.answering.scope import ScopeCheck
from assistant.corpus.records import ClauseKind, ScoredClause
from assistant.settings import Settings

UNKNOWN_SUBJECT_PENALTY = 0.2
UNKNOWN_CONTEXT_PENALTY = 0.03
UNKNOWN_NAMES_LIMIT = 2
TOP_HITS = 3


class ScopeDecider(Protocol):
    """Decides whether the retrieved clauses answer the question."""

    def refusal(self, scope: ScopeCheck, hits: Sequence[ScoredClause]) -> str | None:
        """Why the corpus does not answer the question, or None when it does."""
        ...


class ThresholdScopeDecider:
    """Similarity and keyword thresholds, raised when the question names what the text never
    mentions; product choices and figures the text never gives are refused by name."""

    def __init__(self, settings: Settings, composer: Composer, phrases: RefusalPhrases) -> None:
        self.settings = settings
        self.composer = composer
        self.phrases = phrases

    def refusal(self, scope: ScopeCheck, hits: Sequence[ScoredClause]) -> str | None:
        if any("reference" in h.matched_by for h in hits):
            return None
        if self._too_far(scope, hits):
            if scope.names_are_subject:
                return fill(self.phrases.unknown_names, names=", ".join(scope.unknown_names[:3]))
            return self.phrases.not_covered
        if scope.asks_for_product:
            return self.phrases.no_products
        return None  # a figure the text does not give is answered with a notice, not refused

    def nothing_near(self, hits: Sequence[ScoredClause]) -> bool:
        """No clause passes the plain bars (similarity or keywords), whatever the question
        names: the text has nothing to correct a premise from."""
        content = [h for h in hits if h.clause.kind != ClauseKind.CONTAINER][:TOP_HITS]
        best = max((h.dense or 0.0 for h in content), default=0.0)
        best_lexical = max((h.lexical or 0.0 for h in content), default=0.0)
        return (
            best < self.settings.abstain_threshold
            and best_lexical < self.settings.abstain_lexical_score
        )

    def _too_far(self, scope: ScopeCheck, hits: Sequence[ScoredClause]) -> bool:
        """Whether the best clauses are too far from the question to answer it."""
        content = [h for h in hits if h.clause.kind != ClauseKind.CONTAINER][:TOP_HITS]
        best = max((h.dense or 0.0 for h in content), default=0.0)
        threshold = self.settings.abstain_threshold
        # A premise about what the text requires of a matter it speaks of ("Since the
        # Recommendation requires statistics offices to release all their microdata ...") is
        # corrected from the nearest clause when one passes the plain bar, whatever else it
        # names; one about a thing the text never mentions ("... requires blockchain") is not.
        if scope.unknown_names and not scope.premise_on_covered:
            threshold += (
                UNKNOWN_SUBJECT_PENALTY if scope.names_are_subject else UNKNOWN_CONTEXT_PENALTY
            )
        # Everyday wording can sit below the similarity bar while sharing a clause's distinctive
        # words ("try the permit service with a small group of applicants"): a strong keyword
        # match keeps the question in scope, unless it is about something the text never names.
        best_lexical = max((h.lexical or 0.0 for h in content), default=0.0)
        keyword_match = (
            not scope.names_are_subject and best_lexical >= self.settings.abstain_lexical_score
        )
        return (best < threshold and not keyword_match) or about_others(scope)


def about_others(scope: ScopeCheck) -> bool:
    """Several names the text never uses, as the subject ("Is Microsoft Teams or Zoom better
    ...?"): the question is about them, however close a clause's words come (unless the user
    asks to check a claim, which the text can confirm or correct)."""
    return (
        not scope.premise_on_covered
        and scope.names_are_subject
        and len(scope.unknown_names) >= UNKNOWN_NAMES_LIMIT
        and not scope.checks_a_claim
    )


class FigureCheck:
    """Whether the clauses that would be cited state the figure a question asks for. When they
    do not ("what is the euro threshold?"), the answer says the text sets no such figure and
    gives what it does say on the matter, cited, instead of refusing."""

    def __init__(self, composer: Composer) -> None:
        self.composer = composer

    def unanswered(self, scope: ScopeCheck, hits: Sequence[ScoredClause]) -> bool:
        if scope.figure is None:
            return False
        selected = self.composer.select(scope.question, hits)
        return not any(scope.figure.answered_by(c.text) for c in selected)
