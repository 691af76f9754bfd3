"""Measure the attribution engine on the labelled sentences of ``evals/attribution``.

The metrics and the split are defined in ``evals/attribution/README.md`` before any run: supported
sentences recognised (and with the right clause), altered or invented sentences flagged,
contradictions named as such, accuracy per gold verdict and the confusion matrix.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path

from pydantic import BaseModel, Field

from assistant.checking.engine import AttributionEngine
from assistant.checking.types import SentenceCheck, Verdict
from assistant.corpus.clause_ids import paragraph_of
from assistant.settings import PROJECT_ROOT

ATTRIBUTION_DIR = PROJECT_ROOT / "evals" / "attribution"
FLAGGED = {Verdict.CONTRADICTED, Verdict.NOT_FOUND, Verdict.PARTLY}
TARGETS = {
    "supported_recognised": 0.95,
    "right_clause": 0.90,
    "altered_flagged": 0.90,
    "contradictions_named": 0.75,
}


class LabelledSentence(BaseModel):
    """One row of the meta-evaluation set."""

    id: str
    sentence: str
    label: Verdict
    kind: str
    clause_ids: list[str] = Field(default_factory=list)


class Miss(BaseModel):
    id: str
    kind: str
    sentence: str
    label: str
    verdict: str
    clause_ids: list[str]
    note: str


class AttributionReport(BaseModel):
    """The figures of one run, with the rows the engine got wrong."""

    split: str
    rows: int
    metrics: dict[str, float]
    targets: dict[str, float] = Field(default_factory=lambda: dict(TARGETS))
    per_verdict: dict[str, float]
    per_kind: dict[str, float]
    confusion: dict[str, dict[str, int]]
    misses: list[Miss]


def load_rows(split: str, directory: Path = ATTRIBUTION_DIR) -> list[LabelledSentence]:
    """The rows of a set of ``directory`` by name (``dev``, ``sealed``, ``sealed-2``,
    ``tuning``), or of any JSONL file given as a path."""
    path = Path(split) if split.endswith(".jsonl") else directory / f"{split}.jsonl"
    if not path.exists():
        raise FileNotFoundError(f"No attribution set {path}.")
    lines = path.read_text(encoding="utf-8").splitlines()
    return [LabelledSentence.model_validate(json.loads(line)) for line in lines if line.strip()]


def is_sealed(row_id: str) -> bool:
    """The split rule of the README, fixed before any tuning: it depends on the id alone."""
    return int(hashlib.sha256(row_id.encode()).hexdigest()[:8], 16) % 3 == 0


def _share(hits: Sequence[bool]) -> float:
    return round(sum(hits) / len(hits), 4) if hits else 0.0


def right_clause(predicted: list[str], gold: list[str]) -> bool:
    """The first predicted id is a gold id, the paragraph of one, or one of its sub-items."""
    if not predicted:
        return False
    first = predicted[0]
    return any(first in (g, paragraph_of(g)) or paragraph_of(first) == g for g in gold)


def score(rows: Sequence[LabelledSentence], checks: Sequence[SentenceCheck]) -> dict[str, float]:
    """The four headline figures of the README."""
    pairs = list(zip(rows, checks, strict=True))
    supported = [(r, c) for r, c in pairs if r.label == Verdict.SUPPORTED]
    altered = [c for r, c in pairs if r.label in FLAGGED]
    contradicted = [c for r, c in pairs if r.label == Verdict.CONTRADICTED]
    return {
        "supported_recognised": _share([c.verdict == Verdict.SUPPORTED for _, c in supported]),
        "right_clause": _share(
            [
                c.verdict == Verdict.SUPPORTED and right_clause(c.clause_ids, r.clause_ids)
                for r, c in supported
            ]
        ),
        "altered_flagged": _share([c.verdict in FLAGGED for c in altered]),
        "contradictions_named": _share([c.verdict == Verdict.CONTRADICTED for c in contradicted]),
    }


def evaluate(
    engine: AttributionEngine, split: str = "dev", directory: Path = ATTRIBUTION_DIR
) -> AttributionReport:
    """Run the engine on one split and compute every figure."""
    rows = load_rows(split, directory)
    checks = engine.check_sentences([r.sentence for r in rows])
    confusion = {g.value: {p.value: 0 for p in Verdict} for g in Verdict}
    by_kind: dict[str, list[bool]] = {}
    by_label: dict[str, list[bool]] = {}
    misses = []
    for row, check in zip(rows, checks, strict=True):
        confusion[row.label.value][check.verdict.value] += 1
        correct = row.label == check.verdict
        by_kind.setdefault(row.kind, []).append(correct)
        by_label.setdefault(row.label.value, []).append(correct)
        if not correct:
            misses.append(
                Miss(
                    id=row.id,
                    kind=row.kind,
                    sentence=row.sentence,
                    label=row.label.value,
                    verdict=check.verdict.value,
                    clause_ids=check.clause_ids,
                    note=check.note,
                )
            )
    return AttributionReport(
        split=Path(split).stem if split.endswith(".jsonl") else split,
        rows=len(rows),
        metrics=score(rows, checks),
        per_verdict={k: _share(v) for k, v in by_label.items()},
        per_kind={k: _share(v) for k, v in sorted(by_kind.items())},
        confusion=confusion,
        misses=misses,
    )
