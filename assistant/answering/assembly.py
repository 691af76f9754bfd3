"""Answer assembly: turns the pipeline's findings into the answer object every front door
shares (citations with their text, the receipt, what was retrieved), or into a refusal."""

from __future__ import annotations

from collections.abc import Sequence

from assistant.answering.guard import GuardResult
from assistant.answering.phrases import RefusalPhrases
from assistant.answering.types import Answer, Citation, Grounding, Receipt, RetrievedClause
from assistant.clock import utc_now
from assistant.corpus.instruments import Corpus
from assistant.corpus.records import Clause, ClauseKind, ScoredClause
from assistant.retrieval.representations import index_version
from assistant.settings import Settings
from assistant.version import package_version

RELATED_SUGGESTIONS = 3


class AnswerAssembler:
    """Builds answers and refusals; knows the corpus (for citations) and the settings and
    prompt version (for receipts), nothing about how the answer was reached."""

    def __init__(
        self,
        settings: Settings,
        corpus: Corpus,
        phrases: RefusalPhrases,
        prompt_version: str,
        learned: dict[str, str] | None = None,
    ) -> None:
        self.settings = settings
        self.corpus = corpus
        self.phrases = phrases
        self.prompt_version = prompt_version
        self.learned = dict(learned or {})

    def allowed_ids(self, hits: Sequence[ScoredClause]) -> list[str]:
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

    def answer(
        self,
        question: str,
        standalone: str,
        hits: Sequence[ScoredClause],
        result: GuardResult,
        generator: str,
        notices: list[str],
    ) -> Answer:
        return Answer(
            question=question,
            standalone_question=standalone,
            answer=result.text,
            citations=[self.citation(cid) for cid in result.cited],
            grounding=Grounding(
                sentences=result.sentences,
                score=round(result.supported_share, 4),
                removed=result.removed,
                dropped_citations=result.dropped,
            ),
            retrieved=retrieved(hits),
            generator=generator,
            notices=notices,
            receipt=self.receipt(generator),
        )

    def refusal(
        self,
        question: str,
        standalone: str,
        hits: Sequence[ScoredClause],
        reason: str,
        notices: list[str],
        generator: str = "composed",
    ) -> Answer:
        related = [
            self.citation(h.clause.clause_id, h.clause.instrument_id)
            for h in hits
            if h.clause.kind != ClauseKind.CONTAINER
        ][:RELATED_SUGGESTIONS]
        text = reason + (" " + self.phrases.related_intro if related else "")
        return Answer(
            question=question,
            standalone_question=standalone,
            answer=text,
            abstained=True,
            related=related,
            grounding=Grounding(score=1.0),
            retrieved=retrieved(hits),
            generator=generator,
            notices=notices,
            receipt=self.receipt(generator),
        )

    def citation(self, clause_id: str, instrument_id: str | None = None) -> Citation:
        clause = self.corpus.get(clause_id, instrument_id)
        assert clause is not None, f"unknown clause {clause_id}"
        instrument = self.corpus.instrument_by_id[clause.instrument_id]
        return Citation(
            clause_id=clause.clause_id,
            instrument=clause.instrument_id,
            instrument_title=instrument.short_title or instrument.title,
            version=instrument.version,
            label=clause.label,
            heading=clause.heading,
            text=clause.text,
            url=instrument.url,
        )

    def receipt(self, generator: str) -> Receipt:
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
            assistant_version=package_version(),
            corpus_hash=self.corpus.content_hash,
            index_version=index_version(s.use_paraphrases),
            embedding_model=s.embedding_model,
            prompt_version=self.prompt_version,
            generator=generator,
            settings=shaping,
            learned=dict(self.learned),
            created_at=utc_now(),
        )


def retrieved(hits: Sequence[ScoredClause]) -> list[RetrievedClause]:
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
