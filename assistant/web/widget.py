"""``GET /widget.js``: the drop-in chat widget, served by the app itself (no third-party CDN).

The script is read once when the app is built, with its gzip form and a content hash, so every
request is a dictionary lookup. It is public (a page loads it with a plain ``<script src>``,
no key): the publishable key it is given decides what it may ask. Responses carry an ``ETag``
(a revalidation answers 304), a short public cache lifetime, ``nosniff`` and
``Cross-Origin-Resource-Policy: cross-origin`` so intranet pages on other origins (even with
``Cross-Origin-Embedder-Policy``) may load it; the ``integrity`` value for a pinned
``<script integrity=...>`` is in the ``X-Widget-Integrity`` header.

Size budget: ``RAW_BUDGET`` bytes as written and ``GZIP_BUDGET`` gzipped; a test holds it.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
from dataclasses import dataclass
from importlib import resources

from fastapi import APIRouter, Request, Response

RAW_BUDGET = 24_000
GZIP_BUDGET = 8_000
CACHE_SECONDS = 3600


@dataclass(frozen=True)
class WidgetScript:
    """The script's bytes, gzip form, ETag and subresource-integrity value."""

    raw: bytes
    gzipped: bytes
    etag: str
    integrity: str

    @classmethod
    def load(cls) -> WidgetScript:
        raw = resources.files("assistant.web").joinpath("static/widget.js").read_bytes()
        digest = hashlib.sha384(raw).digest()
        return cls(
            raw=raw,
            gzipped=gzip.compress(raw, compresslevel=9, mtime=0),
            etag='"' + hashlib.sha256(raw).hexdigest()[:20] + '"',
            integrity="sha384-" + base64.b64encode(digest).decode(),
        )


def widget_router(script: WidgetScript) -> APIRouter:
    """The route serving ``script`` (one per app, so apps never share state)."""
    router = APIRouter(tags=["widget"])

    @router.get(
        "/widget.js",
        summary="The embeddable chat widget",
        response_class=Response,
        responses={
            200: {"content": {"text/javascript": {}}, "description": "The script."},
            304: {"description": "Not modified (If-None-Match matched the ETag)."},
        },
    )
    def widget_js(request: Request) -> Response:
        """The widget script: `<script src="/widget.js" data-key="pk_..." defer>` on any page
        whose origin is on the publishable key's list."""
        headers = {
            "ETag": script.etag,
            "Cache-Control": f"public, max-age={CACHE_SECONDS}",
            "X-Content-Type-Options": "nosniff",
            "Cross-Origin-Resource-Policy": "cross-origin",
            "Access-Control-Allow-Origin": "*",
            "X-Widget-Integrity": script.integrity,
            "Vary": "Accept-Encoding",
        }
        if script.etag in request.headers.get("if-none-match", ""):
            return Response(status_code=304, headers=headers)
        body = script.raw
        if "gzip" in request.headers.get("accept-encoding", "").lower():
            body = script.gzipped
            headers["Content-Encoding"] = "gzip"
        return Response(body, media_type="text/javascript; charset=utf-8", headers=headers)

    return router
