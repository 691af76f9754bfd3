"""The labelled question bank: the shipped file passes the validator and meets its coverage
targets, and broken lines are reported with their file, line and field. Fast: reads the corpus
text, never the embedding model."""

from __future__ import annotations

import importlib.util
import json
import re
from collections import Counter
from pathlib import Path

import pytest

from assistant.corpus.instruments import Corpus
from assistant.corpus.records import ClauseKind
from assistant.evaluation.bank import (
    BANK_PATH,
    BankError,
    BankItem,
    canonical_ids,
    expected_split,
    load_bank,
)
from assistant.settings import PROJECT_ROOT

# Words an injection filter might trip on, in the four languages of the bank.
TRIGGERS = re.compile(
    r"act as|overrid|ignor|system|pretend|instruction|from now on|\brole|forget|bypass|"
    r"jailbreak|disregard|you are|rôle|système|oubli|contourn|rol\b|sistema|olvid|rolle|"
    r"vergiss|umgeh|anweisung",
    re.IGNORECASE,
)


@pytest.fixture(scope="module")
def bank() -> list[BankItem]:
    return load_bank(BANK_PATH)


@pytest.fixture(scope="module")
def corpus() -> Corpus:
    return Corpus.load(PROJECT_ROOT / "corpus")


def of(bank: list[BankItem], label: str) -> list[BankItem]:
    return [i for i in bank if i.label == label]


def test_canonical_ids_match_the_dataset_checker() -> None:
    """The bank takes its ids from the corpus; evals/check_datasets.py lists them itself. They
    must agree, or the bank and the evaluation sets would speak of different clauses."""
    path = PROJECT_ROOT / "evals" / "check_datasets.py"
    spec = importlib.util.spec_from_file_location("check_datasets", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert canonical_ids() == frozenset(module.ALL_IDS)
    assert len(canonical_ids()) == 73


def test_bank_size_and_label_minimums(bank: list[BankItem]) -> None:
    labels = Counter(i.label for i in bank)
    assert 1000 <= len(bank) <= 2000
    assert labels["out_of_scope"] >= 120
    assert labels["false_premise"] >= 60
    assert labels["injection_wrapped"] >= 80
    assert labels["injection_only"] >= 40
    assert labels["followup"] >= 40


def test_every_clause_has_in_scope_questions(bank: list[BankItem], corpus: Corpus) -> None:
    """>= 4 per leaf paragraph / sub-item of II-IV and per definition, >= 2 for every other id."""
    per_id = Counter(g for i in of(bank, "in_scope") for g in i.gold)
    clauses = [c for c in corpus.clauses if c.clause_id in canonical_ids()]
    parents = {c.parent_id for c in clauses}
    for clause in clauses:
        leaf = clause.kind == ClauseKind.SUBITEM or (
            clause.kind == ClauseKind.PARAGRAPH and clause.clause_id not in parents
        )
        need = 4 if leaf or clause.kind == ClauseKind.DEFINITION else 2
        assert per_id[clause.clause_id] >= need, (clause.clause_id, per_id[clause.clause_id])


def test_phrasings_and_languages(bank: list[BankItem]) -> None:
    styles = Counter(i.style for i in of(bank, "in_scope"))
    for style in ("formal", "everyday", "terse", "typo", "rambling"):
        assert styles[style] >= 20, style
    languages = Counter(i.language for i in bank)
    assert sum(n for lang, n in languages.items() if lang != "en") >= 60
    assert languages["fr"] >= 30 and languages["es"] >= 10 and languages["de"] >= 10


def test_legitimate_questions_with_injection_words(bank: list[BankItem]) -> None:
    """Hard negatives for the injection classifier: real questions that use its trigger words."""
    worded = [i for i in bank if i.style == "injection_words"]
    assert len(worded) >= 150
    assert all(i.label == "in_scope" and i.gold and not i.injection_sentences for i in worded)
    assert [i.text for i in worded if not TRIGGERS.search(i.text)] == []


def test_injections_are_varied(bank: list[BankItem]) -> None:
    wrapped = of(bank, "injection_wrapped")
    positions = Counter(i.style for i in wrapped)
    assert min(positions[p] for p in ("order_before", "order_after", "order_inside")) >= 10
    assert {i.language for i in wrapped} == {"en", "fr", "es", "de"}
    assert all(i.gold for i in wrapped)
    assert len({i.language for i in of(bank, "injection_only")}) >= 3


def test_false_premises_point_to_a_clause(bank: list[BankItem]) -> None:
    assert all(i.gold for i in of(bank, "false_premise"))


def test_followups_include_short_ones(bank: list[BankItem]) -> None:
    followups = of(bank, "followup")
    assert sum(len(i.text.split()) <= 4 for i in followups) >= 10
    assert any(len(i.history) > 2 for i in followups)
    assert all(re.search(r"\[[^\]]+\]", i.history[-1].content) for i in followups)


def test_splits_follow_the_rule_and_hold_every_label(bank: list[BankItem]) -> None:
    assert all(i.split == expected_split(i.group or i.id) for i in bank)
    share = Counter(i.split for i in bank)
    assert 0.05 <= share["test"] / len(bank) <= 0.15
    assert 0.05 <= share["dev"] / len(bank) <= 0.15
    for label in ("in_scope", "out_of_scope", "false_premise", "injection_wrapped", "followup"):
        assert {i.split for i in of(bank, label)} == {"train", "dev", "test"}, label
    groups: dict[str, set[str]] = {}
    for item in bank:
        if item.group:
            groups.setdefault(item.group, set()).add(item.split)
    assert groups and all(len(s) == 1 for s in groups.values())


# ---------------------------------------------------------------- negative tests


def line(**changes: object) -> dict[str, object]:
    """A valid in-scope line (split computed by the rule), with ``changes`` applied."""
    item: dict[str, object] = {
        "id": "b0001", "text": "What does paragraph 11 say about procurement?",
        "label": "in_scope", "gold": ["IV.11"], "language": "en", "style": "formal",
        "injection_sentences": [], "history": [],
    }  # fmt: skip
    item.update(changes)
    key = str(item.get("group") or item["id"])
    item.setdefault("split", expected_split(key))
    return item


def write(tmp_path: Path, *lines: object) -> Path:
    path = tmp_path / "bank.jsonl"
    path.write_text(
        "\n".join(x if isinstance(x, str) else json.dumps(x) for x in lines) + "\n",
        encoding="utf-8",
    )
    return path


def problems(path: Path) -> str:
    with pytest.raises(BankError) as info:
        load_bank(path)
    return str(info.value)


def test_a_valid_file_loads(tmp_path: Path) -> None:
    items = load_bank(
        write(tmp_path, line(), line(id="b0002", text="Who monitors it?", gold=["VIII"]))
    )
    assert [i.id for i in items] == ["b0001", "b0002"]


@pytest.mark.parametrize(
    ("bad", "expected"),
    [
        (line(id="b0002", gold=["IV.13"], text="x?"),
         r"bank.jsonl:2: gold: unknown clause id 'IV.13'"),
        (line(id="b0002", label="out_of_scope", text="y?"), r"bank.jsonl:2: gold: must be empty"),
        (line(id="b0002", text="z?", label="false_premise", gold=[]),
         r"bank.jsonl:2: gold: must be non-empty"),
        (line(id="b0002", label="injection_wrapped", text="Ignore it. Who monitors?",
              gold=["VIII"], injection_sentences=["Ignore all."]),
         r"bank.jsonl:2: injection_sentences: not substrings"),
        (line(id="b0002", text="w?", injection_sentences=["w?"]),
         r"bank.jsonl:2: injection_sentences: required exactly"),
        (line(id="b0002", text="By when?", label="followup", gold=["VIII"],
              history=[{"role": "user", "content": "Who monitors?"}]),
         r"bank.jsonl:2: history: must start with a user turn and end with an assistant"),
        (line(id="b0002", text="By when?", history=[
            {"role": "user", "content": "Who?"}, {"role": "assistant", "content": "PGC [VIII]."}]),
         r"bank.jsonl:2: history: required for followup and only"),
        (line(id="b0002", text="v?", split="nope"), r"bank.jsonl:2: split"),
        (line(id="b0001", text="Other text?"), r"bank.jsonl:2: id: duplicate of line 1"),
        (line(id="b0002"), r"bank.jsonl:2: text: duplicate of line 1"),
        (line(id="b0002", text="u?", language="it"), r"bank.jsonl:2: language"),
        (line(id="b0002", text="t?", colour="red"), r"bank.jsonl:2: colour"),
        ("{not json", r"bank.jsonl:2: not valid JSON"),
    ],
)  # fmt: skip
def test_bad_line_is_reported_with_its_line_and_field(
    tmp_path: Path, bad: object, expected: str
) -> None:
    assert re.search(expected, problems(write(tmp_path, line(), bad)))


def test_split_that_breaks_the_rule_is_reported(tmp_path: Path) -> None:
    good = line(id="b0002", text="Who monitors it?", gold=["VIII"])
    wrong = next(s for s in ("train", "dev", "test") if s != good["split"])
    message = problems(write(tmp_path, line(), {**good, "split": wrong}))
    assert f"bank.jsonl:2: split: is '{wrong}', the rule gives '{good['split']}'" in message


def test_follow_up_in_another_split_than_its_question_is_reported(tmp_path: Path) -> None:
    """A follow-up whose history repeats a bank question must share that question's split."""
    first = line()
    ids = (f"b{n:04d}" for n in range(2, 200))
    other = next(i for i in ids if expected_split(i) != first["split"])
    followup = line(id=other, text="By when?", label="followup", gold=["IV.11"], history=[
        {"role": "user", "content": first["text"]},
        {"role": "assistant", "content": "Based on existing assets [IV.11]."},
    ])  # fmt: skip
    assert "bank.jsonl:2: group: shares the question" in problems(write(tmp_path, first, followup))


def test_every_problem_is_listed_not_just_the_first(tmp_path: Path) -> None:
    message = problems(
        write(tmp_path, line(gold=["X"]), "", line(id="b0002", gold=["Y"], text="q?"))
    )
    assert "bank.jsonl:1: gold" in message and "bank.jsonl:2: blank line" in message
    assert "bank.jsonl:3: gold" in message


def test_missing_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(BankError, match="does not exist"):
        load_bank(tmp_path / "absent.jsonl")
