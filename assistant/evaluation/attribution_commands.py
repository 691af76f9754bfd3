"""``assistant eval-attribution``: the attribution engine on its meta-evaluation set.

Tune on ``dev``; ``--split sealed`` is run once, at the end (evals/attribution/README.md).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from assistant.checking.types import Verdict
from assistant.evaluation.attribution_eval import AttributionReport, evaluate
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
    split: Annotated[str, typer.Option(help="dev (tune on it) or sealed (run once).")] = "dev",
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")] = False,
    out: Annotated[Path | None, typer.Option(help="Also write the report as JSON.")] = None,
) -> None:
    """Measure attribution on the labelled sentences of evals/attribution."""
    from assistant.services import Services

    if split not in ("dev", "sealed"):
        Console().print("[red]--split must be dev or sealed.[/red]")
        raise typer.Exit(2)
    report = evaluate(Services(Settings()).attribution, split)
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(report.model_dump_json(indent=2), encoding="utf-8")
    if as_json:
        sys.stdout.write(report.model_dump_json(indent=2) + "\n")
        return
    print_report(report, Console())
