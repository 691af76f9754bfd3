"""Judge-based metrics: off unless configured; graded through a real (fake-model) HTTP server."""

from __future__ import annotations

import pytest
from fake_llm_server import FakeLLMServer

from assistant.answering.prompts import PromptLibrary
from assistant.evaluation.datasets import QuestionRecord
from assistant.evaluation.judge import Judge, JudgeUnavailable, judge_summary, parse_grades
from assistant.settings import Settings


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        ('{"faithfulness": 5, "relevance": 3}', {"faithfulness": 1.0, "relevance": 0.5}),
        ('Sure! {"faithfulness": 1, "relevance": 5} done', {"faithfulness": 0.0, "relevance": 1.0}),
        ("faithfulness: 4\nrelevance = 2", {"faithfulness": 0.75, "relevance": 0.25}),
        ('{"faithfulness": 9, "relevance": "x"}', {}),
        ("I cannot grade this.", {}),
    ],
)
def test_parse_grades(reply: str, expected: dict[str, float]) -> None:
    assert parse_grades(reply) == expected


def test_judge_is_off_without_an_endpoint(tmp_settings: Settings) -> None:
    with pytest.raises(JudgeUnavailable, match="ASSISTANT_JUDGE_BASE_URL"):
        Judge(tmp_settings, PromptLibrary(tmp_settings.prompts_dir))


def _record(rid: str, answer: str, abstained: bool = False) -> QuestionRecord:
    return QuestionRecord(
        system="assistant", id=rid, type="verbatim", question="What is public value?", gold=[],
        must_refuse=False, answer=answer, abstained=abstained, contexts=["Public value refers to"],
    )  # fmt: skip


def test_judge_grades_answers_through_an_openai_compatible_server(tmp_settings: Settings) -> None:
    with FakeLLMServer() as server:
        server.queue('{"faithfulness": 5, "relevance": 5}', '{"faithfulness": 2, "relevance": 4}')
        settings = tmp_settings.model_copy(update={"judge_base_url": server.base_url})
        judge = Judge(settings, PromptLibrary(settings.prompts_dir))
        records = [_record("a", "Answer one."), _record("b", "Answer two."), _record("c", "", True)]
        summary = judge_summary(records, judge)
        prompt = server.last_chat.text
    assert summary["graded"] == 2  # the refusal is not graded
    assert summary["faithfulness"] == pytest.approx((1.0 + 0.25) / 2)
    assert summary["relevance"] == pytest.approx((1.0 + 0.75) / 2)
    assert "Answer two." in prompt and "Public value refers to" in prompt
