"""`python app.py`'s start on a first run: the index is built while the chat's modules are
imported beside it, the API is ready when the factory returns and the chat at `/` follows once
the server runs (a page asking to wait until then), and the start-up line says where the
seconds went. The hashing embedder stands in for the model (the
real model's start is timed by ``evals/bench/versus.py``); Chroma and Gradio are real."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from assistant.settings import PROJECT_ROOT

pytestmark = pytest.mark.integration


def _app_module() -> object:
    spec = importlib.util.spec_from_file_location("app_entry", PROJECT_ROOT / "app.py")
    assert spec and spec.loader
    entry = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(entry)
    return entry


def test_first_start_builds_the_index_and_serves_the_chat_fake_embedder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("ASSISTANT_EMBEDDING_MODEL", "fake-hash")
    entry = _app_module()
    app = entry.factory()  # type: ignore[attr-defined]
    started = [line for line in capsys.readouterr().out.splitlines() if "Started in" in line]
    assert started and "index, model and first search" in started[0]
    with TestClient(app) as served:  # runs the app's lifespan, which builds the chat
        assert served.get("/readyz").status_code == 200
        first = served.get("/")
        if first.status_code == 503:  # still building: the page says so and reloads itself
            assert "starting" in first.text and first.headers["retry-after"]
        assert served.portal.call(app.state.chat.wait_ready)
        page = served.get("/")
        assert page.status_code == 200 and "gradio" in page.text.lower()
        assert served.get("/v1/nope").status_code == 404  # the API's own errors still
    # A second start finds the index current: nothing to build, nothing imported beside it.
    from assistant.services import Services
    from assistant.settings import Settings

    assert entry._index_is_current(Services(Settings()))  # type: ignore[attr-defined]
