"""API keys, a per-key rate limit, a request-size limit and the opt-in audit log.

Keys come from settings (the environment), are compared in constant time and are never logged or
echoed: a request is identified by a short hash of its key, or by the client address when no keys
are configured. The limiter lives in the app built by ``create_app`` (not in this module), so two
apps in one process, e.g. in tests, never share buckets.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from assistant.answering.types import Answer
from assistant.clock import utc_now
from assistant.settings import Settings

bearer_scheme = HTTPBearer(
    auto_error=False,
    description="An API key from ASSISTANT_API_KEYS, sent as `Authorization: Bearer <key>`. "
    "Not needed when no keys are configured.",
)


class ApiError(HTTPException):
    """An HTTP error with a stable code; rendered as ``{"error": {"code", "message"}}``."""

    def __init__(
        self, status_code: int, code: str, message: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(status_code=status_code, detail=message, headers=headers)
        self.code = code


class ApiKeys:
    """The configured keys; with none configured the API is open (local use)."""

    def __init__(self, keys: list[str]) -> None:
        self._keys = [key.encode() for key in keys if key]

    @property
    def enabled(self) -> bool:
        return bool(self._keys)

    def identify(self, presented: str | None) -> str | None:
        """A short stable id for a valid key, else None. Every key is compared (no early exit),
        in constant time, so timing does not reveal which key or how much of it matched."""
        if presented is None:
            return None
        candidate = presented.encode()
        matched = False
        for key in self._keys:
            matched |= hmac.compare_digest(candidate, key)
        if not matched:
            return None
        return "key:" + hashlib.sha256(candidate).hexdigest()[:12]


@dataclass
class _Bucket:
    tokens: float
    updated: float


@dataclass
class RateLimiter:
    """Token bucket per client: ``per_minute`` requests, refilled continuously."""

    per_minute: int
    clock: Callable[[], float] = time.monotonic
    _buckets: dict[str, _Bucket] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def acquire(self, client: str) -> float:
        """Take one token; 0.0 when allowed, else the seconds until a token is free."""
        now = self.clock()
        rate = self.per_minute / 60.0
        with self._lock:
            bucket = self._buckets.get(client)
            if bucket is None:
                bucket = self._buckets[client] = _Bucket(float(self.per_minute), now)
            bucket.tokens = min(
                float(self.per_minute), bucket.tokens + (now - bucket.updated) * rate
            )
            bucket.updated = now
            if bucket.tokens >= 1.0:
                bucket.tokens -= 1.0
                return 0.0
            if len(self._buckets) > 10_000:  # forget idle clients rather than grow forever
                self._buckets = {k: v for k, v in self._buckets.items() if now - v.updated < 120}
            return (1.0 - bucket.tokens) / rate


def guard(
    request: Request,
    credentials: HTTPAuthorizationCredentials | None = Depends(bearer_scheme),  # noqa: B008
) -> str:
    """Dependency of every ``/v1`` route: check the key, then the rate limit.

    Returns the client id (key hash or address) the request is counted against.
    """
    keys: ApiKeys = request.app.state.api_keys
    limiter: RateLimiter = request.app.state.rate_limiter
    if keys.enabled:
        if credentials is None:
            raise ApiError(
                status.HTTP_401_UNAUTHORIZED,
                "missing_api_key",
                "This API needs a key: send it as 'Authorization: Bearer <key>'.",
                headers={"WWW-Authenticate": "Bearer"},
            )
        client = keys.identify(credentials.credentials)
        if client is None:
            raise ApiError(
                status.HTTP_401_UNAUTHORIZED,
                "invalid_api_key",
                "The API key is not valid. Check the key sent in the Authorization header.",
                headers={"WWW-Authenticate": "Bearer"},
            )
    else:
        client = "ip:" + (request.client.host if request.client else "unknown")
    wait = limiter.acquire(client)
    if wait > 0:
        seconds = max(1, math.ceil(wait))
        raise ApiError(
            status.HTTP_429_TOO_MANY_REQUESTS,
            "rate_limited",
            f"Too many requests: the limit is {limiter.per_minute} per minute. "
            f"Retry in {seconds} s.",
            headers={"Retry-After": str(seconds)},
        )
    request.state.client_id = client
    return client


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


class QueryStringFilter(logging.Filter):
    """Drops the query string from uvicorn's access-log lines: ``GET /v1/search?q=...`` would
    otherwise write the question to the log (questions are logged only in the opt-in audit log).
    """

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            path, _, query = args[2].partition("?")
            if query:
                record.args = (*args[:2], f"{path}?[hidden]", *args[3:])
        return True


def hide_query_strings_in_access_log() -> None:
    """Install :class:`QueryStringFilter` on uvicorn's access logger (once per process)."""
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, QueryStringFilter) for f in access.filters):
        access.addFilter(QueryStringFilter())


def shorten(text: str, limit: int = 80) -> str:
    """User input echoed in an error message: printable and bounded."""
    printable = "".join(ch if ch.isprintable() else "?" for ch in text)
    return printable if len(printable) <= limit else printable[: limit - 1] + "…"


class AuditLog:
    """Opt-in JSON-lines record of answered questions (time, front door, client id, question,
    cited clauses, receipt), so an answer can be traced later. Holds no key: clients are
    recorded by the same short hash the rate limiter uses."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    def record(self, door: str, client: str, answer: Answer) -> None:
        entry = {
            "time": utc_now(),
            "door": door,
            "client": client,
            "question": answer.question,
            "abstained": answer.abstained,
            "citations": [c.clause_id for c in answer.citations],
            "receipt": answer.receipt.model_dump(mode="json"),
        }
        line = json.dumps(entry, ensure_ascii=False) + "\n"
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as handle:
                handle.write(line)


def audit(request: Request, door: str, answer: Answer) -> None:
    """Record an answer when the audit log is on (``ASSISTANT_AUDIT_LOG``)."""
    log: AuditLog | None = request.app.state.audit
    if log is not None:
        log.record(door, getattr(request.state, "client_id", "unknown"), answer)


def build_security(settings: Settings) -> tuple[ApiKeys, RateLimiter]:
    """The key set and limiter for one app, from settings."""
    keys = ApiKeys([key.get_secret_value() for key in settings.api_keys])
    return keys, RateLimiter(settings.rate_limit_per_minute)
