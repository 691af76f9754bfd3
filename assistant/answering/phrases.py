"""The phrase file (``prompts/composed.toml``) as a typed model: a missing or misspelt phrase
fails when the prompts load, not when the one question that needs it is asked."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


def fill(phrase: str, **values: str) -> str:
    """The phrase with the named placeholders filled in and any other left for a later step
    (a refusal names the subject first; the instruments it speaks of are named last)."""
    for name, value in values.items():
        phrase = phrase.replace("{" + name + "}", value)
    return phrase


class _Phrases(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RefusalPhrases(_Phrases):
    """What the assistant says when it does not answer."""

    not_covered: str
    unknown_names: str
    no_figure: str
    no_products: str
    injection_only: str
    empty: str
    related_intro: str
    unsupported_language: str


class NoticePhrases(_Phrases):
    """Plain-language notes shown above an answer."""

    injection_ignored: str
    fallback: str
    llm_unavailable: str
    removed: str
    premise: str
    no_figure: str
    unknown_names: str
    instrument_silent: str


class ComposePhrases(_Phrases):
    """The composed generator's words around the clauses' own wording."""

    first_subitem: str
    next_subitem: str
    council_verbs: dict[str, str]
    section_subject: str
    section_lead_in: str
    related_instrument: str


class ComposedPhrases(_Phrases):
    """Every phrase the answering layer adds to the instruments' text."""

    refusal: RefusalPhrases
    notice: NoticePhrases
    compose: ComposePhrases
