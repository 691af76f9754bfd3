"""The answer pipeline: question (+ history) -> cited, guarded Answer, as a stream or at once.

Steps, each a component built by ``Services`` and handed in (:class:`AnswerSteps`): screen the
question (cut injected orders, find names and figures the text may not cover) -> resolve a
follow-up against the history -> retrieve -> rerank (optional steps) -> decide whether the corpus
covers it (else refuse, with the nearest clauses) -> generate (composed, or an LLM) -> guard each
sentence as soon as it is finished -> assemble the answer object with its receipt.

``ask`` drains ``stream``, so the streamed text and the answer object never drift.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Collection, Generator, Iterator, Sequence
from dataclasses import dataclass, replace

from assistant.answering.generators import NOT_COVERED, TextGenerator
from assistant.answering.guard import GuardResult, GuardSession
from assistant.answering.instrument_scope import InstrumentFocus
from assistant.answering.limits import check_request
from assistant.answering.phrases import fill
from assistant.answering.steps import AnswerSteps
from assistant.answering.types import Answer, AnswerEvent, ChatMessage
from assistant.backends.llm import GeneratorUnavailable
from assistant.corpus.records import ScoredClause
from assistant.corpus.sentences import SentenceBuffer, split_rendered
from assistant.settings import Settings

ANSWER_CACHE_SIZE = 1024
History = tuple[tuple[str, str], ...]
Filter = tuple[str, ...]


@dataclass
class _Draft:
    """What came of one generator's draft once guarded."""

    result: GuardResult
    sent: bool = False  # whether a guarded sentence already reached the client
    not_covered: bool = False
    unavailable: str = ""


class AnswerService:
    """Answers questions about the corpus; every front door calls this."""

    def __init__(self, settings: Settings, steps: AnswerSteps) -> None:
        self.settings = settings
        self.steps = steps
        self._cache: OrderedDict[tuple[str, str, History, Filter], Answer] = OrderedDict()
        self._cache_lock = threading.Lock()

    @property
    def generator(self) -> TextGenerator | None:
        """The LLM generator, or None when answers are composed."""
        return self.steps.llm

    def ask(
        self,
        question: str,
        history: Sequence[ChatMessage] | None = None,
        instruments: Collection[str] | None = None,
    ) -> Answer:
        """The whole answer; the same as collecting :meth:`stream`."""
        final: Answer | None = None
        for event in self.stream(question, history, instruments):
            if event.type == "answer":
                final = event.answer
        assert final is not None
        return final

    def stream(
        self,
        question: str,
        history: Sequence[ChatMessage] | None = None,
        instruments: Collection[str] | None = None,
    ) -> Iterator[AnswerEvent]:
        """Text pieces (one guarded sentence at a time, as soon as it is written), then the
        finished answer. ``instruments`` (instrument ids) limits the answer to those."""
        turns = list(history or [])
        cleaned = check_request(question, turns, self.settings)
        wanted: Filter = tuple(sorted(instruments or ()))
        if self.steps.llm is not None:
            yield from self._pipeline(cleaned, turns, wanted)
            return
        yield from self._cached(cleaned, turns, wanted)

    # -- the composed answer is deterministic: keep the latest ones ----------------------------

    def _cached(
        self, question: str, history: list[ChatMessage], wanted: Filter
    ) -> Iterator[AnswerEvent]:
        """Same index, prompts, settings, question, conversation and instrument filter: same
        composed answer. The live collection is part of the key, so a rebuilt index is never
        answered from the old."""
        live = self.steps.retrieval.active_collection()
        key = (live, question, tuple((m.role, m.content) for m in history), wanted)
        with self._cache_lock:
            cached = self._cache.get(key)
            if cached is not None:
                self._cache.move_to_end(key)
        if cached is not None:
            fresh = {"receipt": self.steps.assembler.receipt(cached.generator)}
            yield from _replay(cached.model_copy(update=fresh, deep=True))
            return
        for event in self._pipeline(question, history, wanted):
            if event.answer is not None:
                with self._cache_lock:
                    self._cache[key] = event.answer.model_copy(deep=True)
                    if len(self._cache) > ANSWER_CACHE_SIZE:
                        self._cache.popitem(last=False)
            yield event

    # -- the pipeline ------------------------------------------------------------------------

    def _pipeline(
        self, question: str, history: list[ChatMessage], wanted: Filter = ()
    ) -> Iterator[AnswerEvent]:
        steps, phrases = self.steps, self.steps.phrases
        if steps.retrieval.language(question) == "other":
            # Better than "not covered": the question may well be covered, in another language.
            reason = phrases.refusal.unsupported_language
            yield from _replay(steps.assembler.refusal(question, question, [], reason, []))
            return
        scope = steps.screen.check(question, steps.retrieval.rewrite)
        focus = steps.instruments.focus(scope.question, history, wanted)
        notices = [self._say(phrases.notice.injection_ignored, focus)] if scope.injection else []
        if scope.harmful or scope.only_injection:
            reason = (
                phrases.refusal.not_covered if scope.harmful else phrases.refusal.injection_only
            )
            refusal = steps.assembler.refusal(
                question, question, [], self._say(reason, focus), notices
            )
            yield from _replay(refusal)
            return
        standalone = steps.followups.condense(scope.question, history)
        focus = steps.instruments.continued(focus, history, standalone != scope.question)
        # Undecided between instruments, or about each of them: search deep enough that every
        # instrument kept still has a full list of clauses.
        several = focus.instruments is None or focus.each
        depth = self.settings.top_k * (steps.instruments.count if several else 1)
        hits = steps.retrieval.search(standalone, depth, instruments=focus.instruments)
        hits = steps.instruments.narrow(standalone, hits, focus, self.settings.top_k)
        for rerank in steps.rerankers:
            hits = rerank(standalone, hits)
        # The decision reads the question as searched (a follow-up resolved against the history).
        scope = replace(scope, question=standalone)
        out_of_scope = steps.decider.refusal(scope, hits)
        if out_of_scope:
            notices += steps.instruments.version_notices(standalone, [], focus)
            reason = self._say(out_of_scope, focus)
            refusal = steps.assembler.refusal(question, standalone, hits, reason, notices)
            yield from _replay(refusal)
            return
        answering_from = InstrumentFocus(
            tuple(dict.fromkeys(h.clause.instrument_id for h in hits)) or focus.instruments
        )
        if steps.figures.unanswered(scope, hits):
            notices.append(self._say(phrases.notice.no_figure, answering_from))
        elif scope.claims_premise:
            notices.append(self._say(phrases.notice.premise, answering_from))
        elif scope.unknown_names:
            # Answered although the question names things the text never mentions: say so, so
            # that the nearest provisions are not read as the text's view on those things.
            names = ", ".join(scope.unknown_names[:3])
            notices.append(self._say(phrases.notice.unknown_names, answering_from, names=names))
        yield from self._generate(question, standalone, hits, notices, focus)

    def _say(self, phrase: str, focus: InstrumentFocus, **values: str) -> str:
        """A phrase with the instruments it speaks of ('{scope}') filled in."""
        return fill(phrase, scope=self.steps.instruments.describe(focus.instruments), **values)

    def _generate(
        self,
        question: str,
        standalone: str,
        hits: list[ScoredClause],
        notices: list[str],
        focus: InstrumentFocus,
    ) -> Iterator[AnswerEvent]:
        steps, phrases = self.steps, self.steps.phrases
        allowed = steps.assembler.allowed_ids(hits)
        generator = steps.composed
        draft: _Draft | None = None
        if steps.llm is not None:
            draft = yield from self._guarded(steps.llm, standalone, hits, allowed)
            name = steps.llm.name
            if draft.not_covered and not draft.sent:
                reason = self._say(phrases.refusal.not_covered, focus)
                refusal = steps.assembler.refusal(question, standalone, hits, reason, notices, name)
                yield from _replay(refusal)
                return
            if draft.unavailable and not draft.sent:
                notices.append(
                    phrases.notice.llm_unavailable.format(generator=name, reason=draft.unavailable)
                )
                draft = None
            elif not draft.sent:
                notices.append(phrases.notice.fallback.format(generator=name))
                draft = None
            else:
                generator = steps.llm
        if draft is None:
            draft = yield from self._guarded(steps.composed, standalone, hits, allowed)
        result = draft.result
        if result.removed:
            notices.append(phrases.notice.removed.format(count=result.removed))
        if not result.cited:
            reason = self._say(phrases.refusal.not_covered, focus)
            yield from _replay(steps.assembler.refusal(question, standalone, hits, reason, notices))
            return
        cited = {steps.assembler.citation(cid).instrument for cid in result.cited}
        silent = tuple(i for i in focus.instruments or () if i not in cited)
        if focus.each and silent:
            notices.append(self._say(phrases.notice.instrument_silent, InstrumentFocus(silent)))
        notices += steps.instruments.version_notices(standalone, cited, focus)
        answer = steps.assembler.answer(question, standalone, hits, result, generator.name, notices)
        yield AnswerEvent(type="answer", answer=answer)

    def _guarded(
        self,
        generator: TextGenerator,
        question: str,
        hits: list[ScoredClause],
        allowed: list[str],
    ) -> Generator[AnswerEvent, None, _Draft]:
        """Sends each sentence as soon as the generator finishes it and the guard keeps it."""
        session = self.steps.guard.session(allowed)
        draft = _Draft(result=session.result)
        buffer = SentenceBuffer()
        pieces = generator.generate(question, hits)
        try:
            for piece in pieces:
                buffer.add(piece)
                if not draft.sent and buffer.text.lstrip().upper().startswith(NOT_COVERED):
                    draft.not_covered = True
                    return draft  # the model is stopped: nothing it writes next is shown
                for sentence in buffer.finished():
                    yield from _checked(session, sentence, draft)
        except GeneratorUnavailable as exc:
            draft.unavailable = str(exc)[:120]
        finally:
            close = getattr(pieces, "close", None)
            if close is not None:
                close()  # frees the model (llama.cpp holds a lock while it writes)
        for sentence in buffer.rest():
            yield from _checked(session, sentence, draft)
        return draft


def _checked(session: GuardSession, sentence: str, draft: _Draft) -> Iterator[AnswerEvent]:
    shown = session.check(sentence)
    if shown is not None:
        yield AnswerEvent(type="delta", text=shown if not draft.sent else " " + shown)
        draft.sent = True


def _replay(answer: Answer) -> Iterator[AnswerEvent]:
    """A finished answer as a stream: its sentences, then the answer object."""
    for number, sentence in enumerate(split_rendered(answer.answer)):
        yield AnswerEvent(type="delta", text=sentence if number == 0 else " " + sentence)
    yield AnswerEvent(type="answer", answer=answer)
