"""The hybrid clause search exposed as a LangChain retriever, for chains and outside users."""

from __future__ import annotations

from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from assistant.corpus.records import ScoredClause
from assistant.retrieval.search import HybridSearch


def to_document(hit: ScoredClause) -> Document:
    """A clause as a LangChain document: its own text, with id, heading and scores as metadata."""
    clause = hit.clause
    return Document(
        page_content=clause.text,
        id=clause.key,
        metadata={
            "instrument_id": clause.instrument_id,
            "clause_id": clause.clause_id,
            "parent_id": clause.parent_id,
            "heading": clause.heading,
            "context": clause.context,
            "score": hit.score,
            "dense": hit.dense,
            "lexical": hit.lexical,
            "matched_by": hit.matched_by,
        },
    )


class ClauseRetriever(BaseRetriever):
    """``retriever.invoke("question")`` returns the best clauses as documents, best first."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    search: HybridSearch
    top_k: int | None = None

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun, **kwargs: Any
    ) -> list[Document]:
        return [to_document(hit) for hit in self.search.search(query, self.top_k)]
