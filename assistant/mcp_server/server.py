"""The MCP tools and resources over one ``Services``: search, one clause, a cited answer, and
each clause as a resource ``clause://{clause_id}``.

The tools call the same services as the HTTP API and the CLI, with the same request limits, so
an agent gets exactly the answer an official gets in the chat. Anticipated failures (an unknown
clause or instrument, a question over the limits, no index yet) are ``ToolError`` s: the SDK
returns them as an MCP error result with the message, never as a crash or a stack trace.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Annotated

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ResourceNotFoundError, ToolError
from mcp.types import ToolAnnotations
from pydantic import BaseModel, Field

from assistant.answering.limits import RequestRejected, check_request
from assistant.answering.types import Answer, ChatMessage, Citation
from assistant.corpus.instruments import Corpus
from assistant.corpus.records import Clause
from assistant.mcp_server.checking import add_check_tool
from assistant.retrieval.search import IndexNotReady
from assistant.services import Services
from assistant.version import package_version

NAME = "oecd-digital-government"
INSTRUCTIONS = """Cited answers from the OECD Recommendation of the Council on Digital Government
Strategies (OECD/LEGAL/0406). Use `ask` for a question in plain words: every sentence of the
answer cites a clause like [IV.9.i], or the assistant says the text does not cover it. Use
`search_clauses` to find clauses without a written answer and `get_clause` (or the resource
clause://{clause_id}) to quote one. Use `check_text` to check a draft sentence by sentence against
the text (supported, contradicted and what differs, not found). Quote the clause ids you rely
on."""
READ_ONLY = ToolAnnotations(read_only_hint=True, destructive_hint=False, open_world_hint=False)


class ClauseHit(BaseModel):
    """One ranked clause."""

    rank: int
    clause_id: str
    instrument: str
    label: str
    text: str
    url: str
    score: float


class SearchResult(BaseModel):
    """Clauses ranked for a query (hybrid dense and keyword search), best first."""

    query: str
    results: list[ClauseHit]


class ClauseText(BaseModel):
    """One clause with what a reader needs to quote it."""

    clause_id: str
    instrument: str
    kind: str
    parent_id: str | None
    label: str
    heading: str = ""
    text: str
    context: str = Field("", description="Wording of the stems above the clause (not quoted).")
    url: str
    children: list[str] = Field(default_factory=list)


class CitedAnswer(BaseModel):
    """The answer with its citations; when ``abstained``, ``related`` holds the nearest clauses."""

    question: str
    answer: str = Field(description="Markdown; every sentence cites a clause like [IV.9.i].")
    citations: list[Citation]
    abstained: bool
    related: list[Citation]
    notices: list[str]
    generator: str


def clause_text(corpus: Corpus, clause: Clause) -> ClauseText:
    return ClauseText(
        clause_id=clause.clause_id,
        instrument=clause.instrument_id,
        kind=clause.kind.value,
        parent_id=clause.parent_id,
        label=clause.label,
        heading=clause.heading,
        text=clause.text,
        context=clause.context,
        url=corpus.instrument_by_id[clause.instrument_id].url,
        children=[child.clause_id for child in corpus.children(clause)],
    )


def lookup(corpus: Corpus, clause_id: str, instrument: str | None = None) -> Clause:
    """Exact id, then any letter case (``iv.9.I`` finds ``IV.9.i``); a ``ToolError`` naming
    the id otherwise."""
    check_instrument(corpus, instrument)
    found = corpus.get(clause_id, instrument) or next(
        (
            c
            for c in corpus.clauses
            if c.clause_id.casefold() == clause_id.casefold()
            and instrument in (None, c.instrument_id)
        ),
        None,
    )
    if found is None:
        raise ToolError(
            f"There is no clause '{clause_id[:80]}'. Clause ids look like 'IV.9.i' or 'II.3'; "
            "the resource clauses://index lists them all."
        )
    return found


def check_instrument(corpus: Corpus, instrument: str | None) -> None:
    if instrument is not None and instrument not in corpus.instrument_by_id:
        known = ", ".join(sorted(corpus.instrument_by_id))
        raise ToolError(f"Unknown instrument '{instrument[:80]}'. Known instruments: {known}.")


def checked(services: Services, question: str, history: list[ChatMessage]) -> None:
    try:
        check_request(question, history, services.settings)
    except RequestRejected as exc:
        raise ToolError(str(exc)) from exc


def cited(answer: Answer) -> CitedAnswer:
    return CitedAnswer(
        question=answer.question,
        answer=answer.answer,
        citations=answer.citations,
        abstained=answer.abstained,
        related=answer.related,
        notices=answer.notices,
        generator=answer.generator,
    )


def ranked(services: Services, query: str, top_k: int, instrument: str | None) -> SearchResult:
    """The search tool's work: ranked clauses, filtered to one instrument when asked."""
    corpus = services.corpus
    check_instrument(corpus, instrument)
    checked(services, query, [])
    wanted = top_k if instrument is None else min(50, top_k * len(corpus.instruments))
    try:
        hits = services.search.search(query, wanted)
    except IndexNotReady as exc:
        raise ToolError(f"The clause index is not available: {exc}") from exc
    hits = [h for h in hits if instrument in (None, h.clause.instrument_id)][:top_k]
    results = [
        ClauseHit(
            rank=rank,
            clause_id=hit.clause.clause_id,
            instrument=hit.clause.instrument_id,
            label=hit.clause.label,
            text=hit.clause.text,
            url=corpus.instrument_by_id[hit.clause.instrument_id].url,
            score=hit.score,
        )
        for rank, hit in enumerate(hits, start=1)
    ]
    return SearchResult(query=query, results=results)


AnswerHook = Callable[[Answer], None]


def build_server(services: Services, on_answer: AnswerHook | None = None) -> MCPServer:
    """The MCP server over ``services``: four read-only tools and the clause resources.
    ``on_answer`` sees every answer of the ``ask`` tool (the front door's audit log)."""
    server: MCPServer = MCPServer(
        NAME,
        title="OECD Digital Government Strategies assistant",
        instructions=INSTRUCTIONS,
        version=package_version(),
        log_level="WARNING",
    )
    add_tools(server, services, on_answer)
    add_check_tool(server, services)
    add_resources(server, services)
    return server


def add_tools(server: MCPServer, services: Services, on_answer: AnswerHook | None) -> None:
    @server.tool(annotations=READ_ONLY)
    def search_clauses(
        query: Annotated[str, Field(min_length=1, description="A question or keywords.")],
        top_k: Annotated[int, Field(ge=1, le=50, description="How many clauses (1-50).")] = 8,
        instrument: Annotated[
            str | None, Field(description="Only this instrument, e.g. 'OECD/LEGAL/0406'.")
        ] = None,
    ) -> SearchResult:
        """Rank the clauses for a query, without any written answer."""
        return ranked(services, query, top_k, instrument)

    @server.tool(annotations=READ_ONLY)
    def get_clause(
        id: Annotated[str, Field(min_length=1, description="Clause id, e.g. 'IV.9.i'.")],
        instrument: Annotated[
            str | None, Field(description="Instrument id, when several share clause ids.")
        ] = None,
    ) -> ClauseText:
        """One clause: its wording, heading, the stems above it and the official page."""
        return clause_text(services.corpus, lookup(services.corpus, id, instrument))

    @server.tool(annotations=READ_ONLY)
    def ask(
        question: Annotated[str, Field(min_length=1, description="The question, plain words.")],
        history: Annotated[
            list[ChatMessage] | None,
            Field(description="Earlier turns, oldest first, for follow-up questions."),
        ] = None,
        instruments: Annotated[
            list[str] | None,
            Field(description="Answer only from these instruments, e.g. ['OECD/LEGAL/0449']."),
        ] = None,
    ) -> CitedAnswer:
        """A cited answer: every sentence cites a clause, or the assistant says the texts do
        not cover the question and names the nearest clauses."""
        turns = history or []
        checked(services, question, turns)
        for instrument in instruments or []:
            check_instrument(services.corpus, instrument)
        try:
            answer = services.answers.ask(question, turns, instruments)
        except IndexNotReady as exc:
            raise ToolError(f"The clause index is not available: {exc}") from exc
        except ValueError as exc:
            raise ToolError(str(exc) or "The question is invalid.") from exc
        if on_answer is not None:
            on_answer(answer)
        return cited(answer)


def add_resources(server: MCPServer, services: Services) -> None:
    @server.resource(
        "clause://{clause_id}",
        name="clause",
        description="One clause of the Recommendation, by id (e.g. clause://IV.9.i), as JSON.",
        mime_type="application/json",
    )
    def clause_resource(clause_id: str) -> str:
        try:
            found = lookup(services.corpus, clause_id)
        except ToolError as exc:
            raise ResourceNotFoundError(str(exc)) from exc
        return clause_text(services.corpus, found).model_dump_json()

    @server.resource(
        "clauses://index",
        name="clause-index",
        description="Every clause id with its label and instrument, in document order.",
        mime_type="application/json",
    )
    def clause_index() -> str:
        return json.dumps(
            [
                {"clause_id": c.clause_id, "instrument": c.instrument_id, "label": c.label}
                for c in services.corpus.clauses
            ],
            ensure_ascii=False,
        )
