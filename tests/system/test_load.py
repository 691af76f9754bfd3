"""Load on 127.0.0.1: 2,000 questions from 32 concurrent clients, with zero failed requests,
first against `python app.py` as started in production (one worker), then against the same app
(in this process, under uvicorn) while its index is rebuilt in a loop in another thread.

Latencies (p50, p95, p99, max) and answers per second are printed (`pytest -s` shows them) and
written to `evals/bench/out/load.json`. The rate limit is set far above the load, so a 429 would
be a failure of the test, not of the limiter.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import multiprocessing
import os
import random
import statistics
import string
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

import httpx
import pytest
from servers import free_port, serve, server_process

from assistant.services import Services
from assistant.settings import PROJECT_ROOT, Settings
from assistant.web.app_factory import create_app

pytestmark = pytest.mark.integration

REQUESTS = 2_000
CONCURRENCY = 32
NO_LIMIT = 10_000_000  # requests per minute: never reached
OUT = PROJECT_ROOT / "evals" / "bench" / "out" / "load.json"
TOPICS = [
    "how should governments justify funding for digital projects?",
    "what does the Recommendation say about open government data?",
    "how should citizens be involved in designing public services?",
    "what is digital government?",
    "who should lead the digital government strategy?",
    "what about security and privacy risks?",
    "what will the weather be like in Paris tomorrow?",  # refused: not covered
    "should projects be funded in stages depending on results?",
    "how can governments share digital services across agencies?",
    "what skills do civil servants need for digital government?",
]
OPENERS = ["", "Briefly, ", "Please explain: ", "In short, ", "For a briefing note, ",
           "Quick question: ", "As an official, I ask: ", "Could you tell me "]  # fmt: skip
CLOSERS = ["", " Thanks.", " Please cite the clauses.", " It is for our strategy.",
           " I work in a ministry.", " We are drafting a plan.", " Keep it short.",
           " Any guidance?"]  # fmt: skip
CONTEXTS = ["", " We are a city.", " We are a region.", " We are a national agency.",
            " We are a small country."]  # fmt: skip


def upper_first(text: str) -> str:
    return text[0].upper() + text[1:]


# 3,200 different questions, so none is answered from the answer cache: the figures measure
# the whole pipeline (retrieval, scope checks, composition, grounding guard), the worst case.
QUESTIONS = [
    upper_first(f"{opener}{topic}{closer}{context}")
    for topic in TOPICS
    for opener in OPENERS
    for closer in CLOSERS
    for context in CONTEXTS
]
random.Random(2014).shuffle(QUESTIONS)
WARM_UP = 64


@dataclass
class LoadResult:
    """What one load run measured."""

    requests: int
    concurrency: int
    seconds: float
    statuses: dict[str, int]
    failures: list[str] = field(default_factory=list)
    latencies_ms: list[float] = field(default_factory=list, repr=False)

    @property
    def answers_per_second(self) -> float:
        return self.requests / self.seconds

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]

    def summary(self) -> dict[str, object]:
        data = {k: v for k, v in asdict(self).items() if k not in ("latencies_ms", "failures")}
        return data | {
            "failed": len(self.failures),
            "answers_per_second": round(self.answers_per_second, 1),
            "p50_ms": round(self.percentile(50), 1),
            "p95_ms": round(self.percentile(95), 1),
            "p99_ms": round(self.percentile(99), 1),
            "max_ms": round(max(self.latencies_ms), 1),
            "mean_ms": round(statistics.fmean(self.latencies_ms), 1),
        }


async def _load(
    url: str,
    requests: int,
    concurrency: int,
    until_switch_from: str | None,
    first: int,
    questions: Sequence[str] = QUESTIONS,
) -> LoadResult:
    """At least `requests` POST /v1/ask from `concurrency` clients, each sending its next
    question as soon as the previous answer arrived. A failure is anything but a 200 with an
    answer. With `until_switch_from` (the live collection's name) the clients keep asking past
    `requests` until `/readyz` names another collection, so an index switch happens under load.
    """
    # A pooled connection can sit idle while the others carry the load. Uvicorn closes a
    # connection idle for 5 s, and httpx's default is to keep one for 5 s too, so a request
    # could go out on a connection the server is closing that very moment (a ReadError no HTTP
    # client retries for a POST). Clients, like proxies, must expire idle connections first.
    limits = httpx.Limits(
        max_connections=concurrency, max_keepalive_connections=concurrency, keepalive_expiry=2.0
    )
    latencies: list[float] = []
    statuses: Counter[str] = Counter()
    failures: list[str] = []
    sent = 0
    switched = until_switch_from is None

    async with httpx.AsyncClient(base_url=url, timeout=60, limits=limits) as client:

        async def one_client() -> None:
            nonlocal sent
            while sent < requests or not switched:
                question = questions[(first + sent) % len(questions)]
                sent += 1
                started = time.perf_counter()
                try:
                    response = await client.post("/v1/ask", json={"question": question})
                except httpx.HTTPError as exc:
                    failures.append(f"{type(exc).__name__}: {exc}")
                    statuses["error"] += 1
                    continue
                latencies.append((time.perf_counter() - started) * 1000)
                statuses[str(response.status_code)] += 1
                if response.status_code != 200 or "answer" not in response.json():
                    failures.append(f"{response.status_code}: {response.text[:200]}")

        async def watch_for_switch() -> None:
            nonlocal switched
            deadline = time.monotonic() + 180
            while not switched and time.monotonic() < deadline:
                with contextlib.suppress(httpx.HTTPError, ValueError):
                    ready = (await client.get("/readyz")).json()
                    switched = ready.get("collection") not in (None, until_switch_from)
                await asyncio.sleep(0.5)
            switched = True  # past the deadline the test's own check reports it

        started = time.perf_counter()
        await asyncio.gather(watch_for_switch(), *(one_client() for _ in range(concurrency)))
        seconds = time.perf_counter() - started
    return LoadResult(sent, concurrency, seconds, dict(statuses), failures, latencies)


def run_load(
    url: str,
    requests: int = REQUESTS,
    concurrency: int = CONCURRENCY,
    until_switch_from: str | None = None,
    first: int = 0,
    questions: Sequence[str] = QUESTIONS,
) -> LoadResult:
    """Questions from `first` on in `questions` (the warm-up takes the last ones)."""
    return asyncio.run(_load(url, requests, concurrency, until_switch_from, first, questions))


def warm_up(url: str) -> None:
    """A few answers first: the first requests load lazily built parts of the app."""
    run_load(url, requests=WARM_UP, first=len(QUESTIONS) - WARM_UP)


def run_load_from_another_process(url: str, until_switch_from: str) -> LoadResult:
    """The load sent from a separate process, as real clients are: a server running in this
    test's process must not share its interpreter (and its GIL) with its own clients."""
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        job = pool.submit(run_load, url, REQUESTS, CONCURRENCY, until_switch_from)
        return job.result(timeout=240)


def report(name: str, result: LoadResult, **extra: object) -> dict[str, object]:
    """Print the figures and merge them into evals/bench/out/load.json under `name`."""
    summary = result.summary() | extra
    print(
        f"\n[load:{name}] {result.requests} requests, {result.concurrency} clients, "
        f"{result.seconds:.1f} s: p50 {summary['p50_ms']} ms, p95 {summary['p95_ms']} ms, "
        f"p99 {summary['p99_ms']} ms, max {summary['max_ms']} ms, "
        f"{summary['answers_per_second']} answers/s, failed {summary['failed']}"
        + "".join(f", {k} {v}" for k, v in extra.items())
    )
    OUT.parent.mkdir(parents=True, exist_ok=True)
    previous = json.loads(OUT.read_text(encoding="utf-8")) if OUT.exists() else {}
    previous[name] = summary | {"cpu_count": os.cpu_count(), "measured_at": time.time()}
    OUT.write_text(json.dumps(previous, indent=2) + "\n", encoding="utf-8")
    return summary


@pytest.fixture
def app_process(real_services: Services, real_settings: Settings, tmp_path: Path) -> Iterator[str]:
    """`python app.py --port N` over the session's index (built by `real_services`), one
    worker, its output kept in a file; stopped after the test."""
    port = free_port()
    env = {
        **os.environ,
        "ASSISTANT_DATA_DIR": str(real_settings.data_dir),
        "ASSISTANT_RATE_LIMIT_PER_MINUTE": str(NO_LIMIT),
    }
    url = f"http://127.0.0.1:{port}"
    command = [sys.executable, "app.py", "--port", str(port)]
    log = tmp_path / "app.log"
    with server_process(command, f"{url}/readyz", log, within_s=180, env=env, cwd=PROJECT_ROOT):
        yield url


@pytest.mark.timeout(240)
def test_2000_questions_from_32_clients_all_answered(app_process: str) -> None:
    """2,000 questions from 32 concurrent clients against `python app.py`: every one is
    answered (200 with an answer), and the server is still ready afterwards."""
    warm_up(app_process)
    result = run_load(app_process)
    report("app_py", result)
    assert result.failures == [], result.failures[:5]
    assert result.statuses == {"200": REQUESTS}
    assert httpx.get(f"{app_process}/readyz", timeout=10).status_code == 200


NEW_WORD_REQUESTS = 320
SUFFIXES = ["ing", "ation", "ness", "ised", "ments", "ically", "ful", "ous", "ies", "ability"]


def never_seen_questions(count: int, seed: int) -> list[str]:
    """Questions each carrying three made-up words no earlier request used (the stemmer, the
    typo corrector and every cache meet them for the first time, from many threads at once)."""
    rng = random.Random(seed)
    used: set[str] = set()

    def word() -> str:
        while True:
            made = "".join(rng.choices(string.ascii_lowercase, k=rng.randint(5, 10)))
            made += rng.choice(SUFFIXES)
            if made not in used:
                used.add(made)
                return made

    return [
        upper_first(f"{topic.rstrip('?')} for the {word()} {word()} of {word()}?")
        for topic in (TOPICS[i % len(TOPICS)] for i in range(count))
    ]


@pytest.mark.timeout(240)
def test_never_seen_words_from_32_clients_all_answered(app_process: str) -> None:
    """320 questions from 32 concurrent clients, every one with words no request used before
    (a race on the stemmer's working word once failed 1 request in 480 on such words only):
    every request gets a 200 with an answer."""
    warm_up(app_process)
    questions = never_seen_questions(NEW_WORD_REQUESTS, seed=406)
    assert len({q.split(" for the ")[1] for q in questions}) == NEW_WORD_REQUESTS
    result = run_load(app_process, requests=NEW_WORD_REQUESTS, questions=questions)
    report("never_seen_words", result)
    assert result.failures == [], result.failures[:5]
    assert result.statuses == {"200": NEW_WORD_REQUESTS}


@pytest.mark.timeout(300)
def test_2000_questions_while_the_index_is_rebuilt_all_answered(real_settings: Settings) -> None:
    """The same load while the server process rebuilds its index from scratch (real model,
    `index.build(force=True)`) in a loop: no request fails, and the questions keep coming (past
    2,000 if need be) until a rebuild has switched the live collection under load."""
    services = Services(real_settings.model_copy(update={"rate_limit_per_minute": NO_LIMIT}))
    services.warm_up()
    done = threading.Event()
    builds: list[float] = []
    errors: list[BaseException] = []

    def rebuild_until_done() -> None:
        try:
            while not done.is_set():
                builds.append(services.index.build(force=True, progress=False).seconds)
        except BaseException as exc:  # reported by the test, not lost in the thread
            errors.append(exc)

    with serve(create_app(services)) as url:
        warm_up(url)
        before = httpx.get(f"{url}/readyz", timeout=10).json()["collection"]
        builder = threading.Thread(target=rebuild_until_done, daemon=True)
        builder.start()
        try:
            result = run_load_from_another_process(url, until_switch_from=before)
        finally:
            done.set()
            builder.join(timeout=120)
        time.sleep(2.1)  # the manifest is re-read every 2 s
        after = httpx.get(f"{url}/readyz", timeout=10).json()["collection"]
    report(
        "while_ingesting",
        result,
        rebuilds_completed=len(builds),
        rebuild_seconds=[round(s, 1) for s in builds],
    )
    assert errors == [] and not builder.is_alive()
    assert result.failures == [], result.failures[:5]
    assert result.requests >= REQUESTS and result.statuses == {"200": result.requests}
    assert builds, "no rebuild completed"
    assert after != before
