"""The MCP server as IT teams run it, driven by the official MCP client: over stdio
(``assistant mcp`` as a subprocess) and over streamable HTTP at ``/mcp`` of a real server, with
keys enforced (secret key in, no key / wrong key / publishable key out)."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import anyio
import httpx
import httpx2
import pytest
from mcp import Client, StdioServerParameters
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.exceptions import MCPError
from pydantic import SecretStr
from servers import serve

from assistant.services import Services
from assistant.settings import PublishableKey, Settings
from assistant.web.app_factory import create_app

pytestmark = pytest.mark.integration

# "The Recommendation" with no instrument named: the primary one (a bare "who monitors the
# implementation?" may go to either instrument, by the evidence).
QUESTION = "Who monitors the implementation of the Recommendation?"
SECRET = "sk_mcp_test_0123456789abcdef"
PUBLISHABLE = "pk_mcp_test_0123456789abcdef"
INIT = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {
        "protocolVersion": "2025-06-18",
        "capabilities": {},
        "clientInfo": {"name": "curl", "version": "1"},
    },
}


async def exercise(client: Client) -> dict[str, Any]:
    """List tools, call each, read a clause resource, send bad arguments."""
    tools = await client.list_tools()
    search = await client.call_tool("search_clauses", {"query": "monitoring", "top_k": 3})
    clause = await client.call_tool("get_clause", {"id": "VIII"})
    ask = await client.call_tool("ask", {"question": QUESTION})
    bad = await client.call_tool("search_clauses", {"query": "x", "top_k": 0})
    unknown = await client.call_tool("get_clause", {"id": "IV.99"})
    resource = await client.read_resource("clause://IV.9.i")
    return {
        "tools": sorted(tool.name for tool in tools.tools),
        "search": search,
        "clause": clause,
        "ask": ask,
        "bad": bad,
        "unknown": unknown,
        "resource": resource,
    }


def check(results: dict[str, Any]) -> None:
    assert results["tools"] == ["ask", "check_text", "get_clause", "search_clauses"]
    assert len(results["search"].structured_content["results"]) == 3
    assert results["clause"].structured_content["clause_id"] == "VIII"
    answer = results["ask"].structured_content
    assert not answer["abstained"]
    assert "VIII" in [c["clause_id"] for c in answer["citations"]]
    assert "[VIII" in answer["answer"]
    assert (
        results["bad"].is_error and "greater than or equal to 1" in results["bad"].content[0].text
    )
    assert (
        results["unknown"].is_error and "There is no clause" in results["unknown"].content[0].text
    )
    assert '"clause_id":"IV.9.i"' in results["resource"].contents[0].text


def test_over_stdio(real_services: Services, real_settings: Settings) -> None:
    executable = Path(sys.executable).with_name("assistant")
    env = {**os.environ, "ASSISTANT_DATA_DIR": str(real_settings.data_dir)}
    params = StdioServerParameters(command=str(executable), args=["mcp"], env=env)

    async def main() -> dict[str, Any]:
        async with Client(params, read_timeout_seconds=120) as client:
            return await exercise(client)

    check(anyio.run(main))


@pytest.fixture(scope="module")
def keyed_url(real_settings: Settings) -> Any:
    settings = real_settings.model_copy(
        update={
            "api_keys": [SecretStr(SECRET)],
            "publishable_keys": [
                PublishableKey(key=SecretStr(PUBLISHABLE), origins=["https://intranet.example.org"])
            ],
        }
    )
    with serve(create_app(Services(settings), with_ui=False)) as url:
        yield url


def mcp_client(url: str, key: str) -> Client:
    http = httpx2.AsyncClient(headers={"Authorization": f"Bearer {key}"}, timeout=120)
    return Client(streamable_http_client(f"{url}/mcp", http_client=http))


def test_over_http_with_a_secret_key(keyed_url: str) -> None:
    async def main() -> dict[str, Any]:
        async with mcp_client(keyed_url, SECRET) as client:
            return await exercise(client)

    check(anyio.run(main))


@pytest.mark.parametrize(
    ("headers", "status", "code"),
    [
        ({}, 401, "missing_api_key"),
        ({"Authorization": "Bearer not-a-key"}, 401, "invalid_api_key"),
        ({"Authorization": f"Bearer {PUBLISHABLE}"}, 403, "route_not_allowed"),
        (
            {"Authorization": f"Bearer {PUBLISHABLE}", "Origin": "https://intranet.example.org"},
            403,
            "origin_not_allowed",  # not a CORS origin: browsers may not reach MCP at all
        ),
        (
            {"Authorization": f"Bearer {SECRET}", "Origin": "https://evil.example"},
            403,
            "origin_not_allowed",
        ),
    ],
)
def test_http_refuses_without_a_secret_key(
    keyed_url: str, headers: dict[str, str], status: int, code: str
) -> None:
    accept = {"Accept": "application/json, text/event-stream"}
    response = httpx.post(f"{keyed_url}/mcp", json=INIT, headers={**accept, **headers}, timeout=30)
    assert response.status_code == status, response.text
    assert response.json()["error"]["code"] == code
    assert response.headers["cache-control"] == "no-store"


def test_the_mcp_client_fails_cleanly_with_a_wrong_key(keyed_url: str) -> None:
    listed: list[str] = []

    async def main() -> None:
        async with mcp_client(keyed_url, "wrong-key-0000000000") as client:
            listed.extend(tool.name for tool in (await client.list_tools()).tools)

    with pytest.raises(BaseException) as caught:  # the SDK wraps transport errors in groups
        anyio.run(main)
    errors = leaves(caught.value)
    assert errors and all(isinstance(error, MCPError) for error in errors), errors
    assert not listed


def leaves(error: BaseException) -> list[BaseException]:
    """The exceptions inside (nested) exception groups."""
    if isinstance(error, BaseExceptionGroup):
        return [leaf for inner in error.exceptions for leaf in leaves(inner)]
    return [error]
