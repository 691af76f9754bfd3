"""Generators: from the question and its retrieved clauses to a stream of draft text.

The composed generator (the default, no model) and the LLM generators share one interface, so
the pipeline streams, guards and assembles every draft the same way. An LLM generator renders
the prompt files into chat messages here and hands them to a client from the backends layer.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, Protocol

from assistant.answering.composer import Composer
from assistant.answering.prompts import PromptLibrary
from assistant.backends.llm import ChatClient, Messages, make_chat_client
from assistant.corpus.records import Clause, ScoredClause
from assistant.settings import Settings

NOT_COVERED = "NOT COVERED"
COMPOSED = "composed"


class TextGenerator(Protocol):
    """Writes a draft answer from the retrieved clauses, as a stream of text pieces."""

    name: str

    def generate(self, question: str, hits: Sequence[ScoredClause]) -> Iterator[str]: ...


class ComposedGenerator:
    """The clauses' own wording in short cited sentences, one piece per sentence."""

    name = COMPOSED

    def __init__(self, composer: Composer) -> None:
        self.composer = composer

    def generate(self, question: str, hits: Sequence[ScoredClause]) -> Iterator[str]:
        for number, sentence in enumerate(self.composer.compose(question, hits)):
            yield sentence.render() if number == 0 else " " + sentence.render()


def _encoding(settings: Settings) -> Any:
    import tiktoken

    return tiktoken.get_encoding(settings.tiktoken_encoding)


def build_messages(
    question: str, clauses: Sequence[Clause], prompts: PromptLibrary, settings: Settings
) -> Messages:
    """System and user messages, with as many clauses as fit the token budget (best first)."""
    template = prompts.text("clause_block.txt").strip()
    encoding = _encoding(settings)
    blocks: list[str] = []
    used = 0
    for clause in clauses:
        hint = f"{clause.context} … " if clause.context and clause.kind == "subitem" else ""
        block = template.format(
            clause_id=clause.clause_id,
            heading=clause.heading or clause.kind,
            context_hint=hint,
            text=clause.text,
        )
        cost = len(encoding.encode(block))
        if used + cost > settings.context_token_budget and blocks:
            break
        blocks.append(block)
        used += cost
    user = prompts.text("answer_user.md").format(clauses="\n".join(blocks), question=question)
    return [
        {"role": "system", "content": prompts.text("system.md").strip()},
        {"role": "user", "content": user},
    ]


class LLMGenerator:
    """A chat model writing from the clauses in the prompt; its pieces stream as they come."""

    def __init__(self, client: ChatClient, prompts: PromptLibrary, settings: Settings) -> None:
        self.client = client
        self.prompts = prompts
        self.settings = settings
        self.name = client.name

    def generate(self, question: str, hits: Sequence[ScoredClause]) -> Iterator[str]:
        clauses = [h.clause for h in hits]
        yield from self.client.stream(
            build_messages(question, clauses, self.prompts, self.settings)
        )


def make_generator(settings: Settings, prompts: PromptLibrary) -> LLMGenerator | None:
    """The configured LLM generator, or None when answers are composed."""
    client = make_chat_client(settings)
    return None if client is None else LLMGenerator(client, prompts, settings)
