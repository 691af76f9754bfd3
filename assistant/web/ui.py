"""The web chat: a Gradio Blocks page over the same answer service as the API.

Answers stream into the chat; their ``[ID]`` markers become citation chips. A chip is a link to
``?clause=ID`` (so it works from the keyboard and even without scripts); a small script turns the
click into an in-page event that opens the clause in the side panel. Every text that comes from a
user, a generator or the corpus is escaped before it is put into HTML.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import gradio as gr
from fastapi import FastAPI

from assistant.answering.limits import RequestRejected, check_request
from assistant.answering.types import Answer, ChatMessage
from assistant.retrieval.search import IndexNotReady
from assistant.services import Services
from assistant.web import markdown_export as render
from assistant.web.markdown_export import answer_markdown
from assistant.web.security import AuditLog

logger = logging.getLogger("assistant.web.ui")

EXAMPLES = [
    "How should we justify the funding of a digital project?",
    "What does the Recommendation say about open government data?",
    "Who should be involved in designing a digital government strategy?",
    "How should governments manage digital security risks?",
]

# Installed once by the hidden bridge component: any click on an element carrying a clause id
# (chips in the chat, in the chips bar, in the panel) becomes a 'click' event with that id.
BRIDGE_JS = """
if (!window.__clauseBridgeInstalled) {
  window.__clauseBridgeInstalled = true;
  document.addEventListener('click', (event) => {
    const chip = event.target.closest('[data-clause], a[href^="?clause="]');
    if (!chip) return;
    let id = chip.getAttribute('data-clause');
    if (!id) id = new URLSearchParams(chip.getAttribute('href').slice(1)).get('clause');
    if (!id) return;
    event.preventDefault();
    props.value = id;
    trigger('click');
    const panel = document.getElementById('clause-panel');
    if (panel) panel.scrollIntoView({behavior: 'smooth', block: 'nearest'});
  }, true);
}
"""

HEAD = """<meta name="description" content="Cited answers from the OECD Recommendation on
Digital Government Strategies">
<script>
// Label the page's regions for screen readers once Gradio has rendered them.
(function label() {
  const set = (id, attrs) => { const el = document.getElementById(id);
    if (el) Object.entries(attrs).forEach(([k, v]) => el.setAttribute(k, v)); return !!el; };
  const done = set('clause-panel',
      {'role': 'region', 'aria-label': 'Clause text', 'aria-live': 'polite'})
    & set('citation-chips', {'role': 'region', 'aria-label': 'Cited clauses'});
  if (!done) setTimeout(label, 300);
})();
</script>"""


class ChatController:
    """The chat's callbacks; holds only the services, never a conversation (that travels in
    the session's own state and comes back with each event)."""

    def __init__(self, services: Services, audit: AuditLog | None = None) -> None:
        self.services = services
        self.settings = services.settings
        self.audit = audit

    def respond(
        self, question: str, chat: list[dict[str, Any]], conversation: list[dict[str, str]]
    ) -> Iterator[tuple[Any, ...]]:
        """Stream one answer into the chat; yields (chat, textbox, chips, conversation, answer)."""
        question = (question or "").strip()
        if not question:
            yield chat, "", gr.skip(), conversation, gr.skip()
            return
        chat = [*chat, {"role": "user", "content": render.user_text(question)}]
        history = [ChatMessage.model_validate(m) for m in conversation]
        history = (
            history[-self.settings.max_history_turns :] if self.settings.max_history_turns else []
        )
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
            for event in self.services.answers.stream(question, history):
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
        conversation = [
            *conversation,
            {"role": "user", "content": question},
            {"role": "assistant", "content": answer.answer},
        ]
        yield chat, "", render.chips_bar(answer), conversation, answer.model_dump(mode="json")

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


def build_ui(services: Services, audit: AuditLog | None = None) -> gr.Blocks:
    """The chat page; built once per app (about a second), served to every visitor."""
    ctl = ChatController(services, audit)
    title = services.corpus.primary.title
    with gr.Blocks(title=f"{title} — cited assistant", analytics_enabled=False) as blocks:
        conversation = gr.State([])
        last_answer = gr.State(None)
        gr.HTML(render.header(services.corpus.primary), elem_id="page-header")
        with gr.Row(equal_height=False):
            with gr.Column(scale=3, min_width=380):
                chat = gr.Chatbot(
                    label="Conversation",
                    show_label=False,
                    elem_id="chat",
                    height=500,
                    examples=[{"text": q} for q in EXAMPLES],
                    placeholder=render.placeholder(),
                    buttons=[],
                    feedback_options=None,
                    sanitize_html=True,
                    group_consecutive_messages=False,
                )
                chips = gr.HTML(
                    render.chips_bar(None), label="Cited clauses", elem_id="citation-chips"
                )
                question = gr.Textbox(
                    label="Your question",
                    elem_id="question",
                    placeholder="Ask about the Recommendation, e.g. how to justify the funding "
                    "of a digital project… (Enter to send, Shift+Enter for a new line)",
                    lines=1,
                    max_lines=6,
                    max_length=services.settings.max_question_chars,
                    autofocus=True,
                )
                with gr.Row():
                    send = gr.Button("Ask", variant="primary", elem_id="send", size="md", scale=2)
                    new_chat = gr.Button("New chat", elem_id="new-chat", size="md", scale=1)
                    export = gr.Button(
                        "Export Markdown", elem_id="export-button", size="md", scale=1
                    )
                exported = gr.Code(
                    language="markdown",
                    label="Latest answer as Markdown, with footnoted citations",
                    elem_id="export-markdown",
                    visible=False,
                    wrap_lines=True,
                    show_line_numbers=False,
                    buttons=["copy", "download"],
                )
            with gr.Column(scale=2, min_width=320):
                panel = gr.HTML(render.panel_intro(), label="Clause text", elem_id="clause-panel")
                with gr.Accordion("Browse the Recommendation", open=True, elem_id="browser"):
                    section = gr.Dropdown(
                        section_choices(services),
                        label="Section",
                        elem_id="browse-section",
                        value=None,
                    )
                    paragraph = gr.Dropdown(
                        [], label="Paragraph or item", elem_id="browse-clause", value=None
                    )
        bridge = gr.HTML(
            "", html_template="", js_on_load=BRIDGE_JS, visible="hidden", elem_id="clause-bridge"
        )

        outputs = [chat, question, chips, conversation, last_answer]
        ask_inputs = [question, chat, conversation]
        question.submit(
            ctl.respond,
            ask_inputs,
            outputs,
            api_name="ask",
            concurrency_limit=8,
            show_progress="minimal",
        )
        send.click(
            ctl.respond,
            ask_inputs,
            outputs,
            api_visibility="private",
            concurrency_limit=8,
            show_progress="minimal",
        )
        chat.example_select(pick_example, None, question, api_visibility="private").then(
            ctl.respond, ask_inputs, outputs, api_visibility="private", concurrency_limit=8
        )
        for clearing in (new_chat.click, chat.clear):
            clearing(fresh_start, None, [*outputs, exported], api_visibility="private")
        export.click(ctl.export, last_answer, exported, api_visibility="private")
        bridge.click(ctl.show_clause, bridge, panel, api_name="clause")
        section.change(ctl.pick_section, section, [panel, paragraph], api_visibility="private")
        paragraph.change(ctl.browse_clause, paragraph, panel, api_visibility="private")
        blocks.load(ctl.on_load, None, panel, api_visibility="private", show_progress="hidden")
    return blocks


def mount_ui(app: FastAPI, services: Services, audit: AuditLog | None = None) -> None:
    """Mount the chat at ``/`` (after the API routes, so ``/v1``, ``/docs`` and health stay
    reachable); fonts are the system's, so the page loads without any outside request."""
    blocks = build_ui(services, audit)
    blocks.queue(default_concurrency_limit=8)
    theme = gr.themes.Soft(
        primary_hue="blue",
        neutral_hue="slate",
        font=["system-ui", "Segoe UI", "Roboto", "Helvetica", "Arial", "sans-serif"],
        font_mono=["ui-monospace", "SFMono-Regular", "Menlo", "Consolas", "monospace"],
    )
    gr.mount_gradio_app(
        app,
        blocks,
        path="/",
        theme=theme,
        css=render.CSS,
        head=HEAD,
        footer_links=["api"],
        show_error=False,  # a failing callback shows a generic error, never its message
    )
