"""The MCP tool ``check_text``: any text checked against the instruments, sentence by sentence.

The same engine as ``assistant check``, ``POST /v1/check`` and the chat's "Check a draft" tab, with
the same length limit: an agent that drafts a brief can ask which of its sentences a clause
supports, which one contradicts (and what differs) and which the text does not say.
"""

from __future__ import annotations

from typing import Annotated

from mcp.server.mcpserver import MCPServer
from mcp.types import ToolAnnotations
from pydantic import Field

from assistant.checking.types import MAX_CHECK_CHARS, CheckResult
from assistant.services import Services

READ_ONLY = ToolAnnotations(read_only_hint=True, destructive_hint=False, open_world_hint=False)


def add_check_tool(server: MCPServer, services: Services) -> None:
    """Register ``check_text`` on ``server``."""

    @server.tool(annotations=READ_ONLY)
    def check_text(
        text: Annotated[
            str,
            Field(
                min_length=1,
                max_length=MAX_CHECK_CHARS,
                description=f"The text to check: a brief, an e-mail, a chatbot's answer "
                f"(at most {MAX_CHECK_CHARS} characters).",
            ),
        ],
    ) -> CheckResult:
        """Check a text against the Recommendation, sentence by sentence. Each sentence gets a
        verdict: 'supported' (with the clause ids and the clause's words), 'partly supported',
        'not found in the text', 'contradicted' (the clause and what differs: a figure, a
        negation, 'must' where it says 'should', a sanction, an actor) or 'not a claim about the
        text' (greetings, questions, opinions). Offsets are into the text as given."""
        return services.attribution.check_text(text)
