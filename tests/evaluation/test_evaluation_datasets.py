"""Dataset loading: the shipped gold sets load and only name corpus clauses; a broken line is
reported with its file and line number instead of being skipped."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.corpus.instruments import Corpus
from assistant.evaluation.bank import citable_ids
from assistant.evaluation.datasets import (
    DatasetError,
    check_clause_ids,
    load_gold,
    load_results,
    load_retrieval,
)
from assistant.settings import PROJECT_ROOT

DATASETS = PROJECT_ROOT / "evals" / "datasets"


def write(path: Path, *lines: object) -> Path:
    path.write_text("\n".join(x if isinstance(x, str) else json.dumps(x) for x in lines) + "\n")
    return path


def test_shipped_datasets_load_and_cite_only_corpus_clauses(project_root: Path) -> None:
    retrieval = load_retrieval(DATASETS / "retrieval.jsonl")
    gold = load_gold(DATASETS / "gold.jsonl")
    heldout = [
        record
        for name in ("heldout.jsonl", *(f"heldout-{x}.jsonl" for x in "bcde"))
        for record in load_gold(DATASETS / name)
    ]
    assert len(retrieval) >= 50 and len(gold) >= 200 and len(heldout) == 360
    known = {c.clause_id for c in Corpus.load(project_root / "corpus").clauses}
    check_clause_ids([*retrieval, *gold, *heldout], known)
    assert all(not g.gold for g in [*gold, *heldout] if g.must_refuse)
    assert all(g.history for g in [*gold, *heldout] if g.type == "followup")


def test_bad_json_names_the_line(tmp_path: Path) -> None:
    path = write(
        tmp_path / "r.jsonl",
        {"id": "r1", "question": "q", "gold": ["II.1"], "style": "text"},
        "{oops",
    )
    with pytest.raises(DatasetError, match=r"r.jsonl:2: not valid JSON"):
        load_retrieval(path)


def test_missing_and_wrong_fields_are_explained(tmp_path: Path) -> None:
    path = write(tmp_path / "r.jsonl", {"id": "r1", "question": "q", "gold": [], "style": "slang"})
    with pytest.raises(DatasetError, match=r"r.jsonl:1: .*gold.*style"):
        load_retrieval(path)


def test_any_type_label_is_accepted_but_a_blank_or_odd_one_is_named(tmp_path: Path) -> None:
    path = write(tmp_path / "g.jsonl", {"id": "g1", "question": "q", "type": "ministry brief"})
    assert load_gold(path)[0].type == "ministry brief"
    for bad in ("", " lead", "x" * 41, "line\nbreak"):
        path = write(tmp_path / "g.jsonl", {"id": "g1", "question": "q", "type": bad})
        with pytest.raises(DatasetError, match=r"g.jsonl:1: type"):
            load_gold(path)


def test_duplicate_ids_are_rejected(tmp_path: Path) -> None:
    item = {"id": "r1", "question": "q", "gold": ["II.1"], "style": "text"}
    with pytest.raises(DatasetError, match="duplicate id 'r1'"):
        load_retrieval(write(tmp_path / "r.jsonl", item, item))


def test_missing_and_empty_files(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="does not exist"):
        load_gold(tmp_path / "nope.jsonl")
    with pytest.raises(DatasetError, match="holds no item"):
        load_gold(write(tmp_path / "empty.jsonl", ""))
    with pytest.raises(DatasetError, match="does not exist"):
        load_results(tmp_path / "results.jsonl")


def test_unknown_gold_ids_are_listed(tmp_path: Path) -> None:
    items = load_retrieval(
        write(
            tmp_path / "r.jsonl", {"id": "r1", "question": "q", "gold": ["IV.99"], "style": "text"}
        )
    )
    with pytest.raises(DatasetError, match=r"r1: IV\.99"):
        check_clause_ids(items, {"IV.9"})


def test_sets_about_both_instruments_load_and_cite_only_citable_clauses() -> None:
    """The later held-out sets and the AI and cross-instrument sets: every gold id is a citable
    clause of one of the corpus's instruments (AI ids with their prefix), ids are unique, and a
    question to refuse names no clause."""
    names = ["ai-gold", "cross-gold", "ai-heldout", *(f"heldout-{x}" for x in "fghijk")]
    items = [record for name in names for record in load_gold(DATASETS / f"{name}.jsonl")]
    assert len(items) >= 1200
    check_clause_ids(items, set(citable_ids()))
    assert len({i.id for i in items}) == len(items)
    assert all(not i.gold for i in items if i.must_refuse)
    assert any(g.startswith("AI:") for i in items for g in i.gold)
