"""The pipeline as a LangChain Runnable, on the shipped fakes (hashing embedder, in-memory
store): the same Answer object as the service, composable with other runnables."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from langchain_core.runnables import RunnableLambda
from pydantic import ValidationError

from assistant.answering.types import Answer
from assistant.services import Services
from assistant.settings import Settings
from assistant.testing import fake_services

FUNDING = "How should governments justify the funding of digital projects?"


@pytest.fixture
def services(tmp_path: Path) -> Services:
    settings = Settings(data_dir=tmp_path / "data", _env_file=None)  # type: ignore[call-arg]
    built = fake_services(settings)
    built.index.ensure()
    return built


def test_invoke_returns_the_services_answer(services: Services) -> None:
    answer = services.chain.invoke(FUNDING)
    assert isinstance(answer, Answer) and not answer.abstained
    assert answer.answer == services.answers.ask(FUNDING).answer
    assert "IV.9" in [c.clause_id for c in answer.citations]


def test_dict_input_carries_the_history_of_a_follow_up(services: Services) -> None:
    history = [
        {"role": "user", "content": FUNDING},
        {"role": "assistant", "content": "Develop clear business cases [IV.9]."},
    ]
    answer = services.chain.invoke({"question": "and the second sub-item?", "history": history})
    assert answer.standalone_question != "and the second sub-item?"
    assert "IV.9.ii" in [c.clause_id for c in answer.citations]


def test_batch_ainvoke_and_stream_agree_with_invoke(services: Services) -> None:
    questions = [FUNDING, "Who monitors the implementation of the Recommendation?"]
    expected = [services.chain.invoke(q).answer for q in questions]
    assert [a.answer for a in services.chain.batch(questions)] == expected
    assert asyncio.run(services.chain.ainvoke(questions[0])).answer == expected[0]
    events = list(services.chain.stream(questions[0]))
    assert "".join(e.text for e in events if e.type == "delta") == expected[0]
    assert events[-1].answer is not None and events[-1].answer.answer == expected[0]


def test_composes_into_a_larger_chain(services: Services) -> None:
    cited_ids = services.chain | RunnableLambda(lambda a: [c.clause_id for c in a.citations])
    assert "IV.9" in cited_ids.invoke(FUNDING)


def test_bad_input_is_a_clear_validation_error(services: Services) -> None:
    with pytest.raises(ValidationError, match="question"):
        services.chain.invoke({"history": []})
