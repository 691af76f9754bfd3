"""Turn a follow-up question into a standalone one, using the conversation, without an LLM.

"and what about the second sub-item?" after an answer citing IV.9 becomes "What does IV.9.ii
say?"; "who should be involved?" after a question on business cases is retrieved together with
that earlier question, so the topic carries over.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from assistant.answer_models import ChatMessage

ORDINALS = {
    "first": "i",
    "1st": "i",
    "second": "ii",
    "2nd": "ii",
    "third": "iii",
    "3rd": "iii",
    "fourth": "iv",
    "4th": "iv",
    "fifth": "v",
    "5th": "v",
    "last": "last",
}
ORDINAL_SUB_RE = re.compile(
    r"\b(?P<ord>first|1st|second|2nd|third|3rd|fourth|4th|fifth|5th|last)\s+"
    r"(?:sub-?items?|sub-?paragraphs?|points?|items?|bullets?|ones?)\b",
    re.IGNORECASE,
)
CITED_RE = re.compile(r"\[(?P<id>[IVX]+\.\d{1,2})(?:\.[ivx]+)?\]")
CONNECTIVE_RE = re.compile(
    r"^(?:and|but|also|so|what about|how about|what else|more on|tell me more|which one|"
    r"can you elaborate|elaborate|explain that|why is that)\b",
    re.IGNORECASE,
)
PRONOUN_RE = re.compile(
    r"\b(?:it|this|that|these|those|they|them|there|its|the same|above|previous|earlier)\b",
    re.IGNORECASE,
)
SHORT_QUESTION_WORDS = 9


def condense(question: str, history: Sequence[ChatMessage], known_ids: set[str]) -> str:
    """A standalone version of ``question`` given the earlier turns (unchanged if none)."""
    if not history:
        return question
    last_paragraph = _last_cited_paragraph(history)
    ordinal = ORDINAL_SUB_RE.search(question)
    if ordinal and last_paragraph:
        sub = ORDINALS[ordinal.group("ord").lower()]
        if sub == "last":
            subs = sorted((c for c in known_ids if c.startswith(last_paragraph + ".")), key=len)
            sub = subs[-1].rsplit(".", 1)[1] if subs else ""
        candidate = f"{last_paragraph}.{sub}"
        if candidate in known_ids:
            return f"What does {candidate} say?"
    if not _is_follow_up(question):
        return question
    previous = next((m.content for m in reversed(history) if m.role == "user"), "")
    if not previous:
        return question
    return f"{question} (about: {previous})"


def _is_follow_up(question: str) -> bool:
    short = len(question.split()) <= SHORT_QUESTION_WORDS
    return bool(CONNECTIVE_RE.search(question.strip())) or (
        short and bool(PRONOUN_RE.search(question))
    )


def _last_cited_paragraph(history: Sequence[ChatMessage]) -> str | None:
    for message in reversed(history):
        if message.role == "assistant":
            found = CITED_RE.findall(message.content)
            if found:
                return found[0]
    return None
