"""The benchmark's outputs: the table on the terminal (rich), ``bench.md`` and ``bench.json``."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from evals.bench.common import Figure, Results

COLUMNS = ("figure", "unit", "assistant", "naive RAG", "ratio a/n", "assistant better")


def fmt(value: float | None) -> str:
    """Numbers with about three significant digits; '—' when missing."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if isinstance(value, int) or (float(value).is_integer() and abs(value) >= 100):
        return f"{int(value):,}"
    magnitude = abs(value)
    if magnitude >= 100:
        return f"{value:,.0f}"
    if magnitude >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def _verdict(figure: Figure) -> str:
    wins = figure.assistant_wins
    return "" if wins is None else ("yes" if wins else "NO")


def row(figure: Figure) -> list[str]:
    ratio = figure.ratio
    return [
        figure.label,
        figure.unit,
        fmt(figure.assistant),
        fmt(figure.naive),
        "—" if ratio is None else f"{ratio:.2f}",
        _verdict(figure),
    ]


def print_table(results: Results, console: Console | None = None) -> None:
    console = console or Console(width=140)
    table = Table(title="Benchmark: assistant (composed default) vs naive LangChain RAG")
    for number, name in enumerate(COLUMNS):
        table.add_column(name, justify="left" if number < 2 else "right")
    for figure in results.figures:
        table.add_row(*row(figure), style="red" if figure.assistant_wins is False else None)
    console.print(table)


def markdown_table(figures: list[Figure]) -> str:
    lines = ["| " + " | ".join(COLUMNS) + " | note |", "|" + "---|" * (len(COLUMNS) + 1)]
    for figure in figures:
        cells = [c.replace("|", "/") for c in row(figure)] + [figure.note]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def write_outputs(results: Results, out_dir: Path) -> tuple[Path, Path]:
    """``bench.json`` (figures and every detail) and ``bench.md`` (table, stages, profile)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    payload = {
        "figures": [f.as_dict() for f in results.figures],
        "details": results.details,
    }
    json_path = out_dir / "bench.json"
    json_path.write_text(json.dumps(payload, indent=2, default=str) + "\n", encoding="utf-8")
    md_path = out_dir / "bench.md"
    md_path.write_text(markdown_report(results), encoding="utf-8")
    return json_path, md_path


def markdown_report(results: Results) -> str:
    d = results.details
    parts = [
        "# Benchmark: assistant vs naive LangChain RAG",
        "",
        _run_line(d.get("run", {})),
        "",
        "Ratio = assistant / naive RAG. Times: lower is better; throughput: higher is better. "
        "'NO' marks a figure where the naive RAG is better.",
        "",
        markdown_table(results.figures),
        "",
        "## Aims",
        "",
        *[f"- {line}" for line in d.get("aims", [])],
    ]
    stages = d.get("stages")
    if stages:
        parts += ["", "## Where an answer's time goes (inclusive stage times, no profiler)", ""]
        parts += ["| stage | ms per answer | share of answer |", "|---|---|---|"]
        parts += [f"| {k} | {v['ms_per_answer']} | {v['share']:.0%} |" for k, v in stages.items()]
    scale = d.get("scale")
    if scale:
        parts += ["", f"## Scale x{scale['scale']}: assistant retrieval stages (ms per query)", ""]
        parts += ["| store | " + " | ".join(scale["embedded"]["assistant_stage_ms"]) + " |"]
        parts += ["|---|" + "---|" * len(scale["embedded"]["assistant_stage_ms"])]
        for mode in ("embedded", "server"):
            stage = scale[mode]["assistant_stage_ms"]
            parts += [f"| {mode} | " + " | ".join(str(v) for v in stage.values()) + " |"]
    profile = d.get("profile")
    if profile:
        parts += ["", "## cProfile of the composed answer path", "", "```", profile, "```"]
    return "\n".join(parts) + "\n"


def _run_line(run: dict[str, Any]) -> str:
    if not run:
        return ""
    keys = (
        "started",
        "mode",
        "questions",
        "requests_per_level",
        "levels",
        "scale",
        "cpus",
        "torch_threads",
        "load_before",
        "load_after",
    )
    return "Run: " + ", ".join(f"{k} = {run[k]}" for k in keys if k in run)
