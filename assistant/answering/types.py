"""The answer object: the contract that the API, the web chat, the CLI and the evaluations share.

Fields are only ever added, never renamed.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class ChatMessage(BaseModel):
    """One turn of a conversation, as the client sends it back with each question."""

    role: Literal["user", "assistant", "system"]
    content: str


class Citation(BaseModel):
    """A clause an answer cites (or suggests, in ``related``)."""

    clause_id: str = Field(description="Canonical clause id, e.g. 'IV.9.i'.")
    instrument: str = Field(description="Instrument id, e.g. 'OECD/LEGAL/0406'.")
    instrument_title: str = Field(
        "", description="The instrument's short title, e.g. 'Artificial Intelligence'."
    )
    version: str = Field("", description="Which wording of the instrument the text is.")
    label: str = Field(description="Display label: id and paragraph heading.")
    heading: str = Field("", description="The paragraph's bold title.")
    text: str = Field(description="The clause's own wording.")
    url: str = Field(description="Official page of the instrument.")


class SentenceSupport(BaseModel):
    """How well one answer sentence is supported by the clauses it cites."""

    sentence: str
    cited: list[str] = Field(default_factory=list, description="Clause ids the sentence cites.")
    supported_by: str | None = Field(None, description="Best supporting cited clause, if any.")
    score: float = Field(description="Support score in [0, 1].")
    supported: bool
    action: Literal["kept", "removed", "marked"] = "kept"


class Grounding(BaseModel):
    """Per-sentence support and an overall score (share of sentences supported)."""

    sentences: list[SentenceSupport] = Field(default_factory=list)
    score: float = 1.0
    removed: int = 0
    dropped_citations: list[str] = Field(
        default_factory=list, description="Cited ids dropped as unknown or not retrieved."
    )


class RetrievedClause(BaseModel):
    """What the retriever returned for the question."""

    clause_id: str
    instrument: str
    score: float
    dense: float | None = None
    lexical: float | None = None


class Receipt(BaseModel):
    """What shaped the answer, so it can be audited or reproduced later."""

    assistant_version: str
    corpus_hash: str
    index_version: str
    embedding_model: str
    prompt_version: str
    generator: str
    settings: dict[str, str | int | float | bool] = Field(default_factory=dict)
    learned: dict[str, str] = Field(
        default_factory=dict,
        description="Learned components in use, each with the hash of the data it was trained "
        "on (e.g. 'query_adapter': '3f2a...'); empty when only rules were used.",
    )
    created_at: str


class Answer(BaseModel):
    """A cited answer, or a plain refusal with suggestions when the corpus does not cover it."""

    question: str
    standalone_question: str = Field(description="The question after resolving follow-ups.")
    answer: str = Field(description="Markdown with inline citations like [IV.9.i].")
    citations: list[Citation] = Field(default_factory=list, description="In order of first use.")
    abstained: bool = False
    related: list[Citation] = Field(
        default_factory=list, description="Nearest clauses, as suggestions (when abstaining)."
    )
    grounding: Grounding = Field(default_factory=Grounding)
    retrieved: list[RetrievedClause] = Field(default_factory=list)
    generator: str
    notices: list[str] = Field(
        default_factory=list, description="Plain-language notes, e.g. a fallback to composed."
    )
    receipt: Receipt


class AnswerEvent(BaseModel):
    """One item of an answer stream: text pieces, then the finished answer."""

    type: Literal["delta", "answer"]
    text: str = ""
    answer: Answer | None = None
