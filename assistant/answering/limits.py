"""Request limits, checked in one place for every front door: an empty question, one longer
than the limit, a history with too many turns. Each refusal names what to change."""

from __future__ import annotations

from collections.abc import Sequence

from assistant.answering.types import ChatMessage
from assistant.settings import Settings


class RequestRejected(ValueError):
    """A question or history the assistant will not take, with a stable code for the API."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def clean_question(question: object) -> str:
    """The question without control characters (newlines and tabs are kept) and outer space."""
    if not isinstance(question, str):
        raise RequestRejected("invalid_question", "The question must be a string.")
    return "".join(ch for ch in question if ch.isprintable() or ch in "\n\t").strip()


def check_request(question: object, history: Sequence[ChatMessage], settings: Settings) -> str:
    """The cleaned question, or :class:`RequestRejected` saying which limit it broke."""
    cleaned = clean_question(question)
    if not cleaned:
        raise RequestRejected(
            "empty_question",
            "The question is empty (blank or only control characters): write a question.",
        )
    if len(cleaned) > settings.max_question_chars:
        raise RequestRejected(
            "question_too_long",
            f"The question has {len(cleaned)} characters; the limit is "
            f"{settings.max_question_chars}. Shorten it or split it into several questions.",
        )
    if len(history) > settings.max_history_turns:
        raise RequestRejected(
            "history_too_long",
            f"The history has {len(history)} messages; the limit is "
            f"{settings.max_history_turns}. Send only the most recent turns.",
        )
    return cleaned
