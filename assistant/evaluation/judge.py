"""Optional judge-based metrics: an LLM grades faithfulness and answer relevance.

Off by default and never needed offline: it runs only when ``judge_base_url`` is configured and
``assistant eval --judge`` asks for it. The deterministic metrics stay the reference; a judge is a
second opinion whose grades are reported next to them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel

from assistant.answering.prompts import PromptLibrary
from assistant.backends.llm import chat_model
from assistant.evaluation.datasets import QuestionRecord
from assistant.settings import Settings

SCALE_MAX = 5
GRADE_RE = re.compile(r'"?(faithfulness|relevance)"?\s*[:=]\s*"?([1-5](?:\.\d+)?)')


class JudgeUnavailable(RuntimeError):
    """No judge endpoint is configured."""


class JudgeGrade(BaseModel):
    """Grades of one answer, scaled to [0, 1]; None where the judge's reply had none."""

    id: str
    faithfulness: float | None
    relevance: float | None


def parse_grades(reply: str) -> dict[str, float]:
    """The two grades from a judge reply (JSON, or 'faithfulness: 4' lines), scaled to [0, 1]."""
    grades: dict[str, float] = {}
    try:
        payload = json.loads(reply[reply.index("{") : reply.rindex("}") + 1])
        items: list[tuple[str, Any]] = list(payload.items())
    except (ValueError, AttributeError):
        items = [(m.group(1), m.group(2)) for m in GRADE_RE.finditer(reply)]
    for key, value in items:
        try:
            number = float(value)
        except (TypeError, ValueError):
            continue
        if key in ("faithfulness", "relevance") and 1 <= number <= SCALE_MAX:
            grades[key] = round((number - 1) / (SCALE_MAX - 1), 4)
    return grades


class Judge:
    """Grades answers through an OpenAI-compatible endpoint."""

    def __init__(self, settings: Settings, prompts: PromptLibrary) -> None:
        if not settings.judge_base_url:
            raise JudgeUnavailable(
                "Set ASSISTANT_JUDGE_BASE_URL (and ASSISTANT_JUDGE_MODEL) to use --judge."
            )
        self.model = chat_model(
            settings.judge_base_url, settings.judge_api_key, settings.judge_model, settings, 60
        )
        self.template = prompts.text("judge.md")

    def grade(self, record: QuestionRecord) -> JudgeGrade:
        prompt = self.template.format(
            contexts="\n".join(record.contexts[:8]), question=record.question, answer=record.answer
        )
        try:
            reply = self.model.invoke([("user", prompt)]).content
        except Exception:  # an unreachable judge leaves the grade empty, never stops the run
            reply = ""
        grades = parse_grades(reply if isinstance(reply, str) else "")
        return JudgeGrade(
            id=record.id,
            faithfulness=grades.get("faithfulness"),
            relevance=grades.get("relevance"),
        )


def judge_summary(records: Sequence[QuestionRecord], judge: Judge) -> dict[str, Any]:
    """Mean grades over the answered (not refused) questions, with every grade."""
    grades = [judge.grade(r) for r in records if not r.abstained and r.answer]

    def mean(values: list[float | None]) -> float | None:
        present = [v for v in values if v is not None]
        return round(sum(present) / len(present), 4) if present else None

    return {
        "graded": len(grades),
        "faithfulness": mean([g.faithfulness for g in grades]),
        "relevance": mean([g.relevance for g in grades]),
        "grades": [g.model_dump() for g in grades],
    }
