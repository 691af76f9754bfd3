"""ASGI middleware in front of the API paths: the request-body size limit (413 before any
parsing) and the headers that keep API responses from being sniffed or cached.

Kept apart from ``web.security`` (keys and rate limit, which are a route dependency) because
these wrap the whole app at the ASGI level and never see a parsed request.
"""

from __future__ import annotations

from fastapi import status
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from assistant.web.security import ApiError


def too_large(max_bytes: int) -> ApiError:
    return ApiError(
        status.HTTP_413_CONTENT_TOO_LARGE,
        "request_too_large",
        f"The request body is larger than {max_bytes} bytes. "
        "Send a shorter question or less history.",
    )


class BodyTooLarge(ApiError):
    """Raised from ``receive`` when a streamed body passes the limit; an ``HTTPException`` so
    that FastAPI's body parsing lets it through to the error handlers unchanged."""

    def __init__(self, max_bytes: int) -> None:
        error = too_large(max_bytes)
        super().__init__(error.status_code, error.code, str(error.detail))


class BodySizeLimit:
    """ASGI middleware: bodies of API requests above ``max_bytes`` get 413 before any parsing.

    A declared ``Content-Length`` is checked first; a chunked body is counted as it arrives.
    Only paths under ``prefixes`` are limited (the web chat's own traffic is Gradio's business).
    """

    def __init__(self, app: ASGIApp, max_bytes: int, prefixes: tuple[str, ...] = ("/v1",)):
        self.app = app
        self.max_bytes = max_bytes
        self.prefixes = prefixes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(self.prefixes):
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._reject(send)
            return
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLarge(self.max_bytes)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except BodyTooLarge:
            if not started:
                await self._reject(send)

    async def _reject(self, send: Send) -> None:
        from starlette.responses import JSONResponse

        error = too_large(self.max_bytes)
        response = JSONResponse(
            {"error": {"code": error.code, "message": error.detail}}, status_code=413
        )
        await response({"type": "http"}, _no_receive, send)


async def _no_receive() -> Message:
    return {"type": "http.disconnect"}


class SecurityHeaders:
    """ASGI middleware: API responses are never sniffed as HTML by a browser (they may echo a
    question holding markup) and never cached by a proxy (answers may be sensitive)."""

    HEADERS = ((b"x-content-type-options", b"nosniff"), (b"cache-control", b"no-store"))

    def __init__(self, app: ASGIApp, prefixes: tuple[str, ...]) -> None:
        self.app = app
        self.prefixes = prefixes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(self.prefixes):
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                extra = [(k, v) for k, v in self.HEADERS if k not in present]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, receive, with_headers)
