"""``/mcp`` of the app over the fake assistant, without a network: the guard in front of the
MCP SDK (keys, publishable keys, browser origins) and what malformed requests get (a 4xx, never
a 5xx). The official client over real HTTP and stdio is in test_mcp_transports.py."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from assistant.services import Services
from assistant.settings import PublishableKey
from assistant.web.app_factory import create_app

SECRET = "sk_mcp_guard_0123456789"
PUBLISHABLE = "pk_mcp_guard_0123456789"
ACCEPT = {"Accept": "application/json, text/event-stream"}
INIT = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {
        "protocolVersion": "2025-06-18",
        "capabilities": {},
        "clientInfo": {"name": "test", "version": "1"},
    },
}


def app_with(fake_index: Services, **update: object) -> TestClient:
    settings = fake_index.settings.model_copy(update=update)
    services = Services.with_components(
        settings, embeddings=fake_index.embeddings, store=fake_index.store
    )
    return TestClient(create_app(services, with_ui=False), raise_server_exceptions=False)


@pytest.fixture
def keyed(fake_index: Services) -> Iterator[TestClient]:
    client = app_with(
        fake_index,
        api_keys=[SecretStr(SECRET)],
        publishable_keys=[
            PublishableKey(key=SecretStr(PUBLISHABLE), origins=["https://a.example"])
        ],
        cors_origins=["https://agents.example"],
    )
    with client:  # runs the lifespan, which starts the MCP session manager
        yield client


def post(client: TestClient, body: object, **headers: str) -> object:
    return client.post("/mcp", json=body, headers={**ACCEPT, **headers})


def test_a_secret_key_reaches_the_tools(keyed: TestClient) -> None:
    response = post(keyed, INIT, Authorization=f"Bearer {SECRET}")
    assert response.status_code == 200, response.text
    assert response.json()["result"]["serverInfo"]["name"] == "oecd-digital-government"
    listed = post(
        keyed,
        {"jsonrpc": "2.0", "id": 2, "method": "tools/list", "params": {}},
        Authorization=f"Bearer {SECRET}",
        **{"MCP-Protocol-Version": "2025-06-18"},
    )
    assert {t["name"] for t in listed.json()["result"]["tools"]} == {
        "search_clauses",
        "get_clause",
        "ask",
        "check_text",
    }


@pytest.mark.parametrize(
    ("headers", "status", "code"),
    [
        ({}, 401, "missing_api_key"),
        ({"Authorization": "Bearer nope"}, 401, "invalid_api_key"),
        ({"Authorization": f"Bearer {PUBLISHABLE}"}, 403, "route_not_allowed"),
        (
            {"Authorization": f"Bearer {SECRET}", "Origin": "https://a.example"},
            403,
            "origin_not_allowed",
        ),
    ],
)
def test_refused_before_the_sdk(
    keyed: TestClient, headers: dict[str, str], status: int, code: str
) -> None:
    response = post(keyed, INIT, **headers)
    assert response.status_code == status
    assert response.json()["error"]["code"] == code
    # A browser page on a CORS origin with a secret key is let through.
    allowed = post(keyed, INIT, Authorization=f"Bearer {SECRET}", Origin="https://agents.example")
    assert allowed.status_code == 200


@pytest.mark.parametrize(
    "body",
    [
        "not json at all",
        [],
        {"jsonrpc": "2.0"},
        {"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": 5}},
        {"jsonrpc": "1.0", "id": "x", "method": 7},
    ],
)
def test_malformed_messages_get_an_error_not_a_crash(keyed: TestClient, body: object) -> None:
    auth = {"Authorization": f"Bearer {SECRET}", **ACCEPT}
    if isinstance(body, str):
        response = keyed.post(
            "/mcp", content=body, headers={**auth, "Content-Type": "application/json"}
        )
    else:
        response = keyed.post("/mcp", json=body, headers=auth)
    # An HTTP 4xx, or (for a well-formed JSON-RPC request) a JSON-RPC error: never a 5xx.
    if response.status_code == 200:
        assert "error" in response.json() and "result" not in response.json()
    else:
        assert 400 <= response.status_code < 500, (response.status_code, response.text)


def test_oversized_bodies_and_wrong_media_types_are_refused(keyed: TestClient) -> None:
    auth = {"Authorization": f"Bearer {SECRET}", **ACCEPT}
    big = {**INIT, "padding": "x" * 200_000}
    assert 400 <= keyed.post("/mcp", json=big, headers=auth).status_code < 500
    wrong = keyed.post("/mcp", content=b"x=1", headers={**auth, "Content-Type": "text/plain"})
    assert 400 <= wrong.status_code < 500


def test_off_when_mcp_http_is_off(fake_index: Services) -> None:
    with app_with(fake_index, mcp_http=False) as client:
        assert post(client, INIT).status_code == 404


def test_answers_over_mcp_go_to_the_audit_log(fake_index: Services, tmp_path: Path) -> None:
    log = tmp_path / "audit.jsonl"
    client = app_with(fake_index, api_keys=[SecretStr(SECRET)], audit_log=log)
    call = {
        "jsonrpc": "2.0",
        "id": 3,
        "method": "tools/call",
        "params": {"name": "ask", "arguments": {"question": "Who monitors the implementation?"}},
    }
    with client:
        auth = {"Authorization": f"Bearer {SECRET}", "MCP-Protocol-Version": "2025-06-18"}
        response = post(client, call, **auth)
    assert response.status_code == 200 and "result" in response.json(), response.text
    entries = [json.loads(line) for line in log.read_text().splitlines()]
    assert [e["door"] for e in entries] == ["mcp"]
    assert entries[0]["question"] == "Who monitors the implementation?"
    assert entries[0]["client"].startswith("key:")  # the key's hash, never the key
    assert SECRET not in log.read_text()
