"""``GET /widget.js`` over the fake assistant: served without a key, within its size budget,
gzipped when asked, revalidated by ETag, and written so that nothing it shows can run.
(The widget itself, in real Chromium, is in test_widget_browser.py.)"""

from __future__ import annotations

import base64
import gzip
import hashlib
import re

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from assistant.services import Services
from assistant.settings import PublishableKey
from assistant.web.app_factory import create_app
from assistant.web.widget import GZIP_BUDGET, RAW_BUDGET, WidgetScript


@pytest.fixture
def client(fake_index: Services) -> TestClient:
    settings = fake_index.settings.model_copy(
        update={
            "api_keys": [SecretStr("sk_secret_0123456789abcdef")],
            "publishable_keys": [
                PublishableKey(
                    key=SecretStr("pk_page_0123456789abcdef"), origins=["https://a.example"]
                )
            ],
        }
    )
    services = Services.with_components(
        settings, embeddings=fake_index.embeddings, store=fake_index.store
    )
    return TestClient(create_app(services, with_ui=False))


def test_served_without_a_key_with_caching_and_cross_origin_headers(client: TestClient) -> None:
    script = WidgetScript.load()
    response = client.get("/widget.js", headers={"Accept-Encoding": "identity"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/javascript; charset=utf-8"
    assert response.content == script.raw
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["cross-origin-resource-policy"] == "cross-origin"
    assert response.headers["cache-control"] == "public, max-age=3600"
    expected = "sha384-" + base64.b64encode(hashlib.sha384(script.raw).digest()).decode()
    assert response.headers["x-widget-integrity"] == expected
    again = client.get("/widget.js", headers={"If-None-Match": response.headers["etag"]})
    assert again.status_code == 304 and again.content == b""


def test_gzipped_when_the_browser_accepts_it(client: TestClient) -> None:
    response = client.get("/widget.js", headers={"Accept-Encoding": "gzip, br"})
    assert response.headers["content-encoding"] == "gzip"
    assert response.content == WidgetScript.load().raw  # the client decoded it
    assert "Accept-Encoding" in response.headers["vary"]


def test_within_its_size_budget() -> None:
    script = WidgetScript.load()
    assert len(script.raw) <= RAW_BUDGET, len(script.raw)
    assert len(script.gzipped) <= GZIP_BUDGET, len(script.gzipped)
    assert gzip.decompress(script.gzipped) == script.raw


def test_the_script_never_parses_text_as_html_nor_calls_out() -> None:
    source = WidgetScript.load().raw.decode()
    for sink in (
        "innerHTML",
        "outerHTML",
        "insertAdjacentHTML",
        "document.write",
        "eval(",
        "Function(",
    ):
        assert sink not in source, sink
    assert not re.findall(r"https?://[\w-]+(?:\.[\w-]+)+", source)  # no CDN, no third party
    assert 'credentials: "omit"' in source  # never sends the intranet's cookies


def test_the_widget_route_is_in_the_openapi_document(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert "text/javascript" in paths["/widget.js"]["get"]["responses"]["200"]["content"]
