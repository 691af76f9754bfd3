"""Which language a question is written in, told from its marker words.

The embedding model is English-only, so a question in French, Spanish or German is rewritten with
that language's glossary before retrieval (``assistant.retrieval.query``); the answering layer can
also tell a user which languages are answered. Marker words (articles, prepositions, question
words, modal verbs) are used rather than a statistical identifier because officials' questions are
short and full of English loanwords ("Was ist ein Business Case?", "¿Qué dice sobre Open Data?"),
where character n-gram identifiers guess poorly; markers are also deterministic, explainable and
need no extra dependency. The French rule is the one the rewriter always had (at least three
words, two of them French markers), kept exactly so that French questions read as before.
"""

from __future__ import annotations

import re

FRENCH_MARKERS = frozenset(
    "le la les des du une est que qui quoi quand comment pourquoi dit doit nos notre vos votre "
    "avec pour sur dans aux au faut-il elle il ils sont être été "
    "de et un en à où ou ces cette quel quelle quels quelles selon peut peuvent nous leur leurs "
    "sa ses ne pas est-ce est-il est-elle doit-il doit-elle doit-on peut-on".split()
)
# Spanish and German markers leave out words that are common in French or English questions
# ("a", "se", "son", "y", "entre"; "in", "an", "am", "so", "will", "also", "des", "sein"), so a
# French or English question never scores higher in them than in its own language.
SPANISH_MARKERS = frozenset(
    "el la los las un una unos unas del al de en que qué quién quiénes quien cuál cuáles cómo "
    "como cuándo cuando dónde donde por para con sin sobre es está están ser debe deben debería "
    "deberían debemos deberíamos puede pueden podemos hay dice dicen recomienda nuestro nuestra "
    "nuestros nuestras su sus este esta estos estas eso esto lo también más muy según hasta "
    "desde cada todos todas hacer tiene tienen tenemos cuánto cuántos cuántas fue no".split()
)
GERMAN_MARKERS = frozenset(
    "der die das den dem ein eine einen einem einer eines und oder ist sind wird werden wurde "
    "wurden soll sollen sollte sollten muss müssen kann können darf dürfen wer wie was warum "
    "wann wo welche welcher welches welchen wozu wieso weshalb nicht kein keine mit für von vom "
    "zum zur bei auf aus über durch ohne nach zu im auch aber wir ich sie uns unser unsere "
    "unseren sich dass gibt sagt empfiehlt man hat haben diese dieser dieses bitte brauchen "
    "braucht gilt gelten als wenn ob weil noch nur schon denn doch jede jeder alle allen".split()
)
# A word spelt with "ä", "ö", "ü" or "ß" also counts as a German marker, so a short question of
# nouns ("Datenschutz für Behörden?") is read as German.
GERMAN_LETTERS = re.compile("[äöüß]")
ENGLISH_MARKERS = frozenset(
    "the what which who when where why how does do is are should must can could would of to "
    "and for about on with our we it its this that there be been has have say says".split()
)
# Languages the assistant does not answer in: a few frequent ones, so such a question is told
# apart from English. Words shared with Spanish, French or German are left out.
OTHER_MARKERS: dict[str, frozenset[str]] = {
    "it": frozenset(
        "il gli della delle dei degli nella nelle sulla sulle sul sui che cosa perché chi quale "
        "quali sono è non per anche questo questa dove deve devono essere alla alle ai agli nel "
        "dal dalla di raccomandazione governo".split()
    ),
    "pt": frozenset(
        "os um uma dos das ao não em com diz devem quem onde pelo pela são isso você seu sua "
        "nossa nosso dados recomendação governo é".split()
    ),
    "nl": frozenset(
        "het een van wat zegt moet moeten hoe waarom wanneer welke voor niet zijn ik onze ons bij "
        "naar ook deze om tot worden wordt kunnen heeft hebben aanbeveling overheid".split()
    ),
    "pl": frozenset(
        "co jak czy jest są się że dla przez kto kiedy dlaczego który która które jakie mówi "
        "powinien powinny zalecenie oraz lub rząd".split()
    ),
}
MARKERS: dict[str, frozenset[str]] = {"es": SPANISH_MARKERS, "de": GERMAN_MARKERS, **OTHER_MARKERS}
# Languages with a glossary; the others are answered only in English.
GLOSSARY_LANGUAGES = ("fr", "es", "de")
ANSWERED_LANGUAGES = ("en", *GLOSSARY_LANGUAGES)

WORD_RE = re.compile(r"[A-Za-zÀ-ÿœ'-]+")
# Words in any alphabet (Polish "się", Czech "řeč"), for all but the French rule.
LETTERS_RE = re.compile(r"[^\W\d_]+(?:['-][^\W\d_]+)*")
# An elided French word (l'..., d'..., qu'...) also marks a question as French.
ELISION_RE = re.compile(r"(?:qu|[cdjlmnst])'[^\W\d_]")
# Typographic apostrophes, as French keyboards and phones type them, read as "'".
APOSTROPHES = str.maketrans({"\u2019": "'", "\u02bc": "'"})
# "¿" and "¡" open Spanish questions and exclamations: each counts as a Spanish marker.
SPANISH_OPENERS = "¿¡"
MIN_WORDS = 3
MIN_MARKERS = 2
LATIN_MAX = 0x24F  # the end of Latin Extended-B
MIN_LETTERS = 3


def _french_score(question: str) -> int:
    """French markers in the question, or 0 when it has fewer than three words: with two or more,
    the question is French by the rule the rewriter always had."""
    words = [w.lower() for w in WORD_RE.findall(question.translate(APOSTROPHES))]
    markers = sum(w in FRENCH_MARKERS or bool(ELISION_RE.match(w)) for w in words)
    return markers if len(words) >= MIN_WORDS else 0


def marker_scores(question: str) -> dict[str, int]:
    """Marker words per language ("en" included), for questions of three words or more."""
    text = question.translate(APOSTROPHES)
    words = [w.lower() for w in LETTERS_RE.findall(text)]
    if len(words) < MIN_WORDS:
        return {}
    scores = {lang: sum(w in markers for w in words) for lang, markers in MARKERS.items()}
    scores["es"] += sum(text.count(c) for c in SPANISH_OPENERS)
    scores["de"] += sum(w not in GERMAN_MARKERS and bool(GERMAN_LETTERS.search(w)) for w in words)
    scores["en"] = sum(w in ENGLISH_MARKERS for w in words)
    return scores


def detect_language(question: str) -> str:
    """The question's language: "en", "fr", "es", "de", or "other" when it is clearly in
    another language (Italian, Portuguese, Dutch, Polish, or a non-Latin script).

    A language other than French needs two markers or more and more markers than English (so an
    English question with a loanword stays English). French keeps its original rule and wins
    ties, so a French question is read as French exactly when it always was, unless another
    language has strictly more markers (Spanish shares "la", "de", "que", "en" with French).
    """
    scores = marker_scores(question)
    english = scores.pop("en", 0)
    candidates = {
        lang: n for lang, n in scores.items() if n >= MIN_MARKERS and n > english
    }  # dict order (es, de, it, pt, nl, pl) breaks ties
    best = max(candidates, key=candidates.__getitem__, default=None)
    french = _french_score(question)
    if french >= MIN_MARKERS and (best is None or french >= candidates[best]):
        return "fr"
    if _mostly_other_script(question):
        return "other"
    if best is None:
        return "en"
    return best if best in GLOSSARY_LANGUAGES else "other"


def _mostly_other_script(question: str) -> bool:
    """Mostly letters outside the Latin alphabets (Cyrillic, Greek, Arabic, Chinese, ...)."""
    letters = [c for c in question if c.isalpha()]
    foreign = sum(ord(c) > LATIN_MAX for c in letters)
    return len(letters) >= MIN_LETTERS and foreign * 2 > len(letters)
