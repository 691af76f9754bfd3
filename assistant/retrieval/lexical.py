"""Lexical side of retrieval: BM25 over clauses, with stemming and glossary query expansion."""

from __future__ import annotations

import re
import threading
from functools import lru_cache

import numpy as np
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


class InvertedBM25:
    """Okapi BM25 (rank-bm25's statistics and formula) scored through an inverted index: a
    query touches only the documents that share a term with it, so its cost follows the
    postings of its terms, not the size of the corpus (``BM25Okapi.get_scores`` walks every
    document for every query term).

    Each posting's term weight is precomputed with the library's expression, and a document's
    weights are summed in query order from zero, as the library does: the scores are the
    library's to the last bit, so rankings do not move."""

    def __init__(self, documents: list[list[str]]) -> None:
        model = BM25Okapi(documents)
        k1, b, avgdl = model.k1, model.b, model.avgdl
        docs: dict[str, list[int]] = {}
        weights: dict[str, list[float]] = {}
        for number, (freqs, length) in enumerate(zip(model.doc_freqs, model.doc_len, strict=True)):
            for term, tf in freqs.items():
                idf = model.idf.get(term) or 0
                docs.setdefault(term, []).append(number)
                weights.setdefault(term, []).append(
                    idf * (tf * (k1 + 1) / (tf + k1 * (1 - b + b * length / avgdl)))
                )
        self._postings = {
            term: (np.array(docs[term], dtype=np.int64), np.array(weights[term])) for term in docs
        }

    def top(self, query: list[str], n: int) -> list[tuple[int, float]]:
        """The ``n`` best documents with a positive score, best first (ties: corpus order)."""
        found = [self._postings[t] for t in query if t in self._postings]
        if not found or n <= 0:
            return []
        docs = np.concatenate([d for d, _ in found])
        weights = np.concatenate([w for _, w in found])
        unique, position = np.unique(docs, return_inverse=True)
        scores = np.bincount(position, weights=weights)  # adds in query order, from zero
        order = np.lexsort((unique, -scores))[:n]
        return [(int(unique[i]), float(scores[i])) for i in order if scores[i] > 0]


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
        self._bm25 = InvertedBM25(documents)

    def search(self, query_tokens: list[str], n: int) -> list[tuple[Clause, float]]:
        if not query_tokens:
            return []
        return [(self.clauses[i], score) for i, score in self._bm25.top(query_tokens, n)]
