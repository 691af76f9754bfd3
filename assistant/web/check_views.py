"""The "Check a draft" tab: a checked text as HTML, each sentence coloured by its verdict, and a
side panel with the clauses that support or are contradicted, their words marked.

Everything that comes from the pasted draft or the corpus is escaped: a draft pasted from a web
page may hold markup or scripts, which must show as text.
"""

from __future__ import annotations

import shutil
import tempfile
import time
import uuid
import weakref
from html import escape
from pathlib import Path
from typing import Any

import gradio as gr

from assistant.checking.report import COLOURS, summary_line, to_html
from assistant.checking.types import MAX_CHECK_CHARS, CheckResult, SentenceCheck
from assistant.corpus.instruments import Corpus
from assistant.services import Services

CHECK_CSS_CLASS = "verdict-"
EMPTY_PANEL = "<p>The clauses behind each verdict appear here.</p>"
REPORT_TTL_S = 120.0  # Gradio copies a returned file at once; ours is only needed that long


class ReportFolder:
    """Where the tab writes its reports: a folder of this process alone (private, made by
    ``mkdtemp``), from which each report is removed once it is older than ``ttl_s`` (Gradio
    has served its own copy by then) and which is removed when the process ends. A pasted
    draft may be confidential: its report must not stay in a shared temporary folder."""

    def __init__(self, ttl_s: float = REPORT_TTL_S) -> None:
        self.ttl_s = ttl_s
        self.path = Path(tempfile.mkdtemp(prefix="assistant-check-reports-"))
        self._finalizer = weakref.finalize(self, shutil.rmtree, self.path, ignore_errors=True)

    def prune(self, now: float | None = None) -> None:
        """Remove the reports older than ``ttl_s``."""
        limit = (time.time() if now is None else now) - self.ttl_s
        for report in self.path.glob("check-*.html"):
            try:
                if report.stat().st_mtime < limit:
                    report.unlink()
            except FileNotFoundError:
                continue  # another request removed it first

    def close(self) -> None:
        """Remove the folder and every report in it now."""
        self._finalizer()


def _css_name(check: SentenceCheck) -> str:
    return CHECK_CSS_CLASS + check.verdict.value.replace(" ", "-")


def highlighted(text: str, result: CheckResult) -> str:
    """The draft as written, each sentence a coloured, numbered span with its verdict as a title."""
    pieces: list[str] = []
    cursor = 0
    for check in result.sentences:
        pieces.append(escape(text[cursor : check.start]))
        clauses = f" ({', '.join(check.clause_ids)})" if check.clause_ids else ""
        title = escape(f"{check.index + 1}. {check.verdict.value}{clauses}: {check.note}")
        pieces.append(
            f'<span class="check-sentence {_css_name(check)}" data-verdict="'
            f'{escape(check.verdict.value)}" style="background:{COLOURS[check.verdict]}" '
            f'title="{title}"><sup>{check.index + 1}</sup>{escape(check.sentence)}</span>'
        )
        cursor = check.end
    pieces.append(escape(text[cursor:]))
    body = "".join(pieces).replace("\n", "<br>")
    return f'<p class="check-summary">{escape(summary_line(result))}</p><div>{body}</div>'


def clause_panel(result: CheckResult, corpus: Corpus) -> str:
    """Each clause named by a verdict, once, with its quoted words marked and its sentences."""
    sections: list[str] = []
    for clause_id in dict.fromkeys(c for s in result.sentences for c in s.clause_ids):
        clause = corpus.get(clause_id)
        if clause is None:
            continue
        users = [s for s in result.sentences if clause_id in s.clause_ids]
        quote = next((s.quote for s in users if s.quote), None)
        wording = escape(clause.text)
        if quote:
            before, marked = clause.text[: quote.start], clause.text[quote.start : quote.end]
            after = clause.text[quote.end :]
            wording = f"{escape(before)}<mark>{escape(marked)}</mark>{escape(after)}"
        items = "".join(
            f"<li>{s.index + 1}. {escape(s.verdict.value)}: {escape(s.note)}</li>" for s in users
        )
        sections.append(
            f'<section class="check-clause" data-clause-id="{escape(clause_id)}">'
            f"<h4>{escape(clause.label)}</h4><p>{wording}</p><ul>{items}</ul></section>"
        )
    return "".join(sections) or "<p>No clause supports or contradicts this text.</p>"


def run_check(
    services: Services, text: str, reports: Path | None = None
) -> tuple[str, str, Path | None]:
    """The tab's one action: the highlighted draft, the clause panel and, with a ``reports``
    folder, the HTML report to attach to a review (or a message and no report)."""
    if not text or not text.strip():
        return "<p>Paste a draft to check.</p>", EMPTY_PANEL, None
    if len(text) > MAX_CHECK_CHARS:
        message = f"The draft is longer than {MAX_CHECK_CHARS} characters; check it in parts."
        return f"<p>{escape(message)}</p>", EMPTY_PANEL, None
    result = services.attribution.check_text(text)
    report = None
    if reports is not None:
        reports.mkdir(parents=True, exist_ok=True)
        report = reports / f"check-{uuid.uuid4().hex[:12]}.html"
        report.write_text(to_html(result, services.corpus, "pasted draft"), encoding="utf-8")
    return highlighted(text, result), clause_panel(result, services.corpus), report


def check_tab(services: Services) -> None:
    """The tab's components and event, inside the page's ``gr.Tab``."""
    with gr.Row(equal_height=False):
        with gr.Column(scale=3, min_width=380):
            draft = gr.Textbox(
                label="Paste a draft (a brief, an e-mail, another chatbot's answer)",
                lines=10,
                max_length=MAX_CHECK_CHARS,
                elem_id="check-draft",
            )
            run = gr.Button(
                "Check against the Recommendation", variant="primary", elem_id="check-run"
            )
            result = gr.HTML("", elem_id="check-result")
            download = gr.DownloadButton(
                "Download the report (HTML)", visible=False, elem_id="check-report"
            )
        with gr.Column(scale=2, min_width=320):
            panel = gr.HTML(EMPTY_PANEL, elem_id="check-clauses", label="Clauses")
    reports = ReportFolder()

    def check(text: str) -> tuple[str, str, Any]:
        reports.prune()
        html, clauses, report = run_check(services, text, reports.path)
        return html, clauses, gr.DownloadButton(value=report, visible=report is not None)

    run.click(check, draft, [result, panel, download], api_name="check")
