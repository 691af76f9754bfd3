"""The answer pipeline's steps: what each component must offer, and the set of them that the
answer service runs (:class:`AnswerSteps`). Kept apart from the service so that training code
and tests can assemble steps without the service's streaming machinery."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from assistant.answering.assembly import AnswerAssembler
from assistant.answering.decision import FigureCheck, ScopeDecider
from assistant.answering.followup import FollowUpResolver
from assistant.answering.generators import TextGenerator
from assistant.answering.guard import GroundingGuard
from assistant.answering.instrument_scope import InstrumentScope
from assistant.answering.phrases import ComposedPhrases
from assistant.answering.scope import ScopeCheck
from assistant.corpus.records import ScoredClause


class QuestionScreen(Protocol):
    """Cuts injected orders from a question and notes what in it may lie outside the corpus."""

    def check(self, question: str, rewrite: Callable[[str], str] = str) -> ScopeCheck: ...


class Retrieval(Protocol):
    """Ranked clauses for a question, and the live index's name (the answer cache's key)."""

    def search(
        self,
        question: str,
        top_k: int | None = None,
        instruments: Collection[str] | None = None,
    ) -> list[ScoredClause]: ...

    def active_collection(self) -> str: ...

    def rewrite(self, question: str) -> str: ...

    def language(self, question: str) -> str: ...


class HitsStep(Protocol):
    """An optional step between retrieval and the scope decision (a reranker, a filter)."""

    def __call__(self, question: str, hits: list[ScoredClause]) -> list[ScoredClause]: ...


@dataclass(frozen=True)
class AnswerSteps:
    """The pipeline's components. Swapping one (a learned scope decider, a reranker) leaves the
    others untouched."""

    screen: QuestionScreen
    followups: FollowUpResolver
    retrieval: Retrieval
    decider: ScopeDecider
    figures: FigureCheck
    composed: TextGenerator
    guard: GroundingGuard
    assembler: AnswerAssembler
    phrases: ComposedPhrases
    instruments: InstrumentScope
    llm: TextGenerator | None = None
    rerankers: Sequence[HitsStep] = field(default_factory=tuple)
