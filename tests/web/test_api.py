"""The HTTP API, through the real app factory (real index, real model, Gradio mounted at `/`):
every route, every error shape and status, keys, rate limit, sizes, CORS and statelessness."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from assistant.retrieval.search import IndexNotReady
from assistant.services import Services
from assistant.settings import Settings
from assistant.web.app_factory import create_app
from assistant.web.security import RateLimiter

pytestmark = pytest.mark.integration

FUNDING = "How should governments justify funding for digital projects?"
OFF_TOPIC = "What will the weather be like in Paris tomorrow?"
KEYS = ["key-alpha-1234567890", "key-beta-0987654321"]


@pytest.fixture(scope="module")
def client(real_services: Services) -> Iterator[TestClient]:
    """The full app (API and chat), as `python app.py` serves it."""
    with TestClient(create_app(real_services), raise_server_exceptions=False) as test_client:
        yield test_client


def services_with(real_settings: Settings, **update: object) -> Services:
    """Services over the session's index with some settings changed."""
    return Services(real_settings.model_copy(update=update))


@pytest.fixture(scope="module")
def guarded(real_services: Services, real_settings: Settings) -> TestClient:
    """An API with keys, a small rate limit, tight sizes and a CORS allow-list."""
    services = services_with(
        real_settings,
        api_keys=[SecretStr(k) for k in KEYS],
        rate_limit_per_minute=100,
        cors_origins=["https://intranet.example.org"],
        max_request_bytes=2048,
        max_question_chars=120,
        max_history_turns=2,
    )
    return TestClient(create_app(services, with_ui=False), raise_server_exceptions=False)


def auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def sse_events(body: str) -> list[tuple[str, str]]:
    """(event, data) pairs of a server-sent event stream."""
    events = []
    for block in body.replace("\r\n", "\n").split("\n\n"):
        fields = dict(
            line.split(": ", 1) for line in block.splitlines() if ": " in line and line[0] != ":"
        )
        if "data" in fields:
            events.append((fields.get("event", "message"), fields["data"]))
    return events


def assert_error(response, status: int, code: str | None = None) -> str:  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) >= {"error"} and set(body["error"]) == {"code", "message"}
    if code:
        assert body["error"]["code"] == code
    message = body["error"]["message"]
    assert message and "Traceback" not in message and "/work/" not in message
    return message


# -- health and docs ---------------------------------------------------------------------------


def test_healthz_and_readyz(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["status"] == "ready" and ready.json()["store"] and ready.json()["index"]
    assert ready.json()["clauses"] > 50


def test_docs_openapi_and_chat_page_share_one_server(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for path in (
        "/v1/ask",
        "/v1/ask/stream",
        "/v1/clauses",
        "/v1/clauses/{clause_id}",
        "/v1/search",
        "/v1/chat/completions",
        "/v1/models",
        "/healthz",
        "/readyz",
    ):
        assert path in paths
    assert "swagger" in client.get("/docs").text.lower()
    page = client.get("/")
    assert page.status_code == 200 and "gradio" in page.text.lower()


# -- ask -------------------------------------------------------------------------------------


def test_ask_returns_the_answer_object(client: TestClient) -> None:
    response = client.post("/v1/ask", json={"question": FUNDING})
    assert response.status_code == 200
    answer = response.json()
    for field in ("answer", "citations", "abstained", "related", "grounding", "retrieved"):
        assert field in answer
    assert answer["generator"] and answer["receipt"]["corpus_hash"]
    assert not answer["abstained"] and answer["citations"]
    for citation in answer["citations"]:
        assert {"clause_id", "instrument", "label", "text", "url"} <= set(citation)
        assert f"[{citation['clause_id']}]" in answer["answer"]
        assert citation["instrument"] == "OECD/LEGAL/0406"
    assert any(c["clause_id"].startswith("IV.9") for c in answer["citations"])


def test_follow_up_uses_the_history_sent_with_it(client: TestClient) -> None:
    first = client.post("/v1/ask", json={"question": FUNDING}).json()
    history = [
        {"role": "user", "content": FUNDING},
        {"role": "assistant", "content": first["answer"]},
    ]
    follow = "And what about the second sub-item?"
    with_history = client.post("/v1/ask", json={"question": follow, "history": history}).json()
    assert "IV.9.ii" in [c["clause_id"] for c in with_history["citations"]]
    alone = client.post("/v1/ask", json={"question": follow}).json()
    assert alone["answer"] != with_history["answer"]


def test_refusal_is_marked_and_suggests_nearest_clauses(client: TestClient) -> None:
    answer = client.post("/v1/ask", json={"question": OFF_TOPIC}).json()
    assert answer["abstained"] is True
    assert answer["citations"] == [] and answer["related"]


def test_ask_stream_sends_text_pieces_then_the_answer(client: TestClient) -> None:
    response = client.post("/v1/ask/stream", json={"question": FUNDING})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    events = sse_events(response.text)
    kinds = [kind for kind, _ in events]
    assert kinds[0] == "delta" and kinds[-2:] == ["answer", "done"]
    text = "".join(json.loads(data)["text"] for kind, data in events if kind == "delta")
    answer = json.loads(events[-2][1])
    assert text == answer["answer"] and answer["citations"]


def test_same_request_same_answer_on_independent_replicas(
    real_settings: Settings, client: TestClient
) -> None:
    """No conversation state on the server: another app instance answers identically."""
    other = TestClient(create_app(services_with(real_settings), with_ui=False))
    history = [
        {"role": "user", "content": FUNDING},
        {"role": "assistant", "content": "See [IV.9]."},
    ]
    body = {"question": "Who should be involved?", "history": history}
    one, two = client.post("/v1/ask", json=body).json(), other.post("/v1/ask", json=body).json()
    assert (one["answer"], one["citations"]) == (two["answer"], two["citations"])


# -- clauses and search ----------------------------------------------------------------------


def test_clause_tree(client: TestClient) -> None:
    tree = client.get("/v1/clauses").json()
    instrument = tree["instruments"][0]
    assert instrument["id"] == "OECD/LEGAL/0406" and instrument["url"].startswith("https://")
    sections = {node["clause_id"]: node for node in instrument["clauses"]}
    assert {"background", "preamble", "I", "II", "III", "IV"} <= set(sections)
    paragraph = next(n for n in sections["IV"]["children"] if n["clause_id"] == "IV.9")
    assert [n["clause_id"] for n in paragraph["children"]] == ["IV.9.i", "IV.9.ii"]


def test_one_clause_and_unknown_clause(client: TestClient) -> None:
    clause = client.get("/v1/clauses/IV.9.i").json()
    assert clause["heading"].startswith("Develop clear business cases")
    assert clause["text"].startswith("articulating the value proposition")
    assert clause["parent_id"] == "IV.9" and clause["url"].startswith("https://")
    assert client.get("/v1/clauses/iv.9.I").json()["clause_id"] == "IV.9.i"
    assert client.get("/v1/clauses/IV.9").json()["children"] == ["IV.9.i", "IV.9.ii"]
    message = assert_error(client.get("/v1/clauses/IV.99"), 404, "clause_not_found")
    assert "IV.99" in message and "/v1/clauses" in message


def test_search_ranks_clauses(client: TestClient) -> None:
    body = client.get("/v1/search", params={"q": "open government data", "top_k": 3}).json()
    assert body["top_k"] == 3 and [hit["rank"] for hit in body["results"]] == [1, 2, 3]
    assert any(hit["clause_id"].startswith("II.3") for hit in body["results"])
    scores = [hit["score"] for hit in body["results"]]
    assert scores == sorted(scores, reverse=True)
    default = client.get("/v1/search", params={"q": "business case"}).json()
    assert len(default["results"]) == 8


@pytest.mark.parametrize("top_k", ["0", "51", "many"])
def test_search_top_k_out_of_range(client: TestClient, top_k: str) -> None:
    message = assert_error(client.get("/v1/search", params={"q": "data", "top_k": top_k}), 422)
    assert "top_k" in message


def test_search_needs_a_query(client: TestClient) -> None:
    assert "q" in assert_error(client.get("/v1/search"), 422, "invalid_request")


# -- errors ----------------------------------------------------------------------------------


def test_unknown_path_and_wrong_method_are_json(client: TestClient) -> None:
    assert_error(client.get("/v1/nothing-here"), 404, "not_found")
    response = client.get("/v1/ask")
    assert_error(response, 405, "method_not_allowed")
    assert response.headers["allow"] == "POST"
    assert_error(client.post("/healthz"), 405, "method_not_allowed")


def test_invalid_bodies_are_422_with_a_message(client: TestClient) -> None:
    bad_json = client.post(
        "/v1/ask", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert "JSON" in assert_error(bad_json, 422, "invalid_request")
    assert "question" in assert_error(client.post("/v1/ask", json={}), 422, "invalid_request")
    assert_error(client.post("/v1/ask", json={"question": "   "}), 422, "empty_question")
    bad_role = {"question": "x?", "history": [{"role": "robot", "content": "hi"}]}
    assert "history" in assert_error(client.post("/v1/ask", json=bad_role), 422)


def test_question_and_history_limits(guarded: TestClient) -> None:
    key = auth(KEYS[1])
    message = assert_error(
        guarded.post("/v1/ask", json={"question": "x" * 121}, headers=key), 422, "question_too_long"
    )
    assert "120" in message
    turns = [{"role": "user", "content": "a"}] * 3
    body = {"question": "What is digital government?", "history": turns}
    assert_error(guarded.post("/v1/ask", json=body, headers=key), 422, "history_too_long")


def test_request_size_limit(real_settings: Settings) -> None:
    app = create_app(services_with(real_settings, max_request_bytes=2048), with_ui=False)
    test_client = TestClient(app)
    big = {"question": "What is digital government?", "padding": "x" * 3000}
    message = assert_error(test_client.post("/v1/ask", json=big), 413, "request_too_large")
    assert "2048 bytes" in message

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it arrives
        yield b'{"question": "'
        for _ in range(10):
            yield b"y" * 400
        yield b'"}'

    chunked = test_client.post(
        "/v1/ask", content=chunks(), headers={"content-type": "application/json"}
    )
    assert_error(chunked, 413, "request_too_large")


def test_unexpected_errors_are_generic_500(
    client: TestClient, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    answers = client.app.state.services.answers  # type: ignore[attr-defined]

    def explode(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom in /srv/secret/path.py")

    monkeypatch.setattr(answers, "ask", explode)
    with caplog.at_level(logging.ERROR, logger="assistant.web"):
        response = client.post("/v1/ask", json={"question": FUNDING})
    message = assert_error(response, 500, "internal_error")
    assert "secret" not in response.text and "boom" not in message
    assert "boom in /srv/secret/path.py" in caplog.text  # logged server-side


def test_index_not_ready_is_503(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    answers = client.app.state.services.answers  # type: ignore[attr-defined]

    def not_ready(*args: object, **kwargs: object) -> None:
        raise IndexNotReady("No index has been built yet: run `assistant ingest`.")

    monkeypatch.setattr(answers, "ask", not_ready)
    monkeypatch.setattr(answers, "stream", not_ready)
    for path in ("/v1/ask", "/v1/ask/stream"):
        message = assert_error(client.post(path, json={"question": FUNDING}), 503)
        assert "index" in message.lower()


def test_without_an_index_ready_fails_and_ask_is_503(tmp_path: Path) -> None:
    empty = Services(Settings(data_dir=tmp_path / "empty", _env_file=None))  # type: ignore[call-arg]
    test_client = TestClient(create_app(empty, with_ui=False))
    ready = test_client.get("/readyz")
    assert ready.status_code == 503 and ready.json()["status"] == "not_ready"
    assert "ingest" in ready.json()["error"]["message"]
    assert test_client.get("/healthz").status_code == 200
    message = assert_error(test_client.post("/v1/ask", json={"question": FUNDING}), 503)
    assert "index" in message.lower()
    assert_error(test_client.get("/v1/search", params={"q": "data"}), 503, "index_not_ready")


# -- keys, rate limit, CORS ------------------------------------------------------------------


def test_api_keys(guarded: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG):
        missing = guarded.get("/v1/clauses/II.1")
        assert "Bearer" in assert_error(missing, 401, "missing_api_key")
        assert missing.headers["www-authenticate"] == "Bearer"
        wrong = guarded.get("/v1/clauses/II.1", headers=auth(KEYS[0] + "x"))
        assert_error(wrong, 401, "invalid_api_key")
        assert guarded.get("/v1/clauses/II.1", headers=auth(KEYS[0])).status_code == 200
        assert guarded.get("/v1/models", headers=auth("nope")).status_code == 401
    assert guarded.get("/healthz").status_code == 200  # probes need no key
    assert all(key not in caplog.text for key in KEYS)


def test_rate_limit_per_key(real_settings: Settings) -> None:
    services = services_with(
        real_settings, api_keys=[SecretStr(k) for k in KEYS], rate_limit_per_minute=2
    )
    test_client = TestClient(create_app(services, with_ui=False))
    for _ in range(2):
        assert test_client.get("/v1/models", headers=auth(KEYS[0])).status_code == 200
    limited = test_client.get("/v1/models", headers=auth(KEYS[0]))
    assert "2 per minute" in assert_error(limited, 429, "rate_limited")
    assert int(limited.headers["retry-after"]) >= 1
    assert test_client.get("/v1/models", headers=auth(KEYS[1])).status_code == 200


def test_token_bucket_refills() -> None:
    now = [0.0]
    limiter = RateLimiter(per_minute=60, clock=lambda: now[0])
    assert all(limiter.acquire("a") == 0.0 for _ in range(60))
    assert limiter.acquire("a") == pytest.approx(1.0)
    now[0] += 1.0
    assert limiter.acquire("a") == 0.0
    assert limiter.acquire("b") == 0.0


def test_opt_in_audit_log_records_answers_without_keys(
    real_settings: Settings, tmp_path: Path
) -> None:
    log = tmp_path / "audit.jsonl"
    services = services_with(real_settings, api_keys=[SecretStr(KEYS[0])], audit_log=log)
    test_client = TestClient(create_app(services, with_ui=False))
    assert test_client.post("/v1/ask", json={"question": FUNDING}, headers=auth(KEYS[0])).is_success
    entry = json.loads(log.read_text(encoding="utf-8").splitlines()[-1])
    assert entry["question"] == FUNDING and entry["door"] == "api"
    assert entry["client"].startswith("key:") and entry["citations"]
    assert entry["receipt"]["corpus_hash"] and KEYS[0] not in log.read_text(encoding="utf-8")


def test_cors_allow_list(guarded: TestClient) -> None:
    preflight = {"Access-Control-Request-Method": "POST"}
    allowed = guarded.options(
        "/v1/ask", headers={"Origin": "https://intranet.example.org", **preflight}
    )
    assert allowed.headers["access-control-allow-origin"] == "https://intranet.example.org"
    denied = guarded.options("/v1/ask", headers={"Origin": "https://evil.example", **preflight})
    assert "access-control-allow-origin" not in denied.headers


def test_app_py_serves_on_loopback_7860_by_default(
    real_services: Services, real_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    import importlib.util

    import uvicorn
    from fastapi import FastAPI

    from assistant.settings import PROJECT_ROOT

    spec = importlib.util.spec_from_file_location("app_entry", PROJECT_ROOT / "app.py")
    assert spec and spec.loader
    entry = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(entry)
    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(real_settings.data_dir))
    calls: list[tuple[object, dict[str, object]]] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: calls.append((app, kw)))
    entry.main([])
    app, options = calls[0]
    assert options == {
        "host": "127.0.0.1",
        "port": 7860,
        "timeout_keep_alive": entry.KEEP_ALIVE_S,
        "proxy_headers": False,  # client addresses come from the trusted-proxy setting only
    }
    assert entry.KEEP_ALIVE_S > 5  # longer than httpx's idle keep-alive: no reuse race
    assert isinstance(app, FastAPI)
    with TestClient(app) as served:  # runs the lifespan, which builds the chat in a thread
        assert served.get("/readyz").status_code == 200
        # Until the chat is built, / answers 503 with a page that reloads itself.
        deadline = time.monotonic() + 120
        while (status := served.get("/").status_code) == 503 and time.monotonic() < deadline:
            time.sleep(0.5)
        assert status == 200
    parsed = entry.parse_args(["--host", "0.0.0.0", "--port", "8080", "--workers", "3"], Settings())
    assert (parsed.host, parsed.port, parsed.workers) == ("0.0.0.0", 8080, 3)
