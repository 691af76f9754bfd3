"""The HTTP API: ask (JSON and server-sent events), clauses, search, health.

Routes are thin: they validate what HTTP adds (sizes, ids), call the same services as the CLI and
the web chat, and map the services' exceptions to status codes. Nothing about a conversation is
kept between requests, so any worker or replica can serve any request. The checks and error
mapping they share with the OpenAI-compatible routes live in ``web.requests``; the clause views
in ``web.clause_views``.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from sse_starlette import EventSourceResponse, ServerSentEvent

from assistant.answering.types import Answer
from assistant.checking.types import CheckResult
from assistant.retrieval.search import IndexNotReady
from assistant.web.audit import audit
from assistant.web.clause_views import clause_out, clause_tree, find_clause
from assistant.web.requests import (
    ERROR_RESPONSES,
    answer_errors,
    check_instruments,
    check_question,
    index_message,
    index_problem,
    open_stream,
    services_of,
)
from assistant.web.schemas import (
    AskRequest,
    CheckRequest,
    ClauseOut,
    ClauseTree,
    ErrorDetail,
    ErrorResponse,
    Health,
    InstrumentList,
    InstrumentOut,
    Readiness,
    SearchHit,
    SearchResponse,
)
from assistant.web.security import ApiError, guard, shorten

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
    check_instruments(services, body.instruments)
    with answer_errors():
        answer = services.answers.ask(body.question, body.history, body.instruments)
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
    check_instruments(services, body.instruments)
    events = await open_stream(services, body.question, body.history, body.instruments)

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


@v1_router.post(
    "/check", response_model=CheckResult, summary="Check a text against the clauses", tags=["check"]
)
def check(body: CheckRequest, request: Request) -> CheckResult:
    """Each sentence of any text (a brief, another chatbot's answer) with its verdict:
    `supported` (clause ids and the quoted words), `partly supported`, `not found in the text`,
    `contradicted` (the clause and what differs: numbers, negation, must vs should, invented
    sanctions, deadlines or amounts) or `not a claim about the text`. `start`/`end` are offsets
    into `text` for highlighting."""
    return services_of(request).attribution.check_text(body.text)


@v1_router.get(
    "/instruments", response_model=InstrumentList, summary="The instruments", tags=["clauses"]
)
def instruments(request: Request) -> InstrumentList:
    """The instruments the assistant answers from, primary first: titles, the prefix of their
    clause ids, and which wording of each it holds (a version notice when it is not the
    current one)."""
    corpus = services_of(request).corpus
    return InstrumentList(
        instruments=[
            InstrumentOut(
                id=meta.id,
                title=meta.title,
                short_title=meta.short_title,
                adopted=meta.adopted.isoformat() if meta.adopted else None,
                council_ref=meta.council_ref,
                url=meta.url,
                id_prefix=meta.id_prefix,
                version=meta.version,
                version_notice=meta.version_notice,
                clauses=len(item.clauses),
                primary=meta.id == corpus.primary.id,
            )
            for item in corpus.instruments
            for meta in [item.instrument]
        ]
    )


@v1_router.get("/clauses", response_model=ClauseTree, summary="The clause tree", tags=["clauses"])
def clauses(request: Request) -> ClauseTree:
    """Every instrument: sections, paragraphs and items, in document order."""
    return clause_tree(services_of(request).corpus)


@v1_router.get(
    "/clauses/{clause_id}",
    response_model=ClauseOut,
    summary="One clause",
    tags=["clauses"],
    responses={404: {"model": ErrorResponse, "description": "No clause with that id."}},
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
    instruments: Annotated[
        list[str] | None,
        Query(description="Only these instruments (repeat the parameter for several)."),
    ] = None,
) -> SearchResponse:
    """Ranked clauses without any generated text (hybrid dense + keyword search)."""
    services = services_of(request)
    check_question(services, q, [])
    check_instruments(services, instruments)
    k = top_k or services.settings.top_k
    corpus = services.corpus
    hits = services.search.search(q, k, instruments=instruments)
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
