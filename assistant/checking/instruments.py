"""Which instruments a sentence may be judged against.

Two instruments share much of their wording (both "INVITE non-Members to adhere", both
"INSTRUCT" a committee to report to the Council), so a sentence about one could be declared
supported by the other's clause ("developed by the Committee on Digital Economy Policy" is not
what OECD/LEGAL/0406 says, whatever the AI Recommendation says of that committee). A sentence is
judged against:

- the instruments it names (title, short title, id or an alias from the metadata: "the AI
  Recommendation", "0406"), and no other;
- else the primary instrument, the one the assistant is first of all for (bare ids mean it), and
  any other whose subject the sentence or its document speaks of: one of its ``subjects``, its
  short title or its id prefix as a word ("AI", "artificial intelligence");
- and always the instruments of the clauses it cites ("[AI:1.3]").
A sentence that names no instrument may still restate another instrument's clause in its own
words without its subject ("Adherents should promote the principles ..."): that clause is taken
when it says the sentence (the support score) and leads every allowed clause by a wide margin.
Everything comes from the instruments' metadata, so a third instrument needs no code here.
"""

from __future__ import annotations

import re
from collections.abc import Collection

from assistant.answering.instrument_scope import InstrumentScope
from assistant.checking.matches import Match
from assistant.corpus.instruments import Corpus


class InstrumentCues:
    """Instruments named in, or spoken of by, a text."""

    def __init__(self, corpus: Corpus) -> None:
        self.corpus = corpus
        self.primary = corpus.primary.id
        self._scope = InstrumentScope(corpus, margin=0.0)
        self._subjects: list[tuple[str, re.Pattern[str]]] = []
        for item in corpus.instruments:
            meta = item.instrument
            if meta.id == self.primary:
                continue
            # Capitalised subjects and the prefix as written ("AI", not the "ai" of "j'ai").
            words = {*meta.subjects, meta.short_title, meta.id_prefix} - {""}
            alternatives = [
                rf"(?<![\w'’]){re.escape(w)}(?![\w])"
                if w.isupper()
                else rf"(?i:(?<![\w]){re.escape(w)}(?![\w]))"
                for w in sorted(words, key=len, reverse=True)
            ]
            if alternatives:
                self._subjects.append((meta.id, re.compile("|".join(alternatives))))

    def named(self, text: str) -> set[str]:
        """Instruments ``text`` names by their title, id or an alias."""
        return set(self._scope.named(text))

    def spoken_of(self, text: str) -> set[str]:
        """Instruments ``text`` names, or whose subject it speaks of."""
        return self.named(text) | {iid for iid, pattern in self._subjects if pattern.search(text)}

    def allowed(
        self, text: str, cited: Collection[str] = (), document: Collection[str] = ()
    ) -> set[str]:
        """The instruments a sentence may be judged against (``cited``: the ids of the clauses
        it cites; ``document``: the instruments its document speaks of)."""
        by_id = self.corpus.by_id
        cited_instruments = {by_id[c].instrument_id for c in cited if c in by_id}
        named = self.named(text)
        if named:
            return named | cited_instruments
        return {self.primary, *self.spoken_of(text), *cited_instruments, *document}

    def within(
        self,
        ranked: list[Match],
        text: str,
        cited: Collection[str] = (),
        document: Collection[str] = (),
        support: float = 1.0,
        lead: float = 1.0,
    ) -> list[Match]:
        """The matches a sentence is judged by: those of its allowed instruments, unless it
        names none and another instrument's clause scores at least ``support`` and ``lead``
        more than the best allowed one (every match when no allowed instrument has one)."""
        allowed = self.allowed(text, cited, document)
        kept = [m for m in ranked if m.clause.instrument_id in allowed]
        if not kept:
            return ranked
        best = ranked[0]
        clearly_other = best.score >= support and best.score >= kept[0].score + lead
        if clearly_other and not self.named(text):
            return ranked
        return kept
