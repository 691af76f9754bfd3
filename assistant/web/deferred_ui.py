"""The web chat built after the server is up, so that importing Gradio is not part of start-up.

Importing and building the Gradio chat takes 2.5-4 s, longer than loading the index and the
model; the HTTP API needs none of it. ``python app.py`` therefore mounts this stand-in at ``/``:
the server starts (and ``/readyz`` answers) as soon as the answering services are warm, while a
thread builds the chat. Until it is built, ``/`` answers 503 with a page that reloads itself;
then every request goes to the chat. The chat's own start-up and shutdown (Gradio's queue) are
driven through the ordinary ASGI lifespan messages, from the main app's lifespan.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("assistant.web")

RETRY_S = 2
STARTING_PAGE = (
    "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
    f"<meta http-equiv='refresh' content='{RETRY_S}'><title>Starting</title></head>"
    "<body><p>The chat is starting; this page reloads in a moment. The API under "
    "<a href='/docs'>/docs</a> is ready.</p></body></html>"
).encode()


class DeferredChat:
    """An ASGI app that serves ``build()``'s app once a background thread has built it."""

    def __init__(self, build: Callable[[], ASGIApp]) -> None:
        self._build = build
        self._app: ASGIApp | None = None
        self._failed = False
        self._task: asyncio.Task[None] | None = None
        self._stop: asyncio.Event | None = None

    @property
    def ready(self) -> bool:
        return self._app is not None

    async def start(self) -> None:
        """Begin building (returns at once)."""
        self._stop = asyncio.Event()
        self._task = asyncio.create_task(self._run(self._stop))

    async def stop(self) -> None:
        """Shut the chat down (its lifespan's shutdown) and wait for that."""
        if self._stop is not None and self._task is not None:
            self._stop.set()
            await self._task

    async def wait_ready(self) -> bool:
        """Wait until the chat is built or has failed; whether it is served."""
        while self._app is None and not self._failed and self._task and not self._task.done():
            await asyncio.sleep(0.05)
        return self._app is not None

    async def _run(self, stop: asyncio.Event) -> None:
        try:
            app = await asyncio.to_thread(self._build)
        except Exception:
            self._failed = True
            log.exception("The web chat could not be built; the API is unaffected")
            return
        started: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        sent_startup = False

        async def receive() -> Message:
            nonlocal sent_startup
            if not sent_startup:
                sent_startup = True
                return {"type": "lifespan.startup"}
            await stop.wait()
            return {"type": "lifespan.shutdown"}

        async def send(message: Message) -> None:
            if message["type"].startswith("lifespan.startup") and not started.done():
                started.set_result(message["type"] == "lifespan.startup.complete")

        scope: dict[str, Any] = {"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}
        lifespan: asyncio.Future[None] = asyncio.ensure_future(app(scope, receive, send))
        waited: set[asyncio.Future[Any]] = {lifespan, started}
        await asyncio.wait(waited, return_when=asyncio.FIRST_COMPLETED)
        if started.done() and started.result():
            self._app = app
        else:
            self._failed = True
            log.error("The web chat did not start; the API is unaffected")
        await stop.wait()
        if not lifespan.done():
            await lifespan

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self._app is not None:
            await self._app(scope, receive, send)
            return
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1013})  # try again later
            return
        body = STARTING_PAGE if not self._failed else b"The web chat is unavailable."
        headers = [
            (b"content-type", b"text/html; charset=utf-8"),
            (b"retry-after", str(RETRY_S).encode()),
            (b"cache-control", b"no-store"),
            (b"content-length", str(len(body)).encode()),
        ]
        await send({"type": "http.response.start", "status": 503, "headers": headers})
        await send({"type": "http.response.body", "body": body})


def mount_deferred_chat(app: FastAPI, chat: DeferredChat) -> None:
    """Mount ``chat`` at ``/`` (after the API's routes) and start and stop it with ``app``."""
    app.mount("/", chat)
    app.state.chat = chat
    outer = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(started: Any) -> AsyncIterator[Any]:
        async with outer(started) as state:
            await chat.start()
            try:
                yield state
            finally:
                await chat.stop()

    app.router.lifespan_context = lifespan
