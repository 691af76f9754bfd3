"""The catalogue of related OECD instruments: the Recommendations a Council preamble names."""

from __future__ import annotations

import re

from assistant.corpus.records import Clause, ClauseKind, RelatedInstrument

RELATED_RE = re.compile(
    r"(?P<title>Recommendation of the Council\b[^\[;]*?)\s*\[(?P<ref>[^\]]+)\]", re.IGNORECASE
)


def related_instruments(clauses: list[Clause], own_ref: str = "") -> list[RelatedInstrument]:
    """The OECD Recommendations that the Council's preamble names, as the text gives them."""
    found: dict[str, RelatedInstrument] = {}
    for clause in clauses:
        if clause.kind != ClauseKind.PREAMBLE:
            continue
        for match in RELATED_RE.finditer(clause.text):
            ref = match.group("ref").strip()
            if ref == own_ref or ref in found:
                continue
            title = re.sub(r"^the\s+", "", match.group("title").strip(" ;,"), flags=re.I)
            found[ref] = RelatedInstrument(
                title=title,
                council_ref=ref,
                year=_year_of(ref),
                cited_in=clause.clause_id,
                cited_by=clause.instrument_id,
            )
    return list(found.values())


def _year_of(council_ref: str) -> int | None:
    """'C(80)58/FINAL' -> 1980, 'C(2008)36' -> 2008: the year inside a council reference."""
    match = re.search(r"\((\d{2}|\d{4})\)", council_ref)
    if not match:
        return None
    year = int(match.group(1))
    return year + 1900 if year < 100 else year
