"""API keys and the per-key rate limits: the guard in front of every ``/v1`` route.

Keys come from settings (the environment), are compared in constant time and are never logged or
echoed: a request is identified by a short hash of its key (each key may have its own limit), or
by the client address when no keys are configured (behind a trusted proxy, the address it
forwards). The limiter lives in the app built by ``create_app`` (not in this module), so two apps
in one process, e.g. in tests, never share buckets. The request-size limit and security
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

from assistant.settings import Settings, secret_key_value
from assistant.web.client_address import client_address

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
    """The configured keys, each with its own rate limit or None (the default); with none
    configured the API is open (local use)."""

    def __init__(self, keys: list[str], limits: dict[str, int] | None = None) -> None:
        self._keys = [key.encode() for key in keys if key]
        self._limits = {self._client_id(key.encode()): n for key, n in (limits or {}).items()}

    @staticmethod
    def _client_id(key: bytes) -> str:
        return "key:" + hashlib.sha256(key).hexdigest()[:12]

    def limit_of(self, client: str) -> int | None:
        """The key's own requests per minute, or None for the default."""
        return self._limits.get(client)

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
        return self._client_id(candidate)


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

    def acquire(self, client: str, per_minute: int | None = None) -> float:
        """Take one token from ``client``'s bucket (of ``per_minute``, default the limiter's);
        0.0 when allowed, else the seconds until a token is free."""
        now = self.clock()
        size = float(per_minute or self.per_minute)
        rate = size / 60.0
        with self._lock:
            bucket = self._buckets.get(client)
            if bucket is None:
                bucket = self._buckets[client] = _Bucket(size, now)
            bucket.tokens = min(size, bucket.tokens + (now - bucket.updated) * rate)
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
        client = "ip:" + client_address(request, request.app.state.trusted_proxies)
    per_minute = keys.limit_of(client) or limiter.per_minute
    wait = limiter.acquire(client, per_minute)
    if wait > 0:
        seconds = max(1, math.ceil(wait))
        raise ApiError(
            status.HTTP_429_TOO_MANY_REQUESTS,
            "rate_limited",
            f"Too many requests: the limit is {per_minute} per minute. Retry in {seconds} s.",
            headers={"Retry-After": str(seconds)},
        )
    request.state.client_id = client
    return client


def shorten(text: str, limit: int = 80) -> str:
    """User input echoed in an error message: printable and bounded."""
    printable = "".join(ch if ch.isprintable() else "?" for ch in text)
    return printable if len(printable) <= limit else printable[: limit - 1] + "…"


def build_security(settings: Settings) -> tuple[ApiKeys, RateLimiter]:
    """The key set (with each key's own limit) and limiter for one app, from settings."""
    configured = [secret_key_value(key) for key in settings.api_keys]
    limits = {key: limit for key, limit in configured if limit is not None}
    keys = ApiKeys([key for key, _ in configured], limits)
    return keys, RateLimiter(settings.rate_limit_per_minute)
