"""Builds the assistant's components and services once, from one settings object.

Every front door (CLI, HTTP API, web chat, evaluation) gets its services from here, so they all
answer the same way.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

from langchain_core.embeddings import Embeddings

from assistant.answering.assembly import AnswerAssembler
from assistant.answering.clause_ranker import LearnedClauseRanker
from assistant.answering.composer import Composer
from assistant.answering.decision import FigureCheck, ScopeDecider, ThresholdScopeDecider
from assistant.answering.followup import FollowUpResolver
from assistant.answering.generators import ComposedGenerator, TextGenerator, make_generator
from assistant.answering.grounding import GroundingChecker
from assistant.answering.guard import GroundingGuard
from assistant.answering.injection import (
    InjectionDetector,
    LearnedInjectionDetector,
    RuleInjectionDetector,
)
from assistant.answering.instrument_router import InstrumentRouter
from assistant.answering.instrument_scope import InstrumentScope
from assistant.answering.linear import ArtefactMismatch
from assistant.answering.prompts import PromptLibrary
from assistant.answering.scope import ScopeGuard
from assistant.answering.scope_classifier import LearnedScopeDecider
from assistant.answering.service import AnswerService
from assistant.answering.steps import AnswerSteps
from assistant.artefacts import read_info
from assistant.backends.chroma_store import ChromaStore
from assistant.backends.cpu_threads import single_threaded_blas
from assistant.backends.embeddings import (
    FAKE_MODEL,
    PACKAGED_MODEL,
    make_embeddings,
    resolve_model_path,
)
from assistant.backends.offline import configure_offline
from assistant.backends.vector_store import VectorStore
from assistant.checking.engine import AttributionEngine
from assistant.checking.factory import attribution_engine
from assistant.corpus.instruments import Corpus
from assistant.retrieval.ingest import IndexService
from assistant.retrieval.query import QueryRewriter
from assistant.retrieval.query_adapter import AdaptedQueryEmbeddings, QueryAdapter
from assistant.retrieval.search import HybridSearch, RetrievalVectors
from assistant.settings import Settings

if TYPE_CHECKING:  # imported where used: LangChain's runnables cost ~0.5 s at start-up
    from assistant.answering.chain import CitedAnswerChain
    from assistant.retrieval.retriever import ClauseRetriever

logger = logging.getLogger(__name__)


@dataclass
class Services:
    """Lazily built components; nothing heavy happens until a service is first used."""

    settings: Settings

    def __post_init__(self) -> None:
        configure_offline(self.settings.data_dir)

    @classmethod
    def with_components(cls, settings: Settings, **components: object) -> Services:
        """Services whose named components (``embeddings=...``, ``store=...``) are given rather
        than built: how tests and embedding applications swap in their own parts. Everything
        built from them (search, guard, answers) is built on first use, as usual."""
        services = cls(settings)
        for name, component in components.items():
            if not isinstance(getattr(cls, name, None), cached_property):
                raise TypeError(f"Services has no component named {name!r}.")
            services.__dict__[name] = component  # where cached_property keeps its value
        return services

    @cached_property
    def corpus(self) -> Corpus:
        return Corpus.load(self.settings.corpus_dir)

    @cached_property
    def embeddings(self) -> Embeddings:
        return make_embeddings(self.settings)

    @cached_property
    def query_embeddings(self) -> Embeddings:
        """What retrieval embeds a question with: the packaged model's vectors moved by the
        learned query adapter (clauses and the grounding guard keep the plain ``embeddings``).
        The adapter was trained for the packaged model only, so any other model, and the
        ``fake-hash`` embedder of the unit tests, gets the plain embeddings."""
        if self.settings.use_query_adapter and self.settings.embedding_model == PACKAGED_MODEL:
            adapter = QueryAdapter.load(expected_model=self.settings.embedding_model)
            return AdaptedQueryEmbeddings(self.embeddings, adapter)
        return self.embeddings

    @cached_property
    def store(self) -> VectorStore:
        return ChromaStore(self.settings)

    @cached_property
    def index(self) -> IndexService:
        return IndexService(self.settings, self.corpus, self.embeddings, self.store)

    @cached_property
    def rewriter(self) -> QueryRewriter:
        model = self.settings.embedding_model
        dictionary = None if model == FAKE_MODEL else resolve_model_path(model) / "vocab.txt"
        return QueryRewriter(self.corpus, self.settings.corpus_dir / "glossary-fr.toml", dictionary)

    @cached_property
    def search(self) -> HybridSearch:
        return HybridSearch(
            self.settings, self.corpus, self.query_embeddings, self.store, self.rewriter
        )

    @cached_property
    def retriever(self) -> ClauseRetriever:
        from assistant.retrieval.retriever import ClauseRetriever

        return ClauseRetriever(search=self.search)

    @cached_property
    def prompts(self) -> PromptLibrary:
        return PromptLibrary(self.settings.prompts_dir)

    @cached_property
    def grounding(self) -> GroundingChecker:
        return GroundingChecker(self.embeddings, self.settings.grounding_threshold)

    @cached_property
    def guard(self) -> GroundingGuard:
        return GroundingGuard(self.corpus, self.grounding, self.settings.unsupported_sentences)

    @cached_property
    def attribution(self) -> AttributionEngine:
        """Checks any text against the instruments, sentence by sentence (``assistant check``,
        ``POST /v1/check``): the guard's checker, so both judge support the same way."""
        return attribution_engine(self.settings, self.corpus, self.grounding)

    @cached_property
    def composer(self) -> Composer:
        ranker = (
            LearnedClauseRanker.load(self.corpus, self.settings.embedding_model)
            if self._learned_clause_choice
            else None
        )
        max_clauses = self.settings.answer_max_clauses
        return Composer(self.corpus, self.prompts.composed, max_clauses, ranker)

    @cached_property
    def llm(self) -> TextGenerator | None:
        """The configured LLM generator, or None when answers are composed."""
        return make_generator(self.settings, self.prompts)

    @property
    def _learned_judgement(self) -> bool:
        """Learned judgements need the embedding model they were trained on; the hashing fake
        of the unit tests always gets the rules."""
        return self.settings.judgement == "learned" and self.settings.embedding_model != FAKE_MODEL

    @property
    def _learned_scope(self) -> bool:
        return self._learned_judgement and self.settings.scope_decider == "learned"

    @property
    def _learned_clause_choice(self) -> bool:
        return self._learned_judgement and self.settings.clause_choice == "learned"

    @cached_property
    def learned(self) -> dict[str, str]:
        """The learned artefacts in use, each with its training data's hash (for receipts)."""
        names = []
        if self.settings.use_query_adapter and self.settings.embedding_model == PACKAGED_MODEL:
            names.append("query_adapter")
        if self._learned_judgement:
            names.append("injection_classifier")
        if self._learned_scope:
            names.append("scope_classifier")
        if self._learned_clause_choice:
            names.append("clause_ranker")
        return {name: read_info(name).short_hash for name in names}

    @cached_property
    def injection_detector(self) -> InjectionDetector:
        """Which sentences of a question are injected orders (learned, or the rules)."""
        if self._learned_judgement:
            return LearnedInjectionDetector.load(self.embeddings, self.settings.embedding_model)
        return RuleInjectionDetector()

    @cached_property
    def scope_decider(self) -> ScopeDecider:
        """Whether the retrieved clauses answer the question (learned, or the thresholds)."""
        refusal = self.prompts.composed.refusal
        thresholds = ThresholdScopeDecider(self.settings, self.composer, refusal)
        if self._learned_scope:
            model = self.settings.embedding_model
            return LearnedScopeDecider.load(
                self.composer, refusal, model, embeddings=self.embeddings, claims=thresholds
            )
        return thresholds

    @cached_property
    def instrument_scope(self) -> InstrumentScope:
        """Which instruments a question is about: named ones, the conversation's, or the
        evidence (clause similarity and, when trained for these instruments, the router)."""
        router = None
        if self._learned_judgement and len(self.corpus.instruments) > 1:
            ids = tuple(i.instrument.id for i in self.corpus.instruments)
            try:
                _, router = InstrumentRouter.load(self.settings.embedding_model, ids)
            except (ArtefactMismatch, FileNotFoundError) as exc:
                logger.warning("Instruments are chosen by clause similarity alone: %s", exc)
        return InstrumentScope(
            self.corpus,
            self.settings.instrument_margin,
            router,
            self.router_vectors,
            self.settings.instrument_router_weight,
            self.settings.instrument_primary_bias,
            floor=self.settings.abstain_threshold,
        )

    @cached_property
    def router_vectors(self) -> RetrievalVectors:
        """What the instrument router reads, in training as in serving: the plain model's
        vector of the question as retrieval rewrote it (never the optional query adapter's);
        the embedder's cache already holds it once the question was searched."""
        return RetrievalVectors(self.search, plain=self.embeddings)

    @cached_property
    def answer_steps(self) -> AnswerSteps:
        """The answer pipeline's components; replace one here to change how answers are made."""
        phrases = self.prompts.composed
        return AnswerSteps(
            screen=ScopeGuard(self.corpus, self.injection_detector),
            followups=FollowUpResolver.for_corpus(self.corpus),
            retrieval=self.search,
            figures=FigureCheck(self.composer),
            decider=self.scope_decider,
            composed=ComposedGenerator(self.composer),
            llm=self.llm,
            guard=self.guard,
            assembler=AnswerAssembler(
                self.settings, self.corpus, phrases.refusal, self.prompts.version, self.learned
            ),
            phrases=phrases,
            instruments=self.instrument_scope,
        )

    @cached_property
    def answers(self) -> AnswerService:
        return AnswerService(self.settings, self.answer_steps)

    @cached_property
    def chain(self) -> CitedAnswerChain:
        """The answer pipeline as a LangChain Runnable (``invoke``, ``stream``, ``batch``)."""
        from assistant.answering.chain import CitedAnswerChain

        return CitedAnswerChain(self.answers)

    def warm_up(self, progress: bool = False) -> None:
        """Load the model, check the index and give the guard every clause's vector, before
        the first question arrives (the web app and the evaluation call this at start). The
        vectors are read from the index, which holds them; only clauses it lacks are embedded.
        Numeric libraries run single-threaded from here on (``cpu_threads``): requests run side
        by side instead."""
        single_threaded_blas()
        self.index.ensure(progress=progress)
        self.grounding.remember(self.index.clause_vectors())
        self.grounding.warm_up(self.corpus.clauses)
        self.search.search("How should governments justify the funding of digital projects?")
