"""What a run leaves behind: ``results.jsonl``, ``summary.json``, ``ragas.jsonl``, PNG charts,
``report.md`` and ``report.html``; and the threshold check that gates CI on ``summary.json``.

The report is for a person: headline metrics per system as bars, the assistant's per-type
breakdown, the meta-evaluation, and the worst questions with their answers. Charts use
matplotlib's Agg backend (no display needed); the HTML embeds them, so it opens anywhere. What
the report says is built in ``report_blocks``; the charts are drawn in ``charts``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from assistant.corpus.instruments import Corpus
from assistant.evaluation.charts import charts
from assistant.evaluation.datasets import QuestionRecord
from assistant.evaluation.report_blocks import blocks, to_html, to_markdown
from assistant.evaluation.runner import EvalRun


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
