"""The HTTP API: ask (JSON and server-sent events), clauses, search, health.

Routes are thin: they validate what HTTP adds (sizes, ids), call the same services as the CLI and
the web chat, and map the services' exceptions to status codes. Nothing about a conversation is
kept between requests, so any worker or replica can serve any request.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import iterate_in_threadpool, run_in_threadpool
from sse_starlette import EventSourceResponse, ServerSentEvent

from assistant.answering.limits import RequestRejected, check_request
from assistant.answering.types import Answer, AnswerEvent, ChatMessage
from assistant.corpus.instruments import Corpus
from assistant.corpus.records import Clause
from assistant.retrieval.search import IndexNotReady
from assistant.services import Services
from assistant.web.schemas import (
    AskRequest,
    ClauseNode,
    ClauseOut,
    ClauseTree,
    ErrorDetail,
    ErrorResponse,
    Health,
    InstrumentTree,
    Readiness,
    SearchHit,
    SearchResponse,
)
from assistant.web.security import ApiError, audit, guard, shorten

logger = logging.getLogger("assistant.web")
NO_INDEX = "No index has been built yet"

ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorResponse, "description": text}
    for code, text in {
        401: "Missing or invalid API key.",
        413: "Request body too large.",
        415: "Body is not sent as JSON (Content-Type: application/json).",
        422: "Invalid request (e.g. question too long).",
        429: "Rate limit reached; see Retry-After.",
        503: "Index not built or vector store unreachable.",
    }.items()
}


def services_of(request: Request) -> Services:
    return request.app.state.services


def check_question(services: Services, question: str, history: list[ChatMessage]) -> None:
    """The answering layer's request limits, as 422 errors with their stable codes."""
    try:
        check_request(question, history, services.settings)
    except RequestRejected as exc:
        raise ApiError(422, exc.code, str(exc)) from exc


@contextmanager
def answer_errors() -> Iterator[None]:
    """Map the answer service's exceptions to HTTP errors."""
    try:
        yield
    except IndexNotReady as exc:
        raise ApiError(503, "index_not_ready", index_message(exc)) from exc
    except ValueError as exc:
        raise ApiError(422, "invalid_question", str(exc) or "The question is invalid.") from exc


def index_message(exc: Exception) -> str:
    return (
        f"The clause index is not available: {index_problem(exc)} "
        "Try again shortly or ask the operator."
    )


def index_problem(exc: Exception) -> str:
    """Why the index is not available, in words safe for any client: the store's own error
    (which may name hosts, folders or library internals) goes to the server log instead."""
    detail = str(exc)
    if detail.startswith(NO_INDEX):
        return detail
    logger.warning("Clause index not available: %s", detail)
    return "The vector store does not answer."


async def open_stream(
    services: Services, question: str, history: list[ChatMessage]
) -> AsyncIterator[AnswerEvent]:
    """Start an answer stream and pull its first event before any byte is sent, so an error
    that happens up front (no index, bad question) still gets a proper status code."""
    with answer_errors():
        iterator = iter(services.answers.stream(question, history))
        first = await run_in_threadpool(next, iterator, None)

    async def events() -> AsyncIterator[AnswerEvent]:
        if first is not None:
            yield first
            async for event in iterate_in_threadpool(iterator):
                yield event

    return events()


def clause_out(corpus: Corpus, clause: Clause) -> ClauseOut:
    instrument = corpus.instrument_by_id[clause.instrument_id]
    return ClauseOut(
        clause_id=clause.clause_id,
        instrument=clause.instrument_id,
        kind=clause.kind.value,
        parent_id=clause.parent_id,
        label=clause.label,
        heading=clause.heading,
        text=clause.text,
        context=clause.context,
        url=instrument.url,
        children=[child.clause_id for child in corpus.children(clause)],
    )


def clause_tree(corpus: Corpus) -> ClauseTree:
    """Instruments with their clauses nested by parent, in document order."""
    instruments = []
    for item in corpus.instruments:
        kids: dict[str | None, list[Clause]] = {}
        for clause in item.clauses:
            kids.setdefault(clause.parent_id, []).append(clause)

        def node(clause: Clause, kids: dict[str | None, list[Clause]] = kids) -> ClauseNode:
            return ClauseNode(
                clause_id=clause.clause_id,
                kind=clause.kind.value,
                label=clause.label,
                children=[node(child) for child in kids.get(clause.clause_id, [])],
            )

        meta = item.instrument
        roots = [node(clause) for clause in kids.get(None, [])]
        instruments.append(
            InstrumentTree(id=meta.id, title=meta.title, url=meta.url, clauses=roots)
        )
    return ClauseTree(instruments=instruments)


def find_clause(corpus: Corpus, clause_id: str, instrument: str | None) -> Clause | None:
    """Exact id first, then the same id in another letter case (``iv.9.I`` finds ``IV.9.i``)."""
    found = corpus.get(clause_id, instrument)
    if found is None:
        wanted = clause_id.casefold()
        found = next(
            (
                c
                for c in corpus.clauses
                if c.clause_id.casefold() == wanted and instrument in (None, c.instrument_id)
            ),
            None,
        )
    return found


health_router = APIRouter(tags=["health"])
v1_router = APIRouter(prefix="/v1", dependencies=[Depends(guard)], responses=ERROR_RESPONSES)


@health_router.get("/healthz", response_model=Health, summary="Liveness")
def healthz() -> Health:
    """The process is up. Does not touch the index (use /readyz for that)."""
    return Health()


@health_router.get(
    "/readyz",
    response_model=Readiness,
    summary="Readiness",
    responses={503: {"model": Readiness, "description": "Not ready."}},
)
def readyz(request: Request) -> Any:
    """Ready when the vector store answers and an index has been built."""
    from fastapi.responses import JSONResponse

    services = services_of(request)
    store_ok = services.store.heartbeat()
    collection, problem = None, None
    if store_ok:
        try:
            collection = services.search.active_collection()
        except IndexNotReady as exc:
            problem = index_problem(exc)
    else:
        problem = "The vector store does not answer."
    ready = Readiness(
        status="ready" if collection else "not_ready",
        store=store_ok,
        index=collection is not None,
        collection=collection,
        clauses=len(services.corpus.clauses) if collection else 0,
        error=None
        if collection
        else ErrorDetail(code="not_ready", message=problem or "Not ready."),
    )
    return JSONResponse(ready.model_dump(mode="json"), status_code=200 if collection else 503)


@v1_router.post("/ask", response_model=Answer, summary="Ask a question (JSON)", tags=["answers"])
def ask(body: AskRequest, request: Request) -> Answer:
    """A cited answer: every sentence cites a clause, or the assistant abstains (`abstained`)
    and suggests the nearest clauses (`related`). Send earlier turns in `history` for
    follow-up questions."""
    services = services_of(request)
    check_question(services, body.question, body.history)
    with answer_errors():
        answer = services.answers.ask(body.question, body.history)
    audit(request, "api", answer)
    return answer


@v1_router.post(
    "/ask/stream",
    summary="Ask a question (server-sent events)",
    tags=["answers"],
    response_class=EventSourceResponse,
    responses={200: {"content": {"text/event-stream": {}}, "description": "Event stream."}},
)
async def ask_stream(body: AskRequest, request: Request) -> EventSourceResponse:
    """Server-sent events: `delta` events carry text pieces (`{"text": ...}`), then one
    `answer` event carries the whole answer object with its citations, then `done`. An error
    after the stream started arrives as an `error` event."""
    services = services_of(request)
    check_question(services, body.question, body.history)
    events = await open_stream(services, body.question, body.history)

    async def sse() -> AsyncIterator[ServerSentEvent]:
        try:
            async for event in events:
                if event.type == "delta":
                    yield ServerSentEvent(data=json.dumps({"text": event.text}), event="delta")
                elif event.answer is not None:
                    audit(request, "api-stream", event.answer)
                    yield ServerSentEvent(data=event.answer.model_dump_json(), event="answer")
        except Exception as exc:  # headers are sent: the error travels as an event
            request.app.state.logger.exception("Answer stream failed")
            code, message = "internal_error", "The answer could not be completed."
            if isinstance(exc, IndexNotReady):
                code, message = "index_not_ready", index_message(exc)
            payload = {"error": {"code": code, "message": message}}
            yield ServerSentEvent(data=json.dumps(payload), event="error")
            return
        yield ServerSentEvent(data="{}", event="done")

    return EventSourceResponse(sse(), sep="\n", ping=15)


@v1_router.get("/clauses", response_model=ClauseTree, summary="The clause tree", tags=["clauses"])
def clauses(request: Request) -> ClauseTree:
    """The whole Recommendation: sections, paragraphs and sub-items, in document order."""
    return clause_tree(services_of(request).corpus)


@v1_router.get(
    "/clauses/{clause_id}", response_model=ClauseOut, summary="One clause", tags=["clauses"]
)
def clause(
    clause_id: str,
    request: Request,
    instrument: str | None = Query(None, description="Instrument id, when several share ids."),
) -> ClauseOut:
    """One clause with its heading, wording, stems above it and the official page."""
    corpus = services_of(request).corpus
    found = find_clause(corpus, clause_id, instrument)
    if found is None:
        raise ApiError(
            404,
            "clause_not_found",
            f"There is no clause '{shorten(clause_id)}'. Clause ids look like 'IV.9.i' or 'II.3'; "
            "GET /v1/clauses lists them all.",
        )
    return clause_out(corpus, found)


@v1_router.get(
    "/search", response_model=SearchResponse, summary="Rank clauses for a query", tags=["clauses"]
)
def search(
    request: Request,
    q: str = Query(..., min_length=1, description="A question or keywords."),
    top_k: int | None = Query(None, ge=1, le=50, description="How many clauses (1-50)."),
) -> SearchResponse:
    """Ranked clauses without any generated text (hybrid dense + keyword search)."""
    services = services_of(request)
    check_question(services, q, [])
    k = top_k or services.settings.top_k
    corpus = services.corpus
    hits = services.search.search(q, k)
    results = [
        SearchHit(
            rank=rank,
            clause_id=hit.clause.clause_id,
            instrument=hit.clause.instrument_id,
            label=hit.clause.label,
            text=hit.clause.text,
            url=corpus.instrument_by_id[hit.clause.instrument_id].url,
            score=hit.score,
            dense=hit.dense,
            lexical=hit.lexical,
            matched_by=hit.matched_by,
        )
        for rank, hit in enumerate(hits, start=1)
    ]
    return SearchResponse(query=q, top_k=k, results=results)
