"""Is a question inside what the corpus can answer? And which part of it is a real question?

Three plain signals, each explainable to the user:
- injection: sentences that try to give the assistant orders ("ignore your instructions",
  "print your system prompt", fake notices that the text changed) are cut from the question by an
  injection detector (``assistant.answering.injection``: learned, or the rules); they never reach
  retrieval or a model, and the real question that remains is answered;
- unknown names: proper names and acronyms the corpus never uses (other laws, countries, vendors),
  and words for the thing asked about that neither the text nor its paraphrases use, mean the
  question is probably about something else, so a stronger match is required;
- figures: a question asking for an amount, a rate, a count, a period or a date can only be
  answered by a clause that states a figure of that kind about the same thing
  (``assistant.answering.figures``).
The final call combines them with retrieval relevance (``assistant.answering.service``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

from assistant.answering.figures import FigureQuestion, figure_question
from assistant.answering.injection import InjectionDetector, RuleInjectionDetector
from assistant.answering.scope_words import (
    COMMON_ACRONYMS,
    COMMON_CAPITALISED,
    CURRENCY_CODES,
    NUMBER_WORDS,
    OBJECT_LEAD_WORDS,
    STRUCTURE_WORDS,
)
from assistant.corpus.instruments import Corpus
from assistant.corpus.sentences import question_sentences
from assistant.retrieval.lexical import tokenize

HARMFUL_RE = re.compile(
    r"\b(?:break into|hack into|bypass (?:the )?(?:security|authentication|login)|"
    r"write (?:malware|a virus|ransomware)|steal (?:passwords|data|credentials))\b",
    re.IGNORECASE,
)
# "Why does it require X?", "Since the Recommendation bans X, ...": a claim about the text.
FALSE_PREMISE_RE = re.compile(
    r"\bwhy (?:does|did|do|is)\b.{0,40}\b(?:require|requires|mandate|mandates|oblige|obliges|"
    r"forbid|forbids|ban|bans|prohibit|prohibits|insist|insists|reject|rejects|discourage|"
    r"discourages|oppose|opposes)\b"
    r"|\b(?:since|given that|as|because|now that)\s+(?:it|the (?:oecd|recommendation|text|council))"
    r"\s+(?:requires|bans|forbids|mandates|obliges|prohibits|makes\b[^,.?]{0,60}\bmandatory)\b",
    re.IGNORECASE,
)
CLAIM_END_RE = re.compile(r"[,;:?.!]")
# "Does the Recommendation oblige agencies to ...?": a question whether the text requires
# something. Its topic is looked up like a premise's, but it asserts nothing to correct.
OBLIGATION_QUESTION_RE = re.compile(
    r"\b(?:does|do|did|is|would) (?:it|the recommendation|the text|the oecd)\b.{0,20}?\b"
    r"(?:require|oblige|mandate|ban|forbid|prohibit|make it mandatory|insist on)\b",
    re.IGNORECASE,
)
# "Which cloud provider ...", "Which programming language ...": a choice among products, which
# the text, being technology-neutral, never makes.
PRODUCT_CHOICE_RE = re.compile(
    r"\b(?:which|what)\s+(?:[\w-]+\s+){0,2}?(?:providers?|vendors?|suppliers?|software|"
    r"platforms?|products?|brands?|tools?|apps?|programming languages?|databases?|"
    r"operating systems?)\b",
    re.IGNORECASE,
)
ASKED_TOPIC_RE = re.compile(
    r"\b(?:say|says|said|state|states|mention|mentions|cover|covers|address|addresses|"
    r"anything|something|guidance)\s+(?:anything\s+)?(?:about|on|regarding|concerning)\b",
    re.IGNORECASE,
)
ASKED_TOPIC_UNKNOWN_WORDS = 2
# "What sanctions does ...", "Which programming language should ...": the noun asked for.
ASKED_NOUN_RE = re.compile(
    r"^\s*(?:what|which)\s+(?P<noun>(?:[a-z-]+\s+){0,2}?[a-z-]+)\s+(?:does|do|did|is|are|was|"
    r"were|should|must|can|could|will|would|has|have)\b",
    re.IGNORECASE,
)
CLAIM_CHECK_RE = re.compile(
    r"(?:,\s*(?:right|correct|true)\s*\?\s*$)|^\s*(?:is it true|isn't it true|am i right)\b",
    re.IGNORECASE,
)
PROPER_NAME_RE = re.compile(
    r"\b(?:[A-Z]+-[A-Z][a-z]+|[A-Za-z]*[a-z][A-Z]\w*|[A-Z][a-z]+(?:-[A-Z]?[a-z]+)*|[A-Z]{2,}[a-z]*|"
    r"[A-Za-z]*\d+[A-Za-z]+[\w.]*|(?:19|20)\d\d)\b"
)
# Two or more capitalised words in a row: a multi-word name ("General Data Protection
# Regulation"), judged as a whole because each word alone may well occur in the corpus.
NAME_PHRASE_RE = re.compile(r"\b[A-Z][a-z]+(?:[ -](?:of |for |on |and |the )?[A-Z][a-z]+)+\b")
INSTRUMENT_WORDS_RE = re.compile(
    r"\b(?:act|law|regulation|directive|code|standard|standards|principles|framework|agenda|"
    r"strategy|convention|charter|guidelines|programme|program|index|initiative)$",
    re.IGNORECASE,
)
ACRONYM_RE = re.compile(r"^(?:[A-Z]{2,}[a-z]*|[A-Za-z]*[a-z][A-Z]\w*)$")
ROMAN_NUMERAL_RE = re.compile(r"[IVX]+")


@dataclass
class ScopeCheck:
    """What the scope checks found in one question."""

    question: str = ""
    injection: list[str] = field(default_factory=list)
    unknown_names: list[str] = field(default_factory=list)
    names_are_subject: bool = False
    figure: FigureQuestion | None = None
    harmful: bool = False
    checks_a_claim: bool = False
    claims_premise: bool = False
    premise_on_covered: bool = False  # a premise whose claimed thing the text speaks of
    asks_for_product: bool = False

    @property
    def only_injection(self) -> bool:
        return bool(self.injection) and not self.question.strip()


class ScopeGuard:
    """Splits injected orders from the question and finds what in it may lie outside the corpus:
    names and topics it never uses, product choices, figures."""

    def __init__(self, corpus: Corpus, detector: InjectionDetector | None = None) -> None:
        """``detector`` decides which sentences are injected orders; the hand-written rules
        when none is given (``assistant.answering.injection``)."""
        self.corpus = corpus
        self.detector: InjectionDetector = detector or RuleInjectionDetector()

    @cached_property
    def vocabulary(self) -> frozenset[str]:
        words: set[str] = set()
        texts = [c.text for c in self.corpus.clauses] + [c.heading for c in self.corpus.clauses]
        for item in self.corpus.instruments:
            meta = item.instrument
            texts += [meta.title, meta.short_title, meta.id, meta.council_ref, *meta.aliases]
        texts += list(self.corpus.glossary)
        texts += [q for c in self.corpus.clauses for q in self.corpus.paraphrases(c)]
        for text in texts:
            words.update(w.lower() for w in re.findall(r"[\w'-]+", text))
        return frozenset(words | STRUCTURE_WORDS)

    def check(self, question: str, rewrite: Callable[[str], str] = str) -> ScopeCheck:
        """``rewrite`` (typo fixing, French terms) is applied to the legitimate part before
        names are looked up, so a misspelt or French word is not taken for a name."""
        sentences = question_sentences(question)
        cut = self.detector.injected(sentences)
        injected = [s for s, flag in zip(sentences, cut, strict=True) if flag]
        legitimate = " ".join(s for s, flag in zip(sentences, cut, strict=True) if not flag)
        legitimate = legitimate.strip()
        rewritten = rewrite(legitimate)
        names = self.unknown_names(rewritten)
        subject = any(_is_subject(name, legitimate) for name in names)
        premise = FALSE_PREMISE_RE.search(legitimate)
        # An absent topic must be absent from the question as asked and as rewritten: a typo
        # ("investmnts") is fixed in the rewrite, and the English terms a rewrite adds to a
        # French question are no topic of the asker's.
        absent_topic = [
            word
            for word in self._absent_topic_words(legitimate, _claim(legitimate))
            if word in self._absent_topic_words(rewritten, _claim(rewritten))
        ]
        names = list(dict.fromkeys([*names, *absent_topic]))
        subject = subject or bool(absent_topic)
        return ScopeCheck(
            question=legitimate,
            injection=injected,
            unknown_names=names,
            names_are_subject=subject,
            claims_premise=bool(premise),
            premise_on_covered=premise is not None
            and not self._claims_unknown_thing(legitimate, premise),
            asks_for_product=bool(PRODUCT_CHOICE_RE.search(legitimate)),
            figure=figure_question(legitimate),
            harmful=bool(HARMFUL_RE.search(question)),
            checks_a_claim=bool(CLAIM_CHECK_RE.search(legitimate)),
        )

    def _absent_topic_words(self, question: str, claim: re.Match[str] | None) -> list[str]:
        """Words naming what the question is about that the text and its paraphrases never use:
        they make that thing the subject of the question.

        - A premise ("Why does it require blockchain?") or a question whether the text requires
          something ("Does it oblige agencies to use open-source software?"): a requirement
          about something the text never mentions is a question about that thing. Only the
          claimed topic counts, not the verb or the rest of the question.
        - The thing asked for ("What sanctions does ...", "Which programming language ...").
        - A topic asked about ("What does it say about using artificial intelligence to detect
          fraud?"), when two or more of its words are absent: one unusual word is everyday
          wording more often than a missing topic.
        """
        if claim:
            return self.unknown_words(_claimed_topic(question, claim))
        absent: list[str] = []
        if noun := ASKED_NOUN_RE.search(question):
            absent += self.unknown_words(noun.group("noun"))
        if topic := ASKED_TOPIC_RE.search(question):
            words = self.unknown_words(_claimed_topic(question, topic))
            absent += words if len(words) >= ASKED_TOPIC_UNKNOWN_WORDS else []
        return list(dict.fromkeys(absent))

    def _claims_unknown_thing(self, question: str, premise: re.Match[str]) -> bool:
        """Whether the thing a premise says the text requires is one it never mentions
        ("requires blockchain for ...": yes; "requires statistics offices to release all their
        microdata": no, statistics are the text's matter): the first content word of the
        claim's object decides."""
        words = re.findall(r"[A-Za-z][A-Za-z-]+", _claimed_topic(question, premise))
        head = next((w for w in words if w.lower() not in OBJECT_LEAD_WORDS), None)
        return head is not None and bool(self.unknown_words(head))

    def unknown_words(self, question: str) -> list[str]:
        """Content words of the question that the corpus never uses (e.g. 'blockchain')."""
        known = self.stemmed_vocabulary
        words = re.findall(r"[A-Za-z][A-Za-z-]{3,}", question)
        return [
            w
            for w in words
            if w.lower() not in NUMBER_WORDS
            and (tokens := tokenize(w))
            and all(t not in known for t in tokens)
        ]

    @cached_property
    def stemmed_vocabulary(self) -> frozenset[str]:
        return frozenset(t for word in self.vocabulary for t in tokenize(word))

    @cached_property
    def phrases_text(self) -> str:
        """All corpus wording in lower case, to look multi-word names up as phrases."""
        texts = [c.text for c in self.corpus.clauses] + [c.heading for c in self.corpus.clauses]
        for item in self.corpus.instruments:
            texts += [item.instrument.title, item.instrument.short_title, *item.instrument.aliases]
        return " | ".join(re.sub(r"\s+", " ", t.lower()) for t in texts)

    def unknown_names(self, question: str) -> list[str]:
        """Proper names / acronyms in the question that appear nowhere in the corpus."""
        names: list[str] = []
        covered: list[range] = []
        for match in NAME_PHRASE_RE.finditer(question):
            phrase = match.group(0)
            first = phrase.split()[0].lower()
            if first in COMMON_CAPITALISED:  # "What Data ..." at a sentence start
                continue
            covered.append(range(match.start(), match.end()))
            if phrase.lower() not in self.phrases_text:
                names.append(phrase)
        for match in PROPER_NAME_RE.finditer(question):
            if any(match.start() in span for span in covered):
                continue
            word = match.group(0)
            base = re.sub(r"'s$", "", word).lower()
            common = COMMON_CAPITALISED | COMMON_ACRONYMS | CURRENCY_CODES
            if base in common or base in self.vocabulary:
                continue
            if ROMAN_NUMERAL_RE.fullmatch(word):  # "Sections II and IV": clause references
                continue
            if base.rstrip("s") in self.vocabulary:
                continue
            names.append(word)
        return names


def _claim(question: str) -> re.Match[str] | None:
    """A premise, or a question whether the text requires something."""
    return FALSE_PREMISE_RE.search(question) or OBLIGATION_QUESTION_RE.search(question)


def _claimed_topic(question: str, lead_in: re.Match[str]) -> str:
    """The words after a claim's or question's lead-in, up to the end of that clause."""
    return CLAIM_END_RE.split(question[lead_in.end() :], maxsplit=1)[0]


def _is_subject(name: str, question: str) -> bool:
    """Is the question about the name ("X's law", "what does X require", "X or Y"), rather than
    mentioning it as context ("our ministry in X")? Unknown acronyms and product-style names
    (laws, standards, vendors: GDPR, eIDAS, FedRAMP) and years are taken as the subject."""
    if ACRONYM_RE.match(name) or re.fullmatch(r"(?:19|20)\d\d", name):
        return True
    if " " in name and INSTRUMENT_WORDS_RE.search(name):  # "General Data Protection Regulation"
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
