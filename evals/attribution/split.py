"""Write dev.jsonl and sealed.jsonl from authored rows (``kind|clause ids|sentence`` lines).

The 349 rows were written in that form and split once with this script (the JSONL files are now
the source). The split rule (README.md) depends on the row id alone: sealed when
int(sha256(id)[:8], 16) % 3 == 0. ``tests/checking`` checks every row against the rule.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from assistant.evaluation.attribution_eval import is_sealed

LABELS = {
    "verbatim": "supported",
    "paraphrase": "supported",
    "partial": "partly supported",
    "invented": "not found in the text",
    **dict.fromkeys(
        ("number", "amount", "deadline", "negation", "modality", "actor", "sanction", "scope"),
        "contradicted",
    ),
    **dict.fromkeys(
        ("off-topic", "greeting", "opinion", "question", "heading"), "not a claim about the text"
    ),
}


def main(source: Path) -> None:
    here = Path(__file__).parent
    parts: dict[str, list[str]] = {"dev": [], "sealed": []}
    lines = [line for line in source.read_text(encoding="utf-8").splitlines() if line.strip()]
    for number, line in enumerate(lines, start=1):
        kind, ids, sentence = line.split("|", 2)
        row_id = f"a{number:03d}"
        row = {
            "id": row_id,
            "sentence": sentence.strip(),
            "label": LABELS[kind],
            "kind": kind,
            "clause_ids": [i for i in ids.split(",") if i],
        }
        parts["sealed" if is_sealed(row_id) else "dev"].append(json.dumps(row, ensure_ascii=False))
    for name, rows in parts.items():
        (here / f"{name}.jsonl").write_text("\n".join(rows) + "\n", encoding="utf-8")
        print(f"{name}: {len(rows)} rows")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
