"""An OpenAI-compatible face of the assistant: ``/v1/chat/completions`` and ``/v1/models``.

Existing chat front ends and the official OpenAI SDKs work unchanged. The last user message is
the question and earlier user/assistant messages are the history; system messages are ignored,
so a client cannot talk the assistant out of citing. Citations travel three ways: inline
``[IV.9.i]`` markers in the text, ``url_citation`` annotations on the message (the shape OpenAI
clients understand, with the marker's character span), and a top-level ``citations`` field with
the full clause records.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from sse_starlette import EventSourceResponse, ServerSentEvent

from assistant.answering.types import Answer, ChatMessage, Citation
from assistant.corpus.citations import MARKER_RE
from assistant.web.audit import audit
from assistant.web.markdown_export import short
from assistant.web.requests import ERROR_RESPONSES, answer_errors, check_question, open_stream
from assistant.web.schemas import (
    MODEL_ID,
    ChatCompletionMessage,
    ChatCompletionRequest,
    ErrorResponse,
    ModelCard,
    ModelList,
)
from assistant.web.security import ApiError, guard, shorten

router = APIRouter(
    prefix="/v1", dependencies=[Depends(guard)], responses=ERROR_RESPONSES, tags=["openai"]
)


def split_conversation(
    messages: list[ChatCompletionMessage], max_turns: int
) -> tuple[str, list[ChatMessage]]:
    """The question (last user message) and the history (earlier turns, most recent kept).

    Chat front ends resend the whole conversation, so a long one is trimmed to the latest
    ``max_turns`` messages rather than refused.
    """
    turns = [m for m in messages if m.role in ("user", "assistant")]
    if not turns or turns[-1].role != "user":
        raise ApiError(
            422,
            "no_user_message",
            "The last message must be a user message holding the question "
            "(system messages are ignored).",
        )
    history = [ChatMessage(role=m.role, content=m.text()) for m in turns[:-1]]
    return turns[-1].text(), history[-max_turns:] if max_turns else []


def url_annotations(content: str, citations: list[Citation]) -> list[dict[str, Any]]:
    """A ``url_citation`` for every ``[ID]`` marker of a cited clause, with its span."""
    by_id = {c.clause_id: c for c in citations}
    found = []
    for match in MARKER_RE.finditer(content):
        citation = by_id.get(match.group(1).strip())
        if citation is not None:
            found.append(
                {
                    "type": "url_citation",
                    "url_citation": {
                        "url": citation.url,
                        "title": citation.label,
                        "start_index": match.start(),
                        "end_index": match.end(),
                    },
                }
            )
    return found


def sources_footer(answer: Answer) -> str:
    """The cited (or, for a refusal, the nearest) clauses as a plain list, for front ends that
    ignore annotations. Ids are written without brackets so they are not taken for markers."""
    items, title = (
        (answer.related, "Nearest clauses")
        if answer.abstained
        else (
            answer.citations,
            "Sources",
        )
    )
    if not items:
        return ""
    lines = [f"- {c.clause_id}: {short(c.text, 110)} ({c.instrument}, {c.url})" for c in items]
    return f"\n\n{title}:\n" + "\n".join(lines)


def extra_fields(answer: Answer) -> dict[str, Any]:
    """The answer's own fields beside OpenAI's; ``notices`` and ``generator`` say, e.g., that the
    LLM could not be reached and the answer was composed from the clauses instead."""
    return {
        "citations": [c.model_dump(mode="json") for c in answer.citations],
        "abstained": answer.abstained,
        "related": [c.model_dump(mode="json") for c in answer.related],
        "generator": answer.generator,
        "notices": list(answer.notices),
    }


def completion(answer: Answer) -> dict[str, Any]:
    content = answer.answer + sources_footer(answer)
    message = {
        "role": "assistant",
        "content": content,
        "refusal": None,
        "annotations": url_annotations(content, answer.citations),
    }
    return {
        "id": f"chatcmpl-{uuid.uuid4().hex}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": MODEL_ID,
        "choices": [{"index": 0, "message": message, "finish_reason": "stop", "logprobs": None}],
        **extra_fields(answer),
    }


def chunk(cid: str, created: int, delta: dict[str, Any], finish: str | None = None) -> str:
    return json.dumps(
        {
            "id": cid,
            "object": "chat.completion.chunk",
            "created": created,
            "model": MODEL_ID,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}],
        }
    )


@router.get("/models", response_model=ModelList, summary="List the assistant (OpenAI-compatible)")
def list_models() -> ModelList:
    """One model: the assistant itself."""
    return ModelList(data=[ModelCard()])


@router.get(
    "/models/{model_id}",
    response_model=ModelCard,
    summary="One model",
    responses={404: {"model": ErrorResponse, "description": "No model with that id."}},
)
def get_model(model_id: str) -> ModelCard:
    if model_id != MODEL_ID:
        raise ApiError(
            404, "model_not_found", f"Unknown model '{shorten(model_id)}'; use '{MODEL_ID}'."
        )
    return ModelCard()


@router.post(
    "/chat/completions",
    summary="Chat completion (OpenAI-compatible)",
    responses={
        200: {
            "description": "A chat.completion (JSON), or with `stream: true` chat.completion.chunk "
            "server-sent events ending with `data: [DONE]`.",
            "content": {"application/json": {}, "text/event-stream": {}},
        },
        404: {"model": ErrorResponse, "description": "Unknown model."},
    },
)
async def chat_completions(body: ChatCompletionRequest, request: Request) -> Any:
    """OpenAI's chat completions, streaming or not. The reply's `annotations` hold one
    `url_citation` per inline citation marker; `citations` holds the full clause records."""
    if body.model != MODEL_ID:
        raise ApiError(
            404, "model_not_found", f"Unknown model '{shorten(body.model)}'; use '{MODEL_ID}'."
        )
    services = request.app.state.services
    question, history = split_conversation(body.messages, services.settings.max_history_turns)
    check_question(services, question, history)
    if not body.stream:
        from fastapi.concurrency import run_in_threadpool

        with answer_errors():
            answer = await run_in_threadpool(services.answers.ask, question, history)
        audit(request, "openai", answer)
        return JSONResponse(completion(answer))
    events = await open_stream(services, question, history)
    cid, created = f"chatcmpl-{uuid.uuid4().hex}", int(time.time())

    async def sse() -> AsyncIterator[ServerSentEvent]:
        yield ServerSentEvent(data=chunk(cid, created, {"role": "assistant", "content": ""}))
        streamed = ""
        try:
            async for event in events:
                if event.type == "delta" and event.text:
                    streamed += event.text
                    yield ServerSentEvent(data=chunk(cid, created, {"content": event.text}))
                elif event.answer is not None:
                    answer = event.answer
                    audit(request, "openai-stream", answer)
                    rest = answer.answer[len(streamed) :]
                    if answer.answer.startswith(streamed) and rest:
                        streamed += rest
                        yield ServerSentEvent(data=chunk(cid, created, {"content": rest}))
                    footer = sources_footer(answer)
                    if footer:
                        streamed += footer
                        yield ServerSentEvent(data=chunk(cid, created, {"content": footer}))
                    final = json.loads(
                        chunk(
                            cid,
                            created,
                            {"annotations": url_annotations(streamed, answer.citations)},
                            "stop",
                        )
                    )
                    yield ServerSentEvent(data=json.dumps(final | extra_fields(answer)))
        except Exception:
            request.app.state.logger.exception("Chat completion stream failed")
            error = {"code": "internal_error", "message": "The answer could not be completed."}
            yield ServerSentEvent(data=json.dumps({"error": error}))
        yield ServerSentEvent(data="[DONE]")

    return EventSourceResponse(sse(), sep="\n", ping=15)
