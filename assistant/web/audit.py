"""What the web app writes down about requests: the opt-in audit log of answered questions,
and uvicorn's access log with query strings hidden (a question in ``?q=`` is not logged).

Kept apart from ``web.security`` (keys and rate limit) because this is about records, not about
letting a request in; the API routes, the OpenAI-compatible routes and the chat all write here.
"""

from __future__ import annotations

import json
import logging
import threading
from pathlib import Path

from fastapi import Request

from assistant.answering.types import Answer
from assistant.clock import utc_now


class QueryStringFilter(logging.Filter):
    """Drops the query string from uvicorn's access-log lines: ``GET /v1/search?q=...`` would
    otherwise write the question to the log (questions are logged only in the opt-in audit log).
    """

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            path, _, query = args[2].partition("?")
            if query:
                record.args = (*args[:2], f"{path}?[hidden]", *args[3:])
        return True


def hide_query_strings_in_access_log() -> None:
    """Install :class:`QueryStringFilter` on uvicorn's access logger (once per process)."""
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, QueryStringFilter) for f in access.filters):
        access.addFilter(QueryStringFilter())


class AuditLog:
    """Opt-in JSON-lines record of answered questions (time, front door, client id, question,
    cited clauses, receipt), so an answer can be traced later. Holds no key: clients are
    recorded by the same short hash the rate limiter uses."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    def record(self, door: str, client: str, answer: Answer) -> None:
        entry = {
            "time": utc_now(),
            "door": door,
            "client": client,
            "question": answer.question,
            "abstained": answer.abstained,
            "citations": [c.clause_id for c in answer.citations],
            "receipt": answer.receipt.model_dump(mode="json"),
        }
        line = json.dumps(entry, ensure_ascii=False) + "\n"
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as handle:
                handle.write(line)


def audit(request: Request, door: str, answer: Answer) -> None:
    """Record an answer when the audit log is on (``ASSISTANT_AUDIT_LOG``)."""
    log: AuditLog | None = request.app.state.audit
    if log is not None:
        log.record(door, getattr(request.state, "client_id", "unknown"), answer)
