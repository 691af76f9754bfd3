"""Which instruments a question is about, and how refusals and notices name them.

Every instrument's names come from its metadata (title, short title, id, aliases), so a third
instrument needs no code here. The decision has three sources, strongest first:
- the caller's filter (``instruments`` on the API, the chat's picker);
- the question or the conversation: a question that names an instrument ("the AI
  Recommendation", "0406") is answered from it; "the other one" after a conversation about one
  instrument means the other; "the Recommendation" after such a conversation means that one;
- otherwise the evidence: the answer keeps the clauses of the instrument whose clauses match best
  and those of another instrument only when they match nearly as well (a question about both).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property

from langchain_core.embeddings import Embeddings

from assistant.answering.instrument_router import InstrumentRouter
from assistant.answering.types import ChatMessage
from assistant.corpus.citations import parse_citations
from assistant.corpus.instruments import Corpus
from assistant.corpus.records import Instrument, ScoredClause

OTHER_RE = re.compile(
    r"\b(?:the|that)\s+other\s+(?:recommendation|instrument|text|document)\b"
    r"|\bl'autre\s+(?:recommandation|instrument|texte)\b",
    re.IGNORECASE,
)
VERSION_RE = re.compile(
    r"\b(?:amend\w*|revis\w*|updated?|latest|current version|new version|modifi\w*|"
    r"20(?:2[0-9]))\b",
    re.IGNORECASE,
)
# What people call an instrument in a question.
TEXT_NOUN = r"(?:texts?|recommendations?|instruments?|documents?)"
NOUN = rf"(?:{TEXT_NOUN}|ones?)"  # also "the 2014 one", "the AI one"
# "What do both texts say ...", "under each Recommendation", "the two instruments", "les deux
# recommandations": a question about every instrument, answered from each of them.
EACH_RE = re.compile(
    r"\b(?:both|each|the two|these two)\s+(?:of\s+(?:the|these|them)\s+)?"
    rf"(?:(?:two|OECD)\s+)*{TEXT_NOUN}\b"
    r"|\bboth of them\b"
    r"|\b(?:les|ces)\s+deux\s+(?:textes|recommandations|instruments)\b"
    r"|\bambas\s+recomendaciones\b|\blos\s+dos\s+(?:textos|instrumentos)\b"
    r"|\bbeide[nr]?\s+(?:Texte|Empfehlungen|Instrumente)\b",
    re.IGNORECASE,
)
# "Which of the two ...", "Does either text ...": a choice between instruments, which the
# evidence makes, not a question about each of them.
CHOOSE_RE = re.compile(
    r"\b(?:which|whichever|either|neither)\s+(?:one\b|of\s+(?:the|these|them)\b|"
    rf"(?:OECD\s+)?{TEXT_NOUN}\b)",
    re.IGNORECASE,
)
SAME_RE = re.compile(
    r"\b(?:the|this|that)\s+(?:recommendation|instrument|text|document)\b"
    r"|\bla\s+recommandation\b|\bce\s+texte\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class InstrumentFocus:
    """The instruments a question may be answered from."""

    instruments: tuple[str, ...] | None  # None: every instrument, the evidence decides
    each: bool = False  # the question is about every one of them: each must answer


class InstrumentScope:
    """Names instruments in questions and keeps an answer to the instruments it is about."""

    def __init__(
        self,
        corpus: Corpus,
        margin: float,
        router: InstrumentRouter | None = None,
        embeddings: Embeddings | None = None,
        router_weight: float = 0.0,
        primary_bias: float = 0.0,
        floor: float = 0.0,
    ) -> None:
        """An instrument's evidence is its best clause's cosine plus ``router_weight`` times
        the learned router's probability that the question is about it (no router: the cosine
        alone). ``margin``: how far another instrument's evidence may trail the best and still
        join the answer. ``primary_bias`` is added to the primary instrument's evidence when the
        question speaks of "the Recommendation" without naming it: a question that could be
        about either ("who monitors the Recommendation?") is about the instrument the assistant
        is first of all for. All three are set on the development question sets. ``floor``:
        the similarity an instrument's best clause needs to answer a question about each
        instrument (the bar of any answer)."""
        self.corpus = corpus
        self.margin = margin
        self.router = router
        self.embeddings = embeddings
        self.router_weight = router_weight
        self.primary_bias = primary_bias
        self.floor = floor

    @property
    def count(self) -> int:
        """How many instruments the corpus holds."""
        return len(self.corpus.instruments)

    @cached_property
    def _name_patterns(self) -> list[tuple[str, re.Pattern[str]]]:
        """Per instrument: its names; its subjects before a noun ('the AI text', 'the digital
        government and AI recommendations'); its year before a noun ('the 2014 one')."""
        metas = [item.instrument for item in self.corpus.instruments]
        every_subject = _alternatives(s for meta in metas for s in meta.subjects)
        patterns = []
        for meta in metas:
            names = [meta.id, meta.title, *meta.aliases]
            if meta.short_title:
                names.append(f"Recommendation on {meta.short_title}")
            forms = [_alternatives(names)]
            if meta.subjects:
                mine = _alternatives(meta.subjects)
                joined = r"\s+(?:and|or|&)\s+"
                forms.append(rf"(?:{mine})(?:{joined}(?:{every_subject}))?\s+{NOUN}")
                forms.append(rf"(?:{every_subject}){joined}(?:{mine})\s+{NOUN}")
            if meta.adopted:
                forms.append(rf"{meta.adopted.year}\s+{NOUN}")
            pattern = "|".join(f"(?:{form})" for form in forms)
            patterns.append((meta.id, re.compile(rf"(?<![\w/])(?:{pattern})(?![\w])", re.I)))
        return patterns

    def named(self, question: str) -> list[str]:
        """Instrument ids the question names, in corpus order."""
        return [iid for iid, pattern in self._name_patterns if pattern.search(question)]

    def focus(
        self,
        question: str,
        history: Sequence[ChatMessage] = (),
        requested: Collection[str] | None = None,
    ) -> InstrumentFocus:
        """The instruments to search, before retrieval."""
        known = [i.instrument.id for i in self.corpus.instruments]
        allowed = [i for i in known if not requested or i in requested]
        named = [i for i in self.named(question) if i in allowed]
        choice = bool(CHOOSE_RE.search(question))
        if len(named) > 1:
            return InstrumentFocus(tuple(named), each=not choice)
        if named:
            return InstrumentFocus(tuple(named))
        if len(allowed) > 1 and not choice and EACH_RE.search(question):
            return InstrumentFocus(tuple(allowed), each=True)
        discussed = self._discussed(history)
        if len(discussed) == 1 and len(allowed) > 1:
            if OTHER_RE.search(question):
                others = tuple(i for i in allowed if i not in discussed)
                return InstrumentFocus(others or tuple(allowed))
            if SAME_RE.search(question) and discussed[0] in allowed:
                return InstrumentFocus((discussed[0],))
        if requested:
            return InstrumentFocus(tuple(allowed))
        return InstrumentFocus(None)

    def continued(
        self, focus: InstrumentFocus, history: Sequence[ChatMessage], follows_up: bool
    ) -> InstrumentFocus:
        """A follow-up ("By when?", "and the second sub-item?") that names no instrument stays
        with the one instrument the conversation's last answer cited."""
        if focus.instruments is not None or not follows_up:
            return focus
        discussed = self._discussed(history)
        return InstrumentFocus((discussed[0],)) if len(discussed) == 1 else focus

    def _discussed(self, history: Sequence[ChatMessage]) -> list[str]:
        """Instruments the latest assistant turn cited."""
        for message in reversed(history):
            if message.role != "assistant":
                continue
            cited = parse_citations(message.content, self.corpus.by_id.keys()).ids
            found = {self.corpus.by_id[c].instrument_id for c in cited}
            return [i.instrument.id for i in self.corpus.instruments if i.instrument.id in found]
        return []

    def narrow(
        self, question: str, hits: list[ScoredClause], focus: InstrumentFocus, top_k: int
    ) -> list[ScoredClause]:
        """The hits an answer is chosen from: for a question about each instrument, the best
        ``top_k`` of every one of them (so that each can answer); otherwise the best ``top_k``
        of the instruments :meth:`keep_best` keeps."""
        if not focus.each:
            return self.keep_best(question, hits, focus)[:top_k]
        best = _best_dense(hits)
        # An instrument none of whose clauses reaches the bar of an answer has nothing to say
        # on the matter: it is left out rather than quoted beside the other.
        speaking = {i for i, score in best.items() if score >= self.floor} or set(best)
        taken: dict[str, int] = {}
        kept = []
        for hit in hits:
            instrument = hit.clause.instrument_id
            if instrument in speaking and taken.get(instrument, 0) < top_k:
                taken[instrument] = taken.get(instrument, 0) + 1
                kept.append(hit)
        return kept

    def keep_best(
        self, question: str, hits: list[ScoredClause], focus: InstrumentFocus
    ) -> list[ScoredClause]:
        """Hits of the instruments the evidence points to: the best one's, and any other whose
        evidence trails it by less than the margin. A named or requested focus was applied by
        the search already, so its hits stay as they are."""
        if focus.instruments is not None or len(self.corpus.instruments) < 2 or not hits:
            return hits
        evidence = self.evidence(question, hits)
        if not evidence:
            return hits
        top = max(evidence.values())
        kept = {i for i, score in evidence.items() if score >= top - self.margin}
        referenced = {h.clause.instrument_id for h in hits if "reference" in h.matched_by}
        return [h for h in hits if h.clause.instrument_id in kept | referenced]

    def evidence(self, question: str, hits: list[ScoredClause]) -> dict[str, float]:
        """Per instrument with a dense hit: its best cosine, plus the router's weighed share."""
        best = _best_dense(hits)
        if best and self.router is not None and self.embeddings is not None:
            shares = self.router.probabilities(self.embeddings.embed_query(question))
            best = {i: score + self.router_weight * shares.get(i, 0.0) for i, score in best.items()}
        if not SAME_RE.search(question):
            return best
        primary = self.corpus.primary.id
        return {
            i: score + (self.primary_bias if i == primary else 0.0) for i, score in best.items()
        }

    def version_notices(
        self, question: str, cited: Collection[str], focus: InstrumentFocus
    ) -> list[str]:
        """The version notice of every cited instrument that has one, and, when the question
        asks about amendments or later versions, of every instrument it may be about: such a
        question is answered with the limitation, never from memory."""
        about = set(cited)
        if VERSION_RE.search(question):
            about |= set(focus.instruments or (i.instrument.id for i in self.corpus.instruments))
        return [
            i.instrument.version_notice
            for i in self.corpus.instruments
            if i.instrument.id in about and i.instrument.version_notice
        ]

    def describe(self, instrument_ids: Collection[str] | None = None) -> str:
        """'the Recommendation on Digital Government Strategies', or several joined by 'or'."""
        chosen = [
            i.instrument
            for i in self.corpus.instruments
            if not instrument_ids or i.instrument.id in instrument_ids
        ]
        return " or ".join(_the(meta) for meta in chosen)


def _best_dense(hits: Iterable[ScoredClause]) -> dict[str, float]:
    """Per instrument with a dense hit, its best clause's cosine."""
    best: dict[str, float] = {}
    for hit in hits:
        if hit.dense is not None:
            instrument = hit.clause.instrument_id
            best[instrument] = max(best.get(instrument, -1.0), hit.dense)
    return best


def _alternatives(names: Iterable[str]) -> str:
    """A regex alternation of the names, longest first (so that the longest name wins)."""
    return "|".join(re.escape(n) for n in sorted(set(names), key=len, reverse=True))


def _the(meta: Instrument) -> str:
    """'Recommendation of the Council on X' -> 'the Recommendation on X'."""
    title = meta.title.replace("Recommendation of the Council on", "Recommendation on")
    return f"the {title}"
