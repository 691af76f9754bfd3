"""``assistant mcp``: the MCP server on standard input and output, for a desktop or agent host
that starts the assistant as a subprocess.

Standard output is the protocol channel, so anything else (index building, model loading,
logs) must go to standard error: a stray print would corrupt the first message.
"""

from __future__ import annotations

import contextlib
import logging
import sys

from assistant.mcp_server.server import AnswerHook, build_server
from assistant.services import Services
from assistant.settings import Settings


def run_stdio(settings: Settings, on_answer: AnswerHook | None = None) -> None:
    """Warm the services up (index built if missing), then serve MCP until stdin closes;
    ``on_answer`` sees each answer (the CLI passes the audit log when it is on)."""
    logging.basicConfig(stream=sys.stderr, level=logging.WARNING)
    services = Services(settings)
    with contextlib.redirect_stdout(sys.stderr):
        services.warm_up(progress=False)
    build_server(services, on_answer).run("stdio")
