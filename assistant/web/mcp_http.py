"""The MCP server as streamable HTTP at ``/mcp`` of the web app, behind the same keys.

Every MCP request passes the API's own guard first (``web.security.guard``): with keys set it
needs a *secret* key (a publishable key is refused with 403, since it may sit in any web page),
and it counts against that key's rate limit. A request sent from a browser page (it carries
``Origin``) must come from ``cors_origins``, the MCP specification's defence against DNS
rebinding; agents that send no ``Origin`` are not affected.

The SDK runs stateless (each POST stands alone, so any worker can serve any request) and
answers in JSON. Its session manager must run inside the app's lifespan; a fresh one is made
each time the lifespan starts, so an app can be started twice (tests do).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from contextvars import ContextVar
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from mcp.server.streamable_http_manager import StreamableHTTPSessionManager
from mcp.server.transport_security import TransportSecuritySettings
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from assistant.answering.types import Answer
from assistant.mcp_server.server import build_server
from assistant.services import Services
from assistant.web.audit import AuditLog
from assistant.web.security import ApiError, bearer_scheme, guard, shorten

MCP_PATH = "/mcp"
# The client (key hash) of the MCP request being served, for the audit log: the SDK runs the
# tool in a task and a thread started from the request, which inherit this context.
CLIENT: ContextVar[str] = ContextVar("mcp_client", default="unknown")


def refusal(status: int, code: str, message: str, headers: Mapping[str, str] | None = None) -> Any:
    return JSONResponse(
        {"error": {"code": code, "message": message}},
        status_code=status,
        headers={"Cache-Control": "no-store", **(headers or {})},
    )


class GuardedMcp:
    """ASGI endpoint: the key, origin and rate-limit checks, then the SDK's handler."""

    def __init__(self, services: Services, audit: AuditLog | None = None) -> None:
        def record(answer: Answer) -> None:
            if audit is not None:
                audit.record("mcp", CLIENT.get(), answer)

        self.server = build_server(services, record)
        self.settings = services.settings
        self.manager: StreamableHTTPSessionManager | None = None

    @asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """A new session manager for one run of the app's lifespan."""
        self.server.streamable_http_app(
            streamable_http_path=MCP_PATH,
            stateless_http=True,
            json_response=True,
            max_request_body_size=self.settings.max_request_bytes,
            # Host names vary by deployment; Origin is checked in __call__ instead.
            transport_security=TransportSecuritySettings(enable_dns_rebinding_protection=False),
        )
        manager = self.server.session_manager
        async with manager.run():
            self.manager = manager
            try:
                yield
            finally:
                self.manager = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        refused = await self.refuse(request)
        if refused is None and self.manager is None:
            refused = refusal(503, "unavailable", "The MCP server is not running yet.")
        if refused is not None:
            await refused(scope, receive, send)
            return
        assert self.manager is not None
        CLIENT.set(getattr(request.state, "client_id", "unknown"))
        await self.manager.handle_request(scope, receive, send)

    async def refuse(self, request: Request) -> Any:
        """The error response for a request that may not reach the tools, else None."""
        origin = request.headers.get("origin")
        if origin is not None and origin.rstrip("/").lower() not in self.allowed_origins:
            return refusal(
                403,
                "origin_not_allowed",
                f"MCP requests from web pages must come from an allowed origin; "
                f"{shorten(origin)} is not one (ASSISTANT_CORS_ORIGINS).",
            )
        try:
            guard(request, await bearer_scheme(request))
        except ApiError as exc:
            message = str(exc.detail)
            if exc.code == "route_not_allowed":
                message = (
                    "A publishable key may not use MCP: use a secret key (ASSISTANT_API_KEYS)."
                )
            return refusal(exc.status_code, exc.code, message, exc.headers)
        return None

    @property
    def allowed_origins(self) -> set[str]:
        return {origin.rstrip("/").lower() for origin in self.settings.cors_origins}


def mount_mcp(app: FastAPI, services: Services) -> None:
    """Serve MCP at ``/mcp`` and run its session manager inside the app's lifespan."""
    endpoint = GuardedMcp(services, app.state.audit)
    app.router.routes.append(Route(MCP_PATH, endpoint=endpoint, methods=["GET", "POST", "DELETE"]))
    outer = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(application: Any) -> AsyncIterator[Any]:
        async with outer(application) as state, endpoint.running():
            yield state

    app.router.lifespan_context = lifespan
