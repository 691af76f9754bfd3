"""The end-to-end evaluation run: every gold question through a system, timed and scored.

A *system* is anything with ``respond(item) -> Response``: the assistant (through ``Services``
and its ``AnswerService``, exactly as the API and the chat call it) or a baseline. Responses are
scored per question into ``QuestionRecord`` lines, then :func:`summarise` aggregates them with
the pure metric functions. Systems that cannot cite get ``None`` for citation and grounding,
which the metrics read as "does not apply", never as zero.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from langchain_core.embeddings import Embeddings
from tqdm import tqdm

from assistant.answering.grounding import GroundingChecker
from assistant.answering.types import Answer
from assistant.corpus.citations import parse_citations, strip_citations
from assistant.corpus.instruments import Corpus
from assistant.corpus.records import Clause
from assistant.corpus.sentences import answer_sentences
from assistant.evaluation import baselines
from assistant.evaluation.attribution_metrics import attribute_records
from assistant.evaluation.datasets import (
    ASSISTANT,
    GoldItem,
    QuestionRecord,
    SentenceVerdict,
    check_clause_ids,
)
from assistant.evaluation.metrics import fact_covered, summarise
from assistant.evaluation.types import Response, System
from assistant.retrieval.lexical import tokenize
from assistant.services import Services


class SupportChecker(Protocol):
    """What the evaluation needs of ``assistant.grounding.GroundingChecker``."""

    def support(self, sentence: str, clauses: list[Clause]) -> tuple[float, str | None]: ...

    def is_supported(self, score: float) -> bool: ...


class PrimedEmbeddings(Embeddings):
    """Our embeddings with vectors computed ahead in batches. The grounding checker embeds one
    sentence at a time (right for the live guard); scoring hundreds of sentences that way takes
    minutes on a CPU, while one batched pass gives the same vectors in seconds."""

    def __init__(self, base: Embeddings) -> None:
        self.base = base
        self._vectors: dict[str, list[float]] = {}

    def prime(self, texts: Sequence[str]) -> None:
        todo = list(dict.fromkeys(t for t in texts if t not in self._vectors))
        if todo:
            self._vectors.update(zip(todo, self.base.embed_documents(todo), strict=True))

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.base.embed_documents(texts)

    def embed_query(self, text: str) -> list[float]:
        if text not in self._vectors:
            self._vectors[text] = self.base.embed_query(text)
        return self._vectors[text]


def checker_texts(pairs: Sequence[tuple[str, Sequence[Clause]]]) -> list[str]:
    """What ``GroundingChecker`` embeds for these (sentence, cited clauses) pairs."""
    texts = [strip_citations(sentence) for sentence, _ in pairs]
    return texts + [c.embedding_text() for _, clauses in pairs for c in clauses]


def split_sentences(text: str, known: Collection[str]) -> list[tuple[str, list[str]]]:
    """Sentences of an answer with the ids each cites, valid or not. A marker written after the
    full stop ("... cases. [IV.9]") is given back to the sentence before it."""
    pieces = answer_sentences(text, lines=True)
    cited = {s: parse_citations(s, known) for s in pieces}
    return [(s, [*cited[s].ids, *cited[s].dropped]) for s in pieces if tokenize(s)]


class AssistantSystem:
    """The product, through ``Services(settings).answers`` like every other front door."""

    def __init__(self, services: Services, name: str = ASSISTANT) -> None:
        self.services = services
        self.name = name

    def respond(self, item: GoldItem) -> Response:
        answer = self.services.answers.ask(item.question, list(item.history) or None)
        return answer_to_response(answer, self.services.corpus)


def answer_to_response(answer: Answer, corpus: Corpus) -> Response:
    """Citations and sentences read back from an answer. Invalid ids are also looked for in the
    text itself, so a citation the answer object silently lost is still counted."""
    known = {c.clause_id for c in corpus.clauses}
    cited = [c.clause_id for c in answer.citations]
    in_text = parse_citations(answer.answer, known)
    invalid = sorted({*in_text.dropped, *(c for c in cited if c not in known)})
    shown = [s for s in answer.grounding.sentences if s.action != "removed"]
    sentences = [(s.sentence, list(s.cited)) for s in shown] or split_sentences(
        answer.answer, known
    )
    return Response(
        answer=answer.answer,
        abstained=answer.abstained,
        retrieved=[frozenset({r.clause_id}) for r in answer.retrieved],
        contexts=[c.text for r in answer.retrieved if (c := corpus.get(r.clause_id))],
        citations=cited,
        sentences=None if answer.abstained else sentences,
        invalid=invalid,
    )


class Scorer:
    """Per-question scoring that needs the corpus or the grounding checker."""

    def __init__(
        self, corpus: Corpus, checker: SupportChecker, embeddings: PrimedEmbeddings | None = None
    ) -> None:
        self.corpus = corpus
        self.checker = checker
        self.embeddings = embeddings

    def _clauses(self, cited: Sequence[str]) -> list[Clause]:
        return [c for cid in cited if (c := self.corpus.get(cid))]

    def prime(self, answers: Sequence[Sequence[tuple[str, list[str]]]]) -> None:
        """Embed every sentence (and cited clause) of these answers in one batched pass."""
        if self.embeddings is not None:
            pairs = [(s, self._clauses(cited)) for answer in answers for s, cited in answer]
            self.embeddings.prime(checker_texts(pairs))

    def verdicts(self, sentences: Sequence[tuple[str, list[str]]]) -> list[SentenceVerdict]:
        """Each sentence re-checked against the clauses it cites, independently of the guard;
        a sentence citing nothing is unsupported (every sentence must cite)."""
        verdicts = []
        for sentence, cited in sentences:
            clauses = self._clauses(cited)
            score, best = self.checker.support(sentence, clauses) if clauses else (0.0, None)
            verdicts.append(
                SentenceVerdict(
                    sentence=sentence,
                    cited=cited,
                    score=score,
                    supported_by=best,
                    supported=bool(clauses) and self.checker.is_supported(score),
                )
            )
        return verdicts

    def record(
        self, system: str, item: GoldItem, response: Response, seconds: float
    ) -> QuestionRecord:
        tokens = set(tokenize(response.answer))
        return QuestionRecord(
            **_identity(system, item),
            answer=response.answer,
            abstained=response.abstained,
            citations=response.citations,
            invalid_citations=response.invalid,
            retrieved=[sorted(unit) for unit in response.retrieved],
            contexts=response.contexts,
            sentences=None if response.sentences is None else self.verdicts(response.sentences),
            key_facts={fact: fact_covered(fact, tokens) for fact in item.key_facts},
            latency_s=round(seconds, 4),
        )


def _identity(system: str, item: GoldItem) -> dict[str, Any]:
    return {
        "system": system,
        "id": item.id,
        "type": item.type,
        "question": item.question,
        "gold": item.gold,
        "must_refuse": item.must_refuse,
    }


def run_system(
    system: System, items: Sequence[GoldItem], scorer: Scorer, progress: bool = True
) -> list[QuestionRecord]:
    """Ask every question, timing each call with ``time.perf_counter``, then score them all. A
    failing question is recorded with its error instead of stopping the run."""
    answered: list[tuple[GoldItem, Response, float]] = []
    records = []
    for item in tqdm(items, desc=f"Evaluating {system.name}", unit="q", disable=not progress):
        started = time.perf_counter()
        try:
            response = system.respond(item)
        except Exception as exc:  # one broken question must not hide the other results
            elapsed = time.perf_counter() - started
            error = f"{type(exc).__name__}: {exc}"
            records.append(
                QuestionRecord(**_identity(system.name, item), latency_s=elapsed, error=error)
            )
            continue
        answered.append((item, response, time.perf_counter() - started))
    scorer.prime([r.sentences or [] for _, r, _ in answered])
    records += [scorer.record(system.name, i, r, seconds) for i, r, seconds in answered]
    order = {item.id: n for n, item in enumerate(items)}
    return sorted(records, key=lambda r: order[r.id])


@dataclass
class EvalRun:
    """Records of every system and the summary computed from them."""

    summary: dict[str, Any]
    records: list[QuestionRecord]


def evaluate(
    services: Services,
    items: Sequence[GoldItem],
    with_baselines: bool = False,
    dataset: str = "",
    progress: bool = True,
    also: Sequence[tuple[str, Services]] = (),
    outside: Sequence[System] = (),
) -> EvalRun:
    """Run the assistant (and the baselines, the assistant as configured in ``also``, e.g.
    with rules only, and ``outside`` systems) over ``items`` and summarise every system, in one
    run. With outside systems every answer is also checked by attribution, side by side."""

    settings = services.settings
    check_clause_ids(items, {c.clause_id for c in services.corpus.clauses})
    services.index.ensure()
    embeddings = PrimedEmbeddings(services.embeddings)
    checker = GroundingChecker(embeddings, settings.grounding_threshold)
    scorer = Scorer(services.corpus, checker, embeddings)
    parents = baselines.paragraph_parents(services.corpus)
    records = run_system(AssistantSystem(services), items, scorer, progress)
    for name, variant in also:
        records += run_system(AssistantSystem(variant, name), items, scorer, progress)
    if with_baselines:
        records += run_system(baselines.Bm25System(services), items, scorer, progress)
        naive = baselines.NaiveRag(services.corpus, services.embeddings)
        with naive.open():
            records += run_system(baselines.NaiveRagSystem(naive), items, scorer, progress)
    for system in outside:
        records += run_system(system, items, scorer, progress)
    if outside:
        attribute_records(records, services.attribution)
    systems = list(dict.fromkeys(r.system for r in records))
    summary = {
        "dataset": dataset,
        "generator": settings.generator,
        "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "questions": len(items),
        "systems": {
            name: summarise([r for r in records if r.system == name], parents) for name in systems
        },
    }
    return EvalRun(summary, records)
