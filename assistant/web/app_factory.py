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

from assistant.backends.vector_store import StoreUnavailable
from assistant.retrieval.search import IndexNotReady
from assistant.services import Services
from assistant.version import package_version
from assistant.web import api, openai_compat
from assistant.web.audit import AuditLog, hide_query_strings_in_access_log
from assistant.web.client_address import parse_networks
from assistant.web.deferred_ui import DeferredChat, mount_deferred_chat
from assistant.web.middleware import BodySizeLimit, SecurityHeaders
from assistant.web.publishable import PublishableKeys
from assistant.web.requests import index_message
from assistant.web.security import ApiError, build_security, shorten
from assistant.web.widget import WidgetScript, widget_router

logger = logging.getLogger("assistant.web")

STATUS_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "request_too_large",
    415: "unsupported_media_type",
    422: "invalid_request",
    429: "rate_limited",
    503: "unavailable",
}
API_PATHS = ("/v1", "/healthz", "/readyz")
MAX_PROBLEMS = 5  # validation problems listed in one message (a 3,000-item bad history is one)
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
    if exc.status_code == 400 and not isinstance(exc, ApiError):
        unreadable = unreadable_body(exc.__cause__)
        if unreadable:  # FastAPI's "error parsing the body": say which error
            return error_response(422, "invalid_request", unreadable)
    code = exc.code if isinstance(exc, ApiError) else STATUS_CODES.get(exc.status_code, "error")
    message = exc.detail if isinstance(exc.detail, str) else "The request failed."
    return error_response(exc.status_code, code, message, getattr(exc, "headers", None))


def unreadable_body(cause: BaseException | None) -> str | None:
    """What was wrong with a body FastAPI could not decode (not a JSON syntax error)."""
    if isinstance(cause, UnicodeDecodeError):
        return "Invalid request: the body is not valid UTF-8. Send JSON encoded as UTF-8."
    if isinstance(cause, RecursionError):
        return "Invalid request: the body's JSON is nested too deeply."
    if cause is not None:
        return "Invalid request: the body could not be read as JSON."
    return None


def wrong_body(request: Request, errors: list[dict[str, Any]]) -> JSONResponse | None:
    """A body that is not a JSON object at all: the wrong content type (415), no body, or a
    list/string/number where an object was expected (422), each said plainly."""
    top = [e for e in errors if tuple(e.get("loc", ())) == ("body",)]
    if not top:
        return None
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    is_json = media == "application/json" or (media.startswith("application/") and "+json" in media)
    if top[0].get("type") == "missing":
        return error_response(
            422,
            "invalid_request",
            'Invalid request: the body is empty. Send a JSON object such as {"question": "..."} '
            "with 'Content-Type: application/json'.",
        )
    if not is_json:
        got = f"'{media[:60]}'" if media else "none"
        return error_response(
            415,
            "unsupported_media_type",
            f"The body must be JSON sent with 'Content-Type: application/json' (content type "
            f"received: {got}).",
        )
    return error_response(
        422,
        "invalid_request",
        'Invalid request: the body must be a JSON object such as {"question": "..."}, not a '
        "list, string or number.",
    )


async def validation_error(request: Request, exc: Exception) -> JSONResponse:
    """422 listing each problem as 'where: what' (never echoing the input back)."""
    assert isinstance(exc, RequestValidationError)
    whole_body = wrong_body(request, list(exc.errors()))
    if whole_body is not None:
        return whole_body
    problems = []
    for error in exc.errors():
        if error.get("type") == "json_invalid":
            loc, reason = error.get("loc", ()), (error.get("ctx") or {}).get("error")
            where = f" at character {loc[-1]}" if loc and isinstance(loc[-1], int) else ""
            problems.append(
                f"the body is not valid JSON ({reason}{where})"
                if reason
                else "the body is not valid JSON"
            )
            continue
        where = ".".join(str(part) for part in error.get("loc", ()) if part != "body")
        problems.append(f"{where or 'body'}: {error.get('msg', 'invalid')}")
    more = len(problems) - MAX_PROBLEMS
    listed = problems[:MAX_PROBLEMS] + ([f"and {more} more"] if more > 0 else [])
    message = "Invalid request: " + "; ".join(listed) + "."
    return error_response(422, "invalid_request", message)


async def not_ready(request: Request, exc: Exception) -> JSONResponse:
    return error_response(503, "index_not_ready", index_message(exc))


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
                404,
                "not_found",
                f"No such endpoint: {shorten(scope['path'])}. See /docs for the API.",
            )
        await response(scope, receive, send)


def create_app(services: Services, *, with_ui: bool = True, defer_ui: bool = False) -> FastAPI:
    """The API and (unless ``with_ui`` is False) the Gradio chat, over one set of services;
    with ``defer_ui`` the chat is built in the background once the server runs (``deferred_ui``:
    the server is ready seconds sooner)."""
    settings = services.settings
    app = FastAPI(
        title="OECD Digital Government Strategies assistant",
        version=package_version(),
        description=DESCRIPTION,
        docs_url="/docs",
        redoc_url=None,
    )
    app.state.services = services
    app.state.api_keys, app.state.rate_limiter = build_security(settings)
    app.state.trusted_proxies = parse_networks(settings.trusted_proxies)
    app.state.publishable_keys = PublishableKeys(settings)
    app.state.logger = logger
    app.state.audit = AuditLog(settings.audit_log) if settings.audit_log else None

    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(IndexNotReady, not_ready)
    app.add_exception_handler(StoreUnavailable, not_ready)
    app.add_exception_handler(Exception, unexpected)

    app.add_middleware(BodySizeLimit, max_bytes=settings.max_request_bytes, prefixes=("/v1",))
    app.add_middleware(SecurityHeaders, prefixes=API_PATHS)
    hide_query_strings_in_access_log()  # /v1/search?q=... would otherwise log the question
    # Pages holding a publishable key must be able to call the API from the browser.
    cors_origins = sorted({*settings.cors_origins, *app.state.publishable_keys.origins})
    if cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=cors_origins,
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "Content-Type"],
            expose_headers=["Retry-After"],
        )

    app.include_router(api.health_router)
    app.include_router(api.v1_router)
    app.include_router(openai_compat.router)
    if settings.mcp_http:
        from assistant.web.mcp_http import mount_mcp  # the MCP SDK loads only when served

        mount_mcp(app, services)
    app.include_router(widget_router(WidgetScript.load()))
    app.router.routes.append(ApiFallback(app, API_PATHS))

    if with_ui and defer_ui:
        mount_deferred_chat(app, DeferredChat(lambda: _chat_app(services, app.state.audit)))
    elif with_ui:
        from assistant.web.ui import mount_ui

        mount_ui(app, services, app.state.audit)
    return app


def _chat_app(services: Services, audit: AuditLog | None) -> FastAPI:
    from assistant.web.ui import chat_app  # Gradio: imported in the builder's thread

    return chat_app(services, audit)
