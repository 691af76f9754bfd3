"""Make a question easier to match before retrieval: fix typos against the corpus vocabulary,
and rewrite French, Spanish and German questions with the text's English wording (the embedding
model is English). Which language a question is in is told by ``assistant.retrieval.languages``.
"""

from __future__ import annotations

import difflib
import re
import threading
import tomllib
from functools import cached_property, lru_cache
from pathlib import Path

from assistant.corpus.instruments import Corpus
from assistant.retrieval.languages import (
    APOSTROPHES,
    ELISION_RE,
    FRENCH_MARKERS,
    GLOSSARY_LANGUAGES,
    WORD_RE,
    detect_language,
)

__all__ = ["ELISION_RE", "FRENCH_MARKERS", "WORD_RE", "QueryRewriter", "detect_language"]

GLOSSARY_NAME = "glossary-{lang}.toml"
# Characters read as spaces before a language's glossary is applied ("¿Qué ...?" in Spanish).
DROPPED = {"es": str.maketrans({"¿": " ", "¡": " "})}
# German joins words with hyphens ("IT-Ausgaben", "OECD-Rat") and shortens compounds
# ("Transparenz- und Rechenschaftsregeln"), so there a term also matches a hyphenated part (a
# whole hyphenated term, being longer, is applied first). In French a hyphen makes one word
# ("non-membres", "est-ce"), so there it does not.
HYPHEN_SEPARATES = frozenset({"de"})
MIN_TYPO_LENGTH = 4
TYPO_CUTOFF = 0.8
Patterns = list[tuple[re.Pattern[str], str]]


class QueryRewriter:
    """Spelling correction, and term rewriting into English for the languages that have a
    glossary (``glossary-<lang>.toml`` in the glossary folder), all from corpus files."""

    def __init__(
        self,
        corpus: Corpus,
        french_glossary: Path | None = None,
        dictionary: Path | None = None,
        glossary_dir: Path | None = None,
    ) -> None:
        """``glossary_dir`` is where ``glossary-es.toml``, ``glossary-de.toml`` ... are looked up;
        by default the French glossary's folder (the corpus folder), so a caller that names only
        the French glossary, as the services do, gets every language found beside it."""
        self.corpus = corpus
        self.french_glossary = french_glossary
        self.dictionary = dictionary
        self.glossary_dir = glossary_dir or (french_glossary.parent if french_glossary else None)
        self._patterns: dict[str, Patterns] = {}
        self._patterns_lock = threading.Lock()

    @cached_property
    def english_words(self) -> frozenset[str]:
        """Whole words of the embedding model's WordPiece vocabulary: a word list of common
        English that ships with the model, so correct words are never 'corrected'."""
        if not self.dictionary or not self.dictionary.exists():
            return frozenset()
        lines = self.dictionary.read_text(encoding="utf-8").splitlines()
        return frozenset(w for w in lines if w.isalpha() and not w.startswith("##"))

    @cached_property
    def vocabulary(self) -> frozenset[str]:
        words: set[str] = set()
        texts = [c.text for c in self.corpus.clauses] + [c.heading for c in self.corpus.clauses]
        texts += [q for c in self.corpus.clauses for q in self.corpus.paraphrases(c)]
        texts += list(self.corpus.glossary)
        for text in texts:
            words.update(w.lower() for w in WORD_RE.findall(text))
        return frozenset(words)

    def glossary_path(self, lang: str) -> Path | None:
        """The glossary file of a language, by name (the French one may be given explicitly)."""
        if lang == "fr" and self.french_glossary:
            return self.french_glossary
        if self.glossary_dir is None:
            return None
        return self.glossary_dir / GLOSSARY_NAME.format(lang=lang)

    def terms(self, lang: str) -> list[tuple[str, str]]:
        """A language's glossary as (term, English) pairs, longest term first."""
        path = self.glossary_path(lang)
        if not path or not path.exists():
            return []
        terms = tomllib.loads(path.read_text(encoding="utf-8")).get("terms", {})
        return sorted(terms.items(), key=lambda kv: -len(kv[0]))

    @property
    def french_terms(self) -> list[tuple[str, str]]:
        return self.terms("fr")

    def patterns(self, lang: str) -> Patterns:
        """One compiled pattern per glossary term (``term_pattern``), longest first, compiled
        once per language."""
        with self._patterns_lock:
            if lang not in self._patterns:
                self._patterns[lang] = [
                    (term_pattern(term, lang), english.replace("\\", "\\\\"))  # literal
                    for term, english in self.terms(lang)
                ]
            return self._patterns[lang]

    def detect_language(self, question: str) -> str:
        """The question's language, "en", "fr", "es", "de" or "other", so a front door can say
        which languages are answered (``assistant.retrieval.languages``)."""
        return detect_language(question)

    def is_french(self, question: str) -> bool:
        """Kept for callers of the French-only rewriter; a Spanish question is no longer French."""
        return detect_language(question) == "fr"

    def from_language(self, question: str, lang: str) -> str:
        """A question's terms in ``lang`` replaced by the Recommendation's English wording."""
        text = question.translate(APOSTROPHES)
        if lang in DROPPED:
            text = text.translate(DROPPED[lang])
        text = text.lower()
        for pattern, english in self.patterns(lang):
            text = pattern.sub(english, text)
        return re.sub(r"[ \t]{2,}", " ", text).strip()

    def from_french(self, question: str) -> str:
        """French terms replaced by the Recommendation's English wording."""
        return self.from_language(question, "fr")

    def correct_typos(self, question: str) -> str:
        """Unknown words replaced by the closest corpus word, when one is close enough."""

        def fix(match: re.Match[str]) -> str:
            word = match.group(0)
            lower = word.lower()
            if len(lower) < MIN_TYPO_LENGTH or lower in self.vocabulary:
                return word
            if lower in self.english_words or lower.rstrip("s") in self.english_words:
                return word
            return self._closest(lower) or word

        return WORD_RE.sub(fix, question)

    @cached_property
    def _by_initial(self) -> dict[str, list[str]]:
        buckets: dict[str, list[str]] = {}
        for word in self.vocabulary:
            buckets.setdefault(word[:1], []).append(word)
        return buckets

    @lru_cache(maxsize=4096)  # noqa: B019 - one rewriter per process; bounded
    def _closest(self, word: str) -> str | None:
        """Closest corpus word sharing the first letter (typos rarely hit the first letter)."""
        candidates = self._by_initial.get(word[:1], [])
        close = difflib.get_close_matches(word, candidates, n=1, cutoff=TYPO_CUTOFF)
        return close[0] if close else None

    def rewrite(self, question: str) -> str:
        """The question as retrieval reads it: in English terms when it is in a language with
        a glossary (without typo fixing: its words are not English ones), else typos fixed."""
        return self._rewrite(question)

    @lru_cache(maxsize=1024)  # noqa: B019 - one rewriter per process; bounded
    def _rewrite(self, question: str) -> str:
        """``rewrite``, remembered: one answer asks for the same question's rewrite three times
        (the scope check, the search, the instrument router), 0.14 ms each."""
        lang = detect_language(question)
        if lang in GLOSSARY_LANGUAGES:
            return self.from_language(question, lang)
        return self.correct_typos(question)


def term_pattern(term: str, lang: str) -> re.Pattern[str]:
    """A glossary term as whole words: not inside a longer word, nor inside a hyphenated one
    unless the language's hyphen separates words. A term ending in an apostrophe (a French
    elision) matches right before the word it is attached to."""
    edge = r"\w" if lang in HYPHEN_SEPARATES else r"[\w-]"
    end = "" if term.endswith("'") else rf"(?!{edge})"
    return re.compile(rf"(?<!{edge}){re.escape(term)}{end}")
