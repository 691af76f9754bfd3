"""``assistant eval-attribution``: the attribution engine on its meta-evaluation set.

Tune on ``dev`` (and the purpose-written ``tuning`` set); each sealed set (``--split sealed``,
``--split sealed-2``) is run once, at the end (evals/attribution/README.md).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from assistant.checking.types import Verdict
from assistant.evaluation.attribution_eval import AttributionReport, evaluate, load_rows
from assistant.settings import Settings


def print_report(report: AttributionReport, console: Console) -> None:
    """The headline figures against their targets, accuracy per verdict, confusion matrix."""
    figures = Table("figure", "value", "target", "met", title=f"Attribution ({report.split})")
    for name, value in report.metrics.items():
        target = report.targets[name]
        figures.add_row(name, f"{value:.3f}", f"{target:.2f}", "yes" if value >= target else "NO")
    console.print(figures)
    confusion = Table("gold \\ predicted", *(v.value for v in Verdict), "accuracy")
    for gold, row in report.confusion.items():
        accuracy = report.per_verdict.get(gold)
        shown = "" if accuracy is None else f"{accuracy:.3f}"
        confusion.add_row(gold, *(str(row[v.value]) for v in Verdict), shown)
    console.print(confusion)
    console.print(f"{report.rows} sentences, {len(report.misses)} verdicts differ from the label.")


def eval_attribution(
    split: Annotated[
        str,
        typer.Option(
            help="A set of evals/attribution by name: dev (tune on it), tuning, training-3, or a "
            "sealed set (sealed, sealed-2, sealed-3, sealed-4: run once)."
        ),
    ] = "dev",
    dataset: Annotated[
        Path | None, typer.Option(help="Any JSONL file of labelled sentences instead of --split.")
    ] = None,
    as_json: Annotated[
        bool,
        typer.Option(
            "--json", help="Print JSON instead of tables (a sealed set's rows are not printed)."
        ),
    ] = False,
    out: Annotated[Path | None, typer.Option(help="Also write the report as JSON.")] = None,
    rules_only: Annotated[
        bool,
        typer.Option(
            "--rules-only", help="The rules' verdicts alone, without the learned verdict."
        ),
    ] = False,
) -> None:
    """Measure attribution on the labelled sentences of evals/attribution (or --dataset).

    Only figures are printed for a sealed set; its rows (the misses) go to --out alone, so a
    run does not show them to whoever tunes the engine."""
    from assistant.checking.factory import attribution_engine
    from assistant.services import Services

    source = str(dataset) if dataset is not None else split
    try:
        load_rows(source)  # a wrong name or path fails here, before the model is loaded
    except FileNotFoundError as error:
        Console().print(f"[red]{error}[/red]")
        raise typer.Exit(2) from error
    services = Services(Settings())
    engine = (
        attribution_engine(services.settings, services.corpus, services.grounding, learned=False)
        if rules_only
        else services.attribution
    )
    report = evaluate(engine, source)
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(report.model_dump_json(indent=2), encoding="utf-8")
    if as_json:
        shown = (
            report if not is_sealed_set(report.split) else report.model_copy(update={"misses": []})
        )
        sys.stdout.write(shown.model_dump_json(indent=2) + "\n")
        return
    print_report(report, Console())


def is_sealed_set(name: str) -> bool:
    """Sets whose rows stay unread until their one run (``sealed``, ``sealed-2``, ...)."""
    return name.startswith("sealed")
