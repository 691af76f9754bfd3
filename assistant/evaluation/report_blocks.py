"""The report's content, once, as a list of blocks (heading, paragraph, list item, table,
preformatted answer, chart), and its two renderings: Markdown and a standalone HTML page.

Kept apart from ``report`` (which writes a run's files) and ``charts`` (which draws the PNGs) so
what the report says is decided in one place; the CLI's summary table uses the same headline
metrics and number format.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from assistant.evaluation.datasets import ASSISTANT, QuestionRecord, flatten

HEADLINES = {
    "retrieval R@5 (clause)": "retrieval.clause.recall@5",
    "retrieval R@5 (paragraph)": "retrieval.paragraph.recall@5",
    "retrieval MRR (clause)": "retrieval.clause.mrr",
    "correct clause cited": "citations.correct_cited",
    "citation F1 (clause)": "citations.clause.f1",
    "citation F1 (paragraph)": "citations.paragraph.f1",
    "grounded sentences": "grounding.supported_share",
    "key-fact coverage": "key_facts.coverage",
    "abstention precision": "abstention.precision",
    "abstention recall": "abstention.recall",
    "false-refusal rate": "abstention.false_refusal_rate",
}
# Attribution of every sentence against the whole text (systems that never cite included);
# computed when outside systems are graded in the run.
ATTRIBUTION_ROWS = {
    "attributed claims supported": "attribution.supported_share",
    "contradicted sentences": "attribution.contradictions",
    "correct clause mentioned": "attribution.correct_clause_mentioned",
}
WORST = 12


def worst(records: Sequence[QuestionRecord], n: int = WORST) -> list[QuestionRecord]:
    """The assistant's worst questions: wrong refusal decisions first, then the answers that
    cover the fewest key facts and cite the fewest gold clauses."""

    def badness(r: QuestionRecord) -> tuple[float, ...]:
        wrong = float(r.abstained != r.must_refuse or r.error is not None)
        facts = sum(r.key_facts.values()) / len(r.key_facts) if r.key_facts else 1.0
        hits = len(set(r.citations or []) & set(r.gold)) / len(r.gold) if r.gold else 1.0
        return (-wrong, facts + hits)

    return sorted((r for r in records if r.system == ASSISTANT), key=badness)[:n]


Block = tuple[str, Any]


def fmt(value: Any) -> str:
    """A metric value as shown in tables: three decimals, 'n/a' when it does not apply."""
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def blocks(summary: dict[str, Any], records: Sequence[QuestionRecord]) -> list[Block]:
    """The report's content, once, for both the Markdown and the HTML rendering."""
    systems = summary["systems"]
    return [
        *_overview(summary),
        *_headlines(systems),
        *_by_type(systems.get(ASSISTANT, {}).get("by_type", {})),
        *_meta_eval(summary.get("meta_eval")),
        *_worst_questions(records),
    ]


def _overview(summary: dict[str, Any]) -> list[Block]:
    """Title, what was run, and the threshold verdict with each missed threshold."""
    out: list[Block] = [
        ("h1", "Evaluation report"),
        (
            "p",
            f"Dataset {summary['dataset']} ({summary['questions']} questions), generator "
            f"{summary['generator']}, run {summary['created_at']}.",
        ),
    ]
    gate = summary.get("thresholds")
    if gate:
        verdict = "all thresholds met" if not gate["failures"] else "THRESHOLDS MISSED"
        out.append(("p", f"Threshold check ({gate['file']}): {verdict}."))
        out.extend(("li", failure) for failure in gate["failures"])
    return out


def _headlines(systems: dict[str, Any]) -> list[Block]:
    """The headline metrics of every system side by side, then their chart."""
    flat = {name: flatten(data) for name, data in systems.items()}
    rows = [[label, *(fmt(flat[s].get(key)) for s in systems)] for label, key in HEADLINES.items()]
    for label, key in (
        *ATTRIBUTION_ROWS.items(),
        ("invalid citations", "citations.invalid"),
        ("right clause, right instrument", "citations.correct_instrument"),
        ("citations of another instrument", "citations.wrong_instrument"),
        ("errors", "errors"),
        ("latency p50 (s)", "latency.p50"),
        ("latency p95 (s)", "latency.p95"),
    ):
        rows.append([label, *(fmt(flat[s].get(key)) for s in systems)])
    return [
        ("h2", "Headline metrics"),
        ("table", (["metric", *systems], rows)),
        ("img", "metrics.png"),
    ]


def _by_type(by_type: dict[str, dict[str, Any]]) -> list[Block]:
    """The assistant's metrics per question type (nothing when it was not evaluated)."""
    if not by_type:
        return []
    keys = list(next(iter(by_type.values())))
    rows = [[t, *(fmt(v.get(k)) for k in keys)] for t, v in by_type.items()]
    return [
        ("h2", "Assistant by question type"),
        ("table", (["type", *keys], rows)),
        ("img", "by_type.png"),
    ]


def _meta_eval(meta: dict[str, Any] | None) -> list[Block]:
    """Catch and false-flag rates of the grounding metric, per case kind, and what it missed."""
    if not meta:
        return []
    rows = [[k["kind"], k["cases"], k["flagged"], fmt(k["rate"])] for k in meta["kinds"]]
    out: list[Block] = [
        ("h2", "Meta-evaluation of the grounding metric"),
        (
            "p",
            f"Catch rate {meta['catch_rate']:.1%} of {meta['perturbed_cases']} "
            f"perturbed sentences (target >= {meta['catch_target']:.0%}); false-flag "
            f"rate {meta['false_flag_rate']:.1%} of {meta['correct_cases']} correct "
            f"sentences (target <= {meta['false_flag_target']:.0%}).",
        ),
        ("table", (["kind", "cases", "flagged", "rate"], rows)),
        ("img", "meta_eval.png"),
    ]
    out.extend(
        ("li", f"missed ({m['kind']}, {m['score']}): {m['sentence']}") for m in meta["missed"]
    )
    return out


def _worst_questions(records: Sequence[QuestionRecord]) -> list[Block]:
    """The assistant's worst questions, each with its scores and (the start of) its answer."""
    out: list[Block] = [("h2", "Worst questions (assistant)")]
    for r in worst(records):
        facts = ", ".join(f"{'✓' if ok else '✗'} {f}" for f, ok in r.key_facts.items())
        out.append(("h3", f"{r.id} [{r.type}] {r.question}"))
        out.append(
            (
                "p",
                f"gold: {', '.join(r.gold) or '—'}; cited: "
                f"{', '.join(r.citations or []) or '—'}; abstained: {r.abstained} "
                f"(must refuse: {r.must_refuse}); key facts: {facts or '—'}"
                + (f"; error: {r.error}" if r.error else ""),
            )
        )
        out.append(("pre", r.answer[:800] + ("…" if len(r.answer) > 800 else "")))
    return out


def to_markdown(content: Sequence[Block]) -> str:
    lines: list[str] = []
    for kind, value in content:
        if lines and lines[-1] and kind != "li":
            lines.append("")  # a list ends before any other block
        if kind in ("h1", "h2", "h3"):
            lines += ["#" * int(kind[1]) + " " + value, ""]
        elif kind == "p":
            lines += [value, ""]
        elif kind == "li":
            lines.append(f"- {value}")
        elif kind == "pre":
            lines += ["```", value, "```", ""]
        elif kind == "img":
            lines += [f"![{value}]({value})", ""]
        elif kind == "table":
            header, rows = value
            lines += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
            lines += [
                "| " + " | ".join(str(c).replace("|", "\\|") for c in row) + " |" for row in rows
            ]
            lines.append("")
    return "\n".join(lines) + "\n"


def to_html(content: Sequence[Block], folder: Path) -> str:
    """A standalone page: charts embedded as data URIs."""
    parts = [
        "<!doctype html><meta charset='utf-8'><title>Evaluation report</title><style>",
        "body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;color:#222}",
        "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;",
        "padding:3px 8px;text-align:right}td:first-child,th:first-child{text-align:left}",
        "pre{white-space:pre-wrap;background:#f6f6f6;padding:.6em}img{max-width:100%}",
        "</style>",
    ]
    for kind, value in content:
        if kind in ("h1", "h2", "h3", "p"):
            parts.append(f"<{kind}>{html.escape(value)}</{kind}>")
        elif kind == "li":
            parts.append(f"<ul><li>{html.escape(value)}</li></ul>")
        elif kind == "pre":
            parts.append(f"<pre>{html.escape(value)}</pre>")
        elif kind == "img" and (folder / value).exists():
            data = base64.b64encode((folder / value).read_bytes()).decode()
            parts.append(f"<img alt='{value}' src='data:image/png;base64,{data}'>")
        elif kind == "table":
            header, rows = value
            parts.append("<table><tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in header))
            parts += [
                "<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) for row in rows
            ]
            parts.append("</table>")
    return "\n".join(parts) + "\n"
