"""Shared pieces of the benchmark: figures, percentiles, the question set, cache-busting variants.

Every figure is reported for the assistant and for the naive LangChain RAG measured in the same
run, with the ratio assistant / naive; ``better`` says which direction wins ("lower" for times,
"higher" for throughput, "" for counts that are context, not a contest).
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from assistant.evaluation.datasets import GoldItem, load_gold

PROJECT_ROOT = Path(__file__).resolve().parents[2]
GOLD_PATH = PROJECT_ROOT / "evals" / "datasets" / "gold.jsonl"
DEFAULT_OUT = PROJECT_ROOT / "evals" / "bench" / "out"


@dataclass
class Figure:
    """One row of the table: a measured quantity for both systems."""

    key: str
    label: str
    unit: str
    assistant: float | None
    naive: float | None
    better: str = "lower"
    note: str = ""

    @property
    def ratio(self) -> float | None:
        """Assistant divided by naive RAG (None when either is missing or naive is zero)."""
        if self.assistant is None or self.naive is None or self.naive == 0:
            return None
        return self.assistant / self.naive

    @property
    def assistant_wins(self) -> bool | None:
        """True when the assistant is better on this figure (None when not a contest)."""
        if self.better not in ("lower", "higher") or self.assistant is None or self.naive is None:
            return None
        if self.better == "lower":
            return self.assistant < self.naive
        return self.assistant > self.naive

    def as_dict(self) -> dict[str, Any]:
        return asdict(self) | {"ratio": self.ratio, "assistant_wins": self.assistant_wins}


@dataclass
class Results:
    """Everything one benchmark run measured: the table's figures and the extra detail."""

    figures: list[Figure] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)

    def add(self, *figures: Figure) -> None:
        self.figures.extend(figures)


def percentile(values: Sequence[float], pct: float) -> float:
    """Linear-interpolated percentile (numpy's default method) of a non-empty sequence."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = (len(ordered) - 1) * pct / 100.0
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def ms_summary(seconds: Sequence[float]) -> dict[str, float]:
    """p50, p95, mean and max in milliseconds, plus the sample count."""
    return {
        "n": len(seconds),
        "p50_ms": round(percentile(seconds, 50) * 1000, 2),
        "p95_ms": round(percentile(seconds, 95) * 1000, 2),
        "mean_ms": round(sum(seconds) / len(seconds) * 1000, 2) if seconds else math.nan,
        "max_ms": round(max(seconds) * 1000, 2) if seconds else math.nan,
    }


def interleaved(
    calls: dict[str, Callable[[Any], Any]], inputs: Sequence[Any]
) -> dict[str, list[float]]:
    """Wall-clock seconds of every call on each input in turn (input 1 on every call, then
    input 2, ...), so a change in the machine's load hits all of them alike."""
    durations: dict[str, list[float]] = {name: [] for name in calls}
    for item in inputs:
        for name, call in calls.items():
            started = time.perf_counter()
            call(item)
            durations[name].append(time.perf_counter() - started)
    return durations


@contextmanager
def stopwatch() -> Iterator[list[float]]:
    """``with stopwatch() as t: ...`` leaves the elapsed seconds in ``t[0]``."""
    box: list[float] = []
    started = time.perf_counter()
    try:
        yield box
    finally:
        box.append(time.perf_counter() - started)


def load_questions(count: int, seed: int = 406, path: Path = GOLD_PATH) -> list[GoldItem]:
    """A fixed, seeded subset of the gold questions (answerable and not), in file order."""
    items = load_gold(path)
    if count >= len(items):
        return items
    chosen = set(random.Random(seed).sample(range(len(items)), count))
    return [item for number, item in enumerate(items) if number in chosen]


def variant(question: str, number: int) -> str:
    """The same question, made new for every cache: ``number`` extra spaces in its last gap
    between two words. The embedding model's tokenizer, BM25, ``str.split`` and the regexes of
    the answer path see the same words, so the work done is the same, but query caches (keyed by
    the exact text) miss, as they do for a question never asked before. Variant 0 is the
    question itself (as is a question without any space)."""
    gap = question.rstrip().rfind(" ")
    if number <= 0 or gap <= 0:
        return question
    return question[:gap] + " " * number + question[gap:]


class RequestStream:
    """Questions for one server's lifetime: the set cycled, each pass a new cache-busting
    variant, so no request repeats an earlier one's exact text."""

    def __init__(self, items: Sequence[GoldItem]) -> None:
        self.items = list(items)
        self.sent = 0

    def take(self, count: int) -> list[dict[str, Any]]:
        bodies = []
        for _ in range(count):
            item = self.items[self.sent % len(self.items)]
            number = 1 + self.sent // len(self.items)
            bodies.append(
                {
                    "question": variant(item.question, number),
                    "history": [m.model_dump() for m in item.history],
                }
            )
            self.sent += 1
        return bodies
