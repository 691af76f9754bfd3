"""The cited answer pipeline as a LangChain ``Runnable``, for teams that build on LangChain:
compose it into their own chains and agents in-process, without going through HTTP.

``invoke``/``batch``/``ainvoke`` return the same :class:`Answer` object as the API;
``stream`` yields :class:`AnswerEvent` items (guarded text pieces, then the answer), the way a
chat model streams message chunks before the whole message.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from langchain_core.runnables import Runnable, RunnableConfig
from pydantic import BaseModel, Field

from assistant.answering.service import AnswerService
from assistant.answering.types import Answer, AnswerEvent, ChatMessage


class ChainInput(BaseModel):
    """A question, with the conversation so far when it is a follow-up."""

    question: str
    history: list[ChatMessage] = Field(default_factory=list)


def as_chain_input(value: str | dict[str, Any] | ChainInput) -> ChainInput:
    """A bare string is a question; a dict is read as :class:`ChainInput` (clear errors)."""
    if isinstance(value, ChainInput):
        return value
    if isinstance(value, str):
        return ChainInput(question=value)
    return ChainInput.model_validate(value)


class CitedAnswerChain(Runnable[str | dict[str, Any] | ChainInput, Answer]):
    """``question -> Answer`` (cited, guarded) as a Runnable over the answer service."""

    def __init__(self, service: AnswerService) -> None:
        self.service = service

    @property
    def InputType(self) -> Any:
        return ChainInput

    @property
    def OutputType(self) -> Any:
        return Answer

    def _answer(self, value: str | dict[str, Any] | ChainInput) -> Answer:
        request = as_chain_input(value)
        return self.service.ask(request.question, request.history)

    def invoke(
        self,
        input: str | dict[str, Any] | ChainInput,
        config: RunnableConfig | None = None,
        **kwargs: Any,
    ) -> Answer:
        return self._call_with_config(self._answer, input, config, run_type="chain")

    def stream(  # type: ignore[override]
        self,
        input: str | dict[str, Any] | ChainInput,
        config: RunnableConfig | None = None,
        **kwargs: Any,
    ) -> Iterator[AnswerEvent]:
        request = as_chain_input(input)
        yield from self.service.stream(request.question, request.history)
