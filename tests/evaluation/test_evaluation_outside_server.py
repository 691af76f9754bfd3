"""``assistant eval --system URL`` against a real local server: an OpenAI-compatible endpoint
that answers from the naive LangChain RAG pipeline (real embedder, Chroma), graded side by side
with the assistant and the naive RAG baseline, in one report."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI, Request
from servers import serve
from typer.testing import CliRunner

from assistant.cli import app as cli
from assistant.evaluation.baselines import NaiveRag
from assistant.services import Services
from assistant.settings import Settings

pytestmark = pytest.mark.integration


def naive_chat(services: Services) -> FastAPI:
    """Their chatbot: the top chunk's first lines as the answer, no citations."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        naive = NaiveRag(services.corpus, services.embeddings)
        with naive.open():
            app.state.naive = naive
            yield

    app = FastAPI(lifespan=lifespan)

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/v1/chat/completions")
    def chat(body: dict[str, Any], request: Request) -> dict[str, Any]:
        question = body["messages"][-1]["content"]
        top = request.app.state.naive.chunks(question)[0]
        lines = [line.strip() for line in top.splitlines() if line.strip()]
        answer = "\n".join(lines[:3])  # its first lines, as a chatbot pasting its source would
        return {"choices": [{"message": {"role": "assistant", "content": answer}}]}

    return app


def test_eval_system_grades_their_chatbot_beside_ours(
    real_services: Services,
    real_settings: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(real_settings.data_dir))
    out = tmp_path / "run"
    with serve(naive_chat(real_services)) as url:
        result = CliRunner().invoke(
            cli,
            [
                "eval",
                "--system",
                f"{url}/v1",
                "--baselines",
                "--limit",
                "8",
                "--no-meta",
                "--out",
                str(out),
            ],
        )
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    theirs = f"system {url}/v1"
    assert {"assistant", "naive-rag", theirs} <= set(summary["systems"]), summary["systems"].keys()
    for name in ("assistant", theirs):
        block = summary["systems"][name]["attribution"]
        assert block["answers_checked"] >= 1
        assert 0.0 <= block["supported_share"] <= 1.0
    report = (out / "report.md").read_text(encoding="utf-8")
    assert theirs in report and "attributed claims supported" in report
    records = [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]
    assert sum(r["system"] == theirs for r in records) == 8
