"""The evaluation commands, registered on the assistant's typer app by ``register_eval_commands``.

Thin front door: each command builds ``Settings`` and ``Services`` once and hands over to the
evaluation services; no metric logic lives here. Also runnable alone while the main CLI is being
written: ``python -m assistant.evaluation.cli eval-retrieval``.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.table import Table

from assistant.evaluation.datasets import ASSISTANT
from assistant.settings import PROJECT_ROOT, Settings

if TYPE_CHECKING:  # the services import torch and Chroma: only when a command runs
    from assistant.evaluation.datasets import GoldItem, QuestionRecord
    from assistant.evaluation.runner import EvalRun
    from assistant.services import Services

RETRIEVAL_SET = PROJECT_ROOT / "evals" / "datasets" / "retrieval.jsonl"
GOLD_SET = PROJECT_ROOT / "evals" / "datasets" / "gold.jsonl"
RULES_ONLY = "assistant (rules only)"
THRESHOLDS = PROJECT_ROOT / "evals" / "thresholds.toml"
SYSTEM_KEY_VARIABLE = "ASSISTANT_EVAL_SYSTEM_API_KEY"
SYSTEM_HELP = (
    "An OpenAI-compatible chat endpoint (base URL, e.g. http://host:8080/v1) to grade beside the "
    f"assistant; repeatable; its key, if any, in ${SYSTEM_KEY_VARIABLE}."
)
ANSWERS_HELP = (
    "Answers collected elsewhere, JSONL (id or question, answer, contexts; ragas names "
    "user_input, response, retrieved_contexts accepted); repeatable."
)
SystemOption = Annotated[list[str] | None, typer.Option("--system", help=SYSTEM_HELP)]
AnswersOption = Annotated[list[Path] | None, typer.Option("--answers", help=ANSWERS_HELP)]
EVAL_EXTRA = ("matplotlib", "langchain_text_splitters", "langchain_chroma")


def _require_eval_extra() -> None:
    """The evaluation's own dependencies (baselines, charts) are an extra of the package: say
    how to install them rather than fail half-way through a run."""
    missing = [name for name in EVAL_EXTRA if importlib.util.find_spec(name) is None]
    if missing:
        Console().print(
            f"[red]The evaluation needs the 'eval' extra ({', '.join(missing)} missing): "
            "pip install -e '.[eval]'[/red]"
        )
        raise typer.Exit(2)


def _services(**overrides: object) -> Services:
    """Services built from the environment's settings, with command-line overrides."""
    from assistant.services import Services

    _require_eval_extra()
    try:
        settings = Settings(**overrides)  # type: ignore[arg-type]  # validated like the env
    except ValidationError as exc:
        Console().print(f"[red]Invalid option: {exc.errors()[0]['msg']}[/red]")
        raise typer.Exit(2) from exc
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


def eval_meta(
    json_out: Annotated[Path | None, typer.Option(help="Write the report as JSON.")] = None,
    check: Annotated[bool, typer.Option(help="Exit 1 when a target is missed.")] = False,
    seed: Annotated[int, typer.Option(help="Seed of the perturbation choices.")] = 7,
) -> None:
    """Measure the grounding metric: catch rate of perturbed sentences, false-flag rate."""
    from assistant.evaluation.meta_eval import meta_evaluate

    console = Console()
    report = meta_evaluate(_services(), seed)
    _print_meta(report.model_dump(), console)
    if json_out:
        json_out.parent.mkdir(parents=True, exist_ok=True)
        json_out.write_text(report.model_dump_json(indent=2), encoding="utf-8")
    if check and not report.passed:
        raise typer.Exit(1)


def eval_command(
    dataset: Annotated[
        Path, typer.Option(help="End-to-end gold set (JSONL), or bank:test / bank:dev.")
    ] = GOLD_SET,
    generator: Annotated[
        str | None, typer.Option(help="Generator to evaluate (default: from settings).")
    ] = None,
    out: Annotated[
        Path | None, typer.Option(help="Output folder (default: evals/out/<timestamp>).")
    ] = None,
    baselines: Annotated[
        bool, typer.Option(help="Also score the naive LangChain RAG and BM25 alone.")
    ] = False,
    meta: Annotated[bool, typer.Option(help="Also run the grounding meta-evaluation.")] = True,
    check: Annotated[bool, typer.Option(help="Exit 1 when a threshold is missed.")] = False,
    thresholds: Annotated[Path, typer.Option(help="Threshold file (TOML).")] = THRESHOLDS,
    limit: Annotated[int | None, typer.Option(help="Only the first N questions.")] = None,
    judge: Annotated[
        bool, typer.Option(help="Add judge-graded faithfulness and relevance (needs a judge URL).")
    ] = False,
    rules_too: Annotated[
        bool,
        typer.Option(help="Also score the rules-only judgement (no learned parts) in this run."),
    ] = False,
    system: SystemOption = None,
    system_model: Annotated[str, typer.Option(help="Model name sent to --system.")] = "default",
    answers: AnswersOption = None,
) -> None:
    """Run the assistant (and, side by side, the baselines and other systems) over a gold set;
    write results.jsonl, summary.json and a report."""
    os.environ.setdefault("MPLBACKEND", "Agg")
    from assistant.evaluation.datasets import DatasetError
    from assistant.evaluation.external import outside_systems
    from assistant.evaluation.runner import evaluate

    console = Console()
    items, gate = _load_gold_and_gate(dataset, limit, thresholds, check, console)
    services = _services(**({"generator": generator} if generator else {}))
    also = [(RULES_ONLY, _rules_only(services))] if rules_too else []
    try:
        key = os.environ.get(SYSTEM_KEY_VARIABLE)
        outside = outside_systems(services.corpus, system or [], system_model, key, answers or [])
    except DatasetError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc
    run = evaluate(services, items, baselines, str(dataset), also=also, outside=outside)
    if judge:
        run.summary["judge"] = _judge(services, run.records, console)
    if meta:
        from assistant.evaluation.meta_eval import meta_evaluate

        report = meta_evaluate(services)
        run.summary["meta_eval"] = report.model_dump()
    _finish(run, services, gate, thresholds, out, console)


def _finish(
    run: EvalRun,
    services: Services,
    gate: dict[str, dict[str, float]] | None,
    thresholds: Path,
    out: Path | None,
    console: Console,
) -> None:
    """Write the run, print its summary, and exit 1 when a threshold is missed."""
    import datetime as dt

    from assistant.evaluation.datasets import apply_thresholds
    from assistant.evaluation.report import write_run

    failures = apply_thresholds(run.summary, gate, thresholds) if gate else []
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    paths = write_run(run, out or PROJECT_ROOT / "evals" / "out" / stamp, services.corpus)
    _print_summary(run.summary, console)
    console.print(f"Report: {paths['report.html']}  (results: {paths['results.jsonl']})")
    if failures:
        console.print(f"[red]{len(failures)} threshold(s) missed:[/red]")
        for failure in failures:
            console.print(f"  - {failure}")
        raise typer.Exit(1)


def _rules_only(services: Services) -> Services:
    """The same services with every learned part switched off (the comparison the learned
    judgement must beat), sharing the index."""
    from assistant.services import Services

    update = {"judgement": "rules", "use_query_adapter": False}
    return Services.with_components(
        services.settings.model_copy(update=update), store=services.store
    )


def _load_gold_and_gate(
    dataset: Path, limit: int | None, thresholds: Path, check: bool, console: Console
) -> tuple[list[GoldItem], dict[str, dict[str, float]] | None]:
    """The gold items (the first ``limit``) and, with ``check``, the threshold file; exit 2
    with the reason when either cannot be read."""
    from assistant.evaluation.bank_view import BANK_PREFIX, bank_split
    from assistant.evaluation.datasets import DatasetError, load_gold, load_thresholds

    try:
        if str(dataset).startswith(BANK_PREFIX):
            items = bank_split(str(dataset))[:limit]
        else:
            items = load_gold(dataset)[:limit]
        gate = load_thresholds(thresholds) if check else None
    except (DatasetError, OSError, ValueError) as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc
    return items, gate


def _judge(services: Services, records: list[QuestionRecord], console: Console) -> dict[str, Any]:
    """Judge-graded faithfulness and relevance of the assistant's answers; exit 2 when no judge
    is configured or reachable."""
    from assistant.evaluation.judge import Judge, JudgeUnavailable, judge_summary

    try:
        grader = Judge(services.settings, services.prompts)
    except JudgeUnavailable as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc
    mine = [r for r in records if r.system == ASSISTANT]
    return judge_summary(mine, grader)


def _print_summary(summary: dict[str, Any], console: Console) -> None:
    from assistant.evaluation.datasets import flatten
    from assistant.evaluation.report_blocks import ATTRIBUTION_ROWS, HEADLINES, fmt

    systems = summary["systems"]
    table = Table(title=f"Evaluation ({summary['questions']} questions)")
    table.add_column("metric")
    for name in systems:
        table.add_column(name, justify="right")
    flat = {name: flatten(data) for name, data in systems.items()}
    extra = {
        "invalid citations": "citations.invalid",
        "right clause, right instrument": "citations.correct_instrument",
        "citations of another instrument": "citations.wrong_instrument",
        "latency p50 (s)": "latency.p50",
        "latency p95 (s)": "latency.p95",
        "errors": "errors",
    }
    for label, key in {**HEADLINES, **ATTRIBUTION_ROWS, **extra}.items():
        table.add_row(label, *(fmt(flat[name].get(key)) for name in systems))
    console.print(table)
    if summary.get("meta_eval"):
        _print_meta(summary["meta_eval"], console)


def _print_meta(meta: dict[str, Any], console: Console) -> None:
    from assistant.evaluation.report_blocks import fmt

    table = Table(title="Meta-evaluation of the grounding metric")
    for column in ("case kind", "cases", "flagged", "share flagged"):
        table.add_column(column, justify="left" if column == "case kind" else "right")
    for kind in meta["kinds"]:
        table.add_row(kind["kind"], str(kind["cases"]), str(kind["flagged"]), fmt(kind["rate"]))
    console.print(table)
    console.print(
        f"Catch rate: {meta['catch_rate']:.1%} of {meta['perturbed_cases']} perturbed sentences "
        f"(target >= {meta['catch_target']:.0%}). False-flag rate: {meta['false_flag_rate']:.1%} "
        f"of {meta['correct_cases']} correct sentences (target <= {meta['false_flag_target']:.0%})."
    )


def register_eval_commands(app: typer.Typer) -> None:
    """Add ``eval-retrieval``, ``eval`` and ``eval-meta`` to the assistant's CLI."""
    app.command("eval-retrieval")(eval_retrieval)
    app.command("eval")(eval_command)
    app.command("eval-meta")(eval_meta)


if __name__ == "__main__":
    standalone = typer.Typer(add_completion=False, no_args_is_help=True)
    standalone.callback()(lambda: None)  # keep sub-command names even with one command
    register_eval_commands(standalone)
    standalone()
