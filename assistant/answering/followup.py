"""Turn a follow-up question into a standalone one, using the conversation, without an LLM.

Officials talk about what is on the screen: "and what about the second sub-item?" after an
answer citing IV.9 means IV.9.ii; "and the other one?" after an answer on one of two sub-items
means its sibling; "what does that last term mean?" points at the last defined term the answer
used. Those become clause references ("What does IV.9.ii say?"), so retrieval cannot drift.
Any other short question leaning on a pronoun ("who should be involved in it?") is retrieved
together with the previous question, so the topic carries over.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from assistant.answering.types import ChatMessage
from assistant.corpus.citations import parse_citations
from assistant.corpus.clause_ids import PARAGRAPH_ID_RE, SUBITEM_ID_RE
from assistant.corpus.instruments import Corpus
from assistant.corpus.records import ClauseKind

ORDINALS = {
    "first": 0,
    "1st": 0,
    "second": 1,
    "2nd": 1,
    "third": 2,
    "3rd": 2,
    "fourth": 3,
    "4th": 3,
    "fifth": 4,
    "5th": 4,
    "last": -1,
    "final": -1,
}
ORDINAL = r"first|1st|second|2nd|third|3rd|fourth|4th|fifth|5th|last|final"
ORDINAL_SUB_RE = re.compile(
    rf"\b(?P<ord>{ORDINAL})\s+(?:sub-?items?|sub-?paragraphs?|points?|items?|bullets?|ones?)\b",
    re.IGNORECASE,
)
OTHER_SUB_RE = re.compile(
    r"\b(?:the\s+)?other\s+(?:one|sub-?item|sub-?paragraph|point|item|bullet)\b", re.IGNORECASE
)
TERM_RE = re.compile(
    rf"\b(?:that|this|the)\s+(?:(?P<ord>{ORDINAL})\s+)?(?:term|word|phrase|concept|notion|"
    r"expression|definition)\b",
    re.IGNORECASE,
)
NEIGHBOUR_RE = re.compile(
    r"\b(?:(?:next|following)|(?P<before>previous|preceding))\s+(?:paragraph|one|point|item|"
    r"sub-?item|clause|recommendation)\b|\b(?:paragraph|one|point|item|clause)\s+(?:that\s+)?"
    r"(?:comes\s+)?(?:right\s+|just\s+|immediately\s+)?(?:after|(?P<before2>before))\s+"
    r"(?:that|it|this)\b",
    re.IGNORECASE,
)
CONNECTIVE_RE = re.compile(
    r"^(?:and|but|also|so|what about|how about|what else|more on|tell me more|which one|"
    r"can you elaborate|elaborate|explain that|why is that)\b",
    re.IGNORECASE,
)
PRONOUN_RE = re.compile(
    r"\b(?:it|this|that|these|those|they|them|there|its|the same|above|previous|earlier)\b",
    re.IGNORECASE,
)
# "Which of those five ...", "which one of them": a question that points back at the last answer,
# however long it is.
BACK_REFERENCE_RE = re.compile(
    r"\b(?:of|among|between) (?:those|these|them|the two|the three|the four|the five)\b|"
    r"\b(?:besides|apart from|other than|beyond) (?:those|these|that|this|them)\b|"
    r"\bthat same\b|"
    r"\bwhich one\b|\bthe (?:former|latter)\b|\bthat (?:one|point|part|clause|paragraph)\b",
    re.IGNORECASE,
)
SHORT_QUESTION_WORDS = 9
# "Can you quote the exact wording?", "Say more.": about the clauses the last answer cited.
SAME_CLAUSES_RE = re.compile(
    r"\b(?:quote|verbatim|exact (?:wording|words|text)|word for word|full text|in full|"
    r"say more|tell me more|more (?:detail|details|on (?:that|this|it))|elaborate|expand on|"
    r"go on|continue)\b",
    re.IGNORECASE,
)
# Words a request about the last answer may wrap around its verb ("can you quote it please?").
REQUEST_FILLER = frozenset(
    "a an and can could exact exactly for full give i it its just like me more of on please "
    "precise read see show text that the them this those to what wording words would you".split()
)
# "By when?", "Why?", "Who does?": a bare question word leans on the previous question's topic.
ELLIPTIC_RE = re.compile(
    r"^\W*(?:and\s+)?(?:by\s+when|since\s+when|until\s+when|when|why|who|whom|how|where|"
    r"which|what for|how so|how often|how much|how many|for whom|by whom|who does|who should)"
    r"(?:\s+(?:exactly|then|so|else|not|precisely))?\W*$|"
    # "On which dates?", "In what year?", "How long?": a question word and a word of time.
    r"^\W*(?:and\s+)?(?:(?:on|in|at|by|from|until|within)\s+)?(?:which|what)\s+"
    r"(?:dates?|days?|years?|months?|deadline|period|time|timeframe)\W*$|"
    r"^\W*(?:and\s+)?how\s+(?:long|soon|quickly)\W*$",
    re.IGNORECASE,
)


class FollowUpResolver:
    """Rewrites follow-ups against the conversation. ``known_ids`` are the citable clause ids;
    ``terms`` maps each defined term (lower case) to the clause that defines it."""

    def __init__(
        self,
        known_ids: Sequence[str],
        terms: Mapping[str, str],
        children: Mapping[str, Sequence[str]] | None = None,
    ) -> None:
        self.known = set(known_ids)
        # Document order: the paragraphs (II.1 ... IV.12) and the sub-items (II.1.i ...).
        self.paragraph_ids = [c for c in known_ids if PARAGRAPH_ID_RE.match(c)]
        self.subitem_ids = [c for c in known_ids if SUBITEM_ID_RE.match(c)]
        self.terms = {term.lower(): clause_id for term, clause_id in terms.items()}
        # The parts of a clause in order: a paragraph's sub-items, Section I's definitions.
        self.children = {p: list(ids) for p, ids in (children or {}).items()}

    @classmethod
    def for_corpus(cls, corpus: Corpus) -> FollowUpResolver:
        """A resolver over every clause id of the corpus and its defined terms."""
        terms = {
            c.heading: c.clause_id
            for c in corpus.clauses
            if c.kind == ClauseKind.DEFINITION and c.heading
        }
        children = {c.clause_id: [k.clause_id for k in corpus.children(c)] for c in corpus.clauses}
        return cls(list(corpus.by_id), terms, {p: ids for p, ids in children.items() if ids})

    def condense(self, question: str, history: Sequence[ChatMessage]) -> str:
        """A standalone version of ``question`` given the earlier turns (unchanged if none)."""
        if not history:
            return question
        resolved = (
            self._ordinal_subitem(question, history)
            or self._other_subitem(question, history)
            or self._neighbour(question, history)
            or self._term(question, history)
        )
        if resolved:
            return f"What does {resolved} say?"
        same = self._same_clauses(question, history)
        if same:
            return (
                f"What does {same[0]} say?" if len(same) == 1 else f"What do {', '.join(same)} say?"
            )
        if not _is_follow_up(question):
            return question
        previous = next((m.content for m in reversed(history) if m.role == "user"), "")
        return f"{question} (about: {previous})" if previous else question

    def _same_clauses(self, question: str, history: Sequence[ChatMessage]) -> list[str]:
        """'Quote the exact wording', 'say more': the clauses the last answer cited (its main
        ones: paragraphs before their sub-items, at most three)."""
        match = SAME_CLAUSES_RE.search(question)
        rest = re.findall(r"[a-z']+", (SAME_CLAUSES_RE.sub(" ", question)).lower()) if match else []
        if not match or not set(rest) <= REQUEST_FILLER:
            return []  # "how should governments quote prices?" is a question of its own
        turns = self._cited_by_turn(history)
        return turns[0][:3] if turns else []

    def _cited_by_turn(self, history: Sequence[ChatMessage]) -> list[list[str]]:
        """The ids each assistant turn cited, latest turn first."""
        return [
            parse_citations(m.content, self.known).ids
            for m in reversed(history)
            if m.role == "assistant"
        ]

    def _last_paragraph(self, history: Sequence[ChatMessage]) -> str | None:
        """The clause with parts ("the last one") the conversation cited last: a cited clause
        with parts, or the clause a cited part belongs to."""
        for cited in self._cited_by_turn(history):
            for clause_id in cited:
                if self._subitems(clause_id):
                    return clause_id
                parent = next((p for p, ids in self.children.items() if clause_id in ids), None)
                if parent:
                    return parent
        return None

    def _subitems(self, paragraph: str) -> list[str]:
        if self.children:
            return self.children.get(paragraph, [])
        prefix = paragraph + "."
        return [c for c in self.subitem_ids if c.startswith(prefix)]

    def _ordinal_subitem(self, question: str, history: Sequence[ChatMessage]) -> str | None:
        """'the second sub-item' -> that sub-item of the paragraph cited last."""
        match = ORDINAL_SUB_RE.search(question)
        paragraph = self._last_paragraph(history) if match else None
        if not match or not paragraph:
            return None
        subitems = self._subitems(paragraph)
        index = ORDINALS[match.group("ord").lower()]
        return subitems[index] if -len(subitems) <= index < len(subitems) else None

    def _other_subitem(self, question: str, history: Sequence[ChatMessage]) -> str | None:
        """'the other one' after an answer on some sub-items of a paragraph: the sibling not
        yet discussed in that answer, preferring one the conversation cited earlier."""
        if not OTHER_SUB_RE.search(question):
            return None
        turns = self._cited_by_turn(history)
        if not turns:
            return None
        latest = [c for c in turns[0] if SUBITEM_ID_RE.match(c)]
        if not latest:
            return None
        paragraph = SUBITEM_ID_RE.match(latest[0]).group("paragraph")  # type: ignore[union-attr]
        others = [c for c in self._subitems(paragraph) if c not in latest]
        earlier = [c for c in others if any(c in cited for cited in turns[1:])]
        candidates = earlier or others
        return candidates[0] if len(candidates) == 1 else None

    def _neighbour(self, question: str, history: Sequence[ChatMessage]) -> str | None:
        """'the next paragraph', 'the one right after that', 'the previous point': the clause
        of the same level next to the one the last answer cited first."""
        match = NEIGHBOUR_RE.search(question)
        turns = self._cited_by_turn(history) if match else []
        if not match or not turns or not turns[0]:
            return None
        current = turns[0][0]
        same_level = self.subitem_ids if SUBITEM_ID_RE.match(current) else self.paragraph_ids
        if current not in same_level:
            return None
        step = -1 if match.group("before") or match.group("before2") else 1
        index = same_level.index(current) + step
        return same_level[index] if 0 <= index < len(same_level) else None

    def _term(self, question: str, history: Sequence[ChatMessage]) -> str | None:
        """'what does that last term mean?' -> the definition of the defined term the last
        answer used (first/last/second by order of mention; plain 'that term' = the last one
        the user did not already ask about)."""
        match = TERM_RE.search(question)
        answer = next((m.content for m in reversed(history) if m.role == "assistant"), "")
        if not match or not answer:
            return None
        mentioned = sorted(
            (position, clause_id)
            for term, clause_id in self.terms.items()
            if (position := answer.lower().rfind(term)) >= 0
        )
        ids = list(dict.fromkeys(clause_id for _, clause_id in mentioned))
        if match.group("ord"):
            index = ORDINALS[match.group("ord").lower()]
            return ids[index] if -len(ids) <= index < len(ids) else None
        asked = next((m.content.lower() for m in reversed(history) if m.role == "user"), "")
        fresh = [c for c in ids if not any(t in asked for t, i in self.terms.items() if i == c)]
        candidates = fresh or ids
        return candidates[-1] if candidates else None


def _is_follow_up(question: str) -> bool:
    short = len(question.split()) <= SHORT_QUESTION_WORDS
    return (
        bool(ELLIPTIC_RE.match(question))
        or bool(CONNECTIVE_RE.search(question.strip()))
        or bool(BACK_REFERENCE_RE.search(question))
        or (short and bool(PRONOUN_RE.search(question)))
    )
