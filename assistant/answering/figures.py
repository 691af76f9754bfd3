"""Questions that ask for a figure, and whether a clause states that figure.

The Recommendation sets almost no numbers: it adopts on a date, reports within three years, and
mentions a Task Force of 13 countries. A question asking for a percentage, an amount, a count, a
period, a date or a deadline can only be answered by a clause that states a figure of that kind,
about the thing asked ("by what year must services be online?" is not answered by the adoption
date, nor by "since 2000").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from assistant.corpus.sentences import clause_sentences
from assistant.retrieval.lexical import tokenize


class FigureKind(StrEnum):
    PERCENT = "percent"
    MONEY = "money"
    COUNT = "count"
    PERIOD = "period"
    DATE = "date"
    DEADLINE = "deadline"
    ANY = "any"


MONEY_WORDS = (
    r"money|budget|funding|funds|cost|costs|spend|spending|invest|investment|euros?|dollars?|"
    r"pay|price|fee|fine"
)
# Question patterns, most specific first: the first match decides the kind.
QUESTION_PATTERNS: list[tuple[FigureKind, re.Pattern[str]]] = [
    (
        FigureKind.PERCENT,
        re.compile(r"\bwhat (?:percentage|percent|share|rate)\b|\bper ?cent\b|\bpercent\b", re.I),
    ),
    (
        FigureKind.MONEY,
        re.compile(
            rf"\bin (?:euros|dollars)\b|\b(?:what|which) (?:amount|budget threshold|fine)\b|"
            rf"\bhow much\b(?=.{{0,40}}\b(?:{MONEY_WORDS})\b)|\bhow much (?:does|do|will|would) "
            rf"(?:it|they|this) cost\b",
            re.I,
        ),
    ),
    (
        FigureKind.DEADLINE,
        re.compile(r"\bby when\b|\bby what (?:date|year|time)\b|\bdeadline\b", re.I),
    ),
    (FigureKind.DATE, re.compile(r"\b(?:what|which) (?:year|date|month)\b", re.I)),
    (
        FigureKind.PERIOD,
        re.compile(
            r"\bhow (?:long|often|soon)\b|\bhow many (?:days|weeks|months|years|hours)\b|"
            r"\bwithin (?:what|how many)\b",
            re.I,
        ),
    ),
    (FigureKind.COUNT, re.compile(r"\bhow many\b|\bwhat number\b", re.I)),
    (
        FigureKind.ANY,
        re.compile(
            r"\b(?:maximum|minimum)\b|\b(?:above|below|beyond) what\b|"
            r"\bwhat (?:[\w-]+ )?(?:value|threshold|limit|cap|ceiling)\b",
            re.I,
        ),
    ),
]
NUMBER = (
    r"\d+(?:[.,]\d+)?|one|two|three|four|five|six|seven|eight|nine|ten|twelve|thirteen|fifteen|"
    r"twenty|hundred"
)
# A quantity with its unit ("three years", "13 OECD Member countries", "5 %"); council
# references ("C(80)58") are not figures.
FIGURE_RE = re.compile(
    rf"\b(?:{NUMBER})\s*(?P<unit>%|per ?cent|percent|(?:[A-Z]+\s+)?(?:[A-Z][a-z]+\s+)?"
    r"(?:years?|months?|weeks?|days?|hours?|euros?|dollars?|million|billion|countries|members?|"
    r"member countries|projects?|agencies|staff|people))\b",
    re.IGNORECASE,
)
MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
DATE_RE = re.compile(rf"\b(?:\d{{1,2}}\s+(?:{MONTHS})\s+)?(?:19|20)\d\d\b")
# A deadline is a period ("within three years") or a date something must happen by.
DEADLINE_DATE_RE = re.compile(
    rf"\b(?:by|before|until|no later than)\s+(?:\d{{1,2}}\s+)?(?:(?:{MONTHS})\s+)?(?:19|20)\d\d\b"
)
UNIT_KINDS = {
    FigureKind.PERCENT: re.compile(r"%|cent", re.I),
    FigureKind.MONEY: re.compile(r"euro|dollar|million|billion", re.I),
    FigureKind.PERIOD: re.compile(r"year|month|week|day|hour", re.I),
}
# Words every question about the text shares with every clause: no evidence of the same topic.
GENERIC_WORDS = frozenset(
    tokenize(
        "recommendation oecd council government governments public text document digital require "
        "requires say says set sets many much number figure year date long"
    )
)
HOW_MANY_RE = re.compile(r"\bhow many (?P<noun>[a-z-]+)", re.I)


@dataclass(frozen=True)
class FigureQuestion:
    """A question that asks for a figure of some kind."""

    kind: FigureKind
    question: str

    def answered_by(self, clause_text: str) -> bool:
        """Does a sentence of the clause state a figure of the asked kind about what the
        question asks (a topic word in that same sentence)?"""
        text = re.sub(r"\[[^\]]*\]", "", clause_text)
        topic = set(tokenize(self.question)) - GENERIC_WORDS
        return any(
            self._states_kind(sentence) and (not topic or bool(topic & set(tokenize(sentence))))
            for sentence in clause_sentences(text, only_before_capital=False)
        )

    def _states_kind(self, text: str) -> bool:
        units = [m.group("unit") for m in FIGURE_RE.finditer(text)]
        period = UNIT_KINDS[FigureKind.PERIOD]
        if self.kind == FigureKind.DEADLINE:
            return bool(DEADLINE_DATE_RE.search(text)) or any(period.search(u) for u in units)
        if self.kind == FigureKind.DATE:
            return bool(DATE_RE.search(text)) or any(period.search(u) for u in units)
        if self.kind in UNIT_KINDS:
            return any(UNIT_KINDS[self.kind].search(u) for u in units)
        if self.kind == FigureKind.COUNT and (noun := HOW_MANY_RE.search(self.question)):
            wanted = set(tokenize(noun.group("noun")))
            return any(wanted & set(tokenize(u)) for u in units) if wanted else bool(units)
        return bool(units)


def figure_question(question: str) -> FigureQuestion | None:
    """The figure the question asks for, or None when it asks for none."""
    for kind, pattern in QUESTION_PATTERNS:
        if pattern.search(question):
            return FigureQuestion(kind, question)
    return None
