"""What every metric shares: the result type, the mean that skips "does not apply", the
per-group mean, and the rule for when a clause id counts as a gold clause.

A per-item score of ``None`` means "does not apply" (e.g. citation recall of a question that must
be refused) and is left out of the overall mean rather than counted as zero.

Matching levels. ``clause``: the retrieved or cited id equals a gold id. ``paragraph``: it also
counts when it is the paragraph of a gold sub-item, or a sub-item of a gold paragraph (siblings
of a gold sub-item do not count). ``parents`` maps each sub-item id to its paragraph id.

Kept apart so the retrieval metrics and the answer metrics build on one definition of each.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

Level = Literal["clause", "paragraph"]
LEVELS: tuple[Level, ...] = ("clause", "paragraph")


@dataclass(frozen=True)
class MetricResult:
    """An overall score and the per-item scores it was computed from (``None`` = n/a)."""

    score: float | None
    individual: list[float | None] = field(default_factory=list)


def mean(values: Sequence[float | None]) -> float | None:
    """Mean of the applicable values; ``None`` when none applies."""
    present = [v for v in values if v is not None]
    return sum(present) / len(present) if present else None


def matches(candidate: str, gold: str, level: Level, parents: Mapping[str, str]) -> bool:
    """Whether a retrieved or cited clause id counts as the gold clause at this level."""
    if candidate == gold:
        return True
    if level == "clause":
        return False
    return parents.get(gold) == candidate or parents.get(candidate) == gold


def by_group(individual: Sequence[float | None], labels: Sequence[str]) -> dict[str, float | None]:
    """Mean of the per-item scores within each label (question type or style)."""
    groups: dict[str, list[float | None]] = defaultdict(list)
    for value, label in zip(individual, labels, strict=True):
        groups[label].append(value)
    return {label: mean(values) for label, values in sorted(groups.items())}
