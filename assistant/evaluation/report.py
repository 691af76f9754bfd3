"""What a run leaves behind: ``results.jsonl``, ``summary.json``, ``ragas.jsonl``, PNG charts,
``report.md`` and ``report.html``; and the threshold check that gates CI on ``summary.json``.

The report is for a person: headline metrics per system as bars, the assistant's per-type
breakdown, the meta-evaluation, and the worst questions with their answers. Charts use
matplotlib's Agg backend (no display needed); the HTML embeds them, so it opens anywhere.
"""

from __future__ import annotations

import base64
import html
import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from assistant.corpus.instruments import Corpus
from assistant.evaluation.datasets import QuestionRecord, flatten
from assistant.evaluation.runner import ASSISTANT, EvalRun

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
WORST = 12
LOWER_IS_BETTER = ("false_refusal_rate",)


def ragas_rows(records: Sequence[QuestionRecord], corpus: Corpus) -> list[dict[str, Any]]:
    """Rows in the column layout ragas expects: question, answer, contexts, ground_truth (the
    gold clauses' text; the refusal sentence for questions that must be refused)."""
    rows = []
    for record in records:
        texts = [c.text for g in record.gold if (c := corpus.get(g))]
        truth = " ".join(texts) or "The Recommendation does not cover this question."
        rows.append(
            {
                "question": record.question,
                "answer": record.answer,
                "contexts": record.contexts,
                "ground_truth": truth,
                "system": record.system,
                "id": record.id,
            }
        )
    return rows


def _jsonl(path: Path, rows: Sequence[Any]) -> None:
    lines = [r.model_dump_json() if hasattr(r, "model_dump_json") else json.dumps(r) for r in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def charts(summary: dict[str, Any], out: Path) -> list[Path]:
    """Headline bars per system, the assistant's per-type heat map, meta-evaluation bars."""
    os.environ.setdefault("MPLBACKEND", "Agg")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    paths = []
    systems = summary["systems"]
    fig, ax = plt.subplots(figsize=(10, 5.5))
    width = 0.8 / max(len(systems), 1)
    for i, (name, data) in enumerate(systems.items()):
        flat = flatten(data)
        values = [flat.get(key) for key in HEADLINES.values()]
        xs = [j + i * width for j in range(len(HEADLINES))]
        ax.barh(xs, [v or 0 for v in values], height=width, label=name)
        for x, v in zip(xs, values, strict=True):
            ax.text((v or 0) + 0.01, x, "n/a" if v is None else f"{v:.2f}", va="center", fontsize=7)
    ax.set_yticks([j + width * (len(systems) - 1) / 2 for j in range(len(HEADLINES))])
    ax.set_yticklabels(list(HEADLINES))
    ax.invert_yaxis()
    ax.set_xlim(0, 1.12)
    ax.legend(loc="lower right")
    ax.set_title("Headline metrics (false-refusal rate: lower is better)")
    paths.append(_save(fig, out / "metrics.png"))
    by_type = systems.get(ASSISTANT, {}).get("by_type", {})
    if by_type:
        metrics = [k for k in next(iter(by_type.values())) if not k.startswith(("n", "lat"))]
        grid = [[by_type[t].get(m) for m in metrics] for t in by_type]
        fig, ax = plt.subplots(figsize=(12, 0.45 * len(by_type) + 2.5))
        ax.imshow(
            [[_goodness(m, v) for m, v in zip(metrics, row, strict=True)] for row in grid],
            cmap="RdYlGn",
            vmin=0,
            vmax=1,
            aspect="auto",
        )
        ax.set_xticks(range(len(metrics)), metrics, rotation=30, ha="right", fontsize=8)
        ax.set_yticks(range(len(by_type)), [f"{t} ({by_type[t]['n']})" for t in by_type])
        for (r, c), v in ((rc, grid[rc[0]][rc[1]]) for rc in _cells(grid)):
            ax.text(c, r, "—" if v is None else f"{v:.2f}", ha="center", va="center", fontsize=7)
        ax.set_title("Assistant, by question type (false-refusal rate: green = low)")
        paths.append(_save(fig, out / "by_type.png"))
    meta = summary.get("meta_eval")
    if meta:
        fig, ax = plt.subplots(figsize=(8, 4))
        kinds = meta["kinds"]
        ax.barh([k["kind"] for k in kinds], [k["rate"] for k in kinds], color="tab:purple")
        ax.axvline(meta["catch_target"], color="grey", linestyle="--")
        ax.set_xlim(0, 1)
        ax.set_title("Meta-evaluation: share flagged per case kind (correct-*: should be 0)")
        paths.append(_save(fig, out / "meta_eval.png"))
    return paths


def _goodness(metric: str, value: float | None) -> float:
    """Colour value: 1 is good. A rate that should be low is inverted; n/a is blank."""
    if value is None:
        return float("nan")
    return 1 - value if metric.endswith(LOWER_IS_BETTER) else value


def _cells(grid: list[list[Any]]) -> list[tuple[int, int]]:
    return [(r, c) for r in range(len(grid)) for c in range(len(grid[r]))]


def _save(fig: Any, path: Path) -> Path:
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    import matplotlib.pyplot as plt

    plt.close(fig)
    return path


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
    flat = {name: flatten(data) for name, data in systems.items()}
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
    out.append(("h2", "Headline metrics"))
    rows = [[label, *(fmt(flat[s].get(key)) for s in systems)] for label, key in HEADLINES.items()]
    for label, key in (
        ("invalid citations", "citations.invalid"),
        ("errors", "errors"),
        ("latency p50 (s)", "latency.p50"),
        ("latency p95 (s)", "latency.p95"),
    ):
        rows.append([label, *(fmt(flat[s].get(key)) for s in systems)])
    out += [("table", (["metric", *systems], rows)), ("img", "metrics.png")]
    by_type = systems.get(ASSISTANT, {}).get("by_type", {})
    if by_type:
        keys = list(next(iter(by_type.values())))
        out.append(("h2", "Assistant by question type"))
        out.append(
            (
                "table",
                (
                    ["type", *keys],
                    [[t, *(fmt(v.get(k)) for k in keys)] for t, v in by_type.items()],
                ),
            )
        )
        out.append(("img", "by_type.png"))
    meta = summary.get("meta_eval")
    if meta:
        out.append(("h2", "Meta-evaluation of the grounding metric"))
        out.append(
            (
                "p",
                f"Catch rate {meta['catch_rate']:.1%} of {meta['perturbed_cases']} "
                f"perturbed sentences (target >= {meta['catch_target']:.0%}); false-flag "
                f"rate {meta['false_flag_rate']:.1%} of {meta['correct_cases']} correct "
                f"sentences (target <= {meta['false_flag_target']:.0%}).",
            )
        )
        out.append(
            (
                "table",
                (
                    ["kind", "cases", "flagged", "rate"],
                    [[k["kind"], k["cases"], k["flagged"], fmt(k["rate"])] for k in meta["kinds"]],
                ),
            )
        )
        out.append(("img", "meta_eval.png"))
        out.extend(
            ("li", f"missed ({m['kind']}, {m['score']}): {m['sentence']}") for m in meta["missed"]
        )
    out.append(("h2", "Worst questions (assistant)"))
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


def write_run(run: EvalRun, out: Path, corpus: Corpus) -> dict[str, Path]:
    """Write every output of a run into ``out`` and return their paths by name."""
    out.mkdir(parents=True, exist_ok=True)
    paths = {
        name: out / name
        for name in ("results.jsonl", "summary.json", "ragas.jsonl", "report.md", "report.html")
    }
    _jsonl(paths["results.jsonl"], run.records)
    paths["summary.json"].write_text(json.dumps(run.summary, indent=2), encoding="utf-8")
    _jsonl(paths["ragas.jsonl"], ragas_rows(run.records, corpus))
    for chart in charts(run.summary, out):
        paths[chart.name] = chart
    content = blocks(run.summary, run.records)
    paths["report.md"].write_text(to_markdown(content), encoding="utf-8")
    paths["report.html"].write_text(to_html(content, out), encoding="utf-8")
    return paths
