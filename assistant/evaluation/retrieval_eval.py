"""Retrieval evaluation: recall@k and MRR of the hybrid search against its ablations (dense
only, BM25 only) and the naive LangChain RAG, on the retrieval gold set.

Every system is reduced to one shape, a ranked list of units per question where each unit holds
the clause ids it covers, so one set of pure metric functions scores them all.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

from pydantic import BaseModel, Field
from rich.console import Console
from rich.table import Table
from tqdm import tqdm

from assistant.evaluation import baselines
from assistant.evaluation.datasets import RetrievalItem, check_clause_ids
from assistant.evaluation.metric_core import LEVELS, Level, by_group
from assistant.evaluation.retrieval_metrics import Ranked, mean_reciprocal_rank, recall_at_k
from assistant.services import Services

Retriever = Callable[[str, int], list[frozenset[str]]]
DEFAULT_KS = (1, 3, 5, 10)
MISS_K = 5
HYBRID = "hybrid"


class LevelScores(BaseModel):
    """Recall@k and MRR at one matching level, overall and per question style."""

    recall: dict[int, float | None]
    mrr: float | None
    recall_by_style: dict[str, dict[int, float | None]]
    mrr_by_style: dict[str, float | None]


class SystemScores(BaseModel):
    """One retrieval system's scores at both levels, and what it retrieved per question."""

    name: str
    note: str = ""
    levels: dict[str, LevelScores]
    retrieved: dict[str, list[list[str]]] = Field(description="Item id -> ranked units.")


class RetrievalReport(BaseModel):
    """Everything the ``eval-retrieval`` command prints or writes."""

    dataset: str
    questions: int
    ks: list[int]
    systems: list[SystemScores]
    misses: list[dict[str, Any]] = Field(description="Hybrid misses at k=5 (clause level).")


def score_ranked(
    ranked: Sequence[Ranked],
    gold: Sequence[Sequence[str]],
    styles: Sequence[str],
    ks: Sequence[int],
    level: Level,
    parents: dict[str, str],
) -> LevelScores:
    """Recall@k for each k and MRR at one level, overall and per style."""
    recalls = {k: recall_at_k(ranked, gold, k, level, parents) for k in ks}
    mrr = mean_reciprocal_rank(ranked, gold, level, parents)
    return LevelScores(
        recall={k: r.score for k, r in recalls.items()},
        mrr=mrr.score,
        recall_by_style={
            style: {k: by_group(r.individual, styles)[style] for k, r in recalls.items()}
            for style in sorted(set(styles))
        },
        mrr_by_style=by_group(mrr.individual, styles),
    )


def run_system(
    name: str,
    retriever: Retriever,
    items: Sequence[RetrievalItem],
    ks: Sequence[int],
    parents: dict[str, str],
    note: str = "",
    progress: bool = True,
) -> SystemScores:
    """Query one system with every question and score it at both levels."""
    depth = max(ks)
    ranked = [
        retriever(item.question, depth)
        for item in tqdm(items, desc=f"Retrieval: {name}", unit="q", disable=not progress)
    ]
    gold = [item.gold for item in items]
    styles = [item.style for item in items]
    return SystemScores(
        name=name,
        note=note,
        levels={lvl: score_ranked(ranked, gold, styles, ks, lvl, parents) for lvl in LEVELS},
        retrieved={i.id: [sorted(u) for u in r] for i, r in zip(items, ranked, strict=True)},
    )


def hybrid_misses(items: Sequence[RetrievalItem], scores: SystemScores) -> list[dict[str, Any]]:
    """Questions with a gold clause missing from the hybrid top 5 (clause level)."""
    misses = []
    for item in items:
        top = [cid for unit in scores.retrieved[item.id][:MISS_K] for cid in unit]
        missing = [g for g in item.gold if g not in top]
        if missing:
            misses.append(
                {
                    "id": item.id,
                    "style": item.style,
                    "question": item.question,
                    "gold": item.gold,
                    "missing": missing,
                    "top5": top,
                }
            )
    return misses


def evaluate_retrieval(
    services: Services,
    items: Sequence[RetrievalItem],
    ks: Sequence[int] = DEFAULT_KS,
    with_baselines: bool = True,
    dataset: str = "",
    progress: bool = True,
) -> RetrievalReport:
    """Score the hybrid search (and, optionally, its ablations and the naive RAG) on ``items``."""
    corpus = services.corpus
    check_clause_ids(items, {c.clause_id for c in corpus.clauses})
    services.index.ensure()
    parents = baselines.paragraph_parents(corpus)
    search = services.search
    ks = sorted(set(ks))
    run = partial(run_system, items=items, ks=ks, parents=parents, progress=progress)
    systems = [run(HYBRID, partial(baselines.hybrid, search))]
    if with_baselines:
        systems.append(run("dense-only", partial(baselines.dense_only, search)))
        systems.append(run("bm25-only", baselines.Bm25Baseline(search).retrieve))
        naive = baselines.NaiveRag(corpus, services.embeddings)
        with naive.open():
            note = f"fixed top-{naive.top_k} chunks: recall@k for k>{naive.top_k} = recall@4"
            systems.append(run("naive-rag", naive.retrieve, note=note))
    return RetrievalReport(
        dataset=dataset,
        questions=len(items),
        ks=ks,
        systems=systems,
        misses=hybrid_misses(items, systems[0]),
    )


def _fmt(value: float | None) -> str:
    return "—" if value is None else f"{value:.3f}"


def render_retrieval(report: RetrievalReport, console: Console) -> None:
    """One table per matching level (rows: system x style), then the hybrid misses."""
    styles = sorted({s for sys in report.systems for s in sys.levels["clause"].mrr_by_style})
    for level in LEVELS:
        table = Table(title=f"Retrieval, {level} level ({report.questions} questions)")
        table.add_column("system")
        table.add_column("style")
        for k in report.ks:
            table.add_column(f"R@{k}", justify="right")
        table.add_column("MRR", justify="right")
        for system in report.systems:
            scores = system.levels[level]
            table.add_row(
                system.name,
                "all",
                *(_fmt(scores.recall[k]) for k in report.ks),
                _fmt(scores.mrr),
                style="bold",
            )
            for style in styles:
                by_k = scores.recall_by_style.get(style, {})
                table.add_row(
                    "",
                    style,
                    *(_fmt(by_k.get(k)) for k in report.ks),
                    _fmt(scores.mrr_by_style.get(style)),
                )
            table.add_section()
        console.print(table)
    for system in report.systems:
        if system.note:
            console.print(f"[dim]{system.name}: {system.note}[/dim]")
    console.print(
        f"\nHybrid search missed a gold clause at k={MISS_K} in {len(report.misses)} question(s):"
    )
    for miss in report.misses:
        console.print(
            f"  {miss['id']} [{miss['style']}] {miss['question']}\n"
            f"      missing {', '.join(miss['missing'])} (gold {', '.join(miss['gold'])}); "
            f"got {', '.join(miss['top5'])}"
        )
