"""HTTP measurements against a running server: closed-loop load at a fixed concurrency with a
fixed number of requests, sequential latency, and time to the first streamed piece.

The load generator runs in the benchmark's own process (asyncio + one ``httpx.AsyncClient``), so
on a 2-core machine it competes with the server for CPU, the same for both systems.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any

import httpx

from evals.bench.common import ms_summary

REQUEST_TIMEOUT_S = 120.0


@dataclass
class LevelResult:
    """One concurrency level: throughput, latency percentiles and failures."""

    concurrency: int
    requests: int
    seconds: float
    latency: dict[str, float]
    errors: int
    statuses: dict[int, int] = field(default_factory=dict)

    @property
    def answers_per_s(self) -> float:
        ok = self.requests - self.errors
        return ok / self.seconds if self.seconds > 0 else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "concurrency": self.concurrency,
            "requests": self.requests,
            "seconds": round(self.seconds, 3),
            "answers_per_s": round(self.answers_per_s, 2),
            "latency": self.latency,
            "errors": self.errors,
            "statuses": self.statuses,
        }


async def _load(url: str, bodies: list[dict[str, Any]], concurrency: int) -> LevelResult:
    queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    for body in bodies:
        queue.put_nowait(body)
    durations: list[float] = []
    statuses: dict[int, int] = {}
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)

    async with httpx.AsyncClient(timeout=REQUEST_TIMEOUT_S, limits=limits) as client:

        async def worker() -> None:
            while True:
                try:
                    body = queue.get_nowait()
                except asyncio.QueueEmpty:
                    return
                started = time.perf_counter()
                try:
                    response = await client.post(url, json=body)
                    await response.aread()
                    status = response.status_code
                except httpx.HTTPError:
                    status = 0
                durations.append(time.perf_counter() - started)
                statuses[status] = statuses.get(status, 0) + 1

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    errors = sum(n for status, n in statuses.items() if status != 200)
    return LevelResult(concurrency, len(bodies), elapsed, ms_summary(durations), errors, statuses)


def load_level(base_url: str, bodies: list[dict[str, Any]], concurrency: int) -> LevelResult:
    """``len(bodies)`` POSTs to ``/v1/ask`` by ``concurrency`` clients, each sending its next
    request as soon as its previous answer arrived."""
    return asyncio.run(_load(base_url + "/v1/ask", bodies, concurrency))


def sequential(base_url: str, bodies: list[dict[str, Any]]) -> list[float]:
    """Seconds per ``POST /v1/ask``, one request at a time (raises on a failed request)."""
    durations = []
    with httpx.Client(timeout=REQUEST_TIMEOUT_S) as client:
        for body in bodies:
            started = time.perf_counter()
            client.post(base_url + "/v1/ask", json=body).raise_for_status()
            durations.append(time.perf_counter() - started)
    return durations


def first_piece(client: httpx.Client, base_url: str, body: dict[str, Any]) -> tuple[float, float]:
    """One ``POST /v1/ask/stream``: seconds to the first ``delta`` event, and to the end."""
    started = time.perf_counter()
    seen: float | None = None
    event = ""
    with client.stream("POST", base_url + "/v1/ask/stream", json=body) as response:
        response.raise_for_status()
        for line in response.iter_lines():
            if line.startswith("event:"):
                event = line.split(":", 1)[1].strip()
            elif line.startswith("data:") and seen is None and event in ("delta", "answer"):
                seen = time.perf_counter() - started
    whole = time.perf_counter() - started
    return (whole if seen is None else seen), whole
