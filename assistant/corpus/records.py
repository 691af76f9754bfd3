"""Typed records passed between the assistant's steps: instruments, clauses and scored hits."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from pydantic import BaseModel, Field


class Instrument(BaseModel):
    """Metadata of one legal instrument, read from its ``.toml`` file in the corpus."""

    id: str = Field(description="OECD instrument id, e.g. 'OECD/LEGAL/0406'.")
    title: str
    short_title: str = ""
    adopted: dt.date | None = None
    council_ref: str = ""
    url: str = ""
    language: str = "en"
    kind: str = "recommendation"
    developed_by: str = ""
    source: str = Field("", description="Source file name the wording was copied from.")
    source_sha256: str = ""
    id_prefix: str = Field(
        "",
        description="Prefix of this instrument's clause ids ('AI' gives 'AI:1.3.ii'); empty for "
        "the primary instrument, whose ids stay bare.",
    )
    version: str = Field("", description="Which wording the text is, e.g. 'as adopted 2019'.")
    version_notice: str = Field(
        "", description="Shown with every answer that cites this instrument, when set."
    )
    aliases: list[str] = Field(
        default_factory=list, description="Names people use for it in questions ('0449')."
    )
    subjects: list[str] = Field(
        default_factory=list,
        description="What it is about, as people put it before 'text' or 'Recommendation' "
        "('the AI text', 'the digital government and AI recommendations').",
    )


class ClauseKind(StrEnum):
    """Where a clause sits in an instrument's structure."""

    CONTAINER = "container"  # 'background' and 'preamble'
    BACKGROUND = "background"
    PREAMBLE = "preamble"
    SECTION = "section"
    DEFINITION = "definition"
    PARAGRAPH = "paragraph"
    SUBITEM = "subitem"


class Clause(BaseModel):
    """One citable unit of an instrument.

    ``text`` is the clause's own wording, quoted as is. ``context`` is the wording of the stems
    above it (section lead-in, paragraph stem) that a reader needs to understand it; it is embedded
    with the clause but never quoted as the clause.
    """

    instrument_id: str
    clause_id: str
    parent_id: str | None
    kind: ClauseKind
    heading: str = Field("", description="The paragraph's bold title, or the definition's term.")
    text: str
    context: str = ""
    position: int

    @property
    def paragraph_id(self) -> str:
        """The paragraph (or section / item) a sub-item belongs to; itself otherwise."""
        return (
            self.parent_id if self.kind == ClauseKind.SUBITEM and self.parent_id else self.clause_id
        )

    @property
    def key(self) -> str:
        """Globally unique key: instrument and clause id."""
        return f"{self.instrument_id}#{self.clause_id}"

    @property
    def label(self) -> str:
        """Short display label such as 'IV.9.i — Develop clear business cases ...'."""
        title = self.heading or self.text
        if len(title) > 90:
            title = title[:87].rsplit(" ", 1)[0] + "…"
        return f"{self.clause_id} — {title}"

    def embedding_text(self) -> str:
        """What is embedded for this clause: stems above it, heading, then its own text."""
        return " ".join(part for part in (self.context, self.text) if part)


class RelatedInstrument(BaseModel):
    """An OECD instrument that a corpus instrument names, as its text gives it."""

    title: str
    council_ref: str
    year: int | None
    cited_in: str = Field(description="Clause id of the clause that names it.")
    cited_by: str = Field(description="Instrument id of the citing instrument.")


class ScoredClause(BaseModel):
    """A retrieval hit: a clause and how strongly the retriever ranked it."""

    clause: Clause
    score: float
    dense: float | None = Field(None, description="Best cosine similarity of any representation.")
    lexical: float | None = Field(None, description="BM25 score of the clause.")
    matched_by: list[str] = Field(default_factory=list, description="Signals that found it.")
