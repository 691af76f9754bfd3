"""Typed records and loaders for the evaluation files: the gold sets documented in
``evals/README.md`` (read) and the per-question ``results.jsonl`` of a run (written).

Loading fails early with the file name, the line number and what is wrong, because a silently
skipped or mis-typed line would quietly change every figure computed from the file.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, Field, ValidationError

from assistant.answering.types import ChatMessage
from assistant.evaluation.csv_sets import CsvRowError, csv_rows

ASSISTANT = "assistant"
OPTIONAL_PREFIXES = ("meta_eval.",)
QuestionType = Literal[
    "verbatim",
    "everyday",
    "multi",
    "definition",
    "instrument",
    "out_of_scope",
    "false_premise",
    "injection",
    "followup",
    "typo",
    "french",
]
# Any label an evaluator's own set uses: per-type figures are computed for whatever labels occur.
TYPE_LABEL = r"^[A-Za-z0-9][A-Za-z0-9_.:/ -]{0,39}$"


class DatasetError(ValueError):
    """A dataset file is missing, malformed or refers to unknown clauses."""


class RetrievalItem(BaseModel):
    """One line of ``retrieval.jsonl``: a query and the clause ids that answer it."""

    id: str
    question: str = Field(min_length=1)
    gold: list[str] = Field(min_length=1)
    style: Literal["text", "everyday"]


class GoldItem(BaseModel):
    """One line of ``gold.jsonl`` (or one row of a CSV set): an end-to-end question with its
    expected behaviour."""

    id: str
    question: str = Field(min_length=1)
    type: str = Field(
        pattern=TYPE_LABEL,
        description="A free label (1-40 letters, digits, _ . : / - or spaces); the shipped sets "
        "use the eleven QuestionType values.",
    )
    gold: list[str] = Field(default_factory=list)
    must_refuse: bool = False
    key_facts: list[str] = Field(default_factory=list)
    history: list[ChatMessage] = Field(default_factory=list)

    @property
    def answerable(self) -> bool:
        """True when the Recommendation answers the question (gold clauses exist)."""
        return not self.must_refuse and bool(self.gold)


Item = TypeVar("Item", RetrievalItem, GoldItem)


def _raw_rows(path: Path, model: type[Item]) -> list[tuple[int, Any]]:
    """(line number, parsed row) of a JSONL or CSV set; a JSON error names its line."""
    if path.suffix.lower() == ".csv":
        try:
            return csv_rows(path, frozenset(model.model_fields))
        except CsvRowError as exc:
            raise DatasetError(str(exc)) from exc
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            rows.append((number, json.loads(line)))
        except json.JSONDecodeError as exc:
            raise DatasetError(f"{path.name}:{number}: not valid JSON ({exc.msg}).") from exc
    return rows


def _load(path: Path, model: type[Item]) -> list[Item]:
    if not path.is_file():
        raise DatasetError(f"Dataset file {path} does not exist.")
    items: list[Item] = []
    seen: set[str] = set()
    for number, raw in _raw_rows(path, model):
        try:
            item = model.model_validate(raw)
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in err['loc']) or 'line'}: {err['msg']}"
                for err in exc.errors()
            )
            raise DatasetError(f"{path.name}:{number}: {problems}") from exc
        if item.id in seen:
            raise DatasetError(f"{path.name}:{number}: duplicate id {item.id!r}.")
        seen.add(item.id)
        items.append(item)
    if not items:
        raise DatasetError(f"Dataset file {path} holds no item.")
    return items


def load_retrieval(path: Path) -> list[RetrievalItem]:
    """Items of a retrieval gold set (``question``, ``gold``, ``style``)."""
    return _load(path, RetrievalItem)


def load_gold(path: Path) -> list[GoldItem]:
    """Items of an end-to-end gold set (type, gold, ``must_refuse``, key facts, history)."""
    return _load(path, GoldItem)


def check_clause_ids(items: Iterable[RetrievalItem | GoldItem], known: set[str]) -> None:
    """Fail when a gold id is not a clause of the corpus: the score would silently be zero."""
    unknown = sorted({(i.id, g) for i in items for g in i.gold if g not in known})
    if unknown:
        listed = ", ".join(f"{item_id}: {gold}" for item_id, gold in unknown[:10])
        raise DatasetError(f"Gold ids not in the corpus ({len(unknown)}): {listed}")


class SentenceVerdict(BaseModel):
    """The evaluator's own verdict on one answer sentence."""

    sentence: str
    cited: list[str]
    score: float
    supported_by: str | None
    supported: bool


class AnswerAttribution(BaseModel):
    """An answer checked sentence by sentence against the whole text (``assistant.checking``):
    how its claims fare whatever it cites, so systems that never cite can be compared."""

    claims: int = 0
    supported: int = 0
    partly: int = 0
    not_found: int = 0
    contradicted: int = 0
    contradicted_clauses: list[str] = Field(default_factory=list)
    quoted: list[str] = Field(
        default_factory=list, description="Clauses whose own words a sentence repeats."
    )


class QuestionRecord(BaseModel):
    """One line of ``results.jsonl``: a question, what one system answered, and its scores.

    ``citations`` and ``sentences`` are ``None`` when the system cannot cite (a baseline), so
    that citation and grounding metrics read "does not apply" instead of zero.
    """

    system: str
    id: str
    type: str
    question: str
    gold: list[str]
    must_refuse: bool
    answer: str = ""
    abstained: bool = False
    citations: list[str] | None = None
    invalid_citations: list[str] = Field(default_factory=list)
    retrieved: list[list[str]] = Field(default_factory=list, description="Ranked units.")
    contexts: list[str] = Field(default_factory=list, description="Texts the system retrieved.")
    sentences: list[SentenceVerdict] | None = None
    key_facts: dict[str, bool] = Field(default_factory=dict, description="Fact -> covered.")
    latency_s: float = 0.0
    error: str | None = None
    attribution: AnswerAttribution | None = None


def load_results(path: Path) -> list[QuestionRecord]:
    """Records of an earlier run's ``results.jsonl`` (to re-render or compare runs)."""
    if not path.is_file():
        raise DatasetError(f"Results file {path} does not exist.")
    records = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip():
            try:
                records.append(QuestionRecord.model_validate_json(line))
            except ValidationError as exc:
                raise DatasetError(f"{path.name}:{number}: {exc.errors()[0]['msg']}") from exc
    return records


def flatten(tree: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """``{"a": {"b": 1}}`` -> ``{"a.b": 1}``: the key names thresholds are written with."""
    flat: dict[str, Any] = {}
    for key, value in tree.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(flatten(value, f"{name}."))
        else:
            flat[name] = value
    return flat


def load_thresholds(path: Path) -> dict[str, dict[str, float]]:
    """``[min]`` and ``[max]`` tables of flattened metric names (see ``evals/thresholds.toml``)."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise DatasetError(f"Threshold file {path}: {exc}") from exc
    unknown = set(data) - {"min", "max"}
    if unknown:
        raise DatasetError(f"{path.name}: unknown table(s) {sorted(unknown)}; use [min] and [max].")
    return {"min": dict(data.get("min", {})), "max": dict(data.get("max", {}))}


def check_thresholds(values: dict[str, Any], thresholds: dict[str, dict[str, float]]) -> list[str]:
    """Every threshold missed, as a sentence. A metric that was not measured fails too, except
    the optional sections (the meta-evaluation) when they did not run."""
    failures: list[str] = []
    for bound, limits in thresholds.items():
        for key, limit in limits.items():
            value = values.get(key)
            if value is None:
                if key.startswith(OPTIONAL_PREFIXES) and not any(
                    k.startswith(OPTIONAL_PREFIXES) for k in values
                ):
                    continue
                failures.append(f"{key}: not measured (threshold {bound} {limit})")
            elif (bound == "min" and value < limit) or (bound == "max" and value > limit):
                failures.append(f"{key} = {value:.4g}, {bound} allowed {limit}")
    return failures


def apply_thresholds(
    summary: dict[str, Any], thresholds: dict[str, dict[str, float]], path: Path
) -> list[str]:
    """Check the assistant's summary (and the meta-evaluation, when it ran) and record the
    outcome in the summary, so the report shows it."""
    values = flatten(summary["systems"].get(ASSISTANT, {}))
    if summary.get("meta_eval"):
        values.update(flatten({"meta_eval": summary["meta_eval"]}))
    failures = check_thresholds(values, thresholds)
    summary["thresholds"] = {"file": str(path), "failures": failures}
    return failures
