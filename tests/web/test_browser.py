"""The web chat in real headless Chromium (Debian's `chromium`, driven by Playwright; no browser
download): ask, see a citation chip, open the clause panel, browse, export, and save the README
screenshot to docs/screenshot-chat.png."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote

import pytest
from servers import serve

from assistant.services import Services
from assistant.settings import PROJECT_ROOT
from assistant.web.app_factory import create_app

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOT = PROJECT_ROOT / "docs" / "screenshot-chat.png"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
QUESTION = "How should we justify the funding of a digital project?"

pytestmark = [
    pytest.mark.filterwarnings("ignore:.*no_silent_downcasting"),  # Gradio's use of pandas
    pytest.mark.filterwarnings("ignore:The copy keyword is deprecated"),
    pytest.mark.browser,
    pytest.mark.integration,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="needs Debian's chromium: apt-get install -y chromium"
    ),
]


@pytest.fixture(scope="module")
def page(real_services: Services) -> Iterator[object]:
    """A Chromium page on the app; any JavaScript dialog (an executed script) fails the test."""
    from playwright.sync_api import sync_playwright

    dialogs: list[str] = []
    with serve(create_app(real_services)) as url, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        tab = browser.new_page(viewport={"width": 1400, "height": 960})
        tab.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        tab.goto(url + "/")
        tab.wait_for_selector("#question textarea", timeout=60_000)
        yield tab
        browser.close()
    assert not dialogs, f"a script from an answer or question ran: {dialogs}"


def ask(page, question: str) -> None:  # type: ignore[no-untyped-def]
    before = page.locator("#chat .message-row").count()
    page.fill("#question textarea", question)
    page.keyboard.press("Enter")  # keyboard only
    page.wait_for_function(
        "n => document.querySelectorAll('#chat .message-row').length >= n + 2 && "
        "!document.querySelector('#chat').innerText.includes('▍') && "
        "!document.querySelector('#chat').innerText.includes('Searching the text')",
        arg=before,
        timeout=90_000,
    )


def test_ask_see_chip_open_clause_and_screenshot(page) -> None:  # type: ignore[no-untyped-def]
    ask(page, QUESTION)
    chip = page.locator("#chat .cite-chip").first
    chip.wait_for(timeout=30_000)
    # The chat's sanitizer keeps href and title (not data- or aria- attributes).
    clause_id = (chip.get_attribute("href") or "").removeprefix("?clause=")
    assert clause_id.startswith("IV.9")
    assert (chip.get_attribute("title") or "").startswith(f"Open clause {clause_id}")
    chip.click()
    panel = page.locator("#clause-panel .clause-card h2")
    panel.wait_for(timeout=30_000)
    page.wait_for_function(
        "id => document.querySelector('#clause-panel h2').innerText.includes(id)", arg=clause_id
    )
    assert "Develop clear business cases" in page.inner_text("#clause-panel")
    link = page.locator("#clause-panel a[href^='https://legalinstruments.oecd.org']")
    assert link.count() == 1
    assert page.get_attribute("#clause-panel", "aria-live") == "polite"
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT))
    assert SCREENSHOT.stat().st_size > 20_000


def test_chip_opens_from_the_keyboard(page) -> None:  # type: ignore[no-untyped-def]
    chips = page.locator("#citation-chips .cite-chip")
    target = chips.nth(chips.count() - 1)
    wanted = target.get_attribute("data-clause")
    target.focus()
    page.keyboard.press("Enter")
    page.wait_for_function(
        "id => document.querySelector('#clause-panel h2').innerText.includes(id)", arg=wanted
    )


def test_script_in_a_question_is_shown_not_run(page) -> None:  # type: ignore[no-untyped-def]
    attack = "<img src=x onerror=alert('xss')><script>alert('xss')</script> Who won the 1998 cup?"
    ask(page, attack)
    user_bubbles = page.locator("#chat .message-row.user-row")
    assert "<img src=x onerror=alert('xss')>" in user_bubbles.last.inner_text()
    assert page.locator("#chat img[src='x'], #chat script").count() == 0
    refusal = page.locator("#chat .refusal").last
    assert "Not covered by the text" in refusal.inner_text()
    assert refusal.locator(".cite-chip").count() >= 1  # nearest clauses


def test_clause_browser_and_export(page) -> None:  # type: ignore[no-untyped-def]
    page.click("#browse-section input")
    page.get_by_role("option", name="IV — ", exact=False).first.click()
    page.wait_for_function(
        "() => document.querySelector('#clause-panel h2').innerText.startsWith('IV')"
    )
    page.click("#browse-clause input")
    page.get_by_role("option", name="IV.10 — ", exact=False).first.click()
    page.wait_for_function(
        "() => document.querySelector('#clause-panel h2').innerText.startsWith('IV.10')"
    )
    page.click("#export-button")
    page.locator("#export-markdown").wait_for(timeout=30_000)
    page.wait_for_function(
        "() => document.querySelector('#export-markdown').innerText.includes('Not covered')"
    )


def test_an_ai_question_shows_its_instrument_on_the_chip_the_panel_and_the_export(
    page,  # type: ignore[no-untyped-def]
) -> None:
    ask(page, "What do the OECD AI Principles say about explaining AI decisions to people?")
    chip = page.locator("#chat .cite-chip").last
    clause_id = unquote((chip.get_attribute("href") or "").removeprefix("?clause="))
    assert clause_id.startswith("AI:")  # the id names its instrument
    assert "(Artificial Intelligence)" in (chip.get_attribute("title") or "")
    assert "22 May 2019" in page.locator("#chat .message-row").last.inner_text()  # the notice
    chip.click()
    page.wait_for_function(
        "id => (document.querySelector('#clause-panel h2')?.innerText || '').includes(id)",
        arg=clause_id,
    )
    panel = page.inner_text("#clause-panel")
    assert "OECD/LEGAL/0449" in panel and "Artificial Intelligence" in panel
    assert "amendments are not in the text" in panel
    page.click("#export-button")
    page.wait_for_function(
        "id => document.querySelector('#export-markdown').innerText.includes(id)", arg=clause_id
    )
    exported = page.inner_text("#export-markdown")
    assert "OECD/LEGAL/0449 (Artificial Intelligence)" in exported
    assert "amendments not included" in exported
