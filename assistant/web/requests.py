"""What the answer routes of both APIs share: the request-limit check, the mapping of the
answer service's exceptions to HTTP errors, and the opening of an answer stream.

Kept apart from the routes so that ``/v1/ask`` and the OpenAI-compatible ``/v1/chat/completions``
check questions and report a missing index in exactly the same words and status codes.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from typing import Any

from fastapi import Request
from fastapi.concurrency import iterate_in_threadpool, run_in_threadpool

from assistant.answering.limits import RequestRejected, check_request
from assistant.answering.types import AnswerEvent, ChatMessage
from assistant.retrieval.search import IndexNotReady
from assistant.services import Services
from assistant.web.schemas import ErrorResponse
from assistant.web.security import ApiError, shorten

logger = logging.getLogger("assistant.web")
NO_INDEX = "No index has been built yet"

ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorResponse, "description": text}
    for code, text in {
        401: "Missing or invalid API key.",
        403: "A publishable key used from an origin not on its list, or on a route it may not "
        "call.",
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


def check_instruments(services: Services, instruments: list[str] | None) -> None:
    """Every requested instrument must be one the assistant holds (422 otherwise)."""
    known = services.corpus.instrument_by_id
    unknown = [i for i in instruments or [] if i not in known]
    if unknown:
        raise ApiError(
            422,
            "unknown_instrument",
            f"Unknown instrument(s) {', '.join(repr(shorten(i)) for i in unknown[:3])}; "
            f"GET /v1/instruments lists them: {', '.join(known)}.",
        )


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
    services: Services,
    question: str,
    history: list[ChatMessage],
    instruments: list[str] | None = None,
) -> AsyncIterator[AnswerEvent]:
    """Start an answer stream and pull its first event before any byte is sent, so an error
    that happens up front (no index, bad question) still gets a proper status code."""
    with answer_errors():
        iterator = iter(services.answers.stream(question, history, instruments))
        first = await run_in_threadpool(next, iterator, None)

    async def events() -> AsyncIterator[AnswerEvent]:
        if first is not None:
            yield first
            async for event in iterate_in_threadpool(iterator):
                yield event

    return events()
