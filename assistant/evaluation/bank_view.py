"""The question bank's test split seen as an evaluation set, so ``assistant eval --dataset
bank:test`` reports the learned components on questions they were not trained or tuned on, with
the same metrics as the gold sets. Only the evaluation reads the test split."""

from __future__ import annotations

from assistant.answering.types import ChatMessage
from assistant.evaluation.bank import BankItem, load_bank
from assistant.evaluation.datasets import GoldItem, QuestionType

BANK_PREFIX = "bank:"
LABEL_TYPES: dict[str, QuestionType] = {
    "in_scope": "everyday",
    "out_of_scope": "out_of_scope",
    "false_premise": "false_premise",
    "injection_only": "injection",
    "injection_wrapped": "injection",
    "followup": "followup",
}
MUST_REFUSE = frozenset({"out_of_scope", "injection_only"})


def as_gold(item: BankItem) -> GoldItem:
    """A bank line as a gold line. The bank has no key facts, so key-fact coverage does not
    apply; French items keep the type that their label gives."""
    history = [ChatMessage(role=t.role, content=t.content) for t in item.history]
    return GoldItem(
        id=item.id,
        question=item.text,
        type=LABEL_TYPES[item.label],
        gold=[] if item.label in MUST_REFUSE else list(item.gold),
        must_refuse=item.label in MUST_REFUSE,
        history=history,
    )


def bank_split(name: str) -> list[GoldItem]:
    """``bank:test`` (or ``bank:dev``) as gold items."""
    split = name.removeprefix(BANK_PREFIX)
    if split not in ("dev", "test"):
        raise ValueError(f"Only the bank's dev and test splits are evaluation data, not {split!r}.")
    return [as_gold(item) for item in load_bank() if item.split == split]
