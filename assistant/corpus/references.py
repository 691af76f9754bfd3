"""Resolve clause references written in a question ("10(ii)", "paragraph IV.9", "section VIII",
"principle 1.3", "2.5 c)", "AI:1.4.b").

A reference names a clause directly, so it should win over any similarity ranking. Only ids that
exist in the corpus are ever returned.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from assistant.corpus.clause_ids import DEFINITION_SLUG, SECTION, SUBITEM

ROMAN_SECTION = SECTION
SUB = SUBITEM

FULL_ID_RE = re.compile(
    rf"\b(?P<section>{ROMAN_SECTION})\.(?P<para>\d{{1,2}})(?:[.\s(]+(?P<sub>{SUB})\)?)?(?![\w])"
)
KEYWORD_PARA_RE = re.compile(
    rf"\b(?:paragraph|para\.?|recommendation|principle|clause|item|point|§)\s*"
    rf"(?P<para>\d{{1,2}})(?!\.\d)(?:\s*[.(]?\s*(?P<sub>{SUB})\b\)?)?",
    re.IGNORECASE,
)
BARE_PARA_SUB_RE = re.compile(
    rf"(?<![\d.])\b(?P<para>\d{{1,2}})\s*(?:\(\s*(?P<sub>{SUB})\s*\)|\.(?P<sub2>{SUB})\b)",
    re.IGNORECASE,
)
SUB_OF_PARA_RE = re.compile(
    rf"\b(?:sub-?item|sub-?paragraph|point|item)\s*\(?(?P<sub>{SUB})\)?\s+of\s+"
    rf"(?:paragraph|recommendation|para\.?)?\s*(?P<para>\d{{1,2}})\b",
    re.IGNORECASE,
)
SECTION_RE = re.compile(rf"\bsection\s+(?P<section>{ROMAN_SECTION}|\d)\b", re.IGNORECASE)
SECTION_LIST_RE = re.compile(
    rf"\bsections\s+(?:{ROMAN_SECTION}|\d)(?:\s*(?:,|and|&)\s*(?:{ROMAN_SECTION}|\d))+\b",
    re.IGNORECASE,
)
SECTION_NUMERAL_RE = re.compile(rf"\b(?P<section>{ROMAN_SECTION}|\d)\b", re.IGNORECASE)
DEFINITION_ID_RE = re.compile(rf"\bI\.(?P<slug>{DEFINITION_SLUG})\b")
# Principle-numbered paragraphs ('1.3'): only with a keyword, an item or an instrument prefix,
# so that a figure such as '1.5 million' is never read as a reference.
_DECIMAL = r"(?P<para>\d\.\d)"
_DECIMAL_ITEM = rf"(?:\s*\(?(?P<sub>[a-h]|{SUB})\)(?!\w)|\.(?P<sub2>[a-h]|{SUB})\b)"
DECIMAL_REFERENCE_RES = [
    re.compile(rf"\b(?P<prefix>[A-Z]{{2,8}})\s*:\s*{_DECIMAL}{_DECIMAL_ITEM}?(?![\d.]\d)"),
    re.compile(
        rf"\b(?:principle|recommendation|paragraph|para\.?|section|point|§)\s*"
        rf"{_DECIMAL}{_DECIMAL_ITEM}?(?![\d.]\d)",
        re.IGNORECASE,
    ),
    re.compile(rf"\b{_DECIMAL}{_DECIMAL_ITEM}(?![\d.]\d)"),
]
PREFIXED_ID_RE = re.compile(
    rf"\b(?P<prefix>[A-Z]{{2,8}}):(?P<local>(?:{ROMAN_SECTION})(?:\.(?:{DEFINITION_SLUG}|[a-h]))?"
    rf"|preamble\.\d{{1,2}})(?![\w.-])"
)
ARABIC_TO_ROMAN = {
    "1": "I",
    "2": "II",
    "3": "III",
    "4": "IV",
    "5": "V",
    "6": "VI",
    "7": "VII",
    "8": "VIII",
}


class KnownIds:
    """The clause ids a question may name, prepared once for many questions: building the set
    and the paragraph map scanned every id at each question (5 ms a question at x100)."""

    def __init__(self, known_ids: Iterable[str]) -> None:
        self.known = frozenset(known_ids)
        self.by_paragraph = {
            cid.split(".")[1]: cid for cid in self.known if re.fullmatch(r"[IVX]+\.\d+", cid)
        }


def resolve_references(question: str, known_ids: Iterable[str] | KnownIds) -> list[str]:
    """Clause ids named in ``question``, in order of appearance, restricted to ``known_ids``."""
    prepared = known_ids if isinstance(known_ids, KnownIds) else KnownIds(known_ids)
    known, by_paragraph = prepared.known, prepared.by_paragraph
    found: list[tuple[int, str]] = []
    taken: list[range] = []

    def add(match: re.Match[str], clause_id: str | None) -> None:
        """Keep the first (most specific) reading of each stretch of the question."""
        span = range(match.start(), match.end())
        if any(span.start < t.stop and t.start < span.stop for t in taken):
            return
        if clause_id and clause_id in known and clause_id not in {c for _, c in found}:
            found.append((match.start(), clause_id))
            taken.append(span)

    def paragraph_ref(para: str, sub: str | None) -> str | None:
        base = by_paragraph.get(para)
        if base is None:
            return None
        candidate = f"{base}.{sub.lower()}" if sub else base
        return candidate if candidate in known else base

    for m in PREFIXED_ID_RE.finditer(question):
        add(m, f"{m.group('prefix').upper()}:{m.group('local')}")
    for pattern in DECIMAL_REFERENCE_RES:
        for m in pattern.finditer(question):
            add(m, _decimal_reference(m, known))
    for m in FULL_ID_RE.finditer(question):
        clause_id = f"{m.group('section')}.{m.group('para')}"
        if m.group("sub"):
            clause_id += f".{m.group('sub').lower()}"
        add(m, clause_id if clause_id in known else f"{m.group('section')}.{m.group('para')}")
    for m in SUB_OF_PARA_RE.finditer(question):
        add(m, paragraph_ref(m.group("para"), m.group("sub")))
    for m in KEYWORD_PARA_RE.finditer(question):
        add(m, paragraph_ref(m.group("para"), m.group("sub")))
    for m in BARE_PARA_SUB_RE.finditer(question):
        add(m, paragraph_ref(m.group("para"), m.group("sub") or m.group("sub2")))
    section_matches = list(SECTION_RE.finditer(question))
    for listed in SECTION_LIST_RE.finditer(question):  # "Sections II, III and IV"
        after_word = listed.start() + len("sections")
        section_matches += SECTION_NUMERAL_RE.finditer(question, after_word, listed.end())
    for m in section_matches:
        section = m.group("section").upper()
        add(m, ARABIC_TO_ROMAN.get(section, section))
    for m in DEFINITION_ID_RE.finditer(question):
        add(m, f"I.{m.group('slug')}")
    return [clause_id for _, clause_id in sorted(found)]


def _decimal_reference(match: re.Match[str], known: frozenset[str]) -> str | None:
    """'principle 1.3' / '1.2 a)' / 'AI:2.5.c' -> the known id whose local part is that number
    (and item), in the named instrument when a prefix is given."""
    groups = match.groupdict()
    paragraph, item = groups["para"], groups.get("sub") or groups.get("sub2")
    prefix = (groups.get("prefix") or "").upper()
    candidates = sorted(
        cid for cid in known if cid.endswith(f":{paragraph}") and cid.startswith(prefix)
    )
    if not candidates:
        return None
    base = candidates[0]
    if item and f"{base}.{item.lower()}" in known:
        return f"{base}.{item.lower()}"
    return base
