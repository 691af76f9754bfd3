"""Is a question inside what the corpus can answer? And which part of it is a real question?

Three plain signals, each explainable to the user:
- injection: sentences that try to give the assistant orders ("ignore your instructions",
  "print your system prompt", fake notices that the text changed) are cut from the question; they
  never reach retrieval or a model;
- unknown names: proper names and acronyms the corpus never uses (other laws, countries, vendors)
  mean the question is probably about something else, so a stronger match is required;
- figures: a question asking for an amount, a rate or a count can only be answered by a clause
  that states a figure.
The final call combines them with retrieval relevance (``assistant.answering``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

from assistant.corpus import Corpus

INJECTION_PATTERNS = [
    r"\bignore\b.{0,40}\b(?:instruction|rule|prompt|above|previous|prior)",
    r"\bdisregard\b.{0,40}\b(?:instruction|rule|prompt|above|previous|prior)",
    r"\bforget\b.{0,40}\b(?:instruction|rule|prompt|everything|text|document|context|corpus)",
    r"\b(?:system|developer|hidden|initial)\s+(?:prompt|message|instruction)",
    r"\b(?:reveal|print|show|repeat|output|display)\b.{0,30}"
    r"\b(?:prompt|instruction|configuration|api key|secret)",
    r"\byou are now\b|\bact as\b|\bpretend (?:to be|you)\b|\brole-?play\b",
    r"\b(?:jailbreak|developer mode|dan mode|do anything now)\b",
    r"\b(?:admin|administrator|system|security)\s+(?:notice|override|message|update|alert)\b",
    r"\b(?:the )?(?:text|recommendation|corpus|document)\s+(?:has been|was|is now)\s+"
    r"(?:changed|amended|updated|replaced|revised)\b",
    r"\bnew instructions?\b|\boverride\b",
    r"\bfrom now on\b",
    r"\bnote to (?:the )?(?:assistant|ai|model|system|bot)\b|\btell the user\b",
    r"\b(?:recommendation|text|it)\s+(?:has been|was|is)\s+(?:repealed|withdrawn|revoked|"
    r"superseded|abolished)\b",
]
INJECTION_RE = re.compile("|".join(INJECTION_PATTERNS), re.IGNORECASE)
HARMFUL_RE = re.compile(
    r"\b(?:break into|hack into|bypass (?:the )?(?:security|authentication|login)|"
    r"write (?:malware|a virus|ransomware)|steal (?:passwords|data|credentials))\b",
    re.IGNORECASE,
)
SENTENCE_RE = re.compile(r"(?<=[.!?:;\]])\s+|\n+")
CLAIM_CHECK_RE = re.compile(
    r"(?:,\s*(?:right|correct|true)\s*\?\s*$)|^\s*(?:is it true|isn't it true|am i right)\b",
    re.IGNORECASE,
)
QUANTITY_RE = re.compile(
    r"\b(?:how (?:many|much|long|often)|what (?:percentage|percent|share|amount|number|rate|"
    r"fine|budget threshold|threshold)|maximum|minimum|in euros|in dollars|per cent|percent|"
    r"deadline|how many days|which year)\b",
    re.IGNORECASE,
)
# A quantity with its unit ("three years", "13 OECD Member countries", "5 %"); dates and council
# references ("C(80)58") are not figures a question about amounts could be answered with.
FIGURE_RE = re.compile(
    r"\b(?:\d+(?:[.,]\d+)?|one|two|three|four|five|six|seven|eight|nine|ten|twelve|thirteen|"
    r"fifteen|twenty|hundred)\s*(?:%|per ?cent|percent|(?:[A-Z]+\s+)?(?:years?|months?|weeks?|"
    r"days?|hours?|euros?|dollars?|million|billion|countries|members?|member countries|"
    r"projects?|agencies|staff|people))\b",
    re.IGNORECASE,
)
PROPER_NAME_RE = re.compile(
    r"\b(?:[A-Za-z]*[a-z][A-Z]\w*|[A-Z][a-z]+(?:-[A-Z]?[a-z]+)*|[A-Z]{2,}[a-z]*|"
    r"[A-Za-z]*\d+[A-Za-z]+[\w.]*|(?:19|20)\d\d)\b"
)
ACRONYM_RE = re.compile(r"^(?:[A-Z]{2,}[a-z]*|[A-Za-z]*[a-z][A-Z]\w*)$")
# Words capitalised for emphasis or at a sentence start in questions; never names.
COMMON_CAPITALISED = frozenset(
    "what which who whom whose when where why how does do did is are was were can could should "
    "would will may might must shall please tell explain give list summarise summarize describe "
    "according under in on at for to the a an and or but if our my we i it this that these "
    "those there their they you your yes no ok okay hello hi thanks thank also then so now "
    "according isn't aren't doesn't don't can't wouldn't shouldn't".split()
)


@dataclass
class ScopeCheck:
    """What the scope checks found in one question."""

    question: str = ""
    injection: list[str] = field(default_factory=list)
    unknown_names: list[str] = field(default_factory=list)
    names_are_subject: bool = False
    asks_for_figure: bool = False
    harmful: bool = False
    checks_a_claim: bool = False

    @property
    def only_injection(self) -> bool:
        return bool(self.injection) and not self.question.strip()


class ScopeGuard:
    """Splits injected orders from the question and finds names the corpus never uses."""

    def __init__(self, corpus: Corpus) -> None:
        self.corpus = corpus

    @cached_property
    def vocabulary(self) -> frozenset[str]:
        words: set[str] = set()
        texts = [c.text for c in self.corpus.clauses] + [c.heading for c in self.corpus.clauses]
        for item in self.corpus.instruments:
            texts += [item.instrument.title, item.instrument.id, item.instrument.council_ref]
        texts += list(self.corpus.glossary)
        texts += [q for c in self.corpus.clauses for q in self.corpus.paraphrases(c)]
        for text in texts:
            words.update(w.lower() for w in re.findall(r"[\w'-]+", text))
        return frozenset(words)

    def check(self, question: str, rewrite: Callable[[str], str] = str) -> ScopeCheck:
        """``rewrite`` (typo fixing, French terms) is applied to the legitimate part before
        names are looked up, so a misspelt or French word is not taken for a name."""
        sentences = [s for s in SENTENCE_RE.split(question.strip()) if s.strip()]
        injected = [s for s in sentences if INJECTION_RE.search(s)]
        legitimate = " ".join(s for s in sentences if s not in injected).strip()
        names = self.unknown_names(rewrite(legitimate))
        return ScopeCheck(
            question=legitimate,
            injection=injected,
            unknown_names=names,
            names_are_subject=any(_is_subject(name, legitimate) for name in names),
            asks_for_figure=bool(QUANTITY_RE.search(legitimate)),
            harmful=bool(HARMFUL_RE.search(question)),
            checks_a_claim=bool(CLAIM_CHECK_RE.search(legitimate)),
        )

    def unknown_words(self, question: str) -> list[str]:
        """Content words of the question that the corpus never uses (e.g. 'blockchain')."""
        from assistant.lexical import tokenize

        known = self.stemmed_vocabulary
        words = re.findall(r"[A-Za-z][A-Za-z-]{3,}", question)
        return [w for w in words if tokenize(w) and all(t not in known for t in tokenize(w))]

    @cached_property
    def stemmed_vocabulary(self) -> frozenset[str]:
        from assistant.lexical import tokenize

        return frozenset(t for word in self.vocabulary for t in tokenize(word))

    def unknown_names(self, question: str) -> list[str]:
        """Proper names / acronyms in the question that appear nowhere in the corpus."""
        names = []
        for match in PROPER_NAME_RE.finditer(question):
            word = match.group(0)
            base = re.sub(r"'s$", "", word).lower()
            if base in COMMON_CAPITALISED or base in self.vocabulary:
                continue
            if base.rstrip("s") in self.vocabulary:
                continue
            names.append(word)
        return names


def _is_subject(name: str, question: str) -> bool:
    """Is the question about the name ("X's law", "what does X require", "X or Y"), rather than
    mentioning it as context ("our ministry in X")? Unknown acronyms and product-style names
    (laws, standards, vendors: GDPR, eIDAS, FedRAMP) and years are taken as the subject."""
    if ACRONYM_RE.match(name) or re.fullmatch(r"(?:19|20)\d\d", name):
        return True
    n = re.escape(name)
    patterns = [
        rf"{n}'s\b",
        rf"\b{n}\s+(?:law|act|acts|regulation|regulations|directive|standard|standards|rules?|"
        rf"code|policy|policies|principles|programme|program|index|strategy|guidelines?)\b",
        rf"\b(?:does|do|did|is|are|about|of the|under|per)\s+(?:the\s+)?{n}\b",
        rf"\b{n}\s+or\s+\w+|\w+\s+or\s+{n}\b",
    ]
    return any(re.search(p, question, re.IGNORECASE) for p in patterns)


def states_a_figure(text: str) -> bool:
    """True when a clause's wording states a quantity (amount, count, period)."""
    return bool(FIGURE_RE.search(re.sub(r"\[[^\]]*\]", "", text)))
