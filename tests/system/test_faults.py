"""Faults caused for real while the app serves over HTTP on 127.0.0.1:

- the LLM endpoint is down, slower than its timeout, or answers garbage: the answer falls back
  to the composed generator and says so, and no request hangs;
- the Chroma server is killed (or frozen) mid-run: `/readyz` and the API answer 503 at once with
  a clear message, and service resumes by itself when the server is back;
- the index is rebuilt while requests arrive: none fails, and each is answered from one whole
  index, never from a half-built one;
- the index folder is missing or corrupt at start: the app says so, rebuilds and becomes ready.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx
import pytest
from fake_llm_server import FakeLLMServer
from servers import free_port, serve, server_process

from assistant.services import Services
from assistant.settings import PROJECT_ROOT, Settings
from assistant.web.app_factory import create_app

pytestmark = pytest.mark.integration

FUNDING = "How should governments justify funding for digital projects?"
PARAPHRASE = "who wrote the recommendation on digital government strategies"
LLM_TIMEOUT_S = 2.0
OUTAGE_QUESTIONS = (
    "What does the Recommendation say about open government data?",
    "How should citizens be involved in designing public services?",
    "Who should lead the digital government strategy?",
)
COMPOSED_INSTEAD = "so this answer was composed from the clauses themselves"
OPEN = 1_000_000  # a rate limit no test reaches


def timed(call: Callable[[], httpx.Response]) -> tuple[httpx.Response, float]:
    started = time.monotonic()
    response = call()
    return response, time.monotonic() - started


def sse_answer(body: str) -> dict[str, Any]:
    """The `answer` event of an /v1/ask/stream response."""
    blocks = body.replace("\r\n", "\n").split("\n\n")
    for block in blocks:
        lines = dict(line.split(": ", 1) for line in block.splitlines() if ": " in line)
        if lines.get("event") == "answer":
            return dict(json.loads(lines["data"]))
    raise AssertionError(f"no answer event in {body[:300]!r}")


def assert_503(response: httpx.Response, *words: str) -> str:
    assert response.status_code == 503, response.text[:300]
    body = response.json()
    message = str(body["error"]["message"]) if "error" in body else ""
    for word in words:
        assert word.lower() in message.lower(), message
    assert "Traceback" not in response.text and "/tmp/" not in response.text
    return message


# -- the LLM endpoint fails ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def fake_llm() -> Iterator[FakeLLMServer]:
    with FakeLLMServer() as server:
        yield server


@pytest.fixture(scope="module")
def llm_apps(
    real_services: Services, real_settings: Settings, fake_llm: FakeLLMServer
) -> Iterator[dict[str, str]]:
    """Two apps with generator=openai over the session's index (`real_services` builds it): one
    pointed at the fake LLM, one at a closed port."""
    targets = {"fake": fake_llm.base_url, "closed": f"http://127.0.0.1:{free_port()}/v1"}
    with ExitStack() as stack:
        urls = {}
        for name, base_url in targets.items():
            update = {
                "generator": "openai",
                "llm_base_url": base_url,
                "llm_timeout_s": LLM_TIMEOUT_S,
                "rate_limit_per_minute": OPEN,
            }
            app = create_app(Services(real_settings.model_copy(update=update)), with_ui=False)
            urls[name] = stack.enter_context(serve(app))
        yield urls


NONSENSE = "The sky is green, so every ministry must buy a blockchain by 2030 [IV.9.i]."


def program(fake: FakeLLMServer, fault: str) -> str:
    """Make the fake LLM fail the given way; returns which app to call."""
    fake.mode, fake.delay_s = "ok", 0.0
    fake.replies.clear()
    if fault == "down":
        return "closed"
    if fault == "slow":
        fake.delay_s = 60.0  # far past the 2 s timeout; stopping the fake wakes it
    elif fault == "garbage-body":
        fake.mode = "garbage"
    elif fault == "http-500":
        fake.mode = "error"
    elif fault == "nonsense-reply":
        fake.queue(*[NONSENSE] * 4)
    return "fake"


def ask_door(client: httpx.Client, door: str) -> dict[str, Any]:
    """Ask FUNDING through one front door; returns the answer's fields."""
    if door == "ask":
        response = client.post("/v1/ask", json={"question": FUNDING})
        assert response.status_code == 200, response.text[:300]
        return dict(response.json())
    if door == "stream":
        response = client.post("/v1/ask/stream", json={"question": FUNDING})
        assert response.status_code == 200, response.text[:300]
        return sse_answer(response.text)
    body = {"model": "oecd-digital-government", "messages": [{"role": "user", "content": FUNDING}]}
    response = client.post("/v1/chat/completions", json=body)
    assert response.status_code == 200, response.text[:300]
    completion = response.json()
    return {**completion, "answer": completion["choices"][0]["message"]["content"]}


@pytest.mark.timeout(60)
@pytest.mark.parametrize("door", ["ask", "stream", "chat-completions"])
@pytest.mark.parametrize("fault", ["down", "slow", "garbage-body", "http-500", "nonsense-reply"])
def test_llm_fault_falls_back_to_the_composed_answer_and_says_so(
    llm_apps: dict[str, str], fake_llm: FakeLLMServer, fault: str, door: str
) -> None:
    """Whatever the LLM does wrong, each front door answers 200 within the LLM timeout (plus
    the composed answer's time): a cited composed answer, with a notice saying why."""
    url = llm_apps[program(fake_llm, fault)]
    with httpx.Client(base_url=url, timeout=30) as client:
        started = time.monotonic()
        answer = ask_door(client, door)
        elapsed = time.monotonic() - started
    assert elapsed < LLM_TIMEOUT_S + 8, f"took {elapsed:.1f} s"
    assert answer["generator"] == "composed"
    assert answer["citations"] and "[IV.9" in answer["answer"]
    assert any("openai" in n and COMPOSED_INSTEAD in n for n in answer["notices"]), answer
    assert "blockchain" not in answer["answer"]


@pytest.mark.timeout(60)
def test_a_slow_llm_holds_no_request_past_its_timeout(
    llm_apps: dict[str, str], fake_llm: FakeLLMServer
) -> None:
    """Eight questions at once against an LLM that never answers: all come back, each within
    the timeout plus queueing, and the server still answers health checks meanwhile."""
    program(fake_llm, "slow")
    client = httpx.Client(base_url=llm_apps["fake"], timeout=60)
    with client, ThreadPoolExecutor(8) as pool:
        futures = [
            pool.submit(timed, lambda: client.post("/v1/ask", json={"question": FUNDING}))
            for _ in range(8)
        ]
        health, health_time = timed(lambda: client.get("/healthz"))
        results = [f.result() for f in futures]
    assert health.status_code == 200 and health_time < 1.0
    assert all(r.status_code == 200 and r.json()["generator"] == "composed" for r, _ in results)
    assert max(t for _, t in results) < 4 * LLM_TIMEOUT_S + 10


def test_the_llm_recovering_is_used_again(
    llm_apps: dict[str, str], fake_llm: FakeLLMServer
) -> None:
    """After the faults, a working LLM's faithful reply is served again (no sticky fallback)."""
    program(fake_llm, "ok")
    fake_llm.queue(
        "Governments should articulate the value proposition for projects above a certain "
        "budget threshold [IV.9.i]."
    )
    with httpx.Client(base_url=llm_apps["fake"], timeout=30) as client:
        answer = client.post("/v1/ask", json={"question": FUNDING}).json()
    assert answer["generator"] == "openai" and answer["notices"] == []


# -- the Chroma server dies ----------------------------------------------------------------------


class ChromaServer:
    """`chroma run` as a child process on one loopback port and folder, which a test can kill,
    freeze, thaw and start again."""

    def __init__(self, path: Path, port: int) -> None:
        self.path, self.port = path, port
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        chroma = Path(sys.executable).parent / "chroma"
        command = [str(chroma), "run", "--path", str(self.path), "--host", "127.0.0.1"]
        self.process = subprocess.Popen(
            [*command, "--port", str(self.port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env={"ANONYMIZED_TELEMETRY": "False", "PATH": "/usr/bin:/bin"},
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                heartbeat = f"http://127.0.0.1:{self.port}/api/v2/heartbeat"
                if httpx.get(heartbeat, timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.2)
        raise RuntimeError("chroma server did not start")

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def freeze(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGSTOP)

    def thaw(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGCONT)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.thaw()  # a frozen process would not see SIGTERM
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)


@pytest.fixture
def chroma(tmp_path: Path) -> Iterator[ChromaServer]:
    server = ChromaServer(tmp_path / "chroma-server", free_port())
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def http_mode(chroma: ChromaServer, tmp_path: Path) -> Iterator[tuple[Services, str]]:
    """The app in http mode over the Chroma server, index ingested, serving on loopback.

    The hashing embedder keeps ingestion to a second: these tests are about the store going
    away, not about answer quality (that is proved over the real model elsewhere).
    """
    settings = Settings(
        data_dir=tmp_path / "data",
        chroma_mode="http",
        chroma_port=chroma.port,
        embedding_model="fake-hash",
        rate_limit_per_minute=OPEN,
        _env_file=None,  # type: ignore[call-arg]
    )
    services = Services(settings)
    services.index.build(progress=False)
    with serve(create_app(services, with_ui=False)) as url:
        yield services, url


def wait_until_ready(client: httpx.Client, seconds: float = 30) -> float:
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        if client.get("/readyz").status_code == 200:
            return time.monotonic() - started
        time.sleep(0.25)
    raise AssertionError("the app did not become ready again")


@pytest.mark.timeout(120)
def test_chroma_killed_mid_run_gives_503_then_service_resumes_by_itself(
    chroma: ChromaServer, http_mode: tuple[Services, str]
) -> None:
    """kill -9 of the Chroma server: /readyz and every answering route say 503 within a second
    with a message naming the vector store (not "run ingest"); the same server restarted on the
    same port and folder is picked up again without restarting the app, ranking as before.

    The questions asked during the outage were never asked before, so no answer comes from the
    answer cache: each one needs the store."""
    _, url = http_mode
    outage = iter(OUTAGE_QUESTIONS)
    with httpx.Client(base_url=url, timeout=30) as client:
        ranked = client.get("/v1/search", params={"q": "open data"})
        assert client.post("/v1/ask", json={"question": FUNDING}).status_code == 200
        chroma.kill()

        question = next(outage)
        answer, seconds = timed(lambda: client.post("/v1/ask", json={"question": question}))
        assert_503(answer, "vector store", "try again")
        assert "ingest" not in answer.text and seconds < 2.0
        ready = client.get("/readyz")
        assert ready.status_code == 503
        assert ready.json()["store"] is False and "vector store" in ready.text
        assert_503(client.get("/v1/search", params={"q": "open data"}), "vector store")
        assert_503(client.post("/v1/ask/stream", json={"question": next(outage)}), "vector store")
        body = {"messages": [{"role": "user", "content": next(outage)}]}
        assert_503(client.post("/v1/chat/completions", json=body), "vector store")
        assert client.get("/healthz").status_code == 200  # alive, just not ready

        chroma.start()
        wait_until_ready(client)
        again = client.get("/v1/search", params={"q": "open data"})
        assert search_signature(again) == search_signature(ranked)
        assert client.post("/v1/ask", json={"question": question}).status_code == 200


@pytest.mark.timeout(120)
def test_a_frozen_chroma_server_gives_503_after_a_bounded_wait(
    chroma: ChromaServer, http_mode: tuple[Services, str]
) -> None:
    """A Chroma server that accepts connections but never answers (SIGSTOP) does not hang
    requests: Chroma's client has no timeout of its own, the store sets one, so each request
    gets its 503 after that bound; thawed, the server is used again."""
    services, url = http_mode
    services.store.http_timeout_s = 2.0
    services.store.reset_connection()  # reconnect with the shorter bound
    with httpx.Client(base_url=url, timeout=60) as client:
        assert client.get("/readyz").status_code == 200
        chroma.freeze()
        try:
            time.sleep(2.1)  # past the manifest cache, so the store is really asked
            answer, seconds = timed(lambda: client.post("/v1/ask", json={"question": FUNDING}))
            assert_503(answer, "vector store")
            assert seconds < 3 * services.store.http_timeout_s + 2
            ready, seconds = timed(lambda: client.get("/readyz"))
            assert ready.status_code == 503 and seconds < 3 * services.store.http_timeout_s + 2
        finally:
            chroma.thaw()
        wait_until_ready(client)
        assert client.post("/v1/ask", json={"question": FUNDING}).status_code == 200


# -- the index is rebuilt while the app answers --------------------------------------------------


def search_signature(response: httpx.Response) -> str:
    """Ids and dense scores of a search: tell which index ranked the clauses."""
    assert response.status_code == 200, response.text[:300]
    return json.dumps([(hit["clause_id"], hit["dense"]) for hit in response.json()["results"]])


def answer_signature(response: httpx.Response) -> str:
    """The clauses an answer was built from, with their scores: tell which index answered."""
    assert response.status_code == 200, response.text[:300]
    return json.dumps([(c["clause_id"], c["dense"]) for c in response.json()["retrieved"]])


def signatures(client: httpx.Client) -> tuple[str, str]:
    """(search, answer) signatures of one search and one question."""
    search = client.get("/v1/search", params={"q": PARAPHRASE, "top_k": 8})
    answer = client.post("/v1/ask", json={"question": PARAPHRASE})
    return search_signature(search), answer_signature(answer)


@pytest.mark.timeout(180)
def test_rebuilding_the_index_while_serving_fails_no_request_and_switches_atomically(
    tmp_path: Path,
) -> None:
    """Two complete indexes rank differently (with and without the paraphrase vectors). While
    eight clients search and ask without pause, the index is rebuilt twenty times in another
    thread of the same process, alternating the two: no request fails, every search and every
    answer comes from exactly one of the two complete indexes (never a half-built one), and
    after the last rebuild every search and answer (cached ones included) comes from it.

    In-process on purpose: Chroma's embedded store must not be opened by two processes (its
    docs: PersistentClient is not process-safe), so a second process running
    `assistant ingest --force` on the same folder is not a supported way to rebuild; with
    several processes, run Chroma in server mode.
    """
    settings = Settings(
        data_dir=tmp_path / "data",
        embedding_model="fake-hash",
        rate_limit_per_minute=OPEN,
        _env_file=None,  # type: ignore[call-arg]
    )
    serving = Services(settings)
    builders = {
        "with-paraphrases": serving.index,
        "without": Services(settings.model_copy(update={"use_paraphrases": False})).index,
    }
    stop = threading.Event()
    statuses: Counter[int] = Counter()
    seen: set[tuple[str, str]] = set()
    with serve(create_app(serving, with_ui=False)) as url, httpx.Client(base_url=url) as probe:
        known: dict[tuple[str, str], str] = {}
        for name, index in builders.items():
            index.build(force=True, progress=False)
            serving.search.invalidate()
            known[signatures(probe)] = name
        searches, answers = {s for s, _ in known}, {a for _, a in known}
        assert len(searches) == len(answers) == 2, "the indexes must rank differently"

        def client_loop() -> None:
            with httpx.Client(base_url=url, timeout=30) as client:
                while not stop.is_set():
                    search = client.get("/v1/search", params={"q": PARAPHRASE, "top_k": 8})
                    answer = client.post("/v1/ask", json={"question": PARAPHRASE})
                    statuses.update([search.status_code, answer.status_code])
                    if search.status_code == answer.status_code == 200:
                        seen.add((search_signature(search), answer_signature(answer)))

        with ThreadPoolExecutor(8) as pool:
            loops = [pool.submit(client_loop) for _ in range(8)]
            try:
                for round_ in range(20):
                    builders[list(builders)[round_ % 2]].build(force=True, progress=False)
                    time.sleep(0.2)
            finally:
                stop.set()
            for loop in loops:
                loop.result()
        time.sleep(2.1)  # the manifest is re-read every 2 s
        final = signatures(probe)
    assert set(statuses) == {200}, statuses
    assert sum(statuses.values()) > 200
    assert {s for s, _ in seen} <= searches, "a search came from neither complete index"
    assert {a for _, a in seen} <= answers, "an answer came from neither complete index"
    assert len({s for s, _ in seen}) == 2, "both indexes served during the rebuilds"
    assert known.get(final) == "without", "round 19 built the index without paraphrases"


# -- a missing or corrupt index folder at start --------------------------------------------------


def corrupt(data_dir: Path, kind: str) -> None:
    """Damage (or remove) a built embedded index folder in one of several ways."""
    chroma = data_dir / "chroma"
    if kind == "missing":
        shutil.rmtree(chroma)
    elif kind == "sqlite-truncated":
        database = chroma / "chroma.sqlite3"
        database.write_bytes(database.read_bytes()[: database.stat().st_size // 3])
    elif kind == "folder-is-a-file":
        shutil.rmtree(chroma)
        chroma.write_text("not a folder")
    elif kind == "sqlite-garbage":
        (chroma / "chroma.sqlite3").write_bytes(b"this is not an SQLite database\n" * 500)


@pytest.mark.parametrize("kind", ["missing", "sqlite-truncated", "folder-is-a-file"])
def test_app_factory_rebuilds_a_missing_or_unreadable_index(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, kind: str
) -> None:
    """`app.py`'s factory over a damaged index folder does not crash: an unreadable folder is
    moved aside with a warning, the index is rebuilt, and the app is ready."""
    import importlib.util

    data_dir = tmp_path / "data"
    builder = Services(Settings(data_dir=data_dir, embedding_model="fake-hash", _env_file=None))  # type: ignore[call-arg]
    builder.index.build(progress=False)
    builder.store.reset_connection()  # forget Chroma's cached system, as a new process would
    corrupt(data_dir, kind)
    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(data_dir))
    monkeypatch.setenv("ASSISTANT_EMBEDDING_MODEL", "fake-hash")
    spec = importlib.util.spec_from_file_location("app_entry", PROJECT_ROOT / "app.py")
    assert spec and spec.loader
    entry = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(entry)
    with caplog.at_level("WARNING", logger="assistant.backends.chroma_store"):
        app = entry.factory()
    with serve(app) as url:
        assert httpx.get(f"{url}/readyz", timeout=10).status_code == 200
        answer = httpx.post(f"{url}/v1/ask", json={"question": FUNDING}, timeout=30)
        assert answer.status_code == 200
    if kind == "missing":
        assert not list(tmp_path.glob("data/chroma.unreadable-*"))
    else:
        assert "could not be read; moved it to" in caplog.text
        assert list(tmp_path.glob("data/chroma.unreadable-*"))


@pytest.mark.timeout(300)
def test_app_py_started_over_a_corrupt_index_says_so_rebuilds_and_becomes_ready(
    tmp_path: Path,
) -> None:
    """`python app.py` (a real process, real model) over a data folder whose Chroma database is
    garbage: the log says the folder could not be read and was moved aside, the index is
    rebuilt, /readyz turns 200 and answers are served; the question never reaches the log."""
    data_dir = tmp_path / "data"
    (data_dir / "chroma").mkdir(parents=True)
    corrupt(data_dir, "sqlite-garbage")
    port = free_port()
    log = tmp_path / "app.log"
    env = {**os.environ, "ASSISTANT_DATA_DIR": str(data_dir), "PYTHONUNBUFFERED": "1"}
    url = f"http://127.0.0.1:{port}"
    command = [sys.executable, "app.py", "--port", str(port)]
    with server_process(command, f"{url}/readyz", log, within_s=240, env=env, cwd=PROJECT_ROOT):
        secret = "Quokka-ledger-4411 how do we fund digital projects?"
        assert httpx.post(f"{url}/v1/ask", json={"question": secret}, timeout=30).is_success
        assert httpx.get(f"{url}/v1/search", params={"q": secret}, timeout=30).is_success
    text = log.read_text(errors="replace")
    assert "The index folder could not be read; moved it to" in text
    assert "Traceback" not in text
    assert "GET /v1/search?[hidden]" in text and "POST /v1/ask" in text  # access log is on
    assert "Quokka" not in text and "4411" not in text
    assert list(data_dir.parent.glob("data/chroma.unreadable-*"))
