"""Three servers side by side over HTTP: this tree's assistant, the assistant at an earlier
commit (from a git worktree, so "before" and "after" meet in one run on one machine) and the
naive LangChain RAG. Same questions, same load generator, measured level by level in turn.

    python evals/bench/versus.py --baseline-commit 93be73b
    python evals/bench/versus.py --baseline-commit 93be73b --requests 120 --levels 1,16  # shorter

For each system: cold start to ``/readyz`` with an empty data folder (the index is built while
starting) and again with the index present; one client alone (p50, p95); closed-loop load at
each level (answers/s, p50, p95, errors); peak RSS. Questions are distinct: the gold set and the
opened held-out sets (never the sealed one), then cache-busting variants of them. Writes
``versus.json`` and ``versus.md`` to ``--out``; nothing is asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parents[2]
if str(PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(PROJECT_ROOT))

from assistant.evaluation.datasets import GoldItem, load_gold  # noqa: E402
from evals.bench.common import DEFAULT_OUT, RequestStream, ms_summary  # noqa: E402
from evals.bench.http_load import load_level, sequential  # noqa: E402
from evals.bench.servers import (  # noqa: E402
    Server,
    assistant_command,
    bench_env,
    free_port,
    naive_command,
    running,
)

# Opened sets only: heldout-e is sealed and must not be read before its one run.
QUESTION_SETS = ("gold", "heldout", "heldout-b", "heldout-c", "heldout-d", "heldout-f",
                 "heldout-g", "heldout-h")  # fmt: skip
WARM_UP = 32


@dataclass
class System:
    """One server to measure: its command, working folder and extra environment."""

    name: str
    command: list[str]
    cwd: Path
    env: dict[str, str]


def distinct_questions(limit: int | None = None) -> list[GoldItem]:
    seen: set[str] = set()
    items = []
    for name in QUESTION_SETS:
        for item in load_gold(PROJECT_ROOT / "evals" / "datasets" / f"{name}.jsonl"):
            key = " ".join(item.question.lower().split())
            if key not in seen:
                seen.add(key)
                items.append(item)
    return items[:limit] if limit else items


def baseline_worktree(commit: str) -> Path:
    """A detached worktree of ``commit`` beside the project (made once, reused)."""
    folder = Path(tempfile.gettempdir()) / f"assistant-bench-{commit}"
    if not (folder / "app.py").exists():
        subprocess.run(
            ["git", "worktree", "add", "--detach", str(folder), commit],
            cwd=PROJECT_ROOT, check=True, capture_output=True,
        )  # fmt: skip
    return folder


def _start(stack: ExitStack, system: System, data_dir: Path, logs: Path, tag: str) -> Server:
    port = free_port()
    command = [*system.command[:-4], "--port", str(port), "--workers", "1"]
    env = bench_env(data_dir) | system.env
    log = logs / f"{system.name}-{tag}.log"
    return stack.enter_context(running(command, env, "/readyz", port, log, system.cwd))


def measure(systems: list[System], args: argparse.Namespace, work: Path) -> dict[str, Any]:
    run = _run_info(args)  # the load before anything starts
    items = distinct_questions()
    results: dict[str, dict[str, Any]] = {s.name: {"levels": []} for s in systems}
    logs = args.out / "logs"
    with ExitStack() as stack:
        servers: dict[str, Server] = {}
        for system in systems:  # one at a time: cold starts do not overlap
            data_dir = work / system.name
            shutil.rmtree(data_dir, ignore_errors=True)
            with ExitStack() as first:
                fresh = _start(first, system, data_dir, logs, "noindex")
                results[system.name]["ready_without_index_s"] = round(fresh.ready_s, 2)
            servers[system.name] = _start(stack, system, data_dir, logs, "indexed")
            results[system.name]["ready_with_index_s"] = round(servers[system.name].ready_s, 2)
            print(f"  {system.name}: ready {results[system.name]}", flush=True)
        streams = {name: RequestStream(items) for name in servers}
        for name, server in servers.items():
            load_level(server.url, streams[name].take(WARM_UP), 8)  # untimed
        for name, server in servers.items():
            alone = sequential(server.url, streams[name].take(args.alone))
            results[name]["alone"] = ms_summary(alone)
        for level in args.levels:
            for name, server in servers.items():
                result = load_level(server.url, streams[name].take(args.requests), level)
                results[name]["levels"].append(result.as_dict())
                print(f"  {name} c{level}: {result.as_dict()}", flush=True)
        for name, server in servers.items():
            results[name]["peak_rss_mb"] = round(server.peak_rss_mb(), 1)
    return {"systems": results, "questions": len(items), "run": run}


def _run_info(args: argparse.Namespace) -> dict[str, Any]:
    return {
        "baseline_commit": args.baseline_commit,
        "requests_per_level": args.requests,
        "alone_requests": args.alone,
        "levels": args.levels,
        "cpus": os.cpu_count(),
        "load_before": tuple(round(v, 2) for v in os.getloadavg()),
    }


def table(data: dict[str, Any]) -> str:
    systems = data["systems"]
    names = list(systems)
    rows = [
        ("cold start, no index (s)", lambda s: s["ready_without_index_s"]),
        ("cold start, index present (s)", lambda s: s["ready_with_index_s"]),
        ("one client p50 (ms)", lambda s: s["alone"]["p50_ms"]),
        ("one client p95 (ms)", lambda s: s["alone"]["p95_ms"]),
    ]
    for index, level in enumerate(data["run"]["levels"]):
        rows += [
            (f"{level} clients answers/s", lambda s, i=index: s["levels"][i]["answers_per_s"]),
            (f"{level} clients p50 (ms)", lambda s, i=index: s["levels"][i]["latency"]["p50_ms"]),
            (f"{level} clients p95 (ms)", lambda s, i=index: s["levels"][i]["latency"]["p95_ms"]),
            (f"{level} clients errors", lambda s, i=index: s["levels"][i]["errors"]),
        ]
    rows.append(("peak RSS, one worker (MB)", lambda s: s["peak_rss_mb"]))
    lines = ["| figure | " + " | ".join(names) + " |", "|---" * (len(names) + 1) + "|"]
    for label, get in rows:
        lines.append(f"| {label} | " + " | ".join(str(get(systems[n])) for n in names) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--baseline-commit", default="93be73b", help="Earlier commit (93be73b).")
    parser.add_argument("--requests", type=int, default=480, help="Requests per level (480).")
    parser.add_argument("--alone", type=int, default=60, help="Requests of one client (60).")
    parser.add_argument("--levels", default="16,32", help="Concurrent clients (16,32).")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="Output folder.")
    args = parser.parse_args(argv)
    args.levels = [int(v) for v in args.levels.split(",") if v.strip()]
    baseline = baseline_worktree(args.baseline_commit)
    systems = [
        System("assistant", assistant_command(0, 1), PROJECT_ROOT, {}),
        System(f"at {args.baseline_commit}", assistant_command(0, 1), baseline, {}),
        System("naive RAG", naive_command(0, 1), PROJECT_ROOT, {}),
    ]
    work = Path(tempfile.mkdtemp(prefix="bench-versus-"))
    try:
        data = measure(systems, args, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    data["run"]["load_after"] = tuple(round(v, 2) for v in os.getloadavg())
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "versus.json").write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    (args.out / "versus.md").write_text(table(data) + "\n", encoding="utf-8")
    print(table(data))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
