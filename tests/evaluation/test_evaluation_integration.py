"""The fast subset of the evaluation, on the real services: one question of each type through
the runner, a slice of the retrieval set, and the CLI gate (``eval --check``)."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from assistant.evaluation.cli import register_eval_commands
from assistant.evaluation.datasets import GoldItem, load_gold, load_retrieval
from assistant.evaluation.runner import ASSISTANT, evaluate
from assistant.services import Services
from assistant.settings import PROJECT_ROOT

pytestmark = pytest.mark.integration

DATASETS = PROJECT_ROOT / "evals" / "datasets"
METRIC_KEYS = {
    "questions",
    "errors",
    "retrieval",
    "citations",
    "grounding",
    "key_facts",
    "abstention",
    "latency",
    "by_type",
}


def one_per_type() -> list[GoldItem]:
    items: dict[str, GoldItem] = {}
    for item in load_gold(DATASETS / "gold.jsonl"):
        items.setdefault(item.type, item)
    return list(items.values())


def test_runner_on_one_question_per_type(real_services: Services) -> None:
    items = one_per_type()
    run = evaluate(real_services, items, progress=False)
    summary = run.summary["systems"][ASSISTANT]
    assert set(summary) >= METRIC_KEYS
    assert summary["questions"] == len(items) and summary["errors"] == 0
    assert summary["citations"]["invalid"] == 0
    for level in ("clause", "paragraph"):
        for key in ("recall@1", "recall@5", "mrr"):
            assert 0.0 <= summary["retrieval"][level][key] <= 1.0
        for key in ("precision", "recall", "f1"):
            assert 0.0 <= summary["citations"][level][key] <= 1.0
    assert (
        summary["retrieval"]["paragraph"]["recall@5"] >= summary["retrieval"]["clause"]["recall@5"]
    )
    assert 0.0 <= summary["grounding"]["supported_share"] <= 1.0
    assert 0.0 <= summary["key_facts"]["coverage"] <= 1.0
    assert summary["latency"]["p50"] > 0 and summary["latency"]["p95"] >= summary["latency"]["p50"]
    assert set(summary["by_type"]) == {i.type for i in items}
    assert len(run.records) == len(items)


def test_retrieval_eval_on_a_slice_ranks_hybrid_first(real_services: Services) -> None:
    from assistant.evaluation.retrieval_eval import evaluate_retrieval

    items = load_retrieval(DATASETS / "retrieval.jsonl")[:12]
    report = evaluate_retrieval(real_services, items, (1, 5), with_baselines=True, progress=False)
    names = [s.name for s in report.systems]
    assert names == ["hybrid", "dense-only", "bm25-only", "naive-rag"]
    for system in report.systems:
        for level in system.levels.values():
            assert all(0.0 <= v <= 1.0 for v in level.recall.values() if v is not None)
    assert report.systems[0].levels["clause"].recall[5] >= 0.8


@pytest.fixture
def cli(real_services: Services, monkeypatch: pytest.MonkeyPatch) -> typer.Typer:
    """The evaluation commands on a bare app, pointed at the session's index."""
    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(real_services.settings.data_dir))
    app = typer.Typer()
    app.callback()(lambda: None)
    register_eval_commands(app)
    return app


def eval_args(tmp_path: Path, thresholds: Path) -> list[str]:
    return [
        "eval",
        "--limit",
        "4",
        "--no-meta",
        "--out",
        str(tmp_path / "out"),
        "--check",
        "--thresholds",
        str(thresholds),
    ]


def test_check_fails_against_an_impossible_threshold(cli: typer.Typer, tmp_path: Path) -> None:
    impossible = tmp_path / "impossible.toml"
    impossible.write_text('[min]\n"retrieval.clause.recall@5" = 1.01\n[max]\n"latency.p95" = 0\n')
    result = CliRunner().invoke(cli, eval_args(tmp_path, impossible))
    assert result.exit_code == 1, result.output
    assert "threshold(s) missed" in result.output
    assert (tmp_path / "out" / "report.html").exists()


def test_check_passes_a_reachable_threshold(cli: typer.Typer, tmp_path: Path) -> None:
    reachable = tmp_path / "reachable.toml"
    reachable.write_text('[max]\n"errors" = 0\n"citations.invalid" = 0\n')
    result = CliRunner().invoke(cli, eval_args(tmp_path, reachable))
    assert result.exit_code == 0, result.output
    for name in ("results.jsonl", "summary.json", "ragas.jsonl", "report.md", "metrics.png"):
        assert (tmp_path / "out" / name).exists(), name
