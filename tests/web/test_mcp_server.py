"""The MCP server's tools and resources, in process with the official MCP client over the fake
assistant: every tool, the cited answer, the clause resources, and bad arguments as MCP errors.
(The same server over stdio and HTTP, with keys, is in test_mcp_transports.py.)"""

from __future__ import annotations

import json
from typing import Any

import anyio
import pytest
from mcp import Client
from mcp.shared.exceptions import MCPError

from assistant.mcp_server.server import build_server
from assistant.services import Services

FUNDING = "How should governments justify funding for digital projects?"


def run(services: Services, script: Any) -> Any:
    """Run ``script(client)`` against a fresh server over ``services``."""

    async def main() -> Any:
        async with Client(build_server(services)) as client:
            return await script(client)

    return anyio.run(main)


def test_lists_four_read_only_tools_and_the_clause_resources(fake_index: Services) -> None:
    async def script(client: Client) -> Any:
        return (
            await client.list_tools(),
            await client.list_resources(),
            await client.list_resource_templates(),
        )

    tools, resources, templates = run(fake_index, script)
    by_name = {tool.name: tool for tool in tools.tools}
    assert set(by_name) == {"search_clauses", "get_clause", "ask", "check_text"}
    assert all(tool.annotations and tool.annotations.read_only_hint for tool in tools.tools)
    assert by_name["search_clauses"].input_schema["required"] == ["query"]
    assert by_name["search_clauses"].input_schema["properties"]["top_k"]["maximum"] == 50
    assert set(by_name["ask"].input_schema["properties"]) == {"question", "history", "instruments"}
    assert [r.uri for r in resources.resources] == ["clauses://index"]
    assert [t.uri_template for t in templates.resource_templates] == ["clause://{clause_id}"]


def test_each_tool_answers(fake_index: Services) -> None:
    async def script(client: Client) -> Any:
        return (
            await client.call_tool("search_clauses", {"query": "funding", "top_k": 3}),
            await client.call_tool("get_clause", {"id": "iv.9.I"}),
            await client.call_tool("ask", {"question": FUNDING}),
        )

    search, clause, ask = run(fake_index, script)
    assert not (search.is_error or clause.is_error or ask.is_error)
    hits = search.structured_content["results"]
    assert len(hits) == 3 and [h["rank"] for h in hits] == [1, 2, 3]
    assert hits[0]["clause_id"].startswith("IV.9")
    assert clause.structured_content["clause_id"] == "IV.9.i"
    assert clause.structured_content["parent_id"] == "IV.9"
    answer = ask.structured_content
    assert not answer["abstained"] and answer["citations"]
    cited = {c["clause_id"] for c in answer["citations"]}
    assert any(f"[{clause_id}]" in answer["answer"] for clause_id in cited)
    # Agents reading only the text content get the same JSON.
    assert json.loads(ask.content[0].text)["answer"] == answer["answer"]


def test_ask_answers_from_the_instruments_asked_for(fake_index: Services) -> None:
    question = "Should governments invest in research and development for trustworthy AI?"

    wanted = ("OECD/LEGAL/0449", "OECD/LEGAL/0406")

    async def script(client: Client) -> Any:
        return [
            await client.call_tool("ask", {"question": question, "instruments": [instrument]})
            for instrument in wanted
        ]

    for instrument, result in zip(wanted, run(fake_index, script), strict=True):
        answer = result.structured_content
        shown = answer["citations"] or answer["related"]
        assert shown and {c["instrument"] for c in shown} == {instrument}


def test_a_follow_up_and_a_refusal(fake_index: Services) -> None:
    history = [
        {"role": "user", "content": FUNDING},
        {"role": "assistant", "content": "Develop clear business cases [IV.9]."},
    ]

    async def script(client: Client) -> Any:
        return (
            await client.call_tool(
                "ask", {"question": "And who should do it?", "history": history}
            ),
            await client.call_tool("ask", {"question": "Who won the 1998 football world cup?"}),
        )

    follow_up, refusal = run(fake_index, script)
    assert not follow_up.is_error
    assert follow_up.structured_content["answer"]
    assert refusal.structured_content["abstained"] is True
    assert refusal.structured_content["related"]


@pytest.mark.parametrize(
    ("tool", "arguments", "says"),
    [
        ("search_clauses", {"query": "funding", "top_k": 500}, "less than or equal to 50"),
        ("search_clauses", {"top_k": 3}, "query"),
        (
            "search_clauses",
            {"query": "funding", "instrument": "OECD/LEGAL/9999"},
            "Unknown instrument",
        ),
        ("get_clause", {"id": "XX.99"}, "There is no clause 'XX.99'"),
        ("ask", {"question": "x" * 5000}, "characters"),
        ("ask", {"question": FUNDING, "instruments": ["OECD/LEGAL/9999"]}, "Unknown instrument"),
        ("ask", {"question": "Hi", "history": [{"role": "robot", "content": "?"}]}, "role"),
        ("no_such_tool", {}, "Unknown tool"),
    ],
)
def test_bad_arguments_are_mcp_errors(
    fake_index: Services, tool: str, arguments: dict[str, Any], says: str
) -> None:
    async def script(client: Client) -> Any:
        result = await client.call_tool(tool, arguments)
        again = await client.call_tool("get_clause", {"id": "II.1"})  # the server lives on
        return result, again

    result, again = run(fake_index, script)
    assert result.is_error
    assert says in result.content[0].text
    assert "Traceback" not in result.content[0].text
    assert not again.is_error


def test_clause_resources(fake_index: Services) -> None:
    async def script(client: Client) -> Any:
        one = await client.read_resource("clause://IV.9.i")
        index = await client.read_resource("clauses://index")
        with pytest.raises(MCPError, match=r"There is no clause 'ZZ\.1'"):
            await client.read_resource("clause://ZZ.1")
        return one, index

    one, index = run(fake_index, script)
    clause = json.loads(one.contents[0].text)
    assert clause["clause_id"] == "IV.9.i" and clause["text"]
    ids = [entry["clause_id"] for entry in json.loads(index.contents[0].text)]
    assert len(ids) == len(fake_index.corpus.clauses) and "IV.9.i" in ids
