"""The ``assistant`` command: ingest, look up and search clauses, ask, evaluate.

Thin: every command builds the services from settings and calls them, exactly as the web app does.
"""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape as esc
from rich.table import Table

from assistant.evaluation.check_commands import register_check_commands
from assistant.evaluation.cli import register_eval_commands
from assistant.learning.cli import register_train_command
from assistant.settings import Settings

if TYPE_CHECKING:
    from assistant.services import Services

app = typer.Typer(
    help="Cited answers from the OECD Recommendation on Digital Government Strategies.",
    no_args_is_help=True,
    add_completion=False,
)
console = Console()
JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]


def services() -> Services:
    """Services built from the environment's settings (imported lazily: heavy libraries)."""
    from assistant.services import Services

    return Services(Settings())


@app.command()
def ingest(
    force: Annotated[bool, typer.Option(help="Rebuild even when the index is current.")] = False,
) -> None:
    """Build the clause index (does nothing when corpus and model are unchanged)."""
    svc = services()
    report = svc.index.build(force=force, progress=True)
    if report.rebuilt:
        console.print(
            f"Indexed {report.clauses} clauses as {report.manifest.vectors} vectors in "
            f"{report.seconds:.1f} s ({report.clauses / max(report.seconds, 1e-9):.1f} clauses/s) "
            f"into '{report.manifest.collection}'."
        )
    else:
        console.print(
            f"Index is up to date (corpus {report.manifest.corpus_hash[:12]}, "
            f"{report.manifest.embedding_model}); nothing to do."
        )


@app.command()
def clause(
    clause_id: Annotated[str, typer.Argument(help="Canonical id, e.g. IV.9.i")],
    as_json: JsonFlag = False,
) -> None:
    """Print one clause."""
    svc = services()
    found = svc.corpus.get(clause_id)
    if found is None:
        console.print(f"[red]Unknown clause id {clause_id!r}.[/red] Try `assistant clauses`.")
        raise typer.Exit(code=2)
    if as_json:
        record = found.model_dump(mode="json") | {"label": found.label}
        sys.stdout.write(json.dumps(record, ensure_ascii=False, indent=2) + "\n")
        return
    instrument = svc.corpus.instrument_by_id[found.instrument_id]
    title = esc(f"{instrument.title} ({instrument.id})")
    console.print(f"[bold]{esc(found.clause_id)}[/bold] — {title}")
    if found.heading:
        console.print(f"[italic]{esc(found.heading)}[/italic]")
    if found.context:
        console.print(f"[dim]{esc(found.context)}[/dim]")
    console.print(found.text, highlight=False, markup=False)
    console.print(f"[dim]{instrument.url}[/dim]")


@app.command()
def clauses() -> None:
    """List every clause id with its label."""
    svc = services()
    for item in svc.corpus.clauses:
        console.print(item.label, highlight=False, markup=False)


@app.command()
def search(
    question: Annotated[str, typer.Argument(help="A question or keywords.")],
    top_k: Annotated[int, typer.Option("--top-k", "-k", min=1, max=50)] = 8,
    as_json: JsonFlag = False,
) -> None:
    """Rank clauses for a question (no answer generation)."""
    svc = services()
    svc.index.ensure()
    hits = svc.search.search(question, top_k)
    if as_json:
        rows = [
            {
                "clause_id": h.clause.clause_id,
                "instrument": h.clause.instrument_id,
                "score": h.score,
                "dense": h.dense,
                "lexical": h.lexical,
                "matched_by": h.matched_by,
                "label": h.clause.label,
            }
            for h in hits
        ]
        sys.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2) + "\n")
        return
    table = Table("rank", "clause", "score", "dense", "bm25", "label")
    for rank, h in enumerate(hits, start=1):
        table.add_row(
            str(rank),
            h.clause.clause_id,
            f"{h.score:.4f}",
            "" if h.dense is None else f"{h.dense:.3f}",
            "" if h.lexical is None else f"{h.lexical:.2f}",
            h.clause.label,
        )
    console.print(table)


@app.command()
def mcp() -> None:
    """Serve the assistant as an MCP server on stdin/stdout (tools: search_clauses,
    get_clause, ask; resources: clause://{id}). Over HTTP it is at /mcp of the web app."""
    from assistant.mcp_server.stdio import run_stdio
    from assistant.web.audit import AuditLog

    settings = Settings()
    log = AuditLog(settings.audit_log) if settings.audit_log else None
    run_stdio(settings, (lambda answer: log.record("mcp-stdio", "stdio", answer)) if log else None)


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="Your question about the Recommendation.")],
    as_json: JsonFlag = False,
) -> None:
    """Answer a question with a citation on every sentence (or say it is not covered)."""
    svc = services()
    svc.index.ensure()
    try:
        answer = svc.answers.ask(question)
    except ValueError as exc:
        console.print(f"[red]{esc(str(exc))}[/red]")
        raise typer.Exit(code=2) from exc
    if as_json:
        sys.stdout.write(answer.model_dump_json(indent=2) + "\n")
        return
    for notice in answer.notices:
        console.print(f"[yellow]{esc(notice)}[/yellow]", highlight=False)
    # Citations such as [background.6] would read as console markup: print the text as is.
    console.print(answer.answer, highlight=False, markup=False)
    shown = answer.related if answer.abstained else answer.citations
    for citation in shown:
        console.print(f"  [dim]{esc(citation.label)}[/dim]", highlight=False)


def main() -> None:
    app()


# evaluation commands
register_eval_commands(app)
register_check_commands(app)
register_train_command(app)
