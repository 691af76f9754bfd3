"""Request and response models of the HTTP API.

The answer itself is ``assistant.answer_models.Answer`` (the contract shared with the CLI and the
web chat); these models only describe what is specific to HTTP: requests, the clause tree, search
hits, health and the uniform error body. Limits that come from settings (question length, history
turns) are checked in the routes, because settings are not known when this module is imported.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from assistant.answering.types import ChatMessage
from assistant.checking.types import MAX_CHECK_CHARS

MODEL_ID = "oecd-digital-government"
MODEL_OWNER = "oecd-dg-assistant"


class ErrorDetail(BaseModel):
    """What went wrong, in words a client developer can act on."""

    code: str = Field(description="Stable machine-readable code, e.g. 'unauthorized'.")
    message: str = Field(description="Plain-language explanation.")


class ErrorResponse(BaseModel):
    """Every error of the API has this shape (also 404, 405, 422 and 500)."""

    error: ErrorDetail


class CheckRequest(BaseModel):
    """A draft to check against the Recommendation, sentence by sentence (``POST /v1/check``)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"text": "Governments must develop business cases for all projects."}]
        }
    )

    text: str = Field(
        min_length=1,
        max_length=MAX_CHECK_CHARS,
        description=f"The text to check (at most {MAX_CHECK_CHARS} characters).",
    )

    @field_validator("text")
    @classmethod
    def has_words(cls, text: str) -> str:
        if not text.strip():
            raise ValueError("the text is blank: there is no sentence to check")
        return text


class AskRequest(BaseModel):
    """A question and, for follow-ups, the conversation so far (the server keeps no state)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"question": "How should governments justify spending on digital projects?"}
            ]
        }
    )

    question: str = Field(min_length=1, description="The official's question.")
    history: list[ChatMessage] = Field(
        default_factory=list, description="Earlier turns, oldest first (user and assistant)."
    )
    instruments: list[str] | None = Field(
        None,
        description="Answer only from these instruments (ids from GET /v1/instruments, e.g. "
        "'OECD/LEGAL/0449'); by default every instrument, the question deciding which.",
    )


class ClauseOut(BaseModel):
    """One clause with the context a reader needs to quote it."""

    clause_id: str
    instrument: str
    kind: str
    parent_id: str | None
    label: str
    heading: str = ""
    text: str
    context: str = Field("", description="Wording of the stems above the clause (not quoted).")
    url: str = Field(description="Official page of the instrument.")
    children: list[str] = Field(default_factory=list, description="Ids of the clauses below it.")


class ClauseNode(BaseModel):
    """A node of the clause tree: sections hold paragraphs, paragraphs hold sub-items."""

    clause_id: str
    kind: str
    label: str
    children: list[ClauseNode] = Field(default_factory=list)


class InstrumentOut(BaseModel):
    """One instrument the assistant answers from, with the wording it holds."""

    id: str = Field(description="OECD instrument id, e.g. 'OECD/LEGAL/0449'.")
    title: str
    short_title: str = ""
    adopted: str | None = Field(None, description="Date of adoption (ISO 8601).")
    council_ref: str = ""
    url: str
    id_prefix: str = Field(
        "", description="Prefix of its clause ids ('AI' in 'AI:1.3'); empty for bare ids."
    )
    version: str = Field("", description="Which wording the assistant holds.")
    version_notice: str = Field("", description="Shown with answers that cite it, when set.")
    clauses: int = Field(description="How many clauses it has.")
    primary: bool = Field(description="Whether bare clause ids mean this instrument.")


class InstrumentList(BaseModel):
    """The instruments, primary first."""

    instruments: list[InstrumentOut]


class InstrumentTree(BaseModel):
    """One instrument and its clauses as a tree, in document order."""

    id: str
    title: str
    url: str
    clauses: list[ClauseNode]


class ClauseTree(BaseModel):
    """Every instrument in the corpus with its clause tree."""

    instruments: list[InstrumentTree]


class SearchHit(BaseModel):
    """A ranked clause; the scores explain the ranking, they are not probabilities."""

    rank: int
    clause_id: str
    instrument: str
    label: str
    text: str
    url: str
    score: float
    dense: float | None = None
    lexical: float | None = None
    matched_by: list[str] = Field(default_factory=list)


class SearchResponse(BaseModel):
    """Clauses ranked for a query, without any generated text."""

    query: str
    top_k: int
    results: list[SearchHit]


class Health(BaseModel):
    """Liveness: the process answers."""

    status: Literal["ok"] = "ok"


class Readiness(BaseModel):
    """Readiness: the index is built and the vector store answers."""

    status: Literal["ready", "not_ready"]
    store: bool
    index: bool
    collection: str | None = None
    clauses: int = 0
    error: ErrorDetail | None = None


# OpenAI-compatible chat completions ---------------------------------------------------------


class ChatCompletionMessage(BaseModel):
    """A message as OpenAI clients send it; content may be a string or a list of parts."""

    model_config = ConfigDict(extra="allow")

    role: Literal["system", "developer", "user", "assistant", "tool", "function"]
    content: str | list[dict[str, Any]] | None = None

    def text(self) -> str:
        """The message's text; non-text parts (images, audio) are ignored."""
        if isinstance(self.content, str):
            return self.content
        if not self.content:
            return ""
        return "".join(
            str(part.get("text", "")) for part in self.content if part.get("type") == "text"
        )


class ChatCompletionRequest(BaseModel):
    """The subset of OpenAI's request the assistant uses; other fields are accepted and ignored
    (sampling settings cannot change a cited answer)."""

    model_config = ConfigDict(
        extra="allow",
        json_schema_extra={
            "examples": [
                {
                    "model": MODEL_ID,
                    "messages": [{"role": "user", "content": "What is digital government?"}],
                }
            ]
        },
    )

    model: str = MODEL_ID
    messages: list[ChatCompletionMessage] = Field(min_length=1)
    # Strict, as OpenAI's API is: `"stream": 0` or `"false"` is a client bug, not "no".
    stream: bool = Field(False, strict=True, description="Send chat.completion.chunk events.")


class ModelCard(BaseModel):
    id: str = MODEL_ID
    object: Literal["model"] = "model"
    created: int = 0
    owned_by: str = MODEL_OWNER


class ModelList(BaseModel):
    object: Literal["list"] = "list"
    data: list[ModelCard]
