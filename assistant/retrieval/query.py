"""Make a question easier to match before retrieval: fix typos against the corpus vocabulary,
and rewrite French questions with the text's English wording (the embedding model is English).
"""

from __future__ import annotations

import difflib
import re
import tomllib
from functools import cached_property, lru_cache
from pathlib import Path

from assistant.corpus.instruments import Corpus

FRENCH_MARKERS = frozenset(
    "le la les des du une est que qui quoi quand comment pourquoi dit doit nos notre vos votre "
    "avec pour sur dans aux au faut-il elle il ils sont être été "
    "de et un en à où ou ces cette quel quelle quels quelles selon peut peuvent nous leur leurs "
    "sa ses ne pas est-ce est-il est-elle doit-il doit-elle doit-on peut-on".split()
)
WORD_RE = re.compile(r"[A-Za-zÀ-ÿœ'-]+")
# An elided French word (l'..., d'..., qu'...) also marks a question as French.
ELISION_RE = re.compile(r"(?:qu|[cdjlmnst])'[^\W\d_]")
# Typographic apostrophes, as French keyboards and phones type them, read as "'".
APOSTROPHES = str.maketrans({"\u2019": "'", "\u02bc": "'"})
MIN_TYPO_LENGTH = 4
TYPO_CUTOFF = 0.8


class QueryRewriter:
    """Spelling correction and French-to-English term rewriting, both from corpus files."""

    def __init__(
        self,
        corpus: Corpus,
        french_glossary: Path | None = None,
        dictionary: Path | None = None,
    ) -> None:
        self.corpus = corpus
        self.french_glossary = french_glossary
        self.dictionary = dictionary

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

    @cached_property
    def french_terms(self) -> list[tuple[str, str]]:
        if not self.french_glossary or not self.french_glossary.exists():
            return []
        terms = tomllib.loads(self.french_glossary.read_text(encoding="utf-8")).get("terms", {})
        return sorted(terms.items(), key=lambda kv: -len(kv[0]))

    @cached_property
    def _french_patterns(self) -> list[tuple[re.Pattern[str], str]]:
        """One compiled pattern per glossary term, longest first. A term ending in an apostrophe
        (an elision: "l'", "d'", "qu'") matches right before the word it is attached to."""
        patterns = []
        for french, english in self.french_terms:
            end = "" if french.endswith("'") else r"(?![\w-])"
            pattern = re.compile(rf"(?<![\w-]){re.escape(french)}{end}")
            patterns.append((pattern, english.replace("\\", "\\\\")))  # literal replacement
        return patterns

    def is_french(self, question: str) -> bool:
        words = [w.lower() for w in WORD_RE.findall(question.translate(APOSTROPHES))]
        markers = sum(w in FRENCH_MARKERS or bool(ELISION_RE.match(w)) for w in words)
        return len(words) >= 3 and markers >= 2

    def from_french(self, question: str) -> str:
        """French terms replaced by the Recommendation's English wording."""
        text = question.translate(APOSTROPHES).lower()
        for pattern, english in self._french_patterns:
            text = pattern.sub(english, text)
        return re.sub(r"[ \t]{2,}", " ", text).strip()

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
        if self.is_french(question):
            return self.from_french(question)
        return self.correct_typos(question)
