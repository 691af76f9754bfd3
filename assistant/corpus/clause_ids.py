"""The clause-id grammar, in one place: section numerals (I-VIII), paragraph numbers that run
across sections (II.1 ... IV.12), lower-case roman sub-items (IV.9.i), definition slugs
(I.public-value). The parser, the citation markers, the references in questions and the
follow-up resolver all build on these pieces, so an id means the same thing everywhere."""

from __future__ import annotations

import re

# Alternatives longest first, so "VIII" is never read as "V" followed by "III".
SECTION = r"(?:VIII|VII|VI|IV|V|III|II|I)"
SUBITEM = r"(?:viii|vii|vi|iv|v|iii|ii|i)"
PARAGRAPH = r"\d{1,2}"
DEFINITION_SLUG = r"[a-z]+(?:-[a-z]+)*"
ROMAN_SUBS = ["i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x"]

PARAGRAPH_ID_RE = re.compile(rf"^{SECTION}\.{PARAGRAPH}$")
SUBITEM_ID_RE = re.compile(rf"^(?P<paragraph>{SECTION}\.{PARAGRAPH})\.{SUBITEM}$")


def is_paragraph_id(clause_id: str) -> bool:
    """'IV.9' (a numbered paragraph), not 'IV', 'IV.9.i' or 'I.public-value'."""
    return bool(PARAGRAPH_ID_RE.match(clause_id))


def paragraph_of(clause_id: str) -> str | None:
    """The paragraph a sub-item belongs to ('IV.9.i' -> 'IV.9'); None for anything else."""
    match = SUBITEM_ID_RE.match(clause_id)
    return match.group("paragraph") if match else None
