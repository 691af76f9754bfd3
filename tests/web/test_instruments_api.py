"""Two instruments over HTTP (real app, real index, real model): the instrument list, the
`instruments` filter on ask and search, citations that carry their instrument, and the version
notice of the AI Recommendation's 2019 wording."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from assistant.services import Services
from assistant.web.app_factory import create_app

pytestmark = pytest.mark.integration

AI = "OECD/LEGAL/0449"
DG = "OECD/LEGAL/0406"


@pytest.fixture(scope="module")
def client(real_services: Services) -> Iterator[TestClient]:
    with TestClient(create_app(real_services), raise_server_exceptions=False) as test_client:
        yield test_client


def test_the_instruments_are_listed_primary_first_with_their_wording(client: TestClient) -> None:
    listed = client.get("/v1/instruments").json()["instruments"]
    assert [i["id"] for i in listed] == [DG, AI]
    primary, ai = listed
    assert primary["primary"] and primary["id_prefix"] == "" and primary["clauses"] > 70
    assert not ai["primary"] and ai["id_prefix"] == "AI" and ai["adopted"] == "2019-05-22"
    assert "not included" in ai["version"] and "2023" in ai["version_notice"]


def test_an_ai_question_is_answered_from_the_ai_recommendation_with_its_notice(
    client: TestClient,
) -> None:
    answer = client.post(
        "/v1/ask",
        json={"question": "What do the OECD AI Principles say about explaining AI decisions?"},
    ).json()
    assert not answer["abstained"]
    assert answer["citations"] and all(c["instrument"] == AI for c in answer["citations"])
    assert all(c["clause_id"].startswith("AI:") for c in answer["citations"])
    assert answer["citations"][0]["instrument_title"] == "Artificial Intelligence"
    assert "[AI:1.3" in answer["answer"]
    assert any("22 May 2019" in n and "not in the text" in n for n in answer["notices"])


def test_the_filter_keeps_an_answer_to_one_instrument(client: TestClient) -> None:
    question = "Who monitors the implementation and reports to the Council?"
    for instrument, prefix in ((DG, ""), (AI, "AI:")):
        answer = client.post(
            "/v1/ask", json={"question": question, "instruments": [instrument]}
        ).json()
        assert answer["citations"], instrument
        assert all(c["instrument"] == instrument for c in answer["citations"])
        assert all(c["clause_id"].startswith(prefix) for c in answer["citations"])
    hits = client.get("/v1/search", params={"q": question, "instruments": AI}).json()["results"]
    assert hits and {h["instrument"] for h in hits} == {AI}


def test_an_unknown_instrument_is_a_clear_422(client: TestClient) -> None:
    reply = client.post("/v1/ask", json={"question": "Who monitors it?", "instruments": ["X/1"]})
    assert reply.status_code == 422
    assert reply.json()["error"]["code"] == "unknown_instrument"
    assert DG in reply.json()["error"]["message"]
    searched = client.get("/v1/search", params={"q": "monitoring", "instruments": "nope"})
    assert searched.status_code == 422


def test_a_question_about_the_amendments_says_which_text_it_rests_on(client: TestClient) -> None:
    answer = client.post(
        "/v1/ask", json={"question": "What did the 2024 revision of the AI Recommendation change?"}
    ).json()
    assert any("amendments are not in the text" in n for n in answer["notices"])


def test_every_clause_of_both_instruments_opens(client: TestClient) -> None:
    tree = client.get("/v1/clauses").json()["instruments"]
    assert [t["id"] for t in tree] == [DG, AI]
    clause = client.get("/v1/clauses/AI:2.5.c").json()
    assert clause["instrument"] == AI and clause["text"].startswith("Governments should promote")
    assert client.get("/v1/clauses/AI:9.9").status_code == 404
