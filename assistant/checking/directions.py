"""Changes of direction: the sentence says "reduce" where the clause says "increase" about the
same thing, and keeps every other word.

Such a sentence shares nearly all its words with the clause and is close to it in meaning for
the embedding model ("reduce the amount of evidence captured" and "increase in the amount of
evidence captured" are neighbours), so neither signal sees the change. The words of each
direction are listed, and a reversal is counted only when the word is about the same thing in
both: one of the few content words after it is the same (as for negations), and the clause does
not also use a word of the sentence's direction about it ("minimise risks ... increase
accountability" allows "reduce risks").
"""

from __future__ import annotations

import re

from assistant.checking.types import Difference
from assistant.retrieval.lexical import tokenize

OBJECT_WORDS = 4  # content words after a direction word that say what it applies to

UP_RE = re.compile(
    r"\b(?:increas\w*|rais(?:e|es|ed|ing)|expand\w*|augment\w*|grow(?:s|ing)?|strengthen\w*|"
    r"reinforc\w*|improv\w*|enhanc\w*|boost\w*|maximi[sz]\w*|accelerat\w*|speed(?:s|ing)? up|"
    r"more|higher|greater|closer|nearer|bring\w* together|open(?:s|ing)? up|above|exceed\w*)\b",
    re.IGNORECASE,
)
DOWN_RE = re.compile(
    r"\b(?:decreas\w*|reduc\w*|cut(?:s|ting)?(?: down| back)?|lower(?:s|ed|ing)?|shrink\w*|"
    r"diminish\w*|weaken\w*|undermin\w*|worsen\w*|minimi[sz]\w*|slow(?:s|ing)? down|less|"
    r"fewer|further (?:away )?from|away from|distanc\w*|drive\w* apart|below|(?:bare )?minimum|"
    r"as little)\b",
    re.IGNORECASE,
)


def _objects(text: str, pattern: re.Pattern[str]) -> list[tuple[str, set[str]]]:
    """Each direction word of ``text`` with the stems of the content words after it, or, when
    it ends the sentence ("the amount of data ... is shrinking"), of those before it."""
    found = []
    for match in pattern.finditer(text):
        after = tokenize(text[match.end() :])[:OBJECT_WORDS]
        before = tokenize(text[: match.start()])[-OBJECT_WORDS:] if not after else []
        found.append((match.group(0).lower(), set(after or before)))
    return found


def _reversed(
    claim: str, part: str, said: re.Pattern[str], other: re.Pattern[str]
) -> list[Difference]:
    """The sentence's ``said``-direction words about something the clause gives the ``other``
    direction, and not ``said``'s."""
    found = []
    theirs = _objects(part, other)
    same = _objects(part, said)
    for word, objects in _objects(claim, said):
        if not objects or any(objects & own for _, own in same):
            continue
        opposite = next((w for w, own in theirs if objects & own), None)
        if opposite is not None:
            found.append(Difference(kind="direction", claim=word, clause=opposite))
    return found


def reversals(claim: str, part: str) -> list[Difference]:
    """Direction words of the sentence that reverse what ``part`` (the part of the clause the
    sentence is about) says of the same thing."""
    return _reversed(claim, part, DOWN_RE, UP_RE) + _reversed(claim, part, UP_RE, DOWN_RE)
