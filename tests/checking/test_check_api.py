"""POST /v1/check on the fakes: verdicts with offsets, and 422s that say what is wrong."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from assistant.checking.types import MAX_CHECK_CHARS
from assistant.services import Services
from assistant.web.app_factory import create_app

DRAFT = (
    "Hello all. Governments must develop clear business cases to sustain the funding of "
    "digital technologies projects [IV.9]. Governments should procure digital technologies "
    "based on assessment of existing assets."
)


@pytest.fixture
def client(fake_index: Services) -> Iterator[TestClient]:
    with TestClient(create_app(fake_index, with_ui=False), raise_server_exceptions=False) as api:
        yield api


def test_check_returns_each_sentence_with_verdict_clause_and_offsets(client: TestClient) -> None:
    response = client.post("/v1/check", json={"text": DRAFT})
    assert response.status_code == 200, response.text
    body = response.json()
    sentences = body["sentences"]
    assert [s["verdict"] for s in sentences] == [
        "not a claim about the text",
        "contradicted",
        "supported",
    ]
    assert [DRAFT[s["start"] : s["end"]] for s in sentences] == [s["sentence"] for s in sentences]
    assert sentences[1]["cited"] == ["IV.9"]
    assert sentences[1]["differences"][0] == {
        "kind": "modality",
        "claim": "must",
        "clause": "recommends",
    }
    assert sentences[2]["clause_ids"] == ["IV.11"]
    assert body["counts"]["contradicted"] == 1


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"text": ""}, "at least 1 character"),
        ({"text": "  \n "}, "the text is blank"),
        ({"text": "x" * (MAX_CHECK_CHARS + 1)}, f"at most {MAX_CHECK_CHARS} characters"),
        ({"draft": "Governments should."}, "text"),
    ],
)
def test_empty_blank_or_too_long_text_is_a_422_with_a_message(
    client: TestClient, body: dict[str, str], message: str
) -> None:
    response = client.post("/v1/check", json=body)
    assert response.status_code == 422
    error = response.json()["error"]
    assert message in error["message"]
