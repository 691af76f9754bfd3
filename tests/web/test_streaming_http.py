"""Real streaming over HTTP: with an LLM generator that writes slowly (a fake OpenAI-compatible
server pausing before every piece), the first guarded sentence reaches an HTTP client while the
model is still writing. The app runs under uvicorn on loopback, over the fake index (hashing
embedder, in-memory store), so the test measures the pipeline, not the embedding model."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fake_llm_server import FakeLLMServer
from servers import serve

from assistant.settings import Settings
from assistant.testing import fake_services
from assistant.web.app_factory import create_app

pytestmark = pytest.mark.integration

REPLY = (
    "Governments should develop clear business cases to sustain the funding of digital "
    "technology projects [IV.9]. The business case should involve key stakeholders "
    "[IV.9.ii]. It should articulate the value proposition for projects above a certain "
    "budget threshold [IV.9.i]."
)


@pytest.fixture
def slow_llm() -> Iterator[FakeLLMServer]:
    with FakeLLMServer(piece_delay_s=0.05) as server:
        yield server


def sse(response: httpx.Response) -> Iterator[tuple[str, str, float]]:
    """(event, data, arrival time) for each server-sent event, as it arrives."""
    kind = ""
    for line in response.iter_lines():
        if line.startswith("event:"):
            kind = line.split(":", 1)[1].strip()
        elif line.startswith("data:"):
            yield kind, line.split(":", 1)[1].strip(), time.monotonic()


def test_first_guarded_sentence_arrives_before_the_model_finishes(
    slow_llm: FakeLLMServer, tmp_path: Path
) -> None:
    settings = Settings(  # type: ignore[call-arg]
        data_dir=tmp_path / "data",
        generator="openai",
        llm_base_url=slow_llm.base_url,
        llm_timeout_s=30,
        _env_file=None,
    )
    services = fake_services(settings)
    services.index.ensure()
    slow_llm.queue(REPLY)
    question = {"question": "How should governments justify the funding of digital projects?"}
    with serve(create_app(services, with_ui=False)) as url:
        started = time.monotonic()
        with httpx.stream("POST", f"{url}/v1/ask/stream", json=question, timeout=60) as response:
            assert response.status_code == 200
            events = list(sse(response))
    deltas = [(data, at) for kind, data, at in events if kind == "delta"]
    answer = json.loads(next(data for kind, data, _ in events if kind == "answer"))
    assert slow_llm.stream_finished_at is not None
    first_at = deltas[0][1]
    assert first_at < slow_llm.stream_finished_at, "the first sentence waited for the whole answer"
    assert "".join(json.loads(data)["text"] for data, _ in deltas) == answer["answer"]
    assert answer["generator"] == "openai" and len(deltas) == 3
    print(
        f"\ntime to first guarded sentence {first_at - started:.2f} s; "
        f"model finished writing at {slow_llm.stream_finished_at - started:.2f} s"
    )
