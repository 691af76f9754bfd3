"""Gold sets as CSV, for evaluators who write their questions in a spreadsheet.

One header row naming the fields of the JSONL form (``id,question,type,gold,must_refuse,
key_facts`` for end-to-end sets; ``id,question,gold,style`` for retrieval sets); list fields
hold their items separated by ``;`` ("IV.9; IV.9.i"); ``must_refuse`` reads true/false, yes/no
or 1/0 (empty is false); ``history``, when present, is a JSON array of turns. Each row becomes
the same dictionary a JSONL line would give, with its line number, so the validator names the
file, line and field of every problem in both forms.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

LIST_FIELDS = frozenset({"gold", "key_facts"})
TRUE, FALSE = {"true", "yes", "y", "1"}, {"false", "no", "n", "0", ""}


class CsvRowError(ValueError):
    """A cell that cannot be read; the message names the line and the column."""


def _cell(name: str, value: str, where: str) -> Any:
    value = value.strip()
    if name in LIST_FIELDS:
        return [item.strip() for item in value.split(";") if item.strip()]
    if name == "must_refuse":
        if value.lower() not in TRUE | FALSE:
            raise CsvRowError(f"{where}: must_refuse: '{value}' is not true/false, yes/no or 1/0")
        return value.lower() in TRUE
    if name == "history":
        try:
            return json.loads(value) if value else []
        except json.JSONDecodeError as exc:
            raise CsvRowError(f"{where}: history: not a JSON array ({exc.msg})") from exc
    return value


def csv_rows(path: Path, fields: frozenset[str]) -> list[tuple[int, dict[str, Any]]]:
    """(line number, row as a dictionary) for every non-empty row of a CSV gold set."""
    text = path.read_text(encoding="utf-8-sig")  # spreadsheets often write a byte-order mark
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in reader.fieldnames or []]
    unknown = [h for h in header if h not in fields]
    if unknown:
        raise CsvRowError(
            f"{path.name}:1: unknown column(s) {', '.join(unknown)}; "
            f"the columns are {', '.join(sorted(fields))}"
        )
    rows = []
    for raw in reader:
        where = f"{path.name}:{reader.line_num}"
        if None in raw:
            raise CsvRowError(f"{where}: more cells than columns (quote cells holding commas)")
        if not any((value or "").strip() for value in raw.values()):
            continue
        rows.append(
            (
                reader.line_num,
                {k.strip(): _cell(k.strip(), v or "", where) for k, v in raw.items() if v},
            )
        )
    return rows
