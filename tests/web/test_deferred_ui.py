"""The chat built after the server runs (``deferred_ui``), with a stand-in app for the chat
(unit tests with a fake chat: the real Gradio chat is covered by test_app_start.py)."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.responses import PlainTextResponse
from fastapi.testclient import TestClient

from assistant.web.deferred_ui import DeferredChat, mount_deferred_chat


def _api_with(chat: DeferredChat) -> FastAPI:
    app = FastAPI()
    app.get("/readyz")(lambda: {"status": "ready"})
    mount_deferred_chat(app, chat)
    return app


def test_fake_chat_answers_503_until_built_then_serves_and_shuts_down() -> None:
    release = threading.Event()
    events: list[str] = []

    def build() -> FastAPI:
        release.wait(10)

        @asynccontextmanager
        async def lifespan(_: FastAPI) -> AsyncIterator[None]:
            events.append("started")
            yield
            events.append("stopped")

        chat = FastAPI(lifespan=lifespan)
        chat.get("/")(lambda: PlainTextResponse("the chat"))
        return chat

    chat = DeferredChat(build)
    with TestClient(_api_with(chat)) as client:
        assert client.get("/readyz").status_code == 200  # the API does not wait for the chat
        waiting = client.get("/")
        assert waiting.status_code == 503 and waiting.headers["retry-after"] == "2"
        assert "starting" in waiting.text
        release.set()
        assert client.portal.call(chat.wait_ready)
        assert client.get("/").text == "the chat"
        assert events == ["started"]
    assert events == ["started", "stopped"]


def test_fake_chat_that_fails_to_build_leaves_the_api_serving() -> None:
    def build() -> FastAPI:
        raise RuntimeError("no chat today")

    chat = DeferredChat(build)
    with TestClient(_api_with(chat)) as client:
        assert not client.portal.call(chat.wait_ready)
        assert client.get("/readyz").status_code == 200
        failed = client.get("/")
        assert failed.status_code == 503 and "unavailable" in failed.text
