"""The web chat measured with axe-core (WCAG 2.1 A and AA rules) in real headless Chromium, on
the page as loaded and after an answer with its clause open: 0 violations."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from servers import serve
from test_browser import CHROMIUM, CHROMIUM_ARGS, QUESTION
from test_browser import ask as ask_in_chat
from test_widget_browser import axe_violations

from assistant.services import Services
from assistant.web.app_factory import create_app

pytestmark = [
    pytest.mark.filterwarnings("ignore:.*no_silent_downcasting"),  # Gradio's use of pandas
    pytest.mark.filterwarnings("ignore:The copy keyword is deprecated"),
    pytest.mark.browser,
    pytest.mark.integration,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium"),
]


@pytest.fixture(scope="module")
def chat(real_services: Services) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with serve(create_app(real_services)) as url, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 960})
        page.goto(url + "/")
        page.wait_for_selector("#question textarea", timeout=60_000)
        yield page
        browser.close()


def test_the_chat_as_loaded(chat: Any) -> None:
    assert axe_violations(chat, "body") == []


def test_the_chat_after_an_answer_with_its_clause_open(chat: Any) -> None:
    ask_in_chat(chat, QUESTION)
    chat.locator("#chat .cite-chip").first.click()
    chat.locator("#clause-panel .clause-card h2").wait_for(timeout=30_000)
    assert axe_violations(chat, "body") == []
