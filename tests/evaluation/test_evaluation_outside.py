"""Other systems under the same evaluation, on the fakes: collected answers (JSONL, ragas names)
and an OpenAI-compatible endpoint (a scripted local server), graded side by side with the
assistant, with the attribution figures."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi import FastAPI
from servers import serve

from assistant.evaluation.datasets import DatasetError, GoldItem
from assistant.evaluation.external import (
    AnswersFile,
    ChatEndpoint,
    is_refusal,
    load_answers,
    outside_response,
)
from assistant.evaluation.runner import evaluate
from assistant.services import Services

ITEMS = [
    GoldItem(
        id="q1",
        question="How should governments justify the funding of digital projects?",
        type="ministry brief",
        gold=["IV.9.i"],
        key_facts=["business cases"],
    ),
    GoldItem(id="q2", question="Who won the 1998 cup?", type="off topic", must_refuse=True),
]
GOOD = (
    "Governments should develop clear business cases to sustain the funding of digital "
    "technologies projects (paragraph 9)."
)
BAD = (
    "Governments must develop clear business cases, and projects above EUR 1 million need approval."
)


def write(path: Path, *rows: dict[str, object]) -> Path:
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    return path


def test_an_outside_answer_names_its_clauses_and_refusals_are_recognised(
    fake_index: Services,
) -> None:
    response = outside_response(GOOD + " See also [II.4].", [], fake_index.corpus)
    assert response.citations == ["II.4", "IV.9"]
    assert not response.abstained
    assert is_refusal("The Recommendation does not cover football results.")
    assert is_refusal("")
    assert not is_refusal(GOOD)


def test_answers_files_match_by_id_or_question_and_accept_ragas_names(
    fake_index: Services, tmp_path: Path
) -> None:
    path = write(
        tmp_path / "theirs.jsonl",
        {"id": "q1", "question": "ignored wording", "answer": GOOD},
        {"user_input": "Who won the 1998 cup?", "response": "France.", "retrieved_contexts": ["x"]},
    )
    answers = AnswersFile(path, fake_index.corpus)
    assert answers.respond(ITEMS[0]).answer == GOOD
    assert answers.respond(ITEMS[1]).contexts == ["x"]
    other = GoldItem(id="q9", question="Something else?", type="x")
    with pytest.raises(LookupError, match=r"theirs\.jsonl has no answer for q9"):
        answers.respond(other)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('{"question": "q"}', r"theirs.jsonl:1: answer: Field required"),
        ("{not json", r"theirs.jsonl:1: not valid JSON"),
    ],
)
def test_a_bad_answers_line_is_named(tmp_path: Path, line: str, message: str) -> None:
    path = tmp_path / "theirs.jsonl"
    path.write_text(line + "\n", encoding="utf-8")
    with pytest.raises(DatasetError, match=message):
        load_answers(path)


def scripted_chat(replies: dict[str, str]) -> FastAPI:
    """An OpenAI-compatible endpoint answering each question from a script."""
    app = FastAPI()

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/v1/chat/completions")
    def chat(body: dict[str, object]) -> dict[str, object]:
        messages = body["messages"]
        assert isinstance(messages, list)
        answer = replies.get(messages[-1]["content"], "I do not know.")
        return {"choices": [{"message": {"role": "assistant", "content": answer}}]}

    return app


def test_a_chat_endpoint_is_graded_beside_the_assistant(
    fake_index: Services, tmp_path: Path
) -> None:
    files = AnswersFile(
        write(
            tmp_path / "theirs.jsonl",
            {"id": "q1", "answer": BAD, "question": "q"},
            {"id": "q2", "answer": "France won.", "question": "q"},
        ),
        fake_index.corpus,
    )
    with serve(scripted_chat({ITEMS[0].question: GOOD})) as url:
        endpoint = ChatEndpoint(url + "/v1", fake_index.corpus)
        run = evaluate(fake_index, ITEMS, outside=[endpoint, files], progress=False)
    systems = run.summary["systems"]
    assert list(systems) == ["assistant", endpoint.name, "theirs"]
    chat, theirs = systems[endpoint.name], systems["theirs"]
    assert chat["attribution"]["supported_share"] == 1.0
    assert chat["attribution"]["correct_clause_mentioned"] == 1.0
    assert chat["abstention"]["recall"] == 1.0  # "I do not know." to the football question
    assert theirs["attribution"]["contradictions"] >= 1
    assert theirs["abstention"]["recall"] == 0.0  # it answered the football question
    assert systems["assistant"]["attribution"]["answers_checked"] >= 1
    assert set(theirs["by_type"]) == {"ministry brief", "off topic"}
