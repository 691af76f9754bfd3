"""What a sentence's match with one clause holds, and the thresholds that turn matches into
verdicts (data chosen on the meta-evaluation's dev part and the purpose-written tuning sets)."""

from __future__ import annotations

from dataclasses import dataclass, field

from assistant.checking.types import Difference
from assistant.corpus.records import Clause


@dataclass(frozen=True)
class Thresholds:
    """Match scores (0.6 x word share + 0.4 x similarity) that separate the verdicts."""

    support: float = 0.6  # at least this, and no difference: supported
    partly: float = 0.42  # at least this: partly supported (or contradicted, with a difference)
    off_topic: float = 0.2  # below this, without naming the instrument: not a claim
    margin: float = 0.08  # a clause this close to the best may be the one that supports
    rephrased: float = 0.66  # between partly and support: a clause sentence this close in
    # meaning to the whole sentence says it in other words (when no part is left unsaid)
    second_clauses: int = 4  # how many of the best matches may supply a second clause
    other: float = 0.3  # an instrument the sentence does not speak of: its clause must lead by


@dataclass
class Match:
    """How well one clause matches one sentence, and what the sentence says that it does not."""

    clause: Clause
    score: float
    similarity: float = 0.0
    differences: list[Difference] = field(default_factory=list)
    excused: list[Difference] = field(default_factory=list)  # actors/names reworded, set aside
