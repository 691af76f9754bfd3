"""Who does what: an actor the clause names, but in another role.

The actor check of ``differences.py`` asks whether the clause names the sentence's actor at all.
A swap between two actors the same clause names passes it: "The Recommendation was developed by
the Committee on Digital Economy Policy" where the clause says it was developed through the
Public Governance Committee's network and that the CDEP "was consulted". The roles that such a
text gives (who develops, drafts, proposes, adopts, is instructed, monitors, reports, is invited,
is consulted) are stated one sentence at a time, so an actor is checked against the clause's
sentences (or their parts between commas) that state the sentence's role: it must be named in
one of them. When the clause
states none of the sentence's roles, an actor the clause names only beside another role is in
that other role. Deterministic, like every other difference: the same sentence and clause give
the same result.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from assistant.checking.differences import ACTOR_RE
from assistant.checking.types import Difference

ROLE_RE = re.compile(
    r"\b(develop|draft|prepar|propos|adopt|instruct|monitor|report|invit|consult|disseminat|"
    r"welcom|discuss)\w*",
    re.IGNORECASE,
)
ABBREVIATION_RE = re.compile(r"\b[A-Z]{2,6}\b")
UNIT_BREAK_RE = re.compile(r",\s+|;\s*")
NAME_TAIL_RE = re.compile(r"(?:\s+[A-Z][\w-]*)+")
# Words of one role: "prepared" where the clause says "developed" is the same role.
ROLE_CLASS = {"draft": "develop", "prepar": "develop", "report": "monitor"}


def _roles(text: str) -> set[str]:
    return {ROLE_CLASS.get(m.lower(), m.lower()) for m in ROLE_RE.findall(text)}


def _actors(claim: str, long_forms: Mapping[str, str]) -> list[str]:
    """The actors a sentence names, with the rest of a capitalised name ("Committee on Digital
    Economy Policy"), and the abbreviations the text defines ("CDEP")."""
    found = []
    for match in ACTOR_RE.finditer(claim):
        tail = NAME_TAIL_RE.match(claim, match.end())
        found.append(match.group(0) + (tail.group(0) if tail else ""))
    found += [a for a in ABBREVIATION_RE.findall(claim) if a in long_forms]
    return list(dict.fromkeys(found))


def _names(actor: str, sentence: str, long_forms: Mapping[str, str]) -> bool:
    """Whether ``sentence`` names ``actor``, by its words or by its abbreviation."""
    lowered = sentence.lower()
    if actor.lower() in lowered:
        return True
    for short, long_form in long_forms.items():
        forms = {short.lower(), long_form.lower()}
        means = any(f.startswith(actor.lower()) or actor.lower() == f for f in forms)
        if means and (
            re.search(rf"\b{re.escape(short)}\b", sentence) or long_form.lower() in lowered
        ):
            return True
    return False


def role_swaps(
    claim: str, sentences: Sequence[str], long_forms: Mapping[str, str]
) -> list[Difference]:
    """Actors of ``claim`` that the clause's ``sentences`` name only in another role."""
    roles = _roles(claim)
    if not roles:
        return []
    # A clause may state two roles in one sentence ("INSTRUCTS the PGC to monitor ..., notably
    # in consultation with the CDEP"): its parts between commas are the units that state one.
    units = [u for s in sentences for u in UNIT_BREAK_RE.split(s) if u.strip()]
    found = []
    for actor in _actors(claim, long_forms):
        naming = [u for u in units if _names(actor, u, long_forms)]
        if not naming:
            continue  # an actor the clause never names is the actor check's to find
        stating = [u for u in units if _roles(u) & roles]
        if stating:
            swapped = not any(_names(actor, s, long_forms) for s in stating)
        else:
            swapped = all(_roles(s) for s in naming)
        if swapped:
            said = dict.fromkeys(m.group(0).lower() for t in naming for m in ROLE_RE.finditer(t))
            clause = f"names it where it says: {', '.join(said)}" if said else ""
            found.append(Difference(kind="actor", claim=actor, clause=clause))
    return found
