"""Clause references written in questions resolve straight to existing clauses."""

from __future__ import annotations

import pytest

from assistant.corpus.instruments import Corpus
from assistant.corpus.references import resolve_references
from assistant.settings import PROJECT_ROOT

KNOWN = set(Corpus.load(PROJECT_ROOT / "corpus").by_id)


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("what does 10(ii) say", ["IV.10.ii"]),
        ("What does 10 (ii) say?", ["IV.10.ii"]),
        ("paragraph IV.9", ["IV.9"]),
        ("Explain IV.9.i please", ["IV.9.i"]),
        ("recommendation 3", ["II.3"]),
        ("section VIII", ["VIII"]),
        ("What is in Section 4?", ["IV"]),
        ("sub-item ii of paragraph 12", ["IV.12.ii"]),
        ("Compare paragraph 9 and paragraph 10", ["IV.9", "IV.10"]),
        ("What does I.public-value mean?", ["I.public-value"]),
        ("paragraph 4", ["II.4"]),
    ],
)
def test_references_resolve(question: str, expected: list[str]) -> None:
    assert resolve_references(question, KNOWN) == expected


@pytest.mark.parametrize(
    "question",
    [
        "What does Article 17 of the GDPR say?",
        "Adopted in 2014, what does it say about top 5 priorities?",
        "paragraph 42",
        "What about IV.99?",
        "Can I get help?",
    ],
)
def test_no_reference_or_unknown_reference_resolves_to_nothing(question: str) -> None:
    assert resolve_references(question, KNOWN) == []
