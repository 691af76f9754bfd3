"""Parse an OECD Council instrument's text into citable clauses.

The layout is the one OECD legal instruments share: introductory background paragraphs, the
Council's preamble ("THE COUNCIL, HAVING REGARD ... RECOGNISING ..."), then roman-numbered
sections ("II. RECOMMENDS that ..."), numbered paragraphs with a bold title, and roman sub-items.

Texts arrive as extractions with artefacts, so the parser is deliberately forgiving:
- a sub-item split across a page break continues on a line with no marker: a line that does not
  open a new structural element continues the clause before it;
- a sub-item whose bullet was lost ("ii) ..." instead of "- ii) ...") is still a sub-item;
- Markdown links such as ``[[C\\(2008\\)36](#)]`` are reduced to the reference ``[C(2008)36]``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from assistant.corpus.records import Clause, ClauseKind, RelatedInstrument

SECTION_RE = re.compile(r"^(?P<num>[IVXL]+)\.\s+(?P<text>[A-Z][A-Z]{2,}\b.*)$")
PARAGRAPH_RE = re.compile(r"^(?P<num>\d{1,3})\.\s+(?P<text>\S.*)$")
SUBITEM_RE = re.compile(r"^(?:[-*•]\s*)?(?P<num>[ivxl]+)\)\s+(?P<text>\S.*)$")
DEFINITION_RE = re.compile(r"^[-*•]\s*\*\*(?P<term>[^*]+)\*\*\s*(?P<rest>.*)$")
PREAMBLE_OPENERS = ("THE COUNCIL",)
ADOPTED_RE = re.compile(r"^Adopted by the .*Council on .+$")
BOLD_RE = re.compile(r"\*\*(?P<bold>.+?)\*\*")
LINK_RE = re.compile(r"\[\[(?P<ref>.+?)\]\([^)]*\)\]")
PLAIN_LINK_RE = re.compile(r"\[(?P<text>[^\[\]]+)\]\((?:#|https?://[^)]*)\)")
HEADING_TAIL_RE = re.compile(r"[,\s]*(?:(?:by|through)\s*)?:?\s*$")
RELATED_RE = re.compile(
    r"(?P<title>Recommendation of the Council\b[^\[;]*?)\s*\[(?P<ref>[^\]]+)\]", re.IGNORECASE
)
TERMINAL_PUNCTUATION = (".", ";", ":", "?", "!", "]", "”", '"')


def clean_text(raw: str) -> str:
    """Remove extraction markup (links, bold markers, escapes) without touching the wording."""
    text = LINK_RE.sub(lambda m: "[" + m.group("ref").replace("\\", "") + "]", raw)
    text = PLAIN_LINK_RE.sub(lambda m: m.group("text"), text)
    text = text.replace("**", "").replace("\\(", "(").replace("\\)", ")")
    return re.sub(r"\s+", " ", text).strip()


def heading_of(raw_line: str) -> str:
    """The bold title of a paragraph line, without its trailing 'by:' / 'through:'."""
    match = BOLD_RE.search(raw_line)
    if not match:
        return ""
    return HEADING_TAIL_RE.sub("", clean_text(match.group("bold"))).rstrip(",")


def slugify(term: str) -> str:
    """'Digital Government' -> 'digital-government' (ids of Section I definitions)."""
    return re.sub(r"[^a-z0-9]+", "-", term.lower()).strip("-")


@dataclass
class _Draft:
    """A clause being assembled; lines may still be appended to it (page breaks)."""

    clause_id: str
    parent_id: str | None
    kind: ClauseKind
    heading: str
    context: str
    parts: list[str] = field(default_factory=list)

    def text(self) -> str:
        return clean_text(" ".join(self.parts))

    def is_open(self) -> bool:
        """True when the last line stops mid-sentence, so the next line continues it."""
        return bool(self.parts) and not clean_text(self.parts[-1]).endswith(TERMINAL_PUNCTUATION)


class ClauseParser:
    """Turns one instrument's text into an ordered list of :class:`Clause` records."""

    def __init__(self, instrument_id: str) -> None:
        self.instrument_id = instrument_id

    def parse(self, text: str) -> list[Clause]:
        drafts = list(self._drafts(text.splitlines()))
        return [
            Clause(
                instrument_id=self.instrument_id,
                clause_id=d.clause_id,
                parent_id=d.parent_id,
                kind=d.kind,
                heading=d.heading,
                text=d.text(),
                context=clean_text(d.context),
                position=position,
            )
            for position, d in enumerate(drafts)
        ]

    def _drafts(self, lines: list[str]) -> Iterator[_Draft]:
        stripped = [line.strip() for line in lines]
        council_at = next(
            (i for i, line in enumerate(stripped) if line.startswith(PREAMBLE_OPENERS)), None
        )
        first_section = next(
            (i for i, line in enumerate(stripped) if SECTION_RE.match(line)), len(stripped)
        )
        body_end = council_at if council_at is not None else first_section
        yield from self._background(stripped[:body_end])
        if council_at is not None:
            yield from self._preamble(stripped[council_at:first_section])
        yield from self._sections(lines[first_section:])

    def _background(self, lines: list[str]) -> Iterator[_Draft]:
        """Introductory paragraphs: one clause a paragraph, after the 'Adopted by' line."""
        adopted = next((i for i, line in enumerate(lines) if ADOPTED_RE.match(line)), None)
        if adopted is not None:
            opening, body = lines[adopted], lines[adopted + 1 :]
        else:
            # Without an 'Adopted by' line, titles (short lines without a full stop) lead in.
            start = next((i for i, line in enumerate(lines) if len(line.split()) >= 12), len(lines))
            opening, body = "", lines[start:]
        body = [line for line in body if not _is_title_line(line)]
        paragraphs = _join_paragraphs(body)
        if not paragraphs:
            return
        yield _Draft("background", None, ClauseKind.CONTAINER, "", "", [opening or "Background"])
        for number, paragraph in enumerate(paragraphs, start=1):
            paragraph = re.sub(r"^\*\s+", "", paragraph)  # footnote marker
            yield _Draft(
                f"background.{number}", "background", ClauseKind.BACKGROUND, "", "", [paragraph]
            )

    def _preamble(self, lines: list[str]) -> Iterator[_Draft]:
        """'THE COUNCIL,' and its HAVING REGARD / RECOGNISING / NOTING items."""
        opener, items = lines[0], _join_paragraphs(lines[1:])
        yield _Draft("preamble", None, ClauseKind.CONTAINER, "", "", [opener])
        for number, item in enumerate(items, start=1):
            yield _Draft(f"preamble.{number}", "preamble", ClauseKind.PREAMBLE, "", opener, [item])

    def _sections(self, lines: list[str]) -> Iterator[_Draft]:
        """Sections, definitions, paragraphs and sub-items, with page-break continuations."""
        section: _Draft | None = None
        paragraph: _Draft | None = None
        current: _Draft | None = None
        pending: list[_Draft] = []
        for raw in lines:
            line = raw.strip()
            if not line:
                continue
            new: _Draft | None = None
            if (m := SECTION_RE.match(line)) and not (current and current.is_open()):
                num = m.group("num")
                new = section = _Draft(num, None, ClauseKind.SECTION, "", "", [m.group("text")])
                paragraph = None
            elif section and section.clause_id == "I" and (m := DEFINITION_RE.match(line)):
                term = clean_text(m.group("term"))
                new = _Draft(
                    f"I.{slugify(term)}",
                    "I",
                    ClauseKind.DEFINITION,
                    term,
                    section.text(),
                    [f"{term} {m.group('rest')}"],
                )
            elif (
                section and (m := PARAGRAPH_RE.match(line)) and not (current and current.is_open())
            ):
                new = paragraph = _Draft(
                    f"{section.clause_id}.{m.group('num')}",
                    section.clause_id,
                    ClauseKind.PARAGRAPH,
                    heading_of(m.group("text")),
                    section.text(),
                    [m.group("text")],
                )
            elif paragraph and (m := SUBITEM_RE.match(line)):
                new = _Draft(
                    f"{paragraph.clause_id}.{m.group('num')}",
                    paragraph.clause_id,
                    ClauseKind.SUBITEM,
                    paragraph.heading,
                    f"{section.text() if section else ''} {paragraph.text()}",
                    [m.group("text")],
                )
            if new is not None:
                pending.append(new)
                current = new
            elif current is not None:
                current.parts.append(line)  # continuation of the clause before (page break)
        yield from pending


def _is_title_line(line: str) -> bool:
    """An all-capitals title such as 'RECOMMENDATION OF THE COUNCIL ON ...'."""
    letters = [c for c in line if c.isalpha()]
    return len(letters) > 10 and all(c.isupper() for c in letters)


def _join_paragraphs(lines: list[str]) -> list[str]:
    """One paragraph a line, except where a line stops mid-sentence (a page break)."""
    paragraphs: list[str] = []
    for line in lines:
        if not line:
            continue
        if paragraphs and not paragraphs[-1].endswith(TERMINAL_PUNCTUATION):
            paragraphs[-1] = f"{paragraphs[-1]} {line}"
        else:
            paragraphs.append(line)
    return [clean_text(p) for p in paragraphs]


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
