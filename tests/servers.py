"""Real servers for tests, on free loopback ports: the app under uvicorn in a thread, or a whole
process (``python app.py``, llama.cpp's server) started and always stopped by the test."""

from __future__ import annotations

import socket
import subprocess
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

import httpx
import uvicorn
from fastapi import FastAPI


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serve(app: FastAPI) -> Iterator[str]:
    """Run ``app`` under uvicorn in a thread on a free loopback port until the block ends."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", timeout_graceful_shutdown=2))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("The test server did not start")
        time.sleep(0.1)
    try:
        yield url
    finally:
        server.should_exit = True
        thread.join(timeout=15)
        sock.close()


def stop(process: subprocess.Popen[bytes], grace_s: float = 30) -> None:
    """Ask a server process to exit; kill it when it does not within ``grace_s``."""
    process.terminate()
    try:
        process.wait(timeout=grace_s)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=15)


@contextmanager
def server_process(
    command: Sequence[str],
    ready_url: str,
    log_path: Path,
    within_s: float,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
) -> Iterator[subprocess.Popen[bytes]]:
    """Run ``command`` (output to ``log_path``) until the block ends, once ``ready_url``
    answers 200. Fails with the log's tail when the process exits or is not ready in time."""
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            list(command), cwd=cwd, env=dict(env) if env else None, stdout=log,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            _wait_until_ready(process, ready_url, log_path, within_s)
            yield process
        finally:
            stop(process)


def _wait_until_ready(
    process: subprocess.Popen[bytes], url: str, log_path: Path, within_s: float
) -> None:
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    state = f"exited with {process.returncode}" if process.poll() is not None else "not ready"
    tail = log_path.read_text(errors="replace")[-3000:]
    raise AssertionError(f"{url}: server {state} after start:\n{tail}")
