"""The English reading of a sentence written in French, Spanish or German, so it is checked like
an English one.

The embedding model and the deterministic checks read English only: a French sentence that
restates a clause word for word would otherwise match nothing and be called "not a claim". The
language is told by the marker words the question rewriter already uses
(``assistant.retrieval.languages``), and the sentence is read through that language's glossary
(the Recommendation's own English terms), with first the few words a check turns on and a
glossary for questions leaves vague or out: figures ("cinq ans"), obligations ("doivent" is
"must", not "should"), sanctions, negations and the names of artificial intelligence. Words left
in the other language after that are dropped, so that they neither lower the share of words the
clause uses nor read as names the clause does not give.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.retrieval.languages import APOSTROPHES, GLOSSARY_LANGUAGES, detect_language
from assistant.retrieval.query import QueryRewriter

_NUMBERS = {
    "fr": "deux trois quatre cinq six sept huit neuf dix onze douze quinze vingt trente",
    "es": "dos tres cuatro cinco seis siete ocho nueve diez once doce quince veinte treinta",
    "de": "zwei drei vier fünf sechs sieben acht neun zehn elf zwölf fünfzehn zwanzig dreißig",
}
_ENGLISH_NUMBERS = (
    "two three four five six seven eight nine ten eleven twelve fifteen twenty thirty"
)
_MONTHS = {
    "fr": "janvier février mars avril mai juin juillet août septembre octobre novembre décembre",
    "es": "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre "
    "diciembre",
    "de": "januar februar märz april mai juni juli august september oktober november dezember",
}
_ENGLISH_MONTHS = (
    "January February March April May June July August September October November December"
)
# Words a check turns on, per language (whole words, lower case), read before the glossary.
_CHECK_WORDS: dict[str, dict[str, str]] = {
    "fr": {
        "doit": "must",
        "exige": "requires",
        "exigent": "require",
        "doivent": "must",
        "devront": "must",
        "obligatoire": "mandatory",
        "obligatoires": "mandatory",
        "sont tenus de": "are required to",
        "sont obligés de": "are obliged to",
        "facultatif": "optional",
        "facultative": "optional",
        "s'ils le souhaitent": "if they wish",
        "amende": "fine",
        "amendes": "fines",
        "sanction": "sanction",
        "sanctions": "sanctions",
        "jamais": "never",
        "intelligence artificielle": "artificial intelligence",
        "ia": "AI",
        "tout au long de": "throughout",
        "cycle de vie": "lifecycle",
        "ans": "years",
        "mois": "months",
    },
    "es": {
        "debe": "must",
        "exige": "requires",
        "obliga": "obliges",
        "deben": "must",
        "deberán": "must",
        "obligatorio": "mandatory",
        "obligatoria": "mandatory",
        "están obligados a": "are obliged to",
        "opcional": "optional",
        "facultativo": "optional",
        "si lo desean": "if they wish",
        "multa": "fine",
        "multas": "fines",
        "sanción": "sanction",
        "sanciones": "sanctions",
        "nunca": "never",
        "inteligencia artificial": "artificial intelligence",
        "ia": "AI",
        "a lo largo de": "throughout",
        "ciclo de vida": "lifecycle",
        "meses": "months",
    },
    "de": {
        "verpflichtet": "obliged",
        "verlangt": "requires",
        "verbindlich": "binding",
        "vorgeschrieben": "mandatory",
        "freiwillig": "voluntary",
        "geldstrafe": "fine",
        "geldbuße": "fine",
        "bußgeld": "fine",
        "sanktion": "sanction",
        "sanktionen": "sanctions",
        "nie": "never",
        "niemals": "never",
        "künstliche intelligenz": "artificial intelligence",
        "künstlichen intelligenz": "artificial intelligence",
        "ki": "AI",
        "lebenszyklus": "lifecycle",
        "lebenszyklusses": "lifecycle",
        "monate": "months",
    },
}
for _lang, _words in _NUMBERS.items():
    _CHECK_WORDS[_lang].update(zip(_words.split(), _ENGLISH_NUMBERS.split(), strict=True))
    _CHECK_WORDS[_lang].update(zip(_MONTHS[_lang].split(), _ENGLISH_MONTHS.split(), strict=True))
del _lang, _words

_WORD_RE = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")


def _pattern(term: str) -> re.Pattern[str]:
    end = "" if term.endswith("'") else r"(?![\w])"
    return re.compile(rf"(?<![\w]){re.escape(term)}{end}")


_CHECK_PATTERNS = {
    lang: [(_pattern(t), e) for t, e in sorted(words.items(), key=lambda kv: -len(kv[0]))]
    for lang, words in _CHECK_WORDS.items()
}


@dataclass(frozen=True)
class Reading:
    """A sentence as the checks read it: its language and its English wording."""

    language: str
    text: str

    @property
    def translated(self) -> bool:
        """Whether the sentence was read from another language."""
        return self.language != "en"


class EnglishReader:
    """Reads French, Spanish and German sentences in the Recommendation's English wording."""

    def __init__(self, rewriter: QueryRewriter | None) -> None:
        """``rewriter``: the question rewriter with the languages' glossaries (None: every
        sentence is read as it is written)."""
        self.rewriter = rewriter

    def read(self, sentence: str) -> Reading:
        """The English reading of ``sentence`` (itself when it is in English or in a language
        without a glossary)."""
        if self.rewriter is None:
            return Reading("en", sentence)
        language = detect_language(sentence)
        if language not in GLOSSARY_LANGUAGES:
            return Reading(language if language != "other" else "other", sentence)
        text = sentence.translate(APOSTROPHES).lower()
        text = text.replace("¿", " ").replace("¡", " ")
        for pattern, english in _CHECK_PATTERNS[language]:
            text = pattern.sub(english, text)
        for pattern, english in self.rewriter.patterns(language):
            text = pattern.sub(english, text)
        return Reading(language, self._english_words_only(text))

    def _english_words_only(self, text: str) -> str:
        """``text`` without the words left in the other language (neither the corpus's nor
        English ones): they would lower the share of the clause's words for nothing."""
        known = self.rewriter.vocabulary | self.rewriter.english_words if self.rewriter else None
        if not known:
            return text

        def keep(match: re.Match[str]) -> str:
            word = match.group(0)
            parts = re.split(r"['’-]", word.lower())
            return word if all(p in known for p in parts) or word[:1].isupper() else ""

        return re.sub(r"[ \t]{2,}", " ", _WORD_RE.sub(keep, text)).strip()
