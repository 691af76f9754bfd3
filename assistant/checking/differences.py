"""What a sentence says that the clause it is about does not: deterministic, explainable checks.

Each check compares the sentence with the wording of one clause (its stems, heading and text) and
names the words that differ, so a reviewer can verify the finding by reading the clause:

- numbers, amounts and deadlines the clause does not give ("five years" where it says "three");
- a negation the clause does not make ("should not", "avoid"), counted in the part of the clause
  the sentence is about: "so that datasets are not duplicated" restates "to avoid duplication",
  and a "not" elsewhere in a long clause does not excuse one the sentence adds;
- an obligation the clause does not impose ("must", "is required to", "mandatory", "instructs"
  where the clause says "should" or "invites"), or a weakening it does not allow ("optional",
  "if they wish", "can choose whether", "may" where it says "should");
- sanctions the text never mentions (fines, penalties, suspension);
- an actor or a name the clause does not mention (private companies, a committee it does not name;
  the engine sets aside those the clause names in other words);
- a sweeping scope the clause does not have ("exclusively", "always");
- a change of direction about the same thing ("reduce" where the clause says "increase":
  ``directions.py``).
No model is involved: the same sentence and clause always give the same differences.
"""

from __future__ import annotations

import re
from collections.abc import Collection

from assistant.checking.directions import reversals
from assistant.checking.negations import negations
from assistant.checking.types import Difference
from assistant.corpus.citations import strip_citations
from assistant.corpus.records import Clause

NUMBER_WORDS = (
    "one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|"
    "forty|fifty|hundred|thousand|million|billion|half|dozen|first|second|third|fourth|fifth|"
    "tenth|once|twice|annual|annually|biannual|biennial|quarter|quarterly|monthly|weekly|daily"
)
NUMBER_RE = re.compile(rf"\b(?:\d+(?:[.,]\d+)*|{NUMBER_WORDS})\b", re.IGNORECASE)
NUMBER_NAMES = "one two three four five six seven eight nine ten eleven twelve".split()
DIGITS = {word: value for value, word in enumerate(NUMBER_NAMES, start=1)}
AMOUNT_AFTER_RE = re.compile(
    r"^\s*(?:%|percent|per cent|million|billion|euros?|dollars?|usd|eur)\b|^\s*%", re.IGNORECASE
)
AMOUNT_BEFORE_RE = re.compile(r"(?:€|\$|£|\beur|\busd|\bbudget of|\bat least)\s*$", re.IGNORECASE)
DEADLINE_BEFORE_RE = re.compile(
    r"\b(?:by|within|before|until|no later than|after|every|each|in)\s*$", re.IGNORECASE
)
DEADLINE_AFTER_RE = re.compile(r"^\s*(?:days?|weeks?|months?|years?)\b", re.IGNORECASE)
DEADLINE_WORDS_RE = re.compile(
    r"\b(?:deadlines?|immediately|without delay|as soon as possible|by the end of|next year|"
    r"timetable|time limit)\b",
    re.IGNORECASE,
)
STRONG_MODAL_RE = re.compile(
    r"\b(?:must|shall|required?|requires|requiring|oblige[sd]?|obliging|obligated|obligations?|obligatory|"
    r"mandatory|mandated?|mandates|compulsory|have to|has to|legally binding|binding|"
    r"legally bound|enforce[sd]?|imposes?|instructs?|instructed|compel(?:s|led)?|forced to)\b",
    re.IGNORECASE,
)
OBLIGING_RE = re.compile(r"\b(?:INSTRUCTS|instructs|must|shall)\b")
WEAK_MODAL_RE = re.compile(
    r"\b(?:optional|discretionary|voluntary|at their discretion|discretion|if they (?:so )?"
    r"(?:wish|choose|like|want|see fit)|(?:is|are) free to|up to each|left to each|"
    r"(?:can|may|could) (?:choose|decide) whether|whether or not)\b",
    re.IGNORECASE,
)
PERMISSION_RE = re.compile(r"\b(?:may|might)\b", re.IGNORECASE)
PERMITTED_RE = re.compile(r"\b(?:may|might|could|can)\b", re.IGNORECASE)
RECOMMENDING_RE = re.compile(r"\b(?:should|RECOMMENDS|INSTRUCTS|must|shall)\b")
CLAUSE_MODAL_RE = re.compile(
    r"\b(?:should|recommends|invites|encourage|instructs|may|can|agrees|recognising)\b",
    re.IGNORECASE,
)
SANCTION_RE = re.compile(
    r"\b(?:fines?|fined|penalt(?:y|ies)|sanctions?|sanctioned|suspend\w*|suspension|expel\w*|"
    r"expulsion|punish\w*|prosecut\w*|liable|liability|infringement\w*|legal action|"
    r"on pain of)\b",
    re.IGNORECASE,
)
ACTOR_RE = re.compile(
    r"\b(?:private (?:sector|compan(?:y|ies)|firms?|providers?)|compan(?:y|ies)|firms|"
    r"businesses|citizens|investors?|non-members|members|secretary-general|secretariat|"
    r"ministr(?:y|ies) of \w+|ministers?|municipalit(?:y|ies)|vendors?|suppliers?|"
    r"regulators?|parliaments?|presidents?|courts?|judges?|banks?|universit(?:y|ies)|"
    r"foreign \w+|international organisations?|european (?:commission|union)|united nations|"
    r"world bank|police|auditors?|network on e-government|public governance committee|"
    r"committee on [a-z ]+?(?=\W|$)|committees?)\b",
    re.IGNORECASE,
)
NOT_MEMBERS_RE = re.compile(
    r"\bnot\s+(?:oecd\s+)?(members|adherents)\b|\b(?:countries|economies|states) outside the "
    r"oecd\b|\bnon-oecd (?:countries|economies|members)\b",
    re.IGNORECASE,
)
SCOPE_RE = re.compile(r"\b(?:every|always|exclusively|solely|entirely|universally)\b", re.I)
SCOPE_EQUIVALENT = {
    "every": ("all", "any", "each", "every"),
    "always": ("always", "at any time", "at all times"),
}
CAPITALISED_RE = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][a-z]+(?:-[A-Z][a-z]+)*\b")
IMPLICIT_NAMES = frozenset(
    "recommendation council oecd according this it the its in on under as for governments "
    "government digital members".split()
)
REFERENCE_RE = re.compile(
    r"\b(?i:paragraphs?|para\.?|sections?|clauses?|sub-?items?|items?|points?|principles?|§)\s*"
    r"(?:[IVX]+(?:\.\d{1,2})?(?:\.[ivx]+)?|\d{1,2}(?:\.\d{1,2})?(?:\.[a-e]\b)?)(?:\s*\(?[ivx]+\))?|\b[IVX]+\.\d{1,2}(?:\.[ivx]+)?\b|"
    r"OECD/LEGAL/\d+|C\(\d{4}\)\d+"
)


MONTH_RE = re.compile(
    r"\b(?:january|february|march|april|may|june|july|august|september|october|november|"
    r"december)\b",
    re.IGNORECASE,
)


def without_figures(sentence: str) -> str:
    """The sentence without its figures and months, so the part of a clause it is about is
    found by its other words (a changed date must not pick the clause's sentence with it)."""
    return MONTH_RE.sub(" ", NUMBER_RE.sub(" ", sentence))


def _source(clause: Clause) -> str:
    return " ".join(part for part in (clause.context, clause.heading, clause.text) if part)


ENUMERATOR_RE = re.compile(r"^\s*(?:[-*•]\s*)?\(?(?:\d{1,2}|[ivx]{1,4}|[a-h])[.)](?=\s)")


# A lead-in addressing the reader ("For the minister's brief:", "In short:") places a claim; it
# does not add an actor or a part to it.
LEAD_IN_RE = re.compile(
    r"^\s*(?:for|note for|note to|memo to|re|in short|in brief|in sum|summary|bottom line|"
    r"key point|to sum up)\b[^:.!?]{0,60}:\s+(?=\S)",
    re.IGNORECASE,
)


def claim_text(sentence: str) -> str:
    """The sentence without citations, clause references, a list number ("2)", "(iii)"),
    whose numerals are not claims, and a lead-in addressing the reader."""
    text = ENUMERATOR_RE.sub("", strip_citations(sentence))
    return REFERENCE_RE.sub(" ", LEAD_IN_RE.sub("", text))


def _number_kind(claim: str, match: re.Match[str]) -> str:
    before, after = claim[: match.start()], claim[match.end() :]
    if AMOUNT_AFTER_RE.match(after) or AMOUNT_BEFORE_RE.search(before):
        return "amount"
    if DEADLINE_AFTER_RE.match(after) or DEADLINE_BEFORE_RE.search(before):
        return "deadline"
    return "number"


def _as_digit(word: str) -> str:
    """'three' and '3' are the same figure (the definition of public value numbers its items)."""
    return str(DIGITS.get(word.lower(), word.lower()))


def _numbers(claim: str, source: str, implicit: Collection[str]) -> list[Difference]:
    said = [n.lower() for n in NUMBER_RE.findall(source)]
    instead = ", ".join(dict.fromkeys(said))[:60]
    said_digits = {_as_digit(n) for n in said}
    found: list[Difference] = []
    for match in NUMBER_RE.finditer(claim):
        word = match.group(0).lower()
        if _as_digit(word) in said_digits or word in implicit:
            continue
        found.append(Difference(kind=_number_kind(claim, match), claim=word, clause=instead))
    for match in DEADLINE_WORDS_RE.finditer(claim):
        word = match.group(0).lower()
        if word == "by the end of" and re.search(r"\bend\b", source, re.IGNORECASE):
            continue  # "by the end of December" where it says "no later than end December"
        if word not in source.lower():
            found.append(Difference(kind="deadline", claim=match.group(0)))
    return found


def _modality(claim: str, source: str) -> list[Difference]:
    lowered = source.lower()
    modal = CLAUSE_MODAL_RE.search(source)
    instead = modal.group(0).lower() if modal else ""
    obliges = bool(OBLIGING_RE.search(source))  # "INSTRUCTS the Committee to report"
    found = [
        Difference(kind="modality", claim=word, clause=instead)
        for word in dict.fromkeys(m.lower() for m in STRONG_MODAL_RE.findall(claim))
        if not obliges and not re.search(rf"\b{re.escape(word)}\b", lowered)
    ]
    found += [
        Difference(kind="modality", claim=word.lower(), clause=instead)
        for word in WEAK_MODAL_RE.findall(claim)
        if word.lower() not in lowered
    ]
    permitted = PERMISSION_RE.search(claim) and not PERMITTED_RE.search(source)
    if not found and permitted and RECOMMENDING_RE.search(source):
        # "may develop" where it says "should develop": a recommendation made a permission
        found.append(Difference(kind="modality", claim="may", clause=instead))
    return found


def _absent(pattern: re.Pattern[str], kind: str, claim: str, source: str) -> list[Difference]:
    lowered = source.lower()
    words = dict.fromkeys(m.lower() for m in pattern.findall(claim))
    return [Difference(kind=kind, claim=w) for w in words if w not in lowered]


def _non_members(match: re.Match[str]) -> str:
    """'not OECD Members', 'countries outside the OECD': the text's non-Members."""
    return f"non-{match.group(1)}" if match.group(1) else "non-Members"


def _actors(claim: str, source: str) -> list[Difference]:
    """Actors the clause does not name, as whole words: "Members" where it says
    "non-Members" is another actor (the clause's word is given, so the difference is kept
    whatever other words the clause uses)."""
    lowered = source.lower()
    claim = NOT_MEMBERS_RE.sub(_non_members, claim)  # "not OECD Members" are non-Members
    found = []
    for word in dict.fromkeys(m.lower() for m in ACTOR_RE.findall(claim)):
        if re.search(rf"(?<!non-)\b{re.escape(word)}\b", lowered):
            continue
        negated = f"non-{word}"
        instead = negated if negated in lowered else ""
        found.append(Difference(kind="actor", claim=word, clause=instead))
    return found


def _scope(claim: str, source: str) -> list[Difference]:
    lowered = f" {source.lower()} "
    found = []
    for word in dict.fromkeys(m.lower() for m in SCOPE_RE.findall(claim)):
        same = SCOPE_EQUIVALENT.get(word, (word,))
        if not any(re.search(rf"\b{w}\b", lowered) for w in same):
            found.append(Difference(kind="scope", claim=word))
    return found


def _names(claim: str, source: str, implicit: Collection[str]) -> list[Difference]:
    lowered = source.lower()
    names = dict.fromkeys(n.lower() for n in CAPITALISED_RE.findall(claim))
    return [
        Difference(kind="name", claim=name)
        for name in names
        if name not in IMPLICIT_NAMES and name not in implicit and name not in lowered
    ]


def find_differences(
    sentence: str,
    clause: Clause,
    implicit: Collection[str] = (),
    focus: str | None = None,
    also_named: str = "",
    figure_focus: str | None = None,
) -> list[Difference]:
    """Everything ``sentence`` asserts that ``clause`` does not, in a fixed order of checks.

    ``implicit`` holds the lower-case words and figures any sentence may use about the
    instrument itself (its title, its year of adoption), which no single clause repeats.
    ``focus`` is the part of the clause the sentence is about (for negations); ``also_named``
    the long forms of the abbreviations the clause uses ("Public Governance Committee" for
    "PGC"), which a sentence may spell out; ``figure_focus`` the part of the clause the
    sentence is about once its figures are set aside (its figures are checked against it)."""
    claim = claim_text(sentence)
    source = f"{_source(clause)} {also_named}".strip()
    # Figures are those of the part of the clause the sentence is about: "29-30 October"
    # belongs to the Bern meeting, not to the one "held in Mexico" in the same clause.
    figure_part = figure_focus if figure_focus is not None else focus
    # A part without figures of its own leaves the sentence's figure to the rest of the clause
    # ("since 2000" said in the clause's first sentence, the sentence being about its second).
    own_figures = figure_part is not None and NUMBER_RE.search(figure_part)
    figures = f"{clause.heading} {figure_part} {also_named}" if own_figures else source
    found = _numbers(claim, figures, implicit)
    found += negations(claim, source, focus)
    found += reversals(claim, source if focus is None else f"{clause.heading} {focus}")
    found += _modality(claim, source)
    found += _absent(SANCTION_RE, "sanction", claim, source)
    found += _actors(claim, source)
    found += _scope(claim, source)
    said = " ".join(d.claim for d in found)
    found += [d for d in _names(claim, source, implicit) if d.claim not in said]
    return found
