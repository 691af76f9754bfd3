"""What a check returns: one verdict per sentence, with the clause and the evidence behind it."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, Field, computed_field

MAX_CHECK_CHARS = 50_000  # about twenty pages: the longest draft one request may check


class Verdict(StrEnum):
    """The five answers a reviewer gets for a sentence (the wording is the public contract)."""

    SUPPORTED = "supported"
    PARTLY = "partly supported"
    NOT_FOUND = "not found in the text"
    CONTRADICTED = "contradicted"
    NOT_A_CLAIM = "not a claim about the text"


class Difference(BaseModel):
    """One way a sentence departs from the clause it is about, in words a reviewer can check."""

    kind: str = Field(
        description="number, amount, deadline, negation, modality, sanction, actor, scope, name."
    )
    claim: str = Field(description="What the sentence says ('must', 'five years').")
    clause: str = Field("", description="What the clause says instead; empty when it is silent.")

    def explain(self) -> str:
        """One line, e.g. "modality: the sentence says 'must', the clause says 'should'"."""
        if self.clause:
            return f"{self.kind}: the sentence says '{self.claim}', the clause says '{self.clause}'"
        return f"{self.kind}: the sentence says '{self.claim}', which the clause does not say"


class Quote(BaseModel):
    """The part of a clause's own wording that backs a sentence (offsets into ``Clause.text``)."""

    clause_id: str
    start: int
    end: int
    text: str


class SentenceCheck(BaseModel):
    """The verdict on one sentence of the checked text."""

    index: int
    sentence: str
    start: int = Field(description="Offset of the sentence in the checked text.")
    end: int
    verdict: Verdict
    clause_ids: list[str] = Field(
        default_factory=list, description="Supporting clauses, or the clause contradicted."
    )
    quote: Quote | None = None
    score: float = Field(0.0, description="Support of the best-matching clause, in [0, 1].")
    cited: list[str] = Field(default_factory=list, description="Clause ids the sentence cites.")
    differences: list[Difference] = Field(default_factory=list)
    note: str = Field("", description="Why this verdict, in one sentence.")


class CheckResult(BaseModel):
    """Every sentence's verdict, and how many sentences got each verdict."""

    instrument_id: str
    sentences: list[SentenceCheck]

    @computed_field  # type: ignore[prop-decorator]
    @property
    def counts(self) -> dict[str, int]:
        """How many sentences got each verdict (every verdict listed, zeros included)."""
        counts = {verdict.value: 0 for verdict in Verdict}
        for sentence in self.sentences:
            counts[sentence.verdict.value] += 1
        return counts
