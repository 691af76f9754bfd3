"""Builds the one web app: the HTTP API under ``/v1`` (plus health and OpenAPI docs) with the
Gradio chat mounted at ``/``.

Everything the app needs (services, key set, rate limiter) is created here and kept on
``app.state``, so tests and servers build independent apps from their own settings. Errors
always leave as ``{"error": {"code", "message"}}``: no stack trace or file path reaches a client.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import BaseRoute, Match, Mount, NoMatchFound
from starlette.types import Receive, Scope, Send

from assistant.search import IndexNotReady
from assistant.services import Services
from assistant.store import StoreUnavailable
from assistant.web import api, openai_compat
from assistant.web.security import ApiError, AuditLog, BodySizeLimit, build_security

logger = logging.getLogger("assistant.web")

STATUS_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "request_too_large",
    422: "invalid_request",
    429: "rate_limited",
    503: "unavailable",
}
API_PATHS = ("/v1", "/healthz", "/readyz")
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")

DESCRIPTION = """Cited answers from the OECD *Recommendation of the Council on Digital Government
Strategies* (OECD/LEGAL/0406). Every sentence of an answer cites a clause; when the
Recommendation does not cover a question the assistant says so and suggests the nearest clauses.

When API keys are configured, send one as `Authorization: Bearer <key>` on every `/v1` call.
Errors have the shape `{"error": {"code": "...", "message": "..."}}`."""


def error_response(
    status: int, code: str, message: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse(
        {"error": {"code": code, "message": message}}, status_code=status, headers=headers
    )


async def http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = exc.code if isinstance(exc, ApiError) else STATUS_CODES.get(exc.status_code, "error")
    message = exc.detail if isinstance(exc.detail, str) else "The request failed."
    return error_response(exc.status_code, code, message, getattr(exc, "headers", None))


async def validation_error(request: Request, exc: Exception) -> JSONResponse:
    """422 listing each problem as 'where: what' (never echoing the input back)."""
    assert isinstance(exc, RequestValidationError)
    problems = []
    for error in exc.errors():
        if error.get("type") == "json_invalid":
            problems.append("the body is not valid JSON")
            continue
        where = ".".join(str(part) for part in error.get("loc", ()) if part != "body")
        problems.append(f"{where or 'body'}: {error.get('msg', 'invalid')}")
    message = "Invalid request: " + "; ".join(problems) + "."
    return error_response(422, "invalid_request", message)


async def not_ready(request: Request, exc: Exception) -> JSONResponse:
    return error_response(503, "index_not_ready", api.index_message(exc))


async def unexpected(request: Request, exc: Exception) -> JSONResponse:
    logger.exception("Unhandled error on %s %s", request.method, request.url.path)
    return error_response(500, "internal_error", "Something went wrong on the server.")


class ApiFallback(BaseRoute):
    """Answers unknown API paths (404) and wrong methods (405) in the API's error shape.

    Without it the Gradio app mounted at ``/`` would swallow them and answer with its own page.
    """

    def __init__(self, app: FastAPI, prefixes: tuple[str, ...]) -> None:
        self.app = app
        self.prefixes = prefixes

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        path = scope.get("path", "")
        if scope["type"] == "http" and any(
            path == p or path.startswith(p + "/") for p in self.prefixes
        ):
            return Match.FULL, {}
        return Match.NONE, {}

    def url_path_for(self, name: str, /, **path_params: Any) -> Any:
        raise NoMatchFound(name, path_params)

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        allowed = {
            method
            for method in METHODS
            if any(
                route is not self
                and not isinstance(route, Mount)  # the chat at "/" matches every path
                and route.matches({**scope, "method": method})[0] == Match.FULL
                for route in self.app.router.routes
            )
        }
        if allowed:
            response = error_response(
                405,
                "method_not_allowed",
                f"{scope['method']} is not allowed here; use {', '.join(sorted(allowed))}.",
                headers={"Allow": ", ".join(sorted(allowed))},
            )
        else:
            response = error_response(
                404, "not_found", f"No such endpoint: {scope['path']}. See /docs for the API."
            )
        await response(scope, receive, send)


def create_app(services: Services, *, with_ui: bool = True) -> FastAPI:
    """The API and (unless ``with_ui`` is False) the Gradio chat, over one set of services."""
    settings = services.settings
    app = FastAPI(
        title="OECD Digital Government Strategies assistant",
        version="0.1.0",
        description=DESCRIPTION,
        docs_url="/docs",
        redoc_url=None,
    )
    app.state.services = services
    app.state.api_keys, app.state.rate_limiter = build_security(settings)
    app.state.logger = logger
    app.state.audit = AuditLog(settings.audit_log) if settings.audit_log else None

    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(IndexNotReady, not_ready)
    app.add_exception_handler(StoreUnavailable, not_ready)
    app.add_exception_handler(Exception, unexpected)

    app.add_middleware(BodySizeLimit, max_bytes=settings.max_request_bytes, prefixes=("/v1",))
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "Content-Type"],
            expose_headers=["Retry-After"],
        )

    app.include_router(api.health_router)
    app.include_router(api.v1_router)
    app.include_router(openai_compat.router)
    app.router.routes.append(ApiFallback(app, API_PATHS))

    if with_ui:
        from assistant.web.ui import mount_ui

        mount_ui(app, services, app.state.audit)
    return app
