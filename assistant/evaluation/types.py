"""What the evaluation runner and the systems it compares share: a system's response and the
system interface. Kept apart from the runner so that baselines need not import it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from assistant.evaluation.datasets import GoldItem


@dataclass
class Response:
    """What a system returned for one question, in the shape the scorer needs."""

    answer: str
    abstained: bool
    retrieved: list[frozenset[str]]
    contexts: list[str]
    citations: list[str] | None = None  # None: the system cannot cite
    sentences: list[tuple[str, list[str]]] | None = None  # None: grounding does not apply
    invalid: list[str] = field(default_factory=list)


class System(Protocol):
    """A question answerer under evaluation."""

    name: str

    def respond(self, item: GoldItem) -> Response: ...
