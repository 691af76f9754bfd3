"""The "Check a draft" tab in real headless Chromium: paste a draft holding HTML, check it, see
each sentence coloured by verdict and the clauses in the side panel; no pasted script runs."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from servers import serve

from assistant.services import Services
from assistant.web.app_factory import create_app

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"]
DRAFT = (
    "Dear colleagues,\n"
    "Governments must develop clear business cases to sustain the funding of digital "
    "technologies projects [IV.9].\n"
    "Governments should procure digital technologies based on assessment of existing assets.\n"
    '<img src=x onerror="alert(1)"><script>alert(2)</script>'
)

pytestmark = [
    pytest.mark.filterwarnings("ignore:.*no_silent_downcasting"),
    pytest.mark.filterwarnings("ignore:The copy keyword is deprecated"),
    pytest.mark.browser,
    pytest.mark.integration,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium"),
]


@pytest.fixture(scope="module")
def page(real_services: Services) -> Iterator[object]:
    """A Chromium page on the app; any JavaScript dialog (an executed script) fails the test."""
    from playwright.sync_api import sync_playwright

    dialogs: list[str] = []
    with serve(create_app(real_services)) as url, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        tab = browser.new_page(viewport={"width": 1400, "height": 960})
        tab.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        tab.goto(url + "/")
        tab.wait_for_selector("#question textarea", timeout=60_000)
        yield tab
        browser.close()
    assert not dialogs, f"a pasted script ran: {dialogs}"


def test_check_a_draft_highlights_sentences_and_shows_clauses(page) -> None:  # type: ignore[no-untyped-def]
    page.get_by_role("tab", name="Check a draft").click()
    page.fill("#check-draft textarea", DRAFT)
    page.click("#check-run")
    page.wait_for_selector("#check-result .check-sentence", timeout=60_000)
    verdicts = page.eval_on_selector_all(
        "#check-result .check-sentence", "spans => spans.map(s => s.dataset.verdict)"
    )
    assert verdicts[:3] == ["not a claim about the text", "contradicted", "supported"]
    panel = page.inner_text("#check-clauses")
    assert "IV.9" in panel and "IV.11" in panel
    assert "modality" in panel
    assert page.locator("#check-result img").count() == 0
    assert page.locator("#check-result script").count() == 0
    assert '<img src=x onerror="alert(1)">' in page.inner_text("#check-result")
    with page.expect_download() as download:
        page.click("#check-report")
    report = Path(download.value.path()).read_text(encoding="utf-8")
    assert "contradicted" in report and "&lt;script&gt;alert(2)&lt;/script&gt;" in report
