"""Citation markers in answer text: one pure function finds them, another rewrites them.

Generators write ``[IV.9.i]``; models also write ``[IV.9.i, IV.9.ii]``, ``[IV.9(i)]``,
``[iv.9.I]``, ``【IV.9.i】``, ``[IV.10.i-iii]`` or ``[Paragraph IV.9]``; ids of an instrument
with a prefix as ``[AI:1.3.ii]``, ``[ai: 1.3(ii)]`` or ``[AI:2.5.a-c]``. All are normalised to
canonical ids; ids that do not exist (or were not retrieved) are dropped, so no clause number
that is not in the corpus is ever shown.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, field

from assistant.corpus.clause_ids import DEFINITION_SLUG, ROMAN_SUBS

LETTER_SUBS = list("abcdefgh")

OPEN_BRACKETS = "[［【〔"
CLOSE_BRACKETS = "]］】〕"
_OPEN, _CLOSE = re.escape(OPEN_BRACKETS), re.escape(CLOSE_BRACKETS)
MARKER_RE = re.compile(rf"[{_OPEN}](?P<body>[^{_OPEN}{_CLOSE}\n]{{1,80}})[{_CLOSE}]")
ID_RE = re.compile(
    r"^(?:(?P<prefix>[a-z]{2,8})\s*:\s*)?"
    r"(?:(?:paragraph|para\.?|clause|section|principle|§)\s*)?"
    rf"(?P<base>(?:[IVX]+)(?:\.\d{{1,2}})?|\d\.\d{{1,2}}|background|preamble|I\.{DEFINITION_SLUG})"
    r"(?:(?:\.(?P<num>\d{1,2}))?)"
    r"(?:[.(]\s*(?P<sub>[ivx]+|[a-h])(?:\s*[-–]\s*(?P<sub_end>[ivx]+|[a-h]))?\)?)?$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Marker:
    """One bracketed citation marker as found in the text."""

    start: int
    end: int
    ids: tuple[str, ...]


@dataclass
class ParsedCitations:
    """All markers of a text, the valid ids in order of first use, and the dropped ones."""

    markers: list[Marker] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)


def _canonical(token: str) -> list[str]:
    """'iv.9.I' -> ['IV.9.i']; 'IV.10.i-iii' -> ['IV.10.i', 'IV.10.ii', 'IV.10.iii'];
    'ai:2.5.a-b' -> ['AI:2.5.a', 'AI:2.5.b']."""
    token = token.strip().strip(".,;")
    match = ID_RE.match(token)
    if not match:
        return []
    prefix = f"{match.group('prefix').upper()}:" if match.group("prefix") else ""
    return [prefix + local for local in _canonical_local(match)]


def _canonical_local(match: re.Match[str]) -> list[str]:
    """The id without its instrument prefix, in canonical case, items ranges expanded."""
    base = match.group("base")
    head, _, rest = base.partition(".")
    if head.lower() in ("background", "preamble"):
        base = head.lower() + (f".{rest}" if rest else "")
    elif rest and not rest.isdigit():  # a definition: I.public-value
        base = f"{head.upper()}.{rest.lower()}"
    else:
        base = head.upper() + (f".{rest}" if rest else "")
    if match.group("num"):
        base = f"{base}.{match.group('num')}"
    sub, sub_end = match.group("sub"), match.group("sub_end")
    if not sub:
        return [base]
    sub, sub_end = sub.lower(), (sub_end or sub).lower()
    for labels in (ROMAN_SUBS, LETTER_SUBS):
        if sub in labels and sub_end in labels:
            first, last = labels.index(sub), labels.index(sub_end)
            if first <= last:
                return [f"{base}.{s}" for s in labels[first : last + 1]]
    return [f"{base}.{sub}"]


def parse_citations(text: str, valid_ids: Collection[str]) -> ParsedCitations:
    """Find citation markers; keep ids in ``valid_ids``, report the others as dropped.

    A bracketed text that holds no id-shaped token at all (e.g. ``[C(2014)88]`` quoted from the
    instrument) is not a citation and is left alone.
    """
    parsed = ParsedCitations()
    for match in MARKER_RE.finditer(text):
        tokens = re.split(r"\s*[,;]\s*|\s+and\s+", match.group("body"))
        candidates = [cid for token in tokens for cid in _canonical(token)]
        if not candidates:
            continue
        kept = tuple(dict.fromkeys(c for c in candidates if c in valid_ids))
        parsed.dropped.extend(c for c in candidates if c not in valid_ids)
        parsed.markers.append(Marker(match.start(), match.end(), kept))
        for cid in kept:
            if cid not in parsed.ids:
                parsed.ids.append(cid)
    return parsed


def rewrite_citations(text: str, valid_ids: Collection[str]) -> str:
    """Text with every marker in canonical form (``[A][B]``) and invalid ids removed."""
    parsed = parse_citations(text, valid_ids)
    pieces: list[str] = []
    cursor = 0
    for marker in parsed.markers:
        pieces.append(text[cursor : marker.start])
        pieces.append("".join(f"[{cid}]" for cid in marker.ids))
        cursor = marker.end
    pieces.append(text[cursor:])
    return re.sub(r"[ \t]+([.,;:])", r"\1", re.sub(r"[ \t]{2,}", " ", "".join(pieces))).strip()


def strip_citations(text: str) -> str:
    """The text without any citation-shaped marker (for measuring support)."""
    bare = MARKER_RE.sub(lambda m: "" if _is_citation(m) else m.group(0), text)
    return re.sub(r"\s+([.,;:!?])", r"\1", re.sub(r"\s{2,}", " ", bare)).strip()


def _is_citation(match: re.Match[str]) -> bool:
    tokens = re.split(r"\s*[,;]\s*|\s+and\s+", match.group("body"))
    return any(_canonical(t) for t in tokens)
