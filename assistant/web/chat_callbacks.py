"""The web chat's callbacks: what happens when a visitor asks, clicks a citation chip, browses
the clause tree, exports an answer or starts over.

Kept apart from ``web.ui`` (which lays the page out and wires these to its components) so the
behaviour of the chat reads, and changes, without the Gradio layout around it. Every text shown
is rendered by ``web.markdown_export``, which escapes it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import gradio as gr

from assistant.answering.limits import RequestRejected, check_request
from assistant.answering.types import Answer, ChatMessage
from assistant.retrieval.search import IndexNotReady
from assistant.services import Services
from assistant.web import markdown_export as render
from assistant.web.audit import AuditLog
from assistant.web.markdown_export import answer_markdown

logger = logging.getLogger("assistant.web.ui")  # the chat's logger, named for the page it serves


class ChatController:
    """The chat's callbacks; holds only the services, never a conversation (that travels in
    the session's own state and comes back with each event)."""

    def __init__(self, services: Services, audit: AuditLog | None = None) -> None:
        self.services = services
        self.settings = services.settings
        self.audit = audit

    def respond(
        self,
        question: str,
        chat: list[dict[str, Any]],
        conversation: list[dict[str, str]],
        instruments: list[str] | None = None,
    ) -> Iterator[tuple[Any, ...]]:
        """Stream one answer into the chat (from the picker's ``instruments``); yields (chat,
        textbox, chips, conversation, answer)."""
        question = (question or "").strip()
        if not question:
            yield chat, "", gr.skip(), conversation, gr.skip()
            return
        chat = [*chat, {"role": "user", "content": render.user_text(question)}]
        history = self._history(conversation)
        try:
            check_request(question, history, self.settings)
        except RequestRejected as exc:
            chat.append({"role": "assistant", "content": render.notice(str(exc))})
            yield chat, question, gr.skip(), conversation, gr.skip()
            return
        chat.append({"role": "assistant", "content": render.thinking()})
        yield chat, "", render.chips_bar(None), conversation, gr.skip()
        streamed, answer = "", None
        try:
            for event in self.services.answers.stream(question, history, self._known(instruments)):
                if event.type == "delta" and event.text:
                    streamed += event.text
                    chat[-1] = {"role": "assistant", "content": render.streaming(streamed)}
                    yield chat, "", gr.skip(), conversation, gr.skip()
                elif event.answer is not None:
                    answer = event.answer
        except IndexNotReady:
            logger.warning("Web chat: index not ready")
            message = "The clause index is not available right now. Please try again shortly."
            chat[-1] = {"role": "assistant", "content": render.notice(message)}
            yield chat, question, gr.skip(), conversation, gr.skip()
            return
        except ValueError as exc:
            chat[-1] = {"role": "assistant", "content": render.notice(str(exc))}
            yield chat, question, gr.skip(), conversation, gr.skip()
            return
        except Exception:  # never show internals; keep the question for another try
            logger.exception("Web chat: answering failed")
            message = "Something went wrong while answering. Please try again."
            chat[-1] = {"role": "assistant", "content": render.notice(message)}
            yield chat, question, gr.skip(), conversation, gr.skip()
            return
        if answer is None:
            chat[-1] = {"role": "assistant", "content": render.notice("No answer was produced.")}
            yield chat, question, gr.skip(), conversation, gr.skip()
            return
        if self.audit is not None:
            self.audit.record("web", "web", answer)
        chat[-1] = {"role": "assistant", "content": render.answer_html(answer)}
        conversation = [*conversation, *_turns(question, answer.answer)]
        yield chat, "", render.chips_bar(answer), conversation, answer.model_dump(mode="json")

    def _history(self, conversation: list[dict[str, str]]) -> list[ChatMessage]:
        """The turns a follow-up is read against (the latest ones, as the settings allow)."""
        turns = self.settings.max_history_turns
        history = [ChatMessage.model_validate(m) for m in conversation]
        return history[-turns:] if turns else []

    def _known(self, instruments: list[str] | None) -> list[str] | None:
        """The picker's ticked instruments; none (or an unknown value) means no limit."""
        known = self.services.corpus.instrument_by_id
        return [i for i in instruments or [] if i in known] or None

    def show_clause(self, clause_id: str | None) -> str:
        corpus = self.services.corpus
        clause = corpus.get((clause_id or "").strip())
        if clause is None:
            return render.panel_message(f"There is no clause “{clause_id or ''}”.")
        instrument = corpus.instrument_by_id[clause.instrument_id]
        return render.clause_panel(clause, instrument, corpus.children(clause))

    def browse_clause(self, clause_id: str | None) -> Any:
        """A clause picked in the browser; nothing to do when the list was just reset."""
        return self.show_clause(clause_id) if clause_id else gr.skip()

    def on_load(self, request: gr.Request) -> str:
        """Open ``?clause=ID`` from the address (chips work even when scripts are off)."""
        clause_id = request.query_params.get("clause") if request else None
        return self.show_clause(clause_id) if clause_id else render.panel_intro()

    def pick_section(self, section_id: str | None) -> tuple[str, Any]:
        corpus = self.services.corpus
        section = corpus.get(section_id or "")
        if section is None:
            return render.panel_intro(), gr.update(choices=[], value=None)
        choices = [(render.browser_label(c), c.clause_id) for c in descendants(corpus, section)]
        return self.show_clause(section.clause_id), gr.update(choices=choices, value=None)

    def export(self, answer: dict[str, Any] | None) -> Any:
        if not answer:
            text = "Ask a question first: the latest answer is exported here."
            return gr.update(value=text, visible=True)
        return gr.update(value=answer_markdown(Answer.model_validate(answer)), visible=True)


def _turns(question: str, answer: str) -> list[dict[str, str]]:
    """The question and its answer, as the conversation keeps them for follow-ups."""
    return [{"role": "user", "content": question}, {"role": "assistant", "content": answer}]


def descendants(corpus: Any, clause: Any) -> list[Any]:
    """Paragraphs and sub-items under a section, in document order."""
    found = []
    for child in corpus.children(clause):
        found.append(child)
        found.extend(descendants(corpus, child))
    return found


def pick_example(event: gr.SelectData) -> str:
    """The text of the example question the visitor picked."""
    value = event.value
    return str(value.get("text", "")) if isinstance(value, dict) else str(value)


def fresh_start() -> tuple[Any, ...]:
    """Empty chat, textbox, chips, conversation, answer and export: a new conversation."""
    return [], "", render.chips_bar(None), [], None, gr.update(value="", visible=False)


def section_choices(services: Services) -> list[tuple[str, str]]:
    corpus = services.corpus
    return [(render.section_label(c), c.clause_id) for c in corpus.clauses if c.parent_id is None]
