"""The evaluation commands, registered on the assistant's typer app by ``register_eval_commands``.

Thin front door: each command builds ``Settings`` and ``Services`` once and hands over to the
evaluation services; no metric logic lives here. Also runnable alone while the main CLI is being
written: ``python -m assistant.evaluation.cli eval-retrieval``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from assistant.settings import PROJECT_ROOT, Settings

if TYPE_CHECKING:  # the services import torch and Chroma: only when a command runs
    from assistant.services import Services

RETRIEVAL_SET = PROJECT_ROOT / "evals" / "datasets" / "retrieval.jsonl"
GOLD_SET = PROJECT_ROOT / "evals" / "datasets" / "gold.jsonl"
THRESHOLDS = PROJECT_ROOT / "evals" / "thresholds.toml"


def _services(**overrides: object) -> Services:
    """Services built from the environment's settings, with command-line overrides."""
    from assistant.services import Services

    settings = Settings()
    if overrides:
        settings = settings.model_copy(update=overrides)
    return Services(settings)


def eval_retrieval(
    dataset: Annotated[Path, typer.Option(help="Retrieval gold set (JSONL).")] = RETRIEVAL_SET,
    k: Annotated[list[int], typer.Option(help="Cut-offs for recall@k (repeatable).")] = [  # noqa: B006
        1,
        3,
        5,
        10,
    ],
    baselines: Annotated[
        bool, typer.Option(help="Also score dense-only, BM25-only and the naive LangChain RAG.")
    ] = True,
    json_out: Annotated[Path | None, typer.Option(help="Write the full report as JSON.")] = None,
) -> None:
    """Recall@k and MRR of the hybrid search (and baselines), clause and paragraph level."""
    from assistant.evaluation.datasets import DatasetError, load_retrieval
    from assistant.evaluation.retrieval_eval import evaluate_retrieval, render_retrieval

    console = Console()
    try:
        items = load_retrieval(dataset)
    except DatasetError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc
    report = evaluate_retrieval(_services(), items, k, baselines, dataset=str(dataset))
    render_retrieval(report, console)
    if json_out:
        json_out.parent.mkdir(parents=True, exist_ok=True)
        json_out.write_text(report.model_dump_json(indent=2), encoding="utf-8")
        console.print(f"Report written to {json_out}")


def register_eval_commands(app: typer.Typer) -> None:
    """Add ``eval-retrieval``, ``eval`` and ``eval-meta`` to the assistant's CLI."""
    app.command("eval-retrieval")(eval_retrieval)


if __name__ == "__main__":
    standalone = typer.Typer(add_completion=False, no_args_is_help=True)
    standalone.callback()(lambda: None)  # keep sub-command names even with one command
    register_eval_commands(standalone)
    standalone()
