"""How answers and clauses look to people: Markdown for export, escaped HTML for the chat.

Export: inline markers such as ``[IV.9.i]`` become footnote references ``[^1]``; each footnote
quotes the clause with its heading, the instrument and the official page, so a briefing note
stands on its own without the assistant. HTML: markers become citation chips, refusals get their
own banner, and every text is escaped. Pure functions, so they are tested without a browser.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from urllib.parse import quote

from assistant.answering.types import Answer, Citation
from assistant.corpus.citations import MARKER_RE
from assistant.corpus.records import Clause, ClauseKind, Instrument


def footnoted(text: str, citations: list[Citation]) -> str:
    """``text`` with each ``[ID]`` marker of a cited clause replaced by its footnote number."""
    numbers = {c.clause_id: n for n, c in enumerate(citations, start=1)}

    def replace(match: re.Match[str]) -> str:
        number = numbers.get(match.group(1).strip())
        return f"[^{number}]" if number else match.group(0)

    return MARKER_RE.sub(replace, text)


def _text(text: str) -> str:
    """Text with ``<``, ``>`` and ``&`` escaped, so pasted Markdown never carries live HTML."""
    return html.escape(text.strip(), quote=False)


def footnote(number: int, citation: Citation) -> str:
    """One footnote: id and heading, the clause's own wording quoted, then the source."""
    heading = f" — {_text(citation.heading)}" if citation.heading else ""
    quote = _text(" ".join(citation.text.split()))
    title = f" ({_text(citation.instrument_title)})" if citation.instrument_title else ""
    version = f"; {_text(citation.version)}" if citation.version else ""
    return (
        f"[^{number}]: {citation.clause_id}{heading}. “{quote}” "
        f"{citation.instrument}{title}{version}, <{citation.url}>"
    )


def answer_markdown(answer: Answer, *, include_question: bool = True) -> str:
    """The whole answer as a Markdown block (question, answer, footnotes; or a refusal with the
    nearest clauses)."""
    parts: list[str] = []
    if include_question:
        parts.append(f"**Question:** {_text(answer.question)}")
    if answer.abstained:
        parts.append("> **Not covered by the text.**")
        parts += [f"> *Note:* {_text(message)}" for message in answer.notices]
        parts.append(_text(answer.answer))
        if answer.related:
            nearest = "\n".join(f"- {c.label} ({c.instrument}, <{c.url}>)" for c in answer.related)
            parts.append(f"Nearest clauses:\n\n{nearest}")
        return "\n\n".join(parts) + "\n"
    parts += [f"> *Note:* {_text(message)}" for message in answer.notices]
    parts.append(footnoted(_text(answer.answer), answer.citations))
    notes = [footnote(n, c) for n, c in enumerate(answer.citations, start=1)]
    if notes:
        parts.append("\n".join(notes))
    return "\n\n".join(parts) + "\n"


# HTML for the web chat ------------------------------------------------------------------------
# Every text below is escaped: answers, questions and clause wording are shown, never run.

CSS = """
.cite-chip { display: inline-block; padding: 0 0.55em; margin: 0 0.12em; border-radius: 999px;
  background: #e8f0fe; color: #173f8a !important; border: 1px solid #aac2ee; font-size: 0.82em;
  font-weight: 600; line-height: 1.55; text-decoration: none !important; white-space: nowrap;
  cursor: pointer; vertical-align: baseline; font-family: inherit; }
.cite-chip:hover, .cite-chip:focus-visible { background: #173f8a; color: #fff !important;
  outline: 2px solid #173f8a; outline-offset: 1px; }
.refusal { border-left: 4px solid #b45309; background: #fff7ed; color: #431407;
  padding: 0.6em 0.9em; border-radius: 6px; }
.refusal-banner { font-weight: 700; color: #9a3412; margin: 0 0 0.35em 0; }
.cite-nowrap { white-space: nowrap; }
.chat-notice { border-left: 4px solid #64748b; padding: 0.3em 0.8em; color: #334155; }
.chips-bar { display: flex; flex-wrap: wrap; gap: 0.35em; align-items: center;
  min-height: 1.9em; font-size: 0.95em; }
.chips-title { color: #475569; margin-right: 0.3em; }
.chips-bar .cite-chip { font-size: 0.9em; padding: 0.1em 0.7em; }
.clause-card { border: 1px solid #cbd5e1; border-radius: 10px; padding: 0.9em 1.1em;
  background: #fff; color: #0f172a; }
.clause-crumbs { color: #64748b; font-size: 0.85em; margin: 0 0 0.3em 0; }
.clause-card h2 { font-size: 1.1em; margin: 0 0 0.5em 0; line-height: 1.35; }
.clause-context { color: #475569; font-size: 0.9em; margin: 0 0 0.5em 0; }
.clause-text { border-left: 3px solid #2563eb; margin: 0.4em 0; padding: 0.2em 0.8em;
  font-size: 1em; line-height: 1.5; }
.clause-children { margin: 0.5em 0; padding-left: 1.1em; }
.clause-link { font-size: 0.9em; }
.clause-version { font-size: 0.85em; color: #92400e; margin: 0.3em 0; }
#instrument-picker label.selected, #instrument-picker label:has(input:checked) {
  background: #1d4ed8 !important; }
#instrument-picker label.selected span, #instrument-picker label:has(input:checked) span {
  color: #fff !important; }
.site-header h1 { font-size: 1.35em; margin: 0.1em 0; }
.site-header p { margin: 0.1em 0 0.4em 0; color: #475569; }
"""


def user_text(text: str) -> str:
    """A user's question as literal text: HTML escaped, Markdown punctuation neutralised."""
    marked = re.sub(r"([\\`*_{}\[\]()#+\-.!|~])", r"\\\1", text)
    return html.escape(marked, quote=False)


def chip(citation_id: str, label: str, instrument: str = "") -> str:
    """A link chip; in the chat only ``href`` and ``title`` survive Gradio's sanitizer, so the
    title carries the accessible description (with the instrument's name) and the script reads
    the id from the link. The id itself names the instrument by its prefix ('AI:1.3')."""
    cid = html.escape(citation_id)
    source = f" ({instrument})" if instrument else ""
    title = html.escape(f"Open clause {label}{source}")
    return (
        f'<a class="cite-chip" href="?clause={quote(citation_id)}" data-clause="{cid}" '
        f'title="{title}" aria-label="{title}">{cid}</a>'
    )


def with_chips(text: str, citations: list[Citation]) -> str:
    """Escaped answer text whose ``[ID]`` markers are citation chips."""
    labels = {c.clause_id: c for c in citations}
    pieces, cursor = [], 0
    for match in MARKER_RE.finditer(text):
        cid = match.group(1).strip()
        if cid in labels:
            pieces.append(html.escape(text[cursor : match.start()], quote=False))
            end = match.end()
            trailing = re.match(r"[.,;:!?)]+", text[end:])  # keep "[ID]." on one line
            tail = trailing.group(0) if trailing else ""
            cited = labels[cid]
            link = chip(cid, cited.label, cited.instrument_title)
            pieces.append(f'<span class="cite-nowrap">{link}{tail}</span>')
            cursor = end + len(tail)
    pieces.append(html.escape(text[cursor:], quote=False))
    return "".join(pieces)


def answer_html(answer: Answer) -> str:
    """The answer as the chat shows it: its notices first (a corrected premise, an ignored
    instruction, things the text never mentions), then the cited text or the refusal."""
    if not answer.abstained:
        notices = "".join(notice(message) for message in answer.notices)
        return notices + with_chips(answer.answer, answer.citations)
    related = " ".join(chip(c.clause_id, c.label, c.instrument_title) for c in answer.related)
    nearest = f"<p>Nearest clauses: {related}</p>" if related else ""
    notes = "".join(notice(message) for message in answer.notices)
    return (
        '<div class="refusal" role="note" aria-label="Not covered by the text">'
        '<p class="refusal-banner">⚠ Not covered by the text</p>'
        f"<p>{html.escape(answer.answer, quote=False)}</p>{nearest}{notes}</div>"
    )


def streaming(text: str) -> str:
    return html.escape(text, quote=False) + " ▍"


def thinking() -> str:
    return '<span class="chat-notice">Searching the text…</span>'


def notice(message: str) -> str:
    return f'<div class="chat-notice" role="status">{html.escape(message)}</div>'


def chips_bar(answer: Answer | None) -> str:
    if answer is None or not (answer.citations or answer.related):
        return '<div class="chips-bar"></div>'
    items, title = (
        (answer.related, "Nearest clauses:") if answer.abstained else (answer.citations, "Cited:")
    )
    buttons = " ".join(
        f'<button type="button" class="cite-chip" data-clause="{html.escape(c.clause_id)}" '
        f'data-instrument="{html.escape(c.instrument)}" '
        f'title="Open clause {html.escape(c.label)} ({html.escape(c.instrument_title)})" '
        f'aria-label="Open clause {html.escape(c.label)} ({html.escape(c.instrument_title)})">'
        f"{html.escape(c.clause_id)}</button>"
        for c in items
    )
    return f'<div class="chips-bar"><span class="chips-title">{title}</span>{buttons}</div>'


def clause_panel(clause: Clause, instrument: Instrument, children: list[Clause]) -> str:
    """A clause with its paragraph heading, the stems above it, its sub-items and the link."""
    crumbs = f"{instrument.id} · {instrument.short_title or instrument.title}"
    heading = clause.heading or clause.label.split(" — ", 1)[-1]
    context = (
        f'<p class="clause-context">{html.escape(clause.context)}</p>' if clause.context else ""
    )
    kids = "".join(
        f"<li>{chip(child.clause_id, child.label)} {html.escape(short(child.text, 110))}</li>"
        for child in children
    )
    kids_html = f'<ul class="clause-children">{kids}</ul>' if kids else ""
    version = (
        f'<p class="clause-version">{html.escape(instrument.version_notice or instrument.version)}'
        "</p>"
        if instrument.version_notice
        else ""
    )
    return (
        f'<article class="clause-card" aria-label="Clause {html.escape(clause.clause_id)}">'
        f'<p class="clause-crumbs">{html.escape(crumbs)}</p>'
        f"<h2><span class='cite-chip'>{html.escape(clause.clause_id)}</span> "
        f"{html.escape(heading)}</h2>{context}"
        f'<blockquote class="clause-text">{html.escape(clause.text)}</blockquote>{kids_html}'
        f"{version}"
        f'<p class="clause-link"><a href="{html.escape(instrument.url)}" target="_blank" '
        f'rel="noopener noreferrer">Official text: {html.escape(instrument.title)} ↗</a></p>'
        "</article>"
    )


def panel_message(message: str) -> str:
    return f'<div class="clause-card"><p>{html.escape(message)}</p></div>'


def panel_intro() -> str:
    return panel_message(
        "Click a citation chip such as IV.9 in an answer, or browse the texts below, "
        "to read a clause's full text here."
    )


def short(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


def section_label(clause: Clause) -> str:
    if clause.clause_id in ("background", "preamble"):
        return clause.clause_id.capitalize()
    return f"{clause.clause_id} — {short(clause.text, 70)}"


def browser_label(clause: Clause) -> str:
    indent = "    ↳ " if clause.kind == ClauseKind.SUBITEM else ""
    text = clause.heading if clause.kind == ClauseKind.PARAGRAPH and clause.heading else clause.text
    return f"{indent}{clause.clause_id} — {short(text, 80)}"


def header(instruments: Sequence[Instrument]) -> str:
    """The page's heading: every instrument the answers come from, by title and id."""
    named = " and the ".join(f"{html.escape(i.title)} ({html.escape(i.id)})" for i in instruments)
    return (
        '<header class="site-header"><h1>Digital Government Strategies — cited assistant</h1>'
        f"<p>Answers from the OECD {named}. Every sentence cites a clause; questions the texts "
        "do not cover are declined.</p></header>"
    )


def placeholder() -> str:
    return (
        "**Ask about the OECD Recommendation on Digital Government Strategies.** "
        "Every sentence of an answer cites a clause; click a citation to read it. "
        "Try one of these questions:"
    )
