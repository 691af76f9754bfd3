"""The web chat: a Gradio Blocks page over the same answer service as the API.

Answers stream into the chat; their ``[ID]`` markers become citation chips. A chip is a link to
``?clause=ID`` (so it works from the keyboard and even without scripts); a small script turns the
click into an in-page event that opens the clause in the side panel. Every text that comes from a
user, a generator or the corpus is escaped before it is put into HTML. This module lays the page
out and wires its events; what the events do is in ``web.chat_callbacks``.
"""

from __future__ import annotations

from dataclasses import dataclass

import gradio as gr
from fastapi import FastAPI

from assistant.services import Services
from assistant.web import markdown_export as render
from assistant.web.audit import AuditLog
from assistant.web.chat_callbacks import (
    ChatController,
    fresh_start,
    pick_example,
    section_choices,
)
from assistant.web.check_views import check_tab

EXAMPLES = [
    "How should we justify the funding of a digital project?",
    "What does the Recommendation say about open government data?",
    "What do the OECD AI Principles say about explaining automated decisions?",
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
// Gradio marks the example questions as a list of buttons, which is not a list (WCAG 1.3.1).
new MutationObserver(() => document.querySelectorAll('.examples[role="list"]').forEach((el) => {
  el.setAttribute('role', 'group'); el.setAttribute('aria-label', 'Example questions'); })
).observe(document.documentElement, {childList: true, subtree: true});
</script>"""


@dataclass
class ChatColumn:
    """The conversation side of the page: chat, chips, question box, buttons and export."""

    chat: gr.Chatbot
    chips: gr.HTML
    question: gr.Textbox
    send: gr.Button
    new_chat: gr.Button
    export: gr.Button
    exported: gr.Code
    instruments: gr.CheckboxGroup


@dataclass
class ClauseColumn:
    """The reading side of the page: the clause panel and the section/paragraph browser."""

    panel: gr.HTML
    section: gr.Dropdown
    paragraph: gr.Dropdown


@dataclass
class ChatPage:
    """Every component an event is wired to, including the per-session state."""

    left: ChatColumn
    right: ClauseColumn
    bridge: gr.HTML
    conversation: gr.State
    last_answer: gr.State


def chat_column(services: Services) -> ChatColumn:
    """Conversation, chips, question box, buttons and the (hidden) Markdown export."""
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
        chips = gr.HTML(render.chips_bar(None), label="Cited clauses", elem_id="citation-chips")
        question = gr.Textbox(
            label="Your question",
            elem_id="question",
            placeholder="Ask about the OECD texts, e.g. how to justify the funding "
            "of a digital project… (Enter to send, Shift+Enter for a new line)",
            lines=1,
            max_lines=6,
            max_length=services.settings.max_question_chars,
            autofocus=True,
        )
        choices = [
            (item.instrument.short_title or item.instrument.title, item.instrument.id)
            for item in services.corpus.instruments
        ]
        instruments = gr.CheckboxGroup(
            choices,
            value=[value for _, value in choices],
            label="Answer from",
            elem_id="instrument-picker",
            visible=len(choices) > 1,
        )
        with gr.Row():
            send = gr.Button("Ask", variant="primary", elem_id="send", size="md", scale=2)
            new_chat = gr.Button("New chat", elem_id="new-chat", size="md", scale=1)
            export = gr.Button("Export Markdown", elem_id="export-button", size="md", scale=1)
        exported = gr.Code(
            language="markdown",
            label="Latest answer as Markdown, with footnoted citations",
            elem_id="export-markdown",
            visible=False,
            wrap_lines=True,
            show_line_numbers=False,
            buttons=["copy", "download"],
        )
    return ChatColumn(chat, chips, question, send, new_chat, export, exported, instruments)


def clause_column(services: Services) -> ClauseColumn:
    """The clause panel and the browser (a section, then one of its paragraphs or items)."""
    with gr.Column(scale=2, min_width=320):
        panel = gr.HTML(render.panel_intro(), label="Clause text", elem_id="clause-panel")
        with gr.Accordion("Browse the texts", open=True, elem_id="browser"):
            section = gr.Dropdown(
                section_choices(services),
                label="Section",
                elem_id="browse-section",
                value=None,
            )
            paragraph = gr.Dropdown(
                [], label="Paragraph or item", elem_id="browse-clause", value=None
            )
    return ClauseColumn(panel, section, paragraph)


def wire_chat(ctl: ChatController, page: ChatPage) -> None:
    """Asking (Enter, the button, an example), starting over and exporting."""
    left = page.left
    outputs = [left.chat, left.question, left.chips, page.conversation, page.last_answer]
    ask_inputs = [left.question, left.chat, page.conversation, left.instruments]
    left.question.submit(
        ctl.respond,
        ask_inputs,
        outputs,
        api_name="ask",
        concurrency_limit=8,
        show_progress="minimal",
    )
    left.send.click(
        ctl.respond,
        ask_inputs,
        outputs,
        api_visibility="private",
        concurrency_limit=8,
        show_progress="minimal",
    )
    left.chat.example_select(pick_example, None, left.question, api_visibility="private").then(
        ctl.respond, ask_inputs, outputs, api_visibility="private", concurrency_limit=8
    )
    for clearing in (left.new_chat.click, left.chat.clear):
        clearing(fresh_start, None, [*outputs, left.exported], api_visibility="private")
    left.export.click(ctl.export, page.last_answer, left.exported, api_visibility="private")


def wire_clauses(ctl: ChatController, page: ChatPage, blocks: gr.Blocks) -> None:
    """Opening a clause: from a chip (via the bridge), the browser, or ``?clause=`` on load."""
    right = page.right
    page.bridge.click(ctl.show_clause, page.bridge, right.panel, api_name="clause")
    right.section.change(
        ctl.pick_section, right.section, [right.panel, right.paragraph], api_visibility="private"
    )
    right.paragraph.change(
        ctl.browse_clause, right.paragraph, right.panel, api_visibility="private"
    )
    blocks.load(ctl.on_load, None, right.panel, api_visibility="private", show_progress="hidden")


def build_ui(services: Services, audit: AuditLog | None = None) -> gr.Blocks:
    """The chat page; built once per app (about a second), served to every visitor."""
    ctl = ChatController(services, audit)
    title = services.corpus.primary.title
    # Files the page serves (the check tab's reports, exports) are copied into Gradio's cache:
    # removed after an hour, since a pasted draft may be confidential.
    with gr.Blocks(
        title=f"{title} — cited assistant", analytics_enabled=False, delete_cache=(3600, 3600)
    ) as blocks:
        conversation = gr.State([])
        last_answer = gr.State(None)
        gr.HTML(
            render.header([i.instrument for i in services.corpus.instruments]),
            elem_id="page-header",
        )
        with gr.Tabs():
            with gr.Tab("Ask", id="ask"), gr.Row(equal_height=False):
                left = chat_column(services)
                right = clause_column(services)
            with gr.Tab("Check a draft", id="check", elem_id="check-tab"):
                check_tab(services)
        bridge = gr.HTML(
            "", html_template="", js_on_load=BRIDGE_JS, visible="hidden", elem_id="clause-bridge"
        )
        page = ChatPage(left, right, bridge, conversation, last_answer)
        wire_chat(ctl, page)
        wire_clauses(ctl, page, blocks)
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
    ).set(  # WCAG 2.1 AA contrast (axe-core in tests/web/test_chat_accessibility.py)
        block_title_text_color="*primary_800",  # labels: 3.0:1 -> 7.7:1 on primary_100
        block_label_text_color="*primary_800",
        button_primary_background_fill="*primary_700",  # Ask: 3.7:1 -> 6.7:1 under white
        button_primary_background_fill_hover="*primary_800",
        input_placeholder_color="*neutral_500",  # 2.6:1 -> 4.8:1
        body_text_color_subdued="*neutral_600",  # footer link: 2.5:1 -> 7.2:1
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


def chat_app(services: Services, audit: AuditLog | None = None) -> FastAPI:
    """The chat alone, as an app of its own to mount at ``/`` later (``deferred_ui``)."""
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    mount_ui(app, services, audit)
    return app
