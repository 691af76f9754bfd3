"""The web chat driven by `gradio_client` on a real server (the app as `python app.py` builds
it), plus the pure rendering helpers: chips, refusals, escaping, Markdown export."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from gradio_client import Client
from servers import serve

from assistant.answering.types import Answer, Citation, Receipt
from assistant.services import Services
from assistant.web import markdown_export as render
from assistant.web.app_factory import create_app

# Gradio's queue uses pandas options that pandas 3 deprecates; not ours to fix.
pytestmark = [
    pytest.mark.filterwarnings("ignore:.*no_silent_downcasting"),
    pytest.mark.filterwarnings("ignore:The copy keyword is deprecated"),
]

FUNDING = "How should governments justify funding for digital projects?"
ATTACK = "<script>alert(1)</script><img src=x onerror=alert(2)> What is digital government?"


@pytest.fixture(scope="module")
def server_url(real_services: Services) -> Iterator[str]:
    with serve(create_app(real_services)) as url:
        yield url


@pytest.fixture
def chat_client(server_url: str) -> Client:
    """A fresh visitor: its own session, so its own conversation."""
    return Client(server_url + "/", verbose=False)


def text_of(message: dict[str, Any]) -> str:
    content = message["content"]
    if isinstance(content, str):
        return content
    return "".join(part.get("text", "") for part in content if isinstance(part, dict))


@pytest.mark.integration
def test_ask_streams_an_answer_with_citation_chips(chat_client: Client) -> None:
    chat, textbox, chips = chat_client.predict(FUNDING, [], api_name="/ask")
    assert [m["role"] for m in chat] == ["user", "assistant"] and textbox == ""
    answer = text_of(chat[-1])
    assert 'class="cite-chip"' in answer and 'data-clause="IV.9' in answer
    assert "[IV.9" not in answer  # markers became chips
    assert 'data-clause="IV.9' in chips and "Cited" in chips


@pytest.mark.integration
def test_follow_up_uses_the_conversation(chat_client: Client) -> None:
    chat, _, _ = chat_client.predict(FUNDING, [], api_name="/ask")
    chat, _, chips = chat_client.predict(
        "And what about the second sub-item?", chat, api_name="/ask"
    )
    assert len(chat) == 4
    assert 'data-clause="IV.9.ii"' in text_of(chat[-1]) and "IV.9.ii" in chips


@pytest.mark.integration
def test_refusal_looks_different_and_suggests_clauses(chat_client: Client) -> None:
    chat, _, chips = chat_client.predict(
        "Who won the 1998 football world cup?", [], api_name="/ask"
    )
    reply = text_of(chat[-1])
    assert 'class="refusal"' in reply and "Not covered by the text" in reply
    assert "cite-chip" in reply and "Nearest clauses" in chips


@pytest.mark.integration
def test_html_in_a_question_is_shown_as_text(chat_client: Client) -> None:
    chat, _, _ = chat_client.predict(ATTACK, [], api_name="/ask")
    shown = text_of(chat[0])
    assert "<script" not in shown and "<img" not in shown
    assert "&lt;script&gt;" in shown and "&lt;img" in shown


@pytest.mark.integration
def test_clause_panel(chat_client: Client) -> None:
    panel = chat_client.predict("IV.9.i", api_name="/clause")
    assert "articulating the value proposition" in panel
    assert "Develop clear business cases" in panel  # the paragraph heading
    assert 'href="https://legalinstruments.oecd.org/' in panel
    assert "There is no clause" in chat_client.predict("<b>X.1</b>", api_name="/clause")
    assert "<b>X.1</b>" not in chat_client.predict("<b>X.1</b>", api_name="/clause")


# -- rendering (pure functions) ----------------------------------------------------------------


def make_answer(text: str, abstained: bool = False) -> Answer:
    cite = Citation(
        clause_id="IV.9.i",
        instrument="OECD/LEGAL/0406",
        label="IV.9.i — Develop clear business cases <b>",
        heading="Develop clear business cases",
        text="articulating the value proposition <i>for all</i> projects",
        url="https://legalinstruments.oecd.org/en/instruments/OECD-LEGAL-0406",
    )
    receipt = Receipt(
        assistant_version="0",
        corpus_hash="c",
        index_version="i",
        embedding_model="m",
        prompt_version="p",
        generator="composed",
        created_at="2026-01-01T00:00:00+00:00",
    )
    return Answer(
        question="How? <script>x</script>",
        standalone_question="How?",
        answer=text,
        citations=[] if abstained else [cite],
        related=[cite] if abstained else [],
        abstained=abstained,
        generator="composed",
        receipt=receipt,
    )


def test_answer_html_escapes_text_and_makes_chips() -> None:
    html = render.answer_html(make_answer("Fund it <img src=x onerror=y> [IV.9.i]. Also [X.1]."))
    assert "<img" not in html and "&lt;img src=x onerror=y&gt;" in html
    assert html.count('class="cite-chip"') == 1 and "[X.1]" in html
    assert 'data-clause="IV.9.i"' in html and "<b>" not in html


def test_notices_are_shown_before_the_answer_escaped() -> None:
    answer = make_answer("Fund it [IV.9.i].")
    answer.notices = ["The Recommendation does not mention <GDPR>; this answer gives only ..."]
    html = render.answer_html(answer)
    assert html.index('class="chat-notice"') < html.index('class="cite-chip"')
    assert "&lt;GDPR&gt;" in html and "<GDPR>" not in html
    assert "> *Note:* The Recommendation does not mention" in render.answer_markdown(answer)


def test_refusal_html_has_a_banner_and_related_chips() -> None:
    html = render.answer_html(make_answer("Not covered.", abstained=True))
    assert 'class="refusal"' in html and "Not covered by the text" in html
    assert 'data-clause="IV.9.i"' in html


def test_markdown_export_uses_footnotes() -> None:
    markdown = render.answer_markdown(make_answer("Fund it [IV.9.i]. Again [IV.9.i]."))
    assert "Fund it [^1]. Again [^1]." in markdown
    assert "[^1]: IV.9.i — Develop clear business cases." in markdown
    assert "OECD/LEGAL/0406, <https://legalinstruments.oecd.org/" in markdown
    assert "<script>" not in markdown and "<i>" not in markdown
    refusal = render.answer_markdown(make_answer("Not covered.", abstained=True))
    assert "Not covered by the text" in refusal and "Nearest clauses" in refusal
