"""The HTTP part of the benchmark: for each worker count, the assistant and the naive RAG are
served side by side (subprocesses on 127.0.0.1) and measured alternately (request by request for
the stream, level by level for the load), so a change in the machine's load hits both alike:
cold start, first answer, time to the first streamed piece, load at several concurrencies, peak
memory; plus the assistant's cold start without an index.
"""

from __future__ import annotations

import shutil
import tempfile
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from assistant.evaluation.datasets import GoldItem
from evals.bench.common import RequestStream, ms_summary
from evals.bench.http_load import REQUEST_TIMEOUT_S, first_piece, load_level, sequential
from evals.bench.servers import (
    Server,
    assistant_command,
    bench_env,
    free_port,
    naive_command,
    running,
)

SYSTEMS = {"assistant": assistant_command, "naive": naive_command}
WARM_UP_CONCURRENCY = 8


@dataclass(frozen=True)
class HttpPlan:
    """How much HTTP work to do (fixed counts keep every run bounded)."""

    workers: tuple[int, ...] = (1, 2)
    levels: tuple[int, ...] = (1, 8, 16, 32)
    requests_per_level: int = 200
    stream_requests: int = 60
    warm_up_requests: int = 60


def _stream_both(
    servers: dict[str, Server], streams: dict[str, RequestStream], count: int
) -> dict[str, Any]:
    """Time to first streamed piece, alternating between the systems request by request."""
    first: dict[str, list[float]] = {name: [] for name in servers}
    whole: dict[str, list[float]] = {name: [] for name in servers}
    with ExitStack() as stack:
        clients = {
            name: stack.enter_context(httpx.Client(timeout=REQUEST_TIMEOUT_S)) for name in servers
        }
        for _ in range(count):
            for name, server in servers.items():
                seen, done = first_piece(clients[name], server.url, streams[name].take(1)[0])
                first[name].append(seen)
                whole[name].append(done)
    return {
        name: {
            "stream_first_piece": ms_summary(first[name]),
            "stream_whole": ms_summary(whole[name]),
        }
        for name in servers
    }


def measure_pair(
    workers: int, items: list[GoldItem], plan: HttpPlan, data_dir: Path, logs: Path
) -> dict[str, dict[str, Any]]:
    """Start both systems with ``workers`` workers, measure them alternately, stop them."""
    results: dict[str, dict[str, Any]] = {name: {"workers": workers} for name in SYSTEMS}
    with ExitStack() as stack:
        servers: dict[str, Server] = {}
        for name, command in SYSTEMS.items():  # one at a time: cold starts do not overlap
            port = free_port()
            log = logs / f"{name}-w{workers}.log"
            env = bench_env(data_dir)
            servers[name] = stack.enter_context(
                running(command(port, workers), env, "/readyz", port, log)
            )
            results[name]["ready_s"] = round(servers[name].ready_s, 3)
        streams = {name: RequestStream(items) for name in SYSTEMS}
        for name, server in servers.items():
            first = sequential(server.url, streams[name].take(1))[0]
            results[name]["first_answer_ms"] = round(first * 1000, 2)
            # Untimed: every worker loads what its first question needs; caches of composed
            # sentences fill as they would in a server that has been up for a while.
            load_level(server.url, streams[name].take(plan.warm_up_requests), WARM_UP_CONCURRENCY)
        if workers == 1:
            for name, stream_figures in _stream_both(
                servers, streams, plan.stream_requests
            ).items():
                results[name] |= stream_figures
        for name in SYSTEMS:
            results[name]["levels"] = []
        for level in plan.levels:
            for name, server in servers.items():
                bodies = streams[name].take(plan.requests_per_level)
                results[name]["levels"].append(load_level(server.url, bodies, level).as_dict())
        for name, server in servers.items():
            results[name]["peak_rss_mb"] = round(server.peak_rss_mb(), 1)
    return results


def cold_start_without_index(logs: Path) -> float:
    """Seconds from ``python app.py`` to ``/readyz`` OK with an empty data folder (the index is
    built during start-up)."""
    data_dir = Path(tempfile.mkdtemp(prefix="bench-noindex-"))
    port = free_port()
    try:
        env = bench_env(data_dir)
        with running(
            assistant_command(port, 1), env, "/readyz", port, logs / "assistant-noindex.log"
        ) as server:
            return server.ready_s
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


def run_http(items: list[GoldItem], plan: HttpPlan, data_dir: Path, logs: Path) -> dict[str, Any]:
    """Both systems for each worker count, then the assistant's cold start without an index."""
    runs: dict[str, dict[int, dict[str, Any]]] = {name: {} for name in SYSTEMS}
    for workers in plan.workers:
        print(f"  HTTP: both systems, {workers} worker(s) each", flush=True)
        for name, result in measure_pair(workers, items, plan, data_dir, logs).items():
            runs[name][workers] = result
    print("  HTTP: assistant cold start without an index", flush=True)
    return {"runs": runs, "assistant_ready_without_index_s": cold_start_without_index(logs)}
