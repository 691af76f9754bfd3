"""The meta-evaluation's rows, split and figures (the engine itself runs on the fakes here)."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.checking.engine import AttributionEngine
from assistant.checking.types import SentenceCheck, Verdict
from assistant.evaluation.attribution_eval import (
    ATTRIBUTION_DIR,
    LabelledSentence,
    evaluate,
    is_sealed,
    load_rows,
    right_clause,
    score,
)
from assistant.services import Services


def test_the_set_has_300_rows_split_by_the_written_rule() -> None:
    dev, sealed = load_rows("dev"), load_rows("sealed")
    assert len(dev) + len(sealed) >= 300
    assert not any(is_sealed(r.id) for r in dev)
    assert all(is_sealed(r.id) for r in sealed)
    assert {r.label for r in sealed} == set(Verdict)
    known = {"a" + f"{n:03d}" for n in range(1, len(dev) + len(sealed) + 1)}
    assert {r.id for r in dev} | {r.id for r in sealed} == known


def test_every_gold_clause_exists(fake_index: Services) -> None:
    rows = load_rows("dev") + load_rows("sealed") + load_rows("tuning") + load_rows("tuning-2")
    for row in rows:
        for clause_id in row.clause_ids:
            assert fake_index.corpus.get(clause_id) is not None, (row.id, clause_id)


@pytest.mark.parametrize(
    ("predicted", "gold", "expected"),
    [
        (["IV.9.i"], ["IV.9.i"], True),
        (["IV.9"], ["IV.9.i"], True),
        (["IV.9.ii"], ["IV.9"], True),
        (["IV.9.ii"], ["IV.9.i"], False),
        ([], ["IV.9"], False),
    ],
)
def test_right_clause_accepts_the_paragraph_family(
    predicted: list[str], gold: list[str], expected: bool
) -> None:
    assert right_clause(predicted, gold) is expected


def test_figures_count_partly_supported_as_flagged_not_as_recognised() -> None:
    rows = [
        LabelledSentence(
            id="x1", sentence="s", label=Verdict.SUPPORTED, kind="verbatim", clause_ids=["VI"]
        ),
        LabelledSentence(
            id="x2", sentence="s", label=Verdict.SUPPORTED, kind="paraphrase", clause_ids=["VI"]
        ),
        LabelledSentence(id="x3", sentence="s", label=Verdict.CONTRADICTED, kind="number"),
        LabelledSentence(id="x4", sentence="s", label=Verdict.NOT_FOUND, kind="invented"),
    ]
    checks = [
        SentenceCheck(
            index=0, sentence="s", start=0, end=1, verdict=Verdict.SUPPORTED, clause_ids=["V"]
        ),
        SentenceCheck(
            index=1, sentence="s", start=0, end=1, verdict=Verdict.PARTLY, clause_ids=["VI"]
        ),
        SentenceCheck(index=2, sentence="s", start=0, end=1, verdict=Verdict.PARTLY),
        SentenceCheck(index=3, sentence="s", start=0, end=1, verdict=Verdict.NOT_A_CLAIM),
    ]
    assert score(rows, checks) == {
        "supported_recognised": 0.5,
        "right_clause": 0.0,
        "altered_flagged": 0.5,
        "contradictions_named": 0.0,
    }


def test_evaluate_reports_the_confusion_matrix_and_the_misses(fake_index: Services) -> None:
    engine = AttributionEngine(fake_index.corpus, fake_index.grounding)
    report = evaluate(engine, "dev", ATTRIBUTION_DIR)  # the sealed part runs once, for real
    assert report.rows == len(load_rows("dev"))
    assert sum(sum(row.values()) for row in report.confusion.values()) == report.rows
    correct = sum(report.confusion[v.value][v.value] for v in Verdict)
    assert len(report.misses) == report.rows - correct


def test_any_named_set_or_jsonl_path_loads_and_sealed_sets_are_named(tmp_path: Path) -> None:
    from assistant.evaluation.attribution_commands import is_sealed_set

    row = LabelledSentence(
        id="s001", sentence="s", label=Verdict.SUPPORTED, kind="verbatim", clause_ids=["VI"]
    )
    path = tmp_path / "mine.jsonl"
    path.write_text(row.model_dump_json() + "\n", encoding="utf-8")
    assert load_rows(str(path)) == [row]
    assert [r.id for r in load_rows("tuning")][:1] == ["t001"]
    assert is_sealed_set("sealed") and is_sealed_set("sealed-2")
    assert not is_sealed_set("dev") and not is_sealed_set("tuning")
    assert not is_sealed_set("tuning-2") and [r.id for r in load_rows("tuning-2")][:1] == ["t2-001"]
    with pytest.raises(FileNotFoundError):
        load_rows("no-such-set")
