"""Gold sets written in a spreadsheet (CSV) load like their JSONL form, and a bad cell is named
by file, line and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.evaluation.datasets import DatasetError, load_gold, load_retrieval
from assistant.evaluation.metrics import summarise


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8-sig")
    return path


GOLD_CSV = (
    "id,question,type,gold,must_refuse,key_facts\n"
    'b1,"How do we justify funding, briefly?",ministry brief,IV.9; IV.9.i,no,business case;budget\n'
    "b2,Who won the 1998 cup?,off topic,,yes,\n"
    "\n"
)


def test_a_csv_gold_set_gives_the_same_items_as_jsonl(tmp_path: Path) -> None:
    items = load_gold(write(tmp_path / "mine.csv", GOLD_CSV))
    assert [i.id for i in items] == ["b1", "b2"]
    first, second = items
    assert first.question == "How do we justify funding, briefly?"
    assert first.gold == ["IV.9", "IV.9.i"]
    assert first.key_facts == ["business case", "budget"]
    assert (first.must_refuse, second.must_refuse) == (False, True)
    assert (first.type, second.type, second.gold) == ("ministry brief", "off topic", [])


def test_per_type_figures_follow_the_labels_a_set_uses(tmp_path: Path) -> None:
    from assistant.evaluation.datasets import QuestionRecord

    items = load_gold(write(tmp_path / "mine.csv", GOLD_CSV))
    records = [
        QuestionRecord(
            system="other",
            id=i.id,
            type=i.type,
            question=i.question,
            gold=i.gold,
            must_refuse=i.must_refuse,
            abstained=i.must_refuse,
        )
        for i in items
    ]
    assert set(summarise(records, {})["by_type"]) == {"ministry brief", "off topic"}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("id,question,kind\nb1,q,x\n", r"mine.csv:1: unknown column\(s\) kind"),
        ("id,question,type,must_refuse\nb1,q,brief,perhaps\n", r"mine.csv:2: must_refuse"),
        ("id,question,type\nb1,q,brief\nb2,,brief\n", r"mine.csv:3: question"),
        ("id,question,type\nb1,q,brief,extra\n", r"mine.csv:2: more cells than columns"),
        ("id,question,type\nb1,q,brief\nb1,q,brief\n", r"mine.csv:3: duplicate id 'b1'"),
        ('id,question,type,history\nb1,q,brief,"[{""role"":"\n', r"mine.csv:2: history"),
    ],
)
def test_a_bad_row_is_named_by_file_line_and_field(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(DatasetError, match=message):
        load_gold(write(tmp_path / "mine.csv", text))


def test_a_retrieval_set_can_be_csv_too(tmp_path: Path) -> None:
    path = write(tmp_path / "r.csv", "id,question,gold,style\nr1,Business cases?,IV.9,text\n")
    [item] = load_retrieval(path)
    assert (item.gold, item.style) == (["IV.9"], "text")
