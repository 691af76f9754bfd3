"""The MCP tool ``check_text``: over stdio with the real model (as an IT team runs ``assistant
mcp``), and in process over the fake embedder for its schema and limits."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp import Client, StdioServerParameters

from assistant.checking.types import MAX_CHECK_CHARS
from assistant.mcp_server.server import build_server
from assistant.services import Services
from assistant.settings import Settings

DRAFT = (
    "Dear colleagues,\n\n"
    "Governments should reinforce their public sector's digital and project management skills. "
    "The Public Governance Committee must report to the Council no later than five years "
    "after adoption."
)


def test_check_text_is_a_read_only_tool_with_the_length_limit(fake_index: Services) -> None:
    async def main() -> Any:
        async with Client(build_server(fake_index)) as client:
            tools = await client.list_tools()
            empty = await client.call_tool("check_text", {"text": ""})
            too_long = await client.call_tool("check_text", {"text": "a" * (MAX_CHECK_CHARS + 1)})
            return tools, empty, too_long

    tools, empty, too_long = anyio.run(main)
    [tool] = [t for t in tools.tools if t.name == "check_text"]
    assert tool.annotations is not None and tool.annotations.read_only_hint
    assert tool.input_schema["properties"]["text"]["maxLength"] == MAX_CHECK_CHARS
    assert empty.is_error and too_long.is_error


@pytest.mark.integration
def test_check_text_over_stdio(real_settings: Settings) -> None:
    executable = Path(sys.executable).with_name("assistant")
    env = {**os.environ, "ASSISTANT_DATA_DIR": str(real_settings.data_dir)}
    params = StdioServerParameters(command=str(executable), args=["mcp"], env=env)

    async def main() -> Any:
        async with Client(params, read_timeout_seconds=120) as client:
            return await client.call_tool("check_text", {"text": DRAFT})

    result = anyio.run(main)
    assert not result.is_error
    checked = result.structured_content
    verdicts = [(s["verdict"], s["clause_ids"]) for s in checked["sentences"]]
    assert verdicts == [
        ("not a claim about the text", []),
        ("supported", ["IV.10.iv"]),
        ("contradicted", ["VIII"]),
    ]
    contradicted = checked["sentences"][2]
    assert {d["claim"] for d in contradicted["differences"]} >= {"five"}
    assert DRAFT[contradicted["start"] : contradicted["end"]] == contradicted["sentence"]
    assert checked["counts"]["contradicted"] == 1
