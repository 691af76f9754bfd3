"""API keys and the per-key rate limit: the guard in front of every ``/v1`` route.

Keys come from settings (the environment), are compared in constant time and are never logged or
echoed: a request is identified by a short hash of its key, or by the client address when no keys
are configured. The limiter lives in the app built by ``create_app`` (not in this module), so two
apps in one process, e.g. in tests, never share buckets. The request-size limit and security
headers are in ``web.middleware``; the audit log and the access-log filter in ``web.audit``.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

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
    publishable = getattr(request.app.state, "publishable_keys", None)
    if credentials is not None and publishable is not None and publishable.enabled:
        page_client: str | None = publishable.admit(request, credentials.credentials)
        if page_client is not None:  # a publishable key, allowed here (else admit raised)
            request.state.client_id = page_client
            return page_client
    if keys.enabled or (publishable is not None and publishable.enabled):
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


def shorten(text: str, limit: int = 80) -> str:
    """User input echoed in an error message: printable and bounded."""
    printable = "".join(ch if ch.isprintable() else "?" for ch in text)
    return printable if len(printable) <= limit else printable[: limit - 1] + "…"


def build_security(settings: Settings) -> tuple[ApiKeys, RateLimiter]:
    """The key set and limiter for one app, from settings."""
    keys = ApiKeys([key.get_secret_value() for key in settings.api_keys])
    return keys, RateLimiter(settings.rate_limit_per_minute)
