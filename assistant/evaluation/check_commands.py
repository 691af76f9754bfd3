"""``assistant check FILE|-`` (attribution of any text) and ``assistant eval-attribution`` (its
meta-evaluation), registered on the assistant's typer app by ``register_check_commands``.

Thin: they read the draft, call the attribution engine (``checking.factory``, the same as
``Services.attribution``) and print. Checking needs the corpus and the embedding model only, not
the clause index or the other services.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape as esc
from rich.progress import Progress
from rich.table import Table

from assistant.checking.documents import DocumentError, read_document
from assistant.checking.report import summary_line, to_html, to_markdown
from assistant.checking.types import CheckResult, Verdict
from assistant.settings import Settings

if TYPE_CHECKING:
    from assistant.checking.engine import AttributionEngine

PROGRESS_FROM = 25  # sentences; shorter drafts are checked before a bar would be drawn
STYLES = {
    Verdict.SUPPORTED: "green",
    Verdict.PARTLY: "yellow",
    Verdict.NOT_FOUND: "dark_orange",
    Verdict.CONTRADICTED: "bold red",
    Verdict.NOT_A_CLAIM: "dim",
}
console = Console()


def _engine() -> AttributionEngine:
    """The engine alone, without the other services (their imports cost a command a second)."""
    from assistant.checking.factory import attribution_engine

    return attribution_engine(Settings())


def read_draft(source: str) -> str:
    """The text of a file, or of standard input for ``-``."""
    if source == "-":
        text = sys.stdin.read()
        if not text.strip():
            raise DocumentError("standard input: no text to check.")
        return text
    return read_document(Path(source))


def run_check(engine: AttributionEngine, text: str, quiet: bool) -> CheckResult:
    """The check, with a progress bar on long drafts unless output is machine-read."""
    sentences = text.count(".") + text.count("\n")
    if quiet or sentences < PROGRESS_FROM:
        return engine.check_text(text)
    with Progress(console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("Checking sentences", total=None)
        return engine.check_text(
            text, lambda done, total: bar.update(task, total=total, completed=done)
        )


def print_table(result: CheckResult) -> None:
    table = Table("#", "verdict", "clause", "sentence", "why")
    for check in result.sentences:
        style = STYLES[check.verdict]
        table.add_row(
            str(check.index + 1),
            f"[{style}]{esc(check.verdict.value)}[/{style}]",
            esc(", ".join(check.clause_ids)),
            esc(check.sentence),
            esc(check.note),
        )
    console.print(table)
    console.print(summary_line(result), highlight=False, markup=False)


def check(
    source: Annotated[str, typer.Argument(help="A .md, .txt, .docx or .pdf file, or - for stdin.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
    report: Annotated[
        Path | None, typer.Option(help="Also write a report: .md for Markdown, .html for HTML.")
    ] = None,
) -> None:
    """Check any text against the Recommendation, sentence by sentence: supported (with the
    clause and its words), partly supported, not found, contradicted (and what differs), or not
    a claim about the text."""
    if report is not None and report.suffix.lower() not in (".md", ".html", ".htm"):
        console.print("[red]--report must end in .md or .html.[/red]")
        raise typer.Exit(2)
    try:
        text = read_draft(source)
    except DocumentError as exc:
        console.print(f"[red]{esc(str(exc))}[/red]")
        raise typer.Exit(2) from exc
    engine = _engine()
    result = run_check(engine, text, quiet=as_json)
    if report is not None:
        render = to_markdown if report.suffix.lower() == ".md" else to_html
        report.write_text(render(result, engine.corpus, source), encoding="utf-8")
    if as_json:
        sys.stdout.write(result.model_dump_json(indent=2) + "\n")
        return
    print_table(result)


def register_check_commands(app: typer.Typer) -> None:
    """Add ``check`` and ``eval-attribution`` to the assistant's command line."""
    from assistant.evaluation.attribution_commands import eval_attribution

    app.command(name="check")(check)
    app.command(name="eval-attribution")(eval_attribution)
