"""The labelled question bank (``evals/bank/questions.jsonl``): typed lines, a loader that checks
them, and the split rule.

The bank trains learned components (query adapter, scope classifier, sentence-level injection
classifier), so a wrong line does not fail loudly later: it quietly teaches the wrong thing. The
loader therefore reads the whole file, collects *every* problem with its file, line and field, and
refuses the file if there is one. Splits are derived from a hash of the id (or of the ``group``),
never chosen by hand, so that nobody can move a hard question out of ``test`` and so that
paraphrases and follow-ups of one question cannot leak across splits.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import re
import sys
from collections import Counter
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from assistant.corpus.instruments import Corpus
from assistant.corpus.records import ClauseKind
from assistant.settings import PROJECT_ROOT

BANK_PATH = PROJECT_ROOT / "evals" / "bank" / "questions.jsonl"
# Questions about the second instrument (OECD/LEGAL/0449), same format; they train the
# instrument router.
AI_BANK_PATH = PROJECT_ROOT / "evals" / "bank" / "ai-questions.jsonl"

Label = Literal[
    "in_scope", "out_of_scope", "false_premise", "injection_only", "injection_wrapped", "followup"
]
Language = Literal["en", "fr", "es", "de"]
Split = Literal["train", "dev", "test"]
# Phrasing styles, where an injected order sits (injection_wrapped), what it tries (injection_only).
Style = Literal[
    "formal", "everyday", "terse", "typo", "rambling", "injection_words",
    "order_before", "order_after", "order_inside", "order_both",
    "override", "roleplay", "exfiltration", "hijack",
]  # fmt: skip
NO_GOLD: frozenset[str] = frozenset({"out_of_scope", "injection_only"})
INJECTED: frozenset[str] = frozenset({"injection_only", "injection_wrapped"})


class BankError(ValueError):
    """The bank file is missing or holds lines that break the format or its rules."""


class Turn(BaseModel):
    """One earlier turn of a follow-up's conversation."""

    model_config = ConfigDict(extra="forbid")
    role: Literal["user", "assistant"]
    content: str = Field(min_length=1)


class BankItem(BaseModel):
    """One line of the bank. The per-line rules live here so that a line is checked the same way
    wherever it is built (file, test, generator)."""

    model_config = ConfigDict(extra="forbid")
    id: str = Field(pattern=r"^[ab]\d{4}$")  # b: questions.jsonl, a: ai-questions.jsonl
    text: str = Field(min_length=1)
    label: Label
    gold: list[str]
    language: Language
    style: Style
    injection_sentences: list[str] = Field(default_factory=list)
    history: list[Turn] = Field(default_factory=list)
    group: str | None = Field(default=None, min_length=1)
    split: Split

    @model_validator(mode="after")
    def _label_rules(self) -> BankItem:
        problems = label_problems(self)
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @property
    def split_key(self) -> str:
        """What the split is hashed from: the group keeps its members together."""
        return self.group or self.id

    @property
    def residual(self) -> str:
        """The text with its injected orders cut out: what a sentence classifier should keep."""
        rest = self.text
        for sentence in self.injection_sentences:
            rest = rest.replace(sentence, " ")
        return re.sub(r"\s+", " ", rest).strip()


def label_problems(item: BankItem) -> list[str]:
    """Rules that tie gold, injection sentences and history to the label. Each broken rule would
    teach a component something false (an answerable question with no clause, a 'cut' sentence
    that is not in the text, a follow-up without the turn it follows)."""
    problems: list[str] = []
    if len(set(item.gold)) != len(item.gold):
        problems.append("gold: repeated clause id")
    if (item.label in NO_GOLD) == bool(item.gold):
        problems.append(
            f"gold: must be {'empty' if item.label in NO_GOLD else 'non-empty'} for {item.label}"
        )
    if (item.label in INJECTED) != bool(item.injection_sentences):
        problems.append("injection_sentences: required exactly for injection_only/_wrapped")
    missing = [s for s in item.injection_sentences if not s.strip() or s not in item.text]
    if missing:
        problems.append(f"injection_sentences: not substrings of text: {missing}")
    if item.label == "injection_wrapped" and len(item.residual) < 10:
        problems.append("injection_sentences: nothing left of the wrapped question")
    if (item.label == "followup") != bool(item.history):
        problems.append("history: required for followup and only for followup")
    if item.history and (item.history[0].role != "user" or item.history[-1].role != "assistant"):
        problems.append("history: must start with a user turn and end with an assistant turn")
    roles = [t.role for t in item.history]
    if any(a == b for a, b in itertools.pairwise(roles)):
        problems.append("history: user and assistant turns must alternate")
    return problems


def expected_split(key: str) -> Split:
    """The split rule of ``evals/bank/README.md``: sha256 of the key, mod 10; 0 test, 1 dev."""
    bucket = int(hashlib.sha256(key.encode("utf-8")).hexdigest(), 16) % 10
    return "test" if bucket == 0 else "dev" if bucket == 1 else "train"


@lru_cache(maxsize=4)
def canonical_ids(corpus_dir: Path = PROJECT_ROOT / "corpus") -> frozenset[str]:
    """Clause ids of the primary instrument, read from the corpus the same way the evaluation
    runners do, minus the 'background'/'preamble' containers, which are not citable. Taken from
    the corpus rather than written out so the bank cannot drift from what the assistant cites."""
    return citable_ids(corpus_dir, primary_only=True)


def citable_ids(
    corpus_dir: Path = PROJECT_ROOT / "corpus", primary_only: bool = False
) -> frozenset[str]:
    """Citable clause ids of every instrument (or of the primary one alone)."""
    corpus = Corpus.load(corpus_dir)
    return frozenset(
        c.clause_id
        for c in corpus.clauses
        if c.kind != ClauseKind.CONTAINER
        and (not primary_only or c.instrument_id == corpus.primary.id)
    )


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().casefold()


def _text_key(item: BankItem) -> str:
    """Texts must be unique; a follow-up's short text ('By when?') is unique with its history."""
    if item.label != "followup":
        return _norm(item.text)
    return _norm(item.text) + "\x00" + "\x00".join(_norm(t.content) for t in item.history)


def _parse_lines(path: Path, errors: list[str]) -> list[tuple[int, BankItem]]:
    """Every line that parses and passes its own rules, with its line number; the problems of
    the others go to ``errors`` as ``file:line: field: message``."""
    parsed: list[tuple[int, BankItem]] = []
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        where = f"{path.name}:{number}"
        if not raw.strip():
            errors.append(f"{where}: blank line")
            continue
        try:
            parsed.append((number, BankItem.model_validate(json.loads(raw))))
        except json.JSONDecodeError as exc:
            errors.append(f"{where}: not valid JSON ({exc.msg})")
        except ValidationError as exc:
            for err in exc.errors():
                field = ".".join(str(p) for p in err["loc"])
                message = str(err["msg"]).removeprefix("Value error, ")  # names its field
                errors.append(f"{where}: {field}: {message}" if field else f"{where}: {message}")
    return parsed


def _check_lines(
    path: Path, parsed: list[tuple[int, BankItem]], known: frozenset[str], errors: list[str]
) -> None:
    """Rules across lines: canonical gold ids, unique ids and texts, splits that follow the
    rule, and no leak of one question into another split through a history or a wrapper."""
    first_id: dict[str, int] = {}
    first_text: dict[str, int] = {}
    split_of_text = {_norm(i.text): i.split for _, i in parsed if i.label != "followup"}
    for number, item in parsed:
        where = f"{path.name}:{number}"
        errors.extend(
            f"{where}: gold: unknown clause id {g!r}" for g in item.gold if g not in known
        )
        if item.id in first_id:
            errors.append(f"{where}: id: duplicate of line {first_id[item.id]}")
        first_id.setdefault(item.id, number)
        key = _text_key(item)
        if key in first_text:
            errors.append(f"{where}: text: duplicate of line {first_text[key]}")
        first_text.setdefault(key, number)
        rule = expected_split(item.split_key)
        if item.split != rule:
            errors.append(
                f"{where}: split: is {item.split!r}, the rule gives {rule!r}"
                f" (hash of {item.split_key!r})"
            )
        related = [t.content for t in item.history if t.role == "user"]
        if item.label == "injection_wrapped":
            related.append(item.residual)
        for text in related:
            other = split_of_text.get(_norm(text))
            if other and other != item.split:
                errors.append(
                    f"{where}: group: shares the question {text!r} with a {other}"
                    " item; give both the same group"
                )


def load_bank(path: Path = BANK_PATH, known_ids: frozenset[str] | None = None) -> list[BankItem]:
    """All items of a bank file, or :class:`BankError` listing every problem found."""
    if not path.is_file():
        raise BankError(f"Bank file {path} does not exist.")
    errors: list[str] = []
    parsed = _parse_lines(path, errors)
    if known_ids is None:  # the first bank is about the primary instrument alone
        known_ids = canonical_ids() if path == BANK_PATH else citable_ids()
    _check_lines(path, parsed, known_ids, errors)
    if not parsed and not errors:
        errors.append(f"{path.name}: holds no item")
    if errors:
        shown = "\n".join(errors[:50])
        more = f"\n... and {len(errors) - 50} more" if len(errors) > 50 else ""
        raise BankError(f"{len(errors)} problem(s) in {path}:\n{shown}{more}")
    return [item for _, item in parsed]


def training_bank() -> list[BankItem]:
    """Both banks, the questions about every instrument: what the injection classifier, which
    judges any question, is trained on."""
    return load_bank(BANK_PATH) + load_bank(AI_BANK_PATH)


def counts(items: list[BankItem]) -> dict[str, dict[str, int]]:
    """Items per label, language, split and style: the table in ``evals/bank/README.md``."""
    return {
        field: dict(sorted(Counter(str(getattr(i, field)) for i in items).items()))
        for field in ("label", "language", "split", "style")
    }


def main(argv: list[str]) -> int:
    """``python -m assistant.evaluation.bank [FILE]``: validate and print the counts."""
    path = Path(argv[0]) if argv else BANK_PATH
    try:
        items = load_bank(path)
    except BankError as exc:
        print(exc, file=sys.stderr)
        return 1
    print(f"{path}: {len(items)} items, OK")
    for field, table in counts(items).items():
        print(f"{field}: {table}")
    by_label_split = Counter((i.label, i.split) for i in items)
    print("label x split:", {f"{a}/{b}": n for (a, b), n in sorted(by_label_split.items())})
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
