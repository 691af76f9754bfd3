"""The naive LangChain RAG behind HTTP, so HTTP figures compare like with like.

Same uvicorn settings and request shape as the assistant (``POST /v1/ask`` with ``question`` and
``history``; ``POST /v1/ask/stream`` as server-sent events), the same embedder and the baseline of
``assistant.evaluation.baselines.NaiveRag`` (split 1000/200, Chroma, top-4). Its "answer" is the
top-4 chunks joined; the stream sends each chunk as a ``delta`` event. Each worker builds its own
throw-away index at start-up (the baseline has no persistent index), after which ``/readyz`` is OK.

    python evals/bench/naive_server.py --port 8123 [--workers 2]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from sse_starlette import EventSourceResponse, ServerSentEvent

PROJECT_ROOT = Path(__file__).resolve().parents[2]
if str(PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(PROJECT_ROOT))

from assistant.evaluation.baselines import NaiveRag  # noqa: E402
from assistant.services import Services  # noqa: E402
from assistant.settings import Settings  # noqa: E402
from assistant.web.schemas import AskRequest  # noqa: E402


def create_app(services: Services) -> FastAPI:
    """The naive RAG app over ``services`` (its corpus and embedder)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        naive = NaiveRag(services.corpus, services.embeddings)
        with naive.open():
            app.state.naive = naive
            yield

    app = FastAPI(title="Naive LangChain RAG (benchmark baseline)", lifespan=lifespan)

    @app.get("/readyz")
    def readyz() -> dict[str, str]:
        return {"status": "ready"}

    @app.post("/v1/ask")
    def ask(body: AskRequest, request: Request) -> dict[str, str]:
        chunks = request.app.state.naive.chunks(body.question)
        return {"question": body.question, "answer": "\n\n".join(chunks)}

    @app.post("/v1/ask/stream", response_class=EventSourceResponse)
    async def ask_stream(body: AskRequest, request: Request) -> EventSourceResponse:
        chunks = await run_in_threadpool(request.app.state.naive.chunks, body.question)

        async def events() -> AsyncIterator[ServerSentEvent]:
            for chunk in chunks:
                yield ServerSentEvent(data=json.dumps({"text": chunk}), event="delta")
            answer = {"question": body.question, "answer": "\n\n".join(chunks)}
            yield ServerSentEvent(data=json.dumps(answer), event="answer")
            yield ServerSentEvent(data="{}", event="done")

        return EventSourceResponse(events(), sep="\n", ping=15)

    return app


def factory() -> FastAPI:
    """uvicorn factory: settings from the environment, like ``app:factory``."""
    return create_app(Services(Settings()))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args(argv)
    import uvicorn

    if args.workers <= 1:
        uvicorn.run(factory(), host=args.host, port=args.port)
        return
    uvicorn.run(
        "evals.bench.naive_server:factory",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        app_dir=str(PROJECT_ROOT),
    )


if __name__ == "__main__":
    main()
