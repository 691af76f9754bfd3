"""Publishable keys (keys a web page may hold) over the fake assistant: bound to their origins,
limited to the read-only answer routes, rate limited per key and per client; secret keys keep
full access; settings refuse keys that would open more than meant."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr, ValidationError

from assistant.services import Services
from assistant.settings import PublishableKey, Settings
from assistant.web.app_factory import create_app

PAGE = "https://intranet.example.org"
PK = "pk_test_intranet_0123456789"
SECRET = "sk_test_server_0123456789"
ASK = {"question": "How should governments justify funding for digital projects?"}


def app_for(services: Services, **update: object) -> TestClient:
    settings = services.settings.model_copy(
        update={
            "api_keys": [SecretStr(SECRET)],
            "publishable_keys": [PublishableKey(key=SecretStr(PK), origins=[PAGE + "/"])],
            **update,
        }
    )
    return TestClient(
        create_app(Services.with_components(settings, **components(services)), with_ui=False),
        raise_server_exceptions=False,
    )


def components(services: Services) -> dict[str, object]:
    """The fake index's parts, reused under changed settings."""
    return {"embeddings": services.embeddings, "store": services.store}


def from_page(key: str = PK, origin: str = PAGE) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}", "Origin": origin}


def error_of(response, status: int, code: str) -> str:  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.text
    assert response.json()["error"]["code"] == code
    return str(response.json()["error"]["message"])


@pytest.fixture
def client(fake_index: Services) -> TestClient:
    return app_for(fake_index)


def test_read_only_routes_work_from_the_allowed_origin(client: TestClient) -> None:
    answer = client.post("/v1/ask", json=ASK, headers=from_page())
    assert answer.status_code == 200, answer.text
    assert answer.json()["citations"]
    assert answer.headers["access-control-allow-origin"] == PAGE
    stream = client.post("/v1/ask/stream", json=ASK, headers=from_page())
    assert stream.status_code == 200 and "event: answer" in stream.text
    assert client.get("/v1/clauses", headers=from_page()).status_code == 200
    assert client.get("/v1/clauses/IV.9", headers=from_page()).json()["clause_id"] == "IV.9"
    assert client.get("/v1/search?q=funding", headers=from_page()).json()["results"]


def test_other_routes_are_refused_with_a_message(client: TestClient) -> None:
    chat = {"model": "oecd-digital-government", "messages": [{"role": "user", "content": "hi"}]}
    refused = client.post("/v1/chat/completions", json=chat, headers=from_page())
    message = error_of(refused, 403, "route_not_allowed")
    assert "POST /v1/chat/completions" in message and "secret key" in message
    error_of(client.get("/v1/models", headers=from_page()), 403, "route_not_allowed")
    # The secret key keeps full access to the same routes.
    assert (
        client.get("/v1/models", headers={"Authorization": f"Bearer {SECRET}"}).status_code == 200
    )


def test_other_origins_and_no_origin_are_refused(client: TestClient) -> None:
    other = client.post("/v1/ask", json=ASK, headers=from_page(origin="https://evil.example"))
    assert "https://evil.example" in error_of(other, 403, "origin_not_allowed")
    no_origin = client.post("/v1/ask", json=ASK, headers={"Authorization": f"Bearer {PK}"})
    assert "Origin" in error_of(no_origin, 403, "origin_required")
    # Same host on another port or scheme is another origin.
    error_of(
        client.get("/v1/clauses", headers=from_page(origin="http://intranet.example.org")),
        403,
        "origin_not_allowed",
    )
    assert client.get("/v1/clauses", headers=from_page(origin=PAGE.upper())).status_code == 200


def test_keys_are_needed_once_any_key_is_configured(fake_index: Services) -> None:
    only_publishable = app_for(fake_index, api_keys=[])
    error_of(only_publishable.get("/v1/clauses"), 401, "missing_api_key")
    error_of(
        only_publishable.get("/v1/clauses", headers=from_page(key="pk_not_a_key_at_all_000")),
        401,
        "invalid_api_key",
    )


def test_rate_limited_per_client_and_per_key(fake_index: Services) -> None:
    settings = {
        "publishable_client_rate_limit_per_minute": 2,
        "publishable_rate_limit_per_minute": 3,
    }
    first = app_for(fake_index, **settings)
    second = TestClient(first.app, client=("10.0.0.2", 4000), raise_server_exceptions=False)
    for _ in range(2):
        assert first.get("/v1/clauses", headers=from_page()).status_code == 200
    limited = first.get("/v1/clauses", headers=from_page())
    assert "from your address" in error_of(limited, 429, "rate_limited")
    assert int(limited.headers["retry-after"]) >= 1
    # The first visitor's refused call did not use up the key's share: one is left.
    assert second.get("/v1/clauses", headers=from_page()).status_code == 200
    exhausted = second.get("/v1/clauses", headers=from_page())
    assert "limited to 3 per minute" in error_of(exhausted, 429, "rate_limited")
    # The secret key has its own limit and is not affected.
    assert (
        first.get("/v1/clauses", headers={"Authorization": f"Bearer {SECRET}"}).status_code == 200
    )


def test_cors_allows_the_keys_origins_only(client: TestClient) -> None:
    preflight = {
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization",
    }
    allowed = client.options("/v1/ask/stream", headers={"Origin": PAGE, **preflight})
    assert allowed.headers["access-control-allow-origin"] == PAGE
    denied = client.options(
        "/v1/ask/stream", headers={"Origin": "https://evil.example", **preflight}
    )
    assert "access-control-allow-origin" not in denied.headers


@pytest.mark.parametrize(
    ("key", "origins", "problem"),
    [
        ("pk_short", [PAGE], "16 characters"),
        (PK, [], "at least 1"),
        (PK, ["https://intranet.example.org/hr"], "not an origin"),
        (PK, ["https://*.example.org"], "not an origin"),
        (PK, ["intranet.example.org"], "not an origin"),
    ],
)
def test_settings_refuse_keys_that_would_open_too_much(
    key: str, origins: list[str], problem: str
) -> None:
    with pytest.raises(ValidationError, match=problem):
        PublishableKey(key=SecretStr(key), origins=origins)


def test_a_secret_key_cannot_be_published() -> None:
    with pytest.raises(ValidationError, match="must not also be a secret key"):
        Settings(
            api_keys=[SecretStr(PK)],
            publishable_keys=[PublishableKey(key=SecretStr(PK), origins=[PAGE])],
            _env_file=None,  # type: ignore[call-arg]
        )
