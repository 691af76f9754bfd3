"""The answer service: question (+ history) -> cited, guarded Answer, as a stream or at once.

Pipeline: cut injected orders from the question -> resolve a follow-up against the history ->
retrieve -> decide whether the corpus covers it (else refuse, with the nearest clauses) ->
generate (composed by default, or an LLM) -> grounding guard -> answer object with a receipt.
``ask`` drains ``stream``, so the streamed text and the answer object never drift.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from functools import lru_cache
from importlib.metadata import PackageNotFoundError, version

from assistant.answering.types import (
    Answer,
    AnswerEvent,
    ChatMessage,
    Citation,
    Grounding,
    Receipt,
    RetrievedClause,
)
from assistant.answering.composer import Composer
from assistant.corpus.instruments import Corpus
from assistant.answering.followup import FollowUpResolver
from assistant.answering.guard import GroundingGuard, GuardResult
from assistant.backends.llm import NOT_COVERED, GeneratorUnavailable, TextGenerator
from assistant.corpus.records import Clause, ClauseKind, ScoredClause
from assistant.answering.prompts import PromptLibrary
from assistant.retrieval.representations import index_version
from assistant.answering.scope import ScopeCheck, ScopeGuard
from assistant.retrieval.search import HybridSearch
from assistant.settings import Settings
from assistant.backends.chroma_store import utc_now

UNKNOWN_SUBJECT_PENALTY = 0.2
UNKNOWN_CONTEXT_PENALTY = 0.03
UNKNOWN_NAMES_LIMIT = 2
RELATED_SUGGESTIONS = 3
ANSWER_CACHE_SIZE = 1024


@lru_cache(maxsize=1)
def _package_version() -> str:
    try:
        return version("oecd-digital-government-assistant")
    except PackageNotFoundError:
        return "0+unknown"


class AnswerService:
    """Answers questions about the corpus; every front door calls this."""

    def __init__(
        self,
        settings: Settings,
        corpus: Corpus,
        search: HybridSearch,
        guard: GroundingGuard,
        prompts: PromptLibrary,
        generator: TextGenerator | None = None,
    ) -> None:
        self.settings = settings
        self.corpus = corpus
        self.search = search
        self.guard = guard
        self.prompts = prompts
        self.generator = generator
        self.scope = ScopeGuard(corpus)
        self.composer = Composer(corpus, prompts.composed, settings.answer_max_clauses)
        self.followups = FollowUpResolver(
            list(corpus.by_id),
            {
                c.heading: c.clause_id
                for c in corpus.clauses
                if c.kind == ClauseKind.DEFINITION and c.heading
            },
        )
        self.phrases = prompts.composed
        self._cache: OrderedDict[tuple[str, str, tuple[tuple[str, str], ...]], Answer] = (
            OrderedDict()
        )
        self._cache_lock = threading.Lock()

    # -- public API ---------------------------------------------------------------------------

    def ask(self, question: str, history: Sequence[ChatMessage] | None = None) -> Answer:
        """The whole answer; the same as collecting :meth:`stream`."""
        final: Answer | None = None
        for event in self.stream(question, history):
            if event.type == "answer":
                final = event.answer
        assert final is not None
        return final

    def stream(
        self, question: str, history: Sequence[ChatMessage] | None = None
    ) -> Iterator[AnswerEvent]:
        """Text pieces (one guarded sentence at a time), then the finished answer."""
        answer = self._cached_answer(self._validate(question), list(history or []))
        sentences = _split_rendered(answer.answer)
        for number, sentence in enumerate(sentences):
            yield AnswerEvent(type="delta", text=sentence if number == 0 else " " + sentence)
        yield AnswerEvent(type="answer", answer=answer)

    # -- steps --------------------------------------------------------------------------------

    def _validate(self, question: str) -> str:
        if not isinstance(question, str):
            raise ValueError("The question must be a string.")
        cleaned = "".join(ch for ch in question if ch.isprintable() or ch in "\n\t").strip()
        if not cleaned:
            raise ValueError("The question is empty.")
        if len(cleaned) > self.settings.max_question_chars:
            raise ValueError(
                f"The question is {len(cleaned)} characters long; the limit is "
                f"{self.settings.max_question_chars}."
            )
        return cleaned

    def _cached_answer(self, question: str, history: list[ChatMessage]) -> Answer:
        """The composed generator is deterministic for an index, prompts and settings, so the
        same question in the same conversation gets the same answer: keep the latest ones. The
        live collection is part of the key, so a rebuilt index is never answered from the old."""
        if self.generator is not None:
            return self._answer(question, history)
        live = self.search.active_collection()
        key = (live, question, tuple((m.role, m.content) for m in history))
        with self._cache_lock:
            cached = self._cache.get(key)
            if cached is not None:
                self._cache.move_to_end(key)
                fresh = {"receipt": self._receipt(cached.generator)}
                return cached.model_copy(update=fresh, deep=True)
        answer = self._answer(question, history)
        with self._cache_lock:
            self._cache[key] = answer
            if len(self._cache) > ANSWER_CACHE_SIZE:
                self._cache.popitem(last=False)
        return answer.model_copy(deep=True)

    def _answer(self, question: str, history: list[ChatMessage]) -> Answer:
        scope = self.scope.check(question, self.search.rewriter.rewrite)
        notices = [self.phrases["notice"]["injection_ignored"]] if scope.injection else []
        if scope.harmful:
            return self._refusal(
                question, question, [], self.phrases["refusal"]["not_covered"], notices
            )
        if scope.only_injection:
            return self._refusal(
                question, question, [], self.phrases["refusal"]["injection_only"], notices
            )
        standalone = self.followups.condense(scope.question, history)
        hits = self.search.search(standalone)
        refusal = self._refusal_reason(scope, hits)
        if refusal:
            return self._refusal(question, standalone, hits, refusal, notices)
        if scope.claims_premise:
            notices.append(self.phrases["notice"]["premise"])
        elif scope.unknown_names:
            # Answered although the question names things the text never mentions: say so, so
            # that the nearest provisions are not read as the text's view on those things.
            names = ", ".join(scope.unknown_names[:3])
            notices.append(self.phrases["notice"]["unknown_names"].format(names=names))
        return self._generate(question, standalone, hits, notices)

    def _refusal_reason(self, scope: ScopeCheck, hits: list[ScoredClause]) -> str | None:
        """Why the corpus does not answer this question, or None when it does."""
        phrases = self.phrases["refusal"]
        if any("reference" in h.matched_by for h in hits):
            return None
        content = [h for h in hits if h.clause.kind != ClauseKind.CONTAINER]
        best = max((h.dense or 0.0 for h in content[:3]), default=0.0)
        threshold = self.settings.abstain_threshold
        if scope.unknown_names:
            threshold += (
                UNKNOWN_SUBJECT_PENALTY if scope.names_are_subject else UNKNOWN_CONTEXT_PENALTY
            )
        # Everyday wording can sit below the similarity bar while sharing a clause's distinctive
        # words ("try the permit service with a small group of applicants"): a strong keyword
        # match keeps the question in scope, unless it is about something the text never names.
        best_lexical = max((h.lexical or 0.0 for h in content[:3]), default=0.0)
        keyword_match = (
            not scope.names_are_subject and best_lexical >= self.settings.abstain_lexical_score
        )
        # Several names the text never uses, as the subject: the question is about them (unless
        # the user asks to check a claim, which the text can confirm or correct).
        about_others = (
            scope.names_are_subject
            and len(scope.unknown_names) >= UNKNOWN_NAMES_LIMIT
            and not scope.checks_a_claim
        )
        if (best < threshold and not keyword_match) or about_others:
            if scope.names_are_subject:
                return phrases["unknown_names"].format(names=", ".join(scope.unknown_names[:3]))
            return phrases["not_covered"]
        if scope.asks_for_product:
            return phrases["no_products"]
        if scope.figure:
            selected = self.composer.select(scope.question, hits)
            if not any(scope.figure.answered_by(c.text) for c in selected):
                return phrases["no_figure"]
        return None

    def _generate(
        self, question: str, standalone: str, hits: list[ScoredClause], notices: list[str]
    ) -> Answer:
        allowed = self._allowed_ids(hits)
        generator_name = "composed"
        result: GuardResult | None = None
        if self.generator is not None:
            clauses = [h.clause for h in hits]
            try:
                draft = "".join(self.generator.generate(standalone, clauses)).strip()
            except GeneratorUnavailable as exc:
                notices.append(
                    self.phrases["notice"]["llm_unavailable"].format(
                        generator=self.generator.name, reason=str(exc)[:120]
                    )
                )
            else:
                if draft.upper().startswith(NOT_COVERED):
                    return self._refusal(
                        question,
                        standalone,
                        hits,
                        self.phrases["refusal"]["not_covered"],
                        notices,
                        self.generator.name,
                    )
                result = self.guard.check(_finished_sentences(draft), allowed)
                if result.supported_share < self.settings.min_supported_share or not result.cited:
                    notices.append(
                        self.phrases["notice"]["fallback"].format(generator=self.generator.name)
                    )
                    result = None
                else:
                    generator_name = self.generator.name
        if result is None:
            composed = " ".join(s.render() for s in self.composer.compose(standalone, hits))
            result = self.guard.check(composed, allowed)
        if result.removed:
            notices.append(self.phrases["notice"]["removed"].format(count=result.removed))
        if not result.cited:
            return self._refusal(
                question, standalone, hits, self.phrases["refusal"]["not_covered"], notices
            )
        return Answer(
            question=question,
            standalone_question=standalone,
            answer=result.text,
            citations=[self._citation(cid) for cid in result.cited],
            grounding=Grounding(
                sentences=result.sentences,
                score=round(result.supported_share, 4),
                removed=result.removed,
                dropped_citations=result.dropped,
            ),
            retrieved=_retrieved(hits),
            generator=generator_name,
            notices=notices,
            receipt=self._receipt(generator_name),
        )

    def _refusal(
        self,
        question: str,
        standalone: str,
        hits: list[ScoredClause],
        reason: str,
        notices: list[str],
        generator: str = "composed",
    ) -> Answer:
        related = [
            self._citation(h.clause.clause_id, h.clause.instrument_id)
            for h in hits
            if h.clause.kind != ClauseKind.CONTAINER
        ][:RELATED_SUGGESTIONS]
        text = reason + (" " + self.phrases["refusal"]["related_intro"] if related else "")
        return Answer(
            question=question,
            standalone_question=standalone,
            answer=text,
            abstained=True,
            related=related,
            grounding=Grounding(score=1.0),
            retrieved=_retrieved(hits),
            generator=generator,
            notices=notices,
            receipt=self._receipt(generator),
        )

    # -- helpers ------------------------------------------------------------------------------

    def _allowed_ids(self, hits: list[ScoredClause]) -> list[str]:
        """Retrieved clauses, plus their paragraphs and sub-items (the composer cites both)."""
        allowed: list[str] = []
        for hit in hits:
            clause = hit.clause
            family: list[Clause] = [clause, *self.corpus.children(clause)]
            if clause.parent_id:
                parent = self.corpus.get(clause.parent_id, clause.instrument_id)
                if parent is not None:
                    family.append(parent)
            allowed.extend(c.clause_id for c in family)
        return list(dict.fromkeys(allowed))

    def _citation(self, clause_id: str, instrument_id: str | None = None) -> Citation:
        clause = self.corpus.get(clause_id, instrument_id)
        assert clause is not None, f"unknown clause {clause_id}"
        instrument = self.corpus.instrument_by_id[clause.instrument_id]
        return Citation(
            clause_id=clause.clause_id,
            instrument=clause.instrument_id,
            label=clause.label,
            heading=clause.heading,
            text=clause.text,
            url=instrument.url,
        )

    def _receipt(self, generator: str) -> Receipt:
        s = self.settings
        shaping: dict[str, str | int | float | bool] = {
            "top_k": s.top_k,
            "abstain_threshold": s.abstain_threshold,
            "grounding_threshold": s.grounding_threshold,
            "answer_max_clauses": s.answer_max_clauses,
            "unsupported_sentences": s.unsupported_sentences,
            "use_paraphrases": s.use_paraphrases,
            "use_glossary": s.use_glossary,
        }
        if generator != "composed":
            shaping |= {"llm_model": s.llm_model, "llm_temperature": s.llm_temperature}
        return Receipt(
            assistant_version=_package_version(),
            corpus_hash=self.corpus.content_hash,
            index_version=index_version(s.use_paraphrases),
            embedding_model=s.embedding_model,
            prompt_version=self.prompts.version,
            generator=generator,
            settings=shaping,
            created_at=utc_now(),
        )


def _retrieved(hits: list[ScoredClause]) -> list[RetrievedClause]:
    return [
        RetrievedClause(
            clause_id=h.clause.clause_id,
            instrument=h.clause.instrument_id,
            score=h.score,
            dense=h.dense,
            lexical=h.lexical,
        )
        for h in hits
    ]


def _finished_sentences(draft: str) -> str:
    """A model stopped by its token limit leaves a half sentence: drop it."""
    stripped = draft.rstrip()
    if re.search(r"[.!?](?:\s*\[[^\]\n]{1,40}\])*[\"”)]?$", stripped):
        return stripped
    cut = max(
        stripped.rfind(". "), stripped.rfind("! "), stripped.rfind("? "), stripped.rfind(".\n")
    )
    return stripped[: cut + 1] if cut > 0 else stripped


def _split_rendered(text: str) -> list[str]:
    """Answer text in pieces that join back to exactly the same text."""
    pieces = re.split(r"(?<=[.!?])\s+", text)
    return [p for p in pieces if p]
