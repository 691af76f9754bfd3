"""A fake OpenAI-compatible chat server for tests: real HTTP on loopback, scripted replies.

It speaks the part of the OpenAI protocol the assistant uses, so the real client stack (LangChain's
``ChatOpenAI`` -> ``openai`` SDK -> httpx) runs unchanged against it:

- ``POST /v1/chat/completions``, non-streaming (one ``chat.completion``) and streaming (SSE
  ``data: {chat.completion.chunk}`` lines, then ``data: [DONE]``);
- ``GET /v1/models``.

Each test programs it: a queue of reply texts (one per chat request), a delay before answering
(to trigger client timeouts), and a mode that answers with garbage (``"garbage"``: a body that
is not JSON) or an HTTP 500 (``"error"``). It records every request it got, so a test can assert
what the model was actually shown (the system prompt, the clauses labelled with their ids).
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
import uuid
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal

Mode = Literal["ok", "garbage", "error"]
GARBAGE_BODY = b"<html>upstream proxy hiccup {{not json"


@dataclass
class RecordedRequest:
    """One HTTP request as the fake received it."""

    method: str
    path: str
    headers: dict[str, str]
    body: dict[str, Any] | None

    @property
    def messages(self) -> list[dict[str, Any]]:
        return list((self.body or {}).get("messages", []))

    def content_of(self, role: str) -> str:
        """All text the request sent under ``role`` (system, user, ...), joined."""
        return "\n".join(str(m.get("content", "")) for m in self.messages if m.get("role") == role)

    @property
    def text(self) -> str:
        """Every message's text, for 'the model never saw X' assertions."""
        return "\n".join(str(m.get("content", "")) for m in self.messages)


@dataclass
class FakeLLMServer:
    """A scripted OpenAI-compatible server on 127.0.0.1; use as a context manager."""

    model: str = "fake-model"
    replies: deque[str] = field(default_factory=deque)
    mode: Mode = "ok"
    delay_s: float = 0.0
    piece_delay_s: float = 0.0  # pause before each streamed piece: a model that writes slowly
    stream_finished_at: float | None = None  # time.monotonic() when the last piece was sent
    requests: list[RecordedRequest] = field(default_factory=list)
    port: int = 0

    def __post_init__(self) -> None:
        self._stopping = threading.Event()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    # -- programming the fake -----------------------------------------------------------------

    def queue(self, *texts: str) -> FakeLLMServer:
        """Replies for the next chat requests, in order."""
        self.replies.extend(texts)
        return self

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    @property
    def chat_requests(self) -> list[RecordedRequest]:
        return [r for r in self.requests if r.path.endswith("/chat/completions")]

    @property
    def last_chat(self) -> RecordedRequest:
        assert self.chat_requests, "the fake LLM server received no chat request"
        return self.chat_requests[-1]

    # -- lifecycle ----------------------------------------------------------------------------

    def start(self) -> FakeLLMServer:
        self._httpd = ThreadingHTTPServer(("127.0.0.1", self.port), _handler_for(self))
        self._httpd.daemon_threads = True
        self.port = int(self._httpd.server_address[1])
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()  # wakes handlers sleeping in a delay
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> FakeLLMServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- used by the handler ------------------------------------------------------------------

    def _record(self, request: RecordedRequest) -> None:
        with self._lock:
            self.requests.append(request)

    def _next_reply(self) -> str | None:
        with self._lock:
            return self.replies.popleft() if self.replies else None

    def _wait_delay(self) -> bool:
        """Sleep the programmed delay; True when the fake was stopped meanwhile."""
        return self.delay_s > 0 and self._stopping.wait(self.delay_s)


def _handler_for(fake: FakeLLMServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "FakeLLM/1.0"

        def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
            pass

        def handle(self) -> None:
            # The client may have given up (a timeout test): nothing is left to answer.
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                super().handle()

        def do_GET(self) -> None:
            fake._record(RecordedRequest("GET", self.path, dict(self.headers), None))
            if self.path.rstrip("/").endswith("/v1/models"):
                created = int(time.time())
                data = [
                    {"id": fake.model, "object": "model", "created": created, "owned_by": "fake"}
                ]
                self._send_json(200, {"object": "list", "data": data})
            else:
                self._send_json(404, {"error": {"message": f"no route {self.path}"}})

        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            try:
                body = json.loads(raw or b"{}")
            except json.JSONDecodeError:
                body = None
            fake._record(RecordedRequest("POST", self.path, dict(self.headers), body))
            if not self.path.rstrip("/").endswith("/v1/chat/completions"):
                self._send_json(404, {"error": {"message": f"no route {self.path}"}})
                return
            if fake._wait_delay():
                return  # the fake is stopping
            if fake.mode == "error":
                self._send_json(500, {"error": {"message": "fake internal error"}})
                return
            if fake.mode == "garbage":
                self._send_raw(200, "application/json", GARBAGE_BODY)
                return
            reply = fake._next_reply()
            if reply is None:
                self._send_json(500, {"error": {"message": "fake LLM server: no reply queued"}})
                return
            body = body or {}
            if body.get("stream"):
                include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
                self._send_stream(_chunks(fake.model, reply, include_usage))
            else:
                self._send_json(200, _completion(fake.model, reply))

        # -- writing responses ----------------------------------------------------------------

        def _send_json(self, status: int, payload: dict[str, Any]) -> None:
            self._send_raw(status, "application/json", json.dumps(payload).encode())

        def _send_raw(self, status: int, content_type: str, data: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _send_stream(self, events: Iterable[dict[str, Any]]) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-cache")
            self.end_headers()  # HTTP/1.0: the body ends when the connection closes
            for event in events:
                if fake.piece_delay_s and fake._stopping.wait(fake.piece_delay_s):
                    return
                self.wfile.write(f"data: {json.dumps(event)}\n\n".encode())
                self.wfile.flush()
            self.wfile.write(b"data: [DONE]\n\n")
            self.wfile.flush()
            fake.stream_finished_at = time.monotonic()

    return Handler


def _completion(model: str, text: str) -> dict[str, Any]:
    return {
        "id": f"chatcmpl-{uuid.uuid4().hex[:12]}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": text},
                "finish_reason": "stop",
            }
        ],
        "usage": _usage(text),
    }


def _chunks(model: str, text: str, include_usage: bool) -> Iterator[dict[str, Any]]:
    """The reply as a model streams it: a role chunk, word-sized pieces, a stop chunk."""
    base = {
        "id": f"chatcmpl-{uuid.uuid4().hex[:12]}",
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": model,
    }

    def chunk(delta: dict[str, str], finish: str | None = None) -> dict[str, Any]:
        return base | {"choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}

    yield chunk({"role": "assistant", "content": ""})
    for piece in _pieces(text):
        yield chunk({"content": piece})
    yield chunk({}, "stop")
    if include_usage:
        yield base | {"choices": [], "usage": _usage(text)}


def _pieces(text: str) -> list[str]:
    """Word-sized pieces (each keeps its leading space) that join back to ``text``."""
    pieces: list[str] = []
    for word in text.split(" "):
        pieces.append(word if not pieces else " " + word)
    return [p for p in pieces if p]


def _usage(text: str) -> dict[str, int]:
    completion = len(text.split())
    return {"prompt_tokens": 0, "completion_tokens": completion, "total_tokens": completion}
