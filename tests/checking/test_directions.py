"""Changes of direction ("reduce" where the clause says "increase") about the same thing."""

from __future__ import annotations

from assistant.checking.directions import reversals


def _words(claim: str, part: str) -> list[tuple[str, str]]:
    return [(d.claim, d.clause) for d in reversals(claim, part)]


def test_a_reversed_direction_about_the_same_thing_is_found() -> None:
    part = "adopting structured approaches that include increase in the amount of evidence"
    assert _words("Governments should cut down the amount of evidence.", part) == [
        ("cut down", "increase")
    ]
    assert _words(
        "Governments should weaken institutional capacities.",
        "Reinforce institutional capacities to manage projects",
    ) == [("weaken", "reinforce")]


def test_a_direction_word_about_something_else_is_not_a_reversal() -> None:
    part = "to increase the level of accountability and public trust, and to minimise risks"
    assert _words("Governments should reduce the risks of project failure.", part) == []
    assert _words("Governments should reduce duplication.", "to avoid duplication") == []
    assert _words("Governments should increase accountability.", part) == []
