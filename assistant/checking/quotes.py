"""The words of a clause that back a sentence: the part of the clause (a sentence, or an item of
a list cut at semicolons) sharing most content words with it, as offsets into the clause text."""

from __future__ import annotations

from assistant.checking.types import Quote
from assistant.corpus.records import Clause
from assistant.corpus.sentences import clause_sentences
from assistant.retrieval.lexical import tokenize


def quote_span(sentence: str, clause: Clause) -> Quote:
    """The clause's part that shares most words with ``sentence`` (the first on a tie)."""
    words = set(tokenize(sentence))
    best, best_shared = clause.text, -1
    for part in clause_sentences(clause.text, only_before_capital=False):
        shared = len(words & set(tokenize(part)))
        if shared > best_shared:
            best, best_shared = part, shared
    start = max(clause.text.find(best), 0)
    return Quote(clause_id=clause.clause_id, start=start, end=start + len(best), text=best)
