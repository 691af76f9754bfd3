"""Server subprocesses for the benchmark: the assistant (``python app.py``), the naive RAG app
(``evals/bench/naive_server.py``) and ``chroma run``; all on 127.0.0.1, always stopped.

Each server runs in its own process group (``start_new_session``), so stopping it also stops its
uvicorn workers, and only the processes this benchmark started are ever signalled.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from assistant.backends.offline import OFFLINE_ENVIRONMENT
from evals.bench.common import PROJECT_ROOT

HOST = "127.0.0.1"
READY_TIMEOUT_S = 600.0
STOP_TIMEOUT_S = 20.0
POLL_S = 0.05
# The API's default rate limit (120 a minute per client) would turn a load test into 429s.
BENCH_RATE_LIMIT = "100000000"


class ServerFailed(RuntimeError):
    """A server exited or did not become ready in time."""


@dataclass
class Server:
    """A started server: its process, base URL and how long it took to become ready."""

    process: subprocess.Popen[bytes]
    url: str
    ready_s: float
    log: Path

    def peak_rss_mb(self) -> float:
        """Peak resident memory (VmHWM) summed over the server process and its workers."""
        return sum(_vm_hwm_kb(pid) for pid in _process_tree(self.process.pid)) / 1024.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def bench_env(data_dir: Path, **extra: str) -> dict[str, str]:
    """The environment of a benchmark server: offline, private data folder, no rate limit."""
    env = dict(os.environ) | OFFLINE_ENVIRONMENT
    env |= {
        "ASSISTANT_DATA_DIR": str(data_dir),
        "ASSISTANT_RATE_LIMIT_PER_MINUTE": BENCH_RATE_LIMIT,
        "PYTHONUNBUFFERED": "1",
    }
    return env | extra


def assistant_command(port: int, workers: int) -> list[str]:
    return [
        sys.executable,
        "app.py",
        "--host",
        HOST,
        "--port",
        str(port),
        "--workers",
        str(workers),
    ]


def naive_command(port: int, workers: int) -> list[str]:
    script = str(PROJECT_ROOT / "evals" / "bench" / "naive_server.py")
    return [sys.executable, script, "--port", str(port), "--workers", str(workers)]


def chroma_command(path: Path, port: int) -> list[str]:
    chroma = Path(sys.executable).parent / "chroma"
    return [str(chroma), "run", "--path", str(path), "--host", HOST, "--port", str(port)]


@contextmanager
def running(
    command: list[str],
    env: dict[str, str],
    ready_path: str,
    port: int,
    log: Path,
    cwd: Path = PROJECT_ROOT,
) -> Iterator[Server]:
    """Start ``command`` in ``cwd``, wait until ``GET ready_path`` answers 200, yield, always
    stop it."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as sink:
        started = time.perf_counter()
        process = subprocess.Popen(
            command,
            cwd=cwd,
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            url = f"http://{HOST}:{port}"
            _wait_ready(process, url + ready_path, log)
            yield Server(process, url, time.perf_counter() - started, log)
        finally:
            _stop(process)


def _wait_ready(process: subprocess.Popen[bytes], url: str, log: Path) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    with httpx.Client(timeout=2.0) as client:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                tail = log.read_text(errors="replace")[-2000:]
                raise ServerFailed(f"{url}: server exited ({process.returncode}):\n{tail}")
            try:
                if client.get(url).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(POLL_S)
    raise ServerFailed(f"{url} not ready after {READY_TIMEOUT_S:.0f} s (log: {log})")


def _stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM to the server's own process group, then SIGKILL if it lingers."""
    if process.poll() is not None:
        return
    for sig, wait in ((signal.SIGTERM, STOP_TIMEOUT_S), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


def _process_tree(root: int) -> list[int]:
    """``root`` and its descendants, from /proc (no psutil needed)."""
    tree, frontier = [root], [root]
    while frontier:
        pid = frontier.pop()
        for task in Path(f"/proc/{pid}/task").glob("*/children"):
            try:
                children = [int(c) for c in task.read_text().split()]
            except OSError:
                continue
            tree.extend(children)
            frontier.extend(children)
    return tree


def _vm_hwm_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0
