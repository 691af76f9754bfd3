"""Client/server mode against a real `chroma run` server on 127.0.0.1."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from servers import free_port

from assistant.services import Services
from assistant.settings import Settings

pytestmark = pytest.mark.integration


@pytest.fixture
def chroma_server(tmp_path: Path) -> Iterator[int]:
    port = free_port()
    chroma = Path(sys.executable).parent / "chroma"
    process = subprocess.Popen(
        [
            str(chroma),
            "run",
            "--path",
            str(tmp_path / "server"),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={"ANONYMIZED_TELEMETRY": "False", "PATH": "/usr/bin:/bin"},
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if (
                    httpx.get(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=1).status_code
                    == 200
                ):
                    break
            except httpx.HTTPError:
                time.sleep(0.3)
        else:
            pytest.fail("chroma server did not start")
        yield port
    finally:
        process.terminate()
        process.wait(timeout=20)


def test_ingest_and_query_through_a_chroma_server(chroma_server: int, tmp_path: Path) -> None:
    settings = Settings(
        data_dir=tmp_path / "data", chroma_mode="http", chroma_port=chroma_server, _env_file=None
    )  # type: ignore[call-arg]
    services = Services(settings)
    report = services.index.build(progress=False)
    assert report.rebuilt
    assert not Services(settings).index.build(progress=False).rebuilt  # idempotent over HTTP too
    hits = services.search.search("release project funding in stages depending on results", 3)
    assert hits[0].clause.clause_id == "IV.10.iii"
    assert not (tmp_path / "data" / "chroma").exists()  # nothing stored locally in server mode
