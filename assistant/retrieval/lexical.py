"""Lexical side of retrieval: BM25 over clauses, with stemming and glossary query expansion."""

from __future__ import annotations

import re
import threading
from functools import lru_cache

import snowballstemmer
from rank_bm25 import BM25Okapi

from assistant.corpus.instruments import Corpus
from assistant.corpus.records import Clause

WORD_RE = re.compile(r"[a-zà-ÿ0-9]+(?:-[a-zà-ÿ0-9]+)*")
# Function words and the words every clause shares ("government", "digital"), which only add noise.
STOPWORDS = frozenset(
    "a an and are as at be been being but by can could do does did for from had has have how i "
    "if in into is it its may me might more most must my no not of on or our should so some "
    "such than that the their them then there these they this those to under up us was we were "
    "what when where which while who whom why will with would you your about also any all each "
    "other own same very oecd recommendation recommend recommends council say says said tell "
    "governments government digital".split()
)


_THREAD_STEMMERS = threading.local()


def _stemmer() -> snowballstemmer.stemmer:
    """One stemmer per thread: a snowball stemmer keeps its working word in the object, so two
    threads stemming at once corrupt each other's word (IndexError, seen under load)."""
    stemmer = getattr(_THREAD_STEMMERS, "stemmer", None)
    if stemmer is None:
        stemmer = _THREAD_STEMMERS.stemmer = snowballstemmer.stemmer("english")
    return stemmer


@lru_cache(maxsize=65536)
def _stem(word: str) -> str:
    """Stemming is pure Python and the vocabulary is small: stem each word once (the cache is
    thread-safe; the stemmer behind it is per thread)."""
    return str(_stemmer().stemWord(word))


def tokenize(text: str) -> list[str]:
    """Lower-cased, stemmed content words; hyphenated words also yield their parts."""
    words: list[str] = []
    for word in WORD_RE.findall(text.lower()):
        words.append(word)
        if "-" in word:
            words.extend(word.split("-"))
    return [_stem(w) for w in words if w not in STOPWORDS and len(w) > 1]


def expand_with_glossary(question: str, glossary: dict[str, list[str]]) -> list[str]:
    """The text's own wording for everyday terms found in the question."""
    lowered = question.lower()
    expansions: list[str] = []
    for term, phrases in glossary.items():
        if re.search(rf"\b{re.escape(term.lower())}\b", lowered):
            expansions.extend(phrases)
    return expansions


class LexicalIndex:
    """BM25 over each clause's heading, wording and (optionally) paraphrases."""

    def __init__(self, corpus: Corpus, use_paraphrases: bool = True) -> None:
        self.clauses: list[Clause] = corpus.clauses
        documents = []
        for clause in self.clauses:
            parts = [clause.heading, clause.text]
            if use_paraphrases:
                parts.extend(corpus.paraphrases(clause))
            documents.append(tokenize(" ".join(parts)))
        self._bm25 = BM25Okapi(documents)

    def search(self, query_tokens: list[str], n: int) -> list[tuple[Clause, float]]:
        if not query_tokens:
            return []
        scores = self._bm25.get_scores(query_tokens)
        ranked = sorted(range(len(scores)), key=lambda i: scores[i], reverse=True)[:n]
        return [(self.clauses[i], float(scores[i])) for i in ranked if scores[i] > 0]
