"""Parse an OECD Council instrument's text into citable clauses.

The layout is the one OECD legal instruments share: introductory background paragraphs, the
Council's preamble ("THE COUNCIL, HAVING REGARD ... RECOGNISING ..."), then operative sections
("II. RECOMMENDS that ..."), numbered paragraphs, and their items. Instruments differ in the
details, and the parser takes both shapes seen so far:
- paragraphs numbered across sections with a bold title ("9. **Develop clear business cases**
  ...", id ``IV.9``) or numbered by principle ("1.3. Transparency and explainability" on a line
  of its own, then the body; id ``1.3``);
- items as "i) ..." / "- ii) ..." / "(i) ..." or "a) ..." / "(a) ..." / "i. ..."; items
  straight under a section ("INSTRUCTS the Committee: a) ...") belong to the section (``VIII.a``);
- sections with their numeral ("II. RECOMMENDS") or without it: an operative paragraph that opens
  with a capitalised verb (AGREES, INVITES, INSTRUCTS) takes the numeral after the section
  before it, as the official numbering does;
- definitions as "- **Term** ..." or "‒Term: ...".

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

from assistant.corpus.clause_ids import with_prefix
from assistant.corpus.records import Clause, ClauseKind

SECTION_RE = re.compile(r"^(?P<num>[IVXL]+)\.\s+(?P<text>[A-Z][A-Z]{2,}\b.*)$")
# An unnumbered operative paragraph: a capitalised verb that is not a preamble participle
# (HAVING REGARD, RECOGNISING, NOTING ... end in -ING).
UNNUMBERED_SECTION_RE = re.compile(r"^(?P<verb>[A-Z]{4,})(?:\s+[A-Z]{2,})*\s+(?P<rest>[a-z].*)$")
PARAGRAPH_RE = re.compile(r"^(?P<num>\d{1,3}(?:\.\d{1,2})?)\.\s+(?P<text>\S.*)$")
SUBITEM_RE = re.compile(
    r"^(?:[-*•]\s*)?\(?(?:(?P<num>[ivxl]+)[.)]|(?P<letter>[a-h])\))\s+(?P<text>\S.*)$"
)
DEFINITION_RE = re.compile(
    r"^[-*•‒–—]\s*(?:\*\*(?P<term>[^*]+)\*\*\s*(?P<rest>.*)"
    r"|(?P<plain_term>[A-Z][\w -]{1,40}):\s+(?P<plain_rest>\S.*))$"
)
STRUCTURE_HEADING_RE = re.compile(r"^Section \d+\s*:")
PREAMBLE_OPENERS = ("THE COUNCIL",)
ADOPTED_RE = re.compile(r"^Adopted by the .*Council on .+$")
BOLD_RE = re.compile(r"\*\*(?P<bold>.+?)\*\*")
LINK_RE = re.compile(r"\[\[(?P<ref>.+?)\]\([^)]*\)\]")
PLAIN_LINK_RE = re.compile(r"\[(?P<text>[^\[\]]+)\]\((?:#|https?://[^)]*)\)")
HEADING_TAIL_RE = re.compile(r"[,\s]*(?:(?:by|through)\s*)?:?\s*$")
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

    def __init__(self, instrument_id: str, id_prefix: str = "") -> None:
        self.instrument_id = instrument_id
        # 'AI:' before every id of an instrument whose ids must not be confused with another's.
        self.id_prefix = id_prefix

    def parse(self, text: str) -> list[Clause]:
        drafts = list(self._drafts(text.splitlines()))
        return [
            Clause(
                instrument_id=self.instrument_id,
                clause_id=with_prefix(d.clause_id, self.id_prefix),
                parent_id=with_prefix(d.parent_id, self.id_prefix) if d.parent_id else None,
                kind=d.kind,
                heading=d.heading,
                text=d.text() or d.heading,
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
            (
                i
                for i, line in enumerate(stripped)
                if SECTION_RE.match(line)
                or (council_at is not None and i > council_at and _unnumbered_section(line))
            ),
            len(stripped),
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
        """Sections, definitions, paragraphs and items, with page-break continuations."""
        section: _Draft | None = None
        paragraph: _Draft | None = None
        current: _Draft | None = None
        pending: list[_Draft] = []
        for raw in lines:
            line = raw.strip()
            if not line or STRUCTURE_HEADING_RE.match(line):
                continue  # 'Section 1: Principles ...' groups sections; it is not a clause
            mid_sentence = bool(current and current.is_open())
            new: _Draft | None = None
            if not mid_sentence and (opening := _section_opening(line, section)):
                num, text = opening
                new = section = _Draft(num, None, ClauseKind.SECTION, "", "", [text])
                paragraph = None
            elif section and section.clause_id == "I" and (m := DEFINITION_RE.match(line)):
                new = _definition(m, section)
            elif section and not mid_sentence and (m := PARAGRAPH_RE.match(line)):
                new = paragraph = _paragraph(m, section)
            elif section and (m := SUBITEM_RE.match(line)):
                parent = paragraph or section
                lead = paragraph.text() or paragraph.heading if paragraph else ""
                new = _Draft(
                    f"{parent.clause_id}.{m.group('num') or m.group('letter')}",
                    parent.clause_id,
                    ClauseKind.SUBITEM,
                    paragraph.heading if paragraph else "",
                    f"{_lead_in(section)} {lead}",
                    [m.group("text")],
                )
            if new is not None:
                pending.append(new)
                current = new
            elif current is not None:
                current.parts.append(line)  # continuation of the clause before (page break)
        yield from pending


ROMAN_NUMERALS = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII"]


def _lead_in(section: _Draft) -> str:
    """A section's text when it leads into its paragraphs ('RECOMMENDS that governments
    should:'); a section that is a statement of its own ('UNDERLINES that the following
    principles are complementary.') is no part of its paragraphs' meaning."""
    text = section.text()
    return text if text.endswith(":") else ""


def _unnumbered_section(line: str) -> bool:
    """'INVITES non-Adherents ...' opens a section; 'RECOGNISING that ...' (preamble) does not."""
    match = UNNUMBERED_SECTION_RE.match(line)
    return match is not None and not match.group("verb").endswith("ING")


def _section_opening(line: str, previous: _Draft | None) -> tuple[str, str] | None:
    """(numeral, text) when the line opens a section; an unnumbered one takes the next numeral."""
    if m := SECTION_RE.match(line):
        return m.group("num"), m.group("text")
    if not _unnumbered_section(line):
        return None
    if previous is None:
        return ROMAN_NUMERALS[0], line
    position = (
        ROMAN_NUMERALS.index(previous.clause_id) if previous.clause_id in ROMAN_NUMERALS else -1
    )
    if position < 0 or position + 1 >= len(ROMAN_NUMERALS):
        return None
    return ROMAN_NUMERALS[position + 1], line


def _definition(match: re.Match[str], section: _Draft) -> _Draft:
    """'- **Term** is ...' or '‒Term: ...' under Section I; the id is the term's slug."""
    if match.group("term"):
        term = clean_text(match.group("term"))
        wording = f"{term} {match.group('rest')}"
    else:
        term = clean_text(match.group("plain_term"))
        wording = f"{term}: {match.group('plain_rest')}"
    return _Draft(f"I.{slugify(term)}", "I", ClauseKind.DEFINITION, term, section.text(), [wording])


def _paragraph(match: re.Match[str], section: _Draft) -> _Draft:
    """A numbered paragraph. '9.' is numbered across sections (id 'IV.9'); '1.3.' is numbered
    by principle (id '1.3'). A principle's title stands on a line of its own, so a short line
    with no bold and no closing punctuation is the heading and the body follows."""
    num, text = match.group("num"), match.group("text")
    clause_id = num if "." in num else f"{section.clause_id}.{num}"
    title_only = (
        "**" not in text
        and not clean_text(text).endswith(TERMINAL_PUNCTUATION)
        and len(text.split()) <= 15
        and "." in num
    )
    return _Draft(
        clause_id,
        section.clause_id,
        ClauseKind.PARAGRAPH,
        clean_text(text) if title_only else heading_of(text),
        _lead_in(section),
        [] if title_only else [text],
    )


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
