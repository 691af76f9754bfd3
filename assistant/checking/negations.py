"""Negations a sentence makes that the clause it is about does not.

Counted, not just looked for ("should not" added to a clause that already says "not" elsewhere is
still a reversal), in the part of the clause the sentence is about, and by wording: "prevent"
where the clause says "avoid" is a paraphrase; a plain "not" restates an "avoid", a lack or a
failure of the clause about the same thing ("so that datasets are not duplicated" for "to avoid
duplication"), which the few words after each tell. The other way round, a plain negation of
the clause that the sentence leaves out while it says what the clause denies ("governments
should separate efficiency from ..." where it says they "can no longer afford to separate") is a
difference too.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from assistant.checking.types import Difference
from assistant.retrieval.lexical import tokenize

NEGATED_WORDS = 4  # content words after a negation that say what it negates

NEGATION_RE = re.compile(
    r"\b(?:not|no(?!\s+matter)|never|none|nor|neither|non(?=-)|without|forbid\w*|prohibit\w*|ban|bans|banned|"
    r"cannot|can't|won't|shouldn't|mustn't|don't|doesn't|isn't|aren't|need not|avoid\w*|"
    r"prevent\w*|discourag\w*|refrain\w*|exclud\w*|kept (?:out|separate)|keep \w+ (?:out|"
    r"separate)|separate from|abandon\w*|rather than|instead of|only)\b",
    re.IGNORECASE,
)
NOT_WORD_RE = re.compile(r"\bnot\s+(?:oecd\s+)?([a-z]+)", re.IGNORECASE)
# Words that turn a statement around the same way count as one: "prevent" where the clause says
# "avoid" is a paraphrase, not a reversal.
NEGATION_CLASS = {
    **dict.fromkeys(
        "not no never none nor neither cannot can't won't shouldn't mustn't don't doesn't "
        "isn't aren't".split(),
        "not",
    ),
    **dict.fromkeys(("avoid", "prevent", "refrain", "discourag", "forbid", "prohibit"), "avoid"),
    **dict.fromkeys(("ban", "exclud", "kept", "keep", "separate", "abandon"), "avoid"),
    **dict.fromkeys(("rather than", "instead of"), "not"),
}


def _negation_class(word: str) -> str:
    lowered = word.lower()
    if lowered in NEGATION_CLASS:
        return NEGATION_CLASS[lowered]
    stem = next((k for k in NEGATION_CLASS if len(k) >= 3 and lowered.startswith(k)), lowered)
    return NEGATION_CLASS.get(stem, lowered)


# Words with which a clause states a lack or a failure: a sentence may restate them with a
# negation ("if governments do not rethink" for "failures to do so", "cannot track" for "lack
# the capacity to monitor"), so they count as the clause's negations.
NEGATIVE_POLARITY_RE = re.compile(
    r"\b(?:lack\w*|fail\w*|miss(?:es|ing)?|loss|lose|absence|no longer)\b", re.IGNORECASE
)


def _counted(text: str) -> dict[str, tuple[int, str]]:
    """Negations by class: how many, and the first wording of each."""
    counts: dict[str, tuple[int, str]] = {}
    for word in NEGATION_RE.findall(text):
        key = _negation_class(word)
        count, first = counts.get(key, (0, word.lower()))
        counts[key] = (count + 1, first)
    return counts


def negations(claim: str, source: str, focus: str | None = None) -> list[Difference]:
    """Negations the sentence makes beyond those of ``focus`` (the part of the clause it is
    about; the whole clause when not given), counted by wording: "not" where the clause says
    "avoid" is the same statement, and "should not avoid" is a reversal."""
    lowered = source.lower()

    def as_prefix(match: re.Match[str]) -> str:  # "not OECD Members" where it says non-Members
        word = f"non-{match.group(1).lower()}"
        if word in lowered:
            return word
        # "countries that have not adhered" where it says "non-Adherents"
        stem = f"non-{match.group(1).lower()[:5]}"
        return stem if len(match.group(1)) >= 5 and stem in lowered else match.group(0)

    claim = NOT_WORD_RE.sub(as_prefix, claim)
    part = source if focus is None else focus
    have = _counted(part)
    said = _counted(claim)
    # A plain "not" may restate an "avoid", a lack or a failure of the clause about the same
    # thing ("so that datasets are not duplicated" for "to avoid duplication"): the few words
    # after each share a content word. "Should not keep a picture ... to avoid duplication"
    # does not.
    spare = _restated(claim, part) if said.get("not") else 0
    found = _dropped(claim, part, said)
    for key, (count, word) in said.items():
        extra = count - have.get(key, (0, ""))[0]
        if key == "not":
            extra -= spare
        if extra > 0:
            found.append(Difference(kind="negation", claim=word))
    return found


def _after(text: str, pattern: re.Pattern[str], keep: Callable[[str], bool]) -> list[set[str]]:
    """For each match of ``pattern`` that ``keep`` accepts, the stems of the next content words."""
    windows = []
    for match in pattern.finditer(text):
        if keep(match.group(0)):
            windows.append(set(tokenize(text[match.end() :])[:NEGATED_WORDS]))
    return windows


def _restated(claim: str, part: str) -> int:
    """How many of the clause's avoid-words and lack-words the sentence's plain negations
    restate (same content words right after)."""
    nots = _after(claim, NEGATION_RE, lambda w: _negation_class(w) == "not")
    others = _after(part, NEGATION_RE, lambda w: _negation_class(w) == "avoid")
    others += _after(part, NEGATIVE_POLARITY_RE, lambda w: True)
    used = 0
    for window in nots:
        match = next((o for o in others if o & window), None)
        if match is not None:
            others.remove(match)
            used += 1
    return used


# Negations that are part of a phrase a sentence may give without them ("within three years"
# for "no later than three years", "X and Y" for "not only X but also Y").
IDIOM_RE = re.compile(r"no(?:t)? (?:later|earlier|sooner|more|less|only|just|least)\b", re.I)
DROPPED_SHARED = 2
NEGATION_FILLERS = frozenset(
    tokenize("longer afford able need necessarily simply merely always")
)  # content words a sentence must share with what the clause negates


def _dropped(claim: str, part: str, said: dict[str, tuple[int, str]]) -> list[Difference]:
    """A plain negation of the clause ("can no longer afford to separate", "is not to
    introduce") that the sentence leaves out while it says what the clause negates ("... to
    separate efficiency from ...", "is to introduce ..."): two of the few words after it, and
    fewer negations of any wording, lack- or fail-words in the sentence than plain ones there."""
    plain = [
        (" ".join(part[m.start() :].split()[:5]), set(after[:NEGATED_WORDS]), _head(after))
        for m in NEGATION_RE.finditer(part)
        if _negation_class(m.group(0)) == "not" and not IDIOM_RE.match(part, m.start())
        for after in [tokenize(part[m.end() :])]
    ]
    made = sum(count for count, _ in said.values()) + len(NEGATIVE_POLARITY_RE.findall(claim))
    if len(plain) <= made:
        return []
    words = set(tokenize(claim))
    for word, window, head in plain:
        if head in words and len(window & words) >= DROPPED_SHARED:
            return [Difference(kind="negation", claim="it without the negation", clause=word)]
    return []


def _head(words: list[str]) -> str:
    """What a negation denies: its first content word past "longer", "afford" and the like."""
    return next((w for w in words if w not in NEGATION_FILLERS), "")
