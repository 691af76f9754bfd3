"""The citation parser: one pure function, many shapes of marker."""

from __future__ import annotations

import pytest

from assistant.corpus.citations import parse_citations, rewrite_citations, strip_citations

KNOWN = {"IV.9", "IV.9.i", "IV.9.ii", "IV.10.i", "IV.10.ii", "IV.10.iii", "VIII", "I.public-value",
         "background.15", "preamble.2", "II.1.iii"}  # fmt: skip


@pytest.mark.parametrize(
    ("text", "ids"),
    [
        ("Value proposition [IV.9.i].", ["IV.9.i"]),
        ("Both [IV.9.i][IV.9.ii].", ["IV.9.i", "IV.9.ii"]),
        ("Both [IV.9.i, IV.9.ii].", ["IV.9.i", "IV.9.ii"]),
        ("Both [IV.9.i; IV.9.ii] and again [IV.9.i].", ["IV.9.i", "IV.9.ii"]),
        ("Parenthesised [IV.9(ii)].", ["IV.9.ii"]),
        ("Case [iv.9.I].", ["IV.9.i"]),
        ("Full-width ［IV.9.i］ and lenticular 【VIII】.", ["IV.9.i", "VIII"]),
        ("Range [IV.10.i-iii].", ["IV.10.i", "IV.10.ii", "IV.10.iii"]),
        ("Words [paragraph IV.9].", ["IV.9"]),
        ("Definition [I.public-value].", ["I.public-value"]),
        ("Background [Background.15] and preamble [preamble.2].", ["background.15", "preamble.2"]),
        ("A reference, not a citation [C(2014)88].", []),
        ("Nothing here.", []),
    ],
)
def test_parse_finds_canonical_ids_in_order_of_first_use(text: str, ids: list[str]) -> None:
    assert parse_citations(text, KNOWN).ids == ids


def test_unknown_ids_are_dropped_and_reported() -> None:
    parsed = parse_citations("Real [IV.9.i] and invented [IV.99] and [XI.3.ii].", KNOWN)
    assert parsed.ids == ["IV.9.i"]
    assert parsed.dropped == ["IV.99", "XI.3.ii"]


def test_rewrite_normalises_and_removes_invalid_markers() -> None:
    text = "Value [iv.9.I, IV.99]. Invented [XI.3]. Mixed ［IV.9.ii］."
    assert rewrite_citations(text, KNOWN) == "Value [IV.9.i]. Invented. Mixed [IV.9.ii]."


def test_rewrite_keeps_non_citation_brackets() -> None:
    text = "Adopted on 15 July 2014 [C(2014)88] [background.15]."
    assert rewrite_citations(text, KNOWN) == text


def test_only_allowed_ids_survive_even_if_they_exist_elsewhere() -> None:
    parsed = parse_citations("Cited [IV.9.i] but not retrieved [II.1.iii].", {"IV.9.i"})
    assert parsed.ids == ["IV.9.i"] and parsed.dropped == ["II.1.iii"]


def test_strip_citations_leaves_the_prose() -> None:
    assert (
        strip_citations("Do this [IV.9.i][IV.9.ii] per [C(2014)88].") == "Do this per [C(2014)88]."
    )
