"""The clause-id grammar, in one place: section numerals (I-VIII), paragraph numbers that run
across sections (II.1 ... IV.12) or count principles (1.3), items in lower-case roman (IV.9.i)
or letters (1.2.a, VIII.d), definition slugs (I.public-value), and the instrument prefix that
every instrument but the primary one carries ('AI:1.3.ii'). The parser, the citation markers,
the references in questions and the follow-up resolver all build on these pieces, so an id
means the same thing everywhere."""

from __future__ import annotations

import re

# Alternatives longest first, so "VIII" is never read as "V" followed by "III".
SECTION = r"(?:VIII|VII|VI|IV|V|III|II|I)"
SUBITEM = r"(?:viii|vii|vi|iv|v|iii|ii|i)"
PARAGRAPH = r"\d{1,2}"
DEFINITION_SLUG = r"[a-z]+(?:-[a-z]+)*"
ROMAN_SUBS = ["i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x"]

LETTER_ITEM = r"[a-h]"
INSTRUMENT_PREFIX = r"(?:[A-Z]{2,8}:)"
NUMBERED_PARAGRAPH = rf"(?:{SECTION}\.{PARAGRAPH}|\d\.\d{{1,2}})"

PARAGRAPH_ID_RE = re.compile(rf"^{INSTRUMENT_PREFIX}?{NUMBERED_PARAGRAPH}$")
SUBITEM_ID_RE = re.compile(
    rf"^(?P<paragraph>{INSTRUMENT_PREFIX}?(?:{NUMBERED_PARAGRAPH}|{SECTION}))"
    rf"\.(?:{SUBITEM}|{LETTER_ITEM})$"
)


def with_prefix(clause_id: str, prefix: str) -> str:
    """'1.3.ii' with 'AI' -> 'AI:1.3.ii'; an id that has the prefix, or no prefix, unchanged."""
    if not prefix or clause_id.startswith(f"{prefix}:"):
        return clause_id
    return f"{prefix}:{clause_id}"


def split_prefix(clause_id: str) -> tuple[str, str]:
    """'AI:1.3.ii' -> ('AI', '1.3.ii'); 'IV.9' -> ('', 'IV.9')."""
    prefix, colon, local = clause_id.partition(":")
    return (prefix, local) if colon else ("", clause_id)


def is_paragraph_id(clause_id: str) -> bool:
    """'IV.9' or 'AI:1.3' (a numbered paragraph), not 'IV', 'IV.9.i' or 'I.public-value'."""
    return bool(PARAGRAPH_ID_RE.match(clause_id))


def paragraph_of(clause_id: str) -> str | None:
    """The paragraph (or section) an item belongs to ('IV.9.i' -> 'IV.9', 'AI:VIII.a' ->
    'AI:VIII'); None for anything else."""
    match = SUBITEM_ID_RE.match(clause_id)
    return match.group("paragraph") if match else None
