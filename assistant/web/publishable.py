"""Publishable keys: API keys meant to sit in a web page (the widget), where anyone can read them.

Because such a key is not a secret, what protects the service is what the key may do, not who
knows it. A publishable key is accepted only

* on the read-only answer routes (``READ_ONLY_ROUTES``: ask, stream, clauses, search,
  instruments),
* from a browser page on one of the key's origins (the ``Origin`` header must be on its list),
* within two rate limits: one per key (all visitors together, so a leaked key cannot drain the
  service) and one per key and client address (so one visitor cannot starve the others).

Anything else gets 403 with a message saying which rule refused it. A script outside a browser
can forge ``Origin``; the limits bound what it can do, and SECURITY.md says so. Secret keys
(``api_keys``) keep full access and are never accepted from here.
"""

from __future__ import annotations

import hashlib
import hmac
import math
from dataclasses import dataclass

from fastapi import Request, status

from assistant.settings import Settings
from assistant.web.client_address import client_address
from assistant.web.security import ApiError, RateLimiter, shorten

READ_ONLY_ROUTES = frozenset(
    {
        ("POST", "/v1/ask"),
        ("POST", "/v1/ask/stream"),
        ("GET", "/v1/clauses"),
        ("GET", "/v1/clauses/{clause_id}"),
        ("GET", "/v1/search"),
        ("GET", "/v1/instruments"),
    }
)


@dataclass(frozen=True)
class _Key:
    secret: bytes
    origins: frozenset[str]
    client_id: str


class PublishableKeys:
    """The configured publishable keys with their two rate limiters (one set per app)."""

    def __init__(self, settings: Settings) -> None:
        self._keys = [
            _Key(
                secret=pk.key.get_secret_value().encode(),
                origins=frozenset(pk.origins),
                client_id="pk:"
                + hashlib.sha256(pk.key.get_secret_value().encode()).hexdigest()[:12],
            )
            for pk in settings.publishable_keys
        ]
        self.per_key = RateLimiter(settings.publishable_rate_limit_per_minute)
        self.per_client = RateLimiter(settings.publishable_client_rate_limit_per_minute)

    @property
    def enabled(self) -> bool:
        return bool(self._keys)

    @property
    def origins(self) -> list[str]:
        """Every origin some key allows (they join the CORS allow-list)."""
        return sorted({origin for key in self._keys for origin in key.origins})

    def _match(self, presented: str) -> _Key | None:
        """Constant-time comparison against every key (no early exit)."""
        candidate = presented.encode()
        found = None
        for key in self._keys:
            if hmac.compare_digest(candidate, key.secret):
                found = key
        return found

    def admit(self, request: Request, presented: str) -> str | None:
        """The client id a publishable key is counted against; None when ``presented`` is not a
        publishable key (the caller then tries the secret keys). Raises 403/429 when it is one
        but this request is not allowed."""
        key = self._match(presented)
        if key is None:
            return None
        self._check_route(request)
        self._check_origin(request, key)
        address = client_address(request, request.app.state.trusted_proxies)
        # Per client first: a visitor over their own limit does not use up everyone's share.
        self._limit(self.per_client, f"{key.client_id}|{address}", "this key from your address")
        self._limit(self.per_key, key.client_id, "this key")
        return key.client_id

    @staticmethod
    def _check_route(request: Request) -> None:
        route = request.scope.get("route")
        template = getattr(route, "path", request.url.path)
        if (request.method, template) not in READ_ONLY_ROUTES:
            raise ApiError(
                status.HTTP_403_FORBIDDEN,
                "route_not_allowed",
                f"A publishable key may not call {request.method} {shorten(request.url.path)}: it "
                "is limited to the read-only answer routes (POST /v1/ask, POST /v1/ask/stream, "
                "GET /v1/clauses, GET /v1/search). Use a secret key on the server side.",
            )

    @staticmethod
    def _check_origin(request: Request, key: _Key) -> None:
        origin = request.headers.get("origin")
        if origin is None:
            raise ApiError(
                status.HTTP_403_FORBIDDEN,
                "origin_required",
                "A publishable key works only from a web page on one of its allowed origins, and "
                "this request came without an Origin header. Use a secret key outside a browser.",
            )
        if origin.rstrip("/").lower() not in key.origins:
            raise ApiError(
                status.HTTP_403_FORBIDDEN,
                "origin_not_allowed",
                f"This key may not be used from {shorten(origin)}: that origin is not on its "
                "list. Ask the assistant's operator to add the page's origin to the key.",
            )

    @staticmethod
    def _limit(limiter: RateLimiter, bucket: str, whose: str) -> None:
        wait = limiter.acquire(bucket)
        if wait > 0:
            seconds = max(1, math.ceil(wait))
            raise ApiError(
                status.HTTP_429_TOO_MANY_REQUESTS,
                "rate_limited",
                f"Too many requests: {whose} is limited to {limiter.per_minute} per minute. "
                f"Retry in {seconds} s.",
                headers={"Retry-After": str(seconds)},
            )
