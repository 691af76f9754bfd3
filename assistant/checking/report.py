"""A check as a document to attach to a review: Markdown or a standalone HTML page.

Every piece of the checked text is escaped in the HTML report: a pasted draft may hold markup
or scripts, and the report must show them as text, never run them.
"""

from __future__ import annotations

from html import escape

from assistant.checking.types import CheckResult, SentenceCheck, Verdict
from assistant.corpus.instruments import Corpus

COLOURS = {
    Verdict.SUPPORTED: "#d7f5dd",
    Verdict.PARTLY: "#fff3c4",
    Verdict.NOT_FOUND: "#ffe0c2",
    Verdict.CONTRADICTED: "#ffd0d0",
    Verdict.NOT_A_CLAIM: "#eeeeee",
}


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _evidence(check: SentenceCheck) -> str:
    if check.quote:
        return f"{check.quote.clause_id}: “{check.quote.text}”"
    return ""


def summary_line(result: CheckResult) -> str:
    """'12 sentences: 7 supported, 1 contradicted, ...' (verdicts that occur only)."""
    counts = ", ".join(f"{n} {v}" for v, n in result.counts.items() if n)
    return f"{len(result.sentences)} sentences: {counts}."


def to_markdown(result: CheckResult, corpus: Corpus, source: str = "") -> str:
    """The report as Markdown: a summary, then one table row per sentence."""
    instrument = corpus.instrument_by_id[result.instrument_id]
    lines = [
        f"# Check against {instrument.title} ({instrument.id})",
        "",
        f"Checked: {source}" if source else "",
        summary_line(result),
        "",
        "| # | Verdict | Clause | Sentence | Why | Clause wording |",
        "|---|---|---|---|---|---|",
    ]
    for check in result.sentences:
        row = (
            str(check.index + 1),
            check.verdict.value,
            ", ".join(check.clause_ids),
            _cell(check.sentence),
            _cell(check.note),
            _cell(_evidence(check)),
        )
        lines.append("| " + " | ".join(row) + " |")
    return "\n".join(line for line in lines if line is not None) + "\n"


def to_html(result: CheckResult, corpus: Corpus, source: str = "") -> str:
    """The report as one HTML page with no script: sentences coloured by verdict."""
    instrument = corpus.instrument_by_id[result.instrument_id]
    title = escape(f"Check against {instrument.title} ({instrument.id})")
    rows = []
    for check in result.sentences:
        colour = COLOURS[check.verdict]
        cells = (
            str(check.index + 1),
            check.verdict.value,
            ", ".join(check.clause_ids),
            check.sentence,
            check.note,
            _evidence(check),
        )
        tds = "".join(f"<td>{escape(c)}</td>" for c in cells)
        rows.append(f'<tr style="background:{colour}">{tds}</tr>')
    head = "".join(
        f"<th>{h}</th>" for h in ("#", "Verdict", "Clause", "Sentence", "Why", "Clause wording")
    )
    checked = f"<p>Checked: {escape(source)}</p>" if source else ""
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{title}</title></head><body><h1>{title}</h1>{checked}"
        f"<p>{escape(summary_line(result))}</p>"
        f'<table border="1" cellpadding="4"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></body></html>\n"
    )
