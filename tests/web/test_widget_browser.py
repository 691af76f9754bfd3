"""The widget in real headless Chromium, as an intranet would use it: the sample page
(examples/intranet/index.html) served from one port, the assistant from another, the widget
loaded with a publishable key. Ask, watch the text stream in, get chips, open a clause; the page's
styles and the widget's stay apart; the same page from another origin is refused; markup in a
question or an answer is shown, never run. Saves docs/screenshot-widget.png for the README."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.responses import HTMLResponse, PlainTextResponse
from pydantic import SecretStr
from servers import serve
from test_browser import CHROMIUM, CHROMIUM_ARGS

from assistant.services import Services
from assistant.settings import PROJECT_ROOT, PublishableKey, Settings
from assistant.web.app_factory import create_app

SAMPLE = PROJECT_ROOT / "examples" / "intranet" / "index.html"
SCREENSHOT = PROJECT_ROOT / "docs" / "screenshot-widget.png"
KEY = "pk_intranet_demo_0123456789"
QUESTION = "How should we justify the funding of a digital project?"
# Rules a careless intranet might have: none of them may reach inside the widget.
HOSTILE_CSS = """<style>
* { letter-spacing: 3px; text-transform: uppercase; }
body { color: rgb(0, 128, 0); font-size: 30px; }
button { background: rgb(255, 0, 0) !important; font-family: "Comic Sans MS" !important; }
.chip, .log, textarea { display: none !important; }
</style></head>"""

pytestmark = [
    pytest.mark.browser,
    pytest.mark.integration,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium"),
]


def host_app(page: dict[str, str]) -> FastAPI:
    """A plain web server for the intranet page (another origin than the assistant)."""
    app = FastAPI()
    app.get("/healthz")(lambda: PlainTextResponse("ok"))
    app.get("/")(lambda: HTMLResponse(page["html"]))
    app.get("/as-shipped")(lambda: HTMLResponse(page["plain"]))
    return app


@pytest.fixture(scope="module")
def sites(real_services: Services, real_settings: Settings) -> Iterator[dict[str, str]]:
    """The intranet page on an allowed origin and on another one, and the assistant."""
    page: dict[str, str] = {}
    with serve(host_app(page)) as allowed, serve(host_app(page)) as other:
        settings = real_settings.model_copy(
            update={
                "api_keys": [SecretStr("sk_server_side_0123456789")],
                "publishable_keys": [PublishableKey(key=SecretStr(KEY), origins=[allowed])],
            }
        )
        services = Services.with_components(
            settings, embeddings=real_services.embeddings, store=real_services.store
        )
        services.warm_up()
        with serve(create_app(services, with_ui=False)) as api:
            sample = SAMPLE.read_text().replace("http://127.0.0.1:7860", api)
            page["html"] = sample.replace("</head>", HOSTILE_CSS, 1)
            page["plain"] = sample
            yield {"allowed": allowed, "other": other, "api": api}


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def tab(browser: Any) -> Iterator[Any]:
    """A page in which any JavaScript dialog (an executed script) fails the test."""
    dialogs: list[str] = []
    page = browser.new_page(viewport={"width": 1200, "height": 860})
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    yield page
    page.close()
    assert not dialogs, f"a script from a question or an answer ran: {dialogs}"


def shadow(page: Any, script: str, arg: Any = None) -> Any:
    """Evaluate ``script`` with ``root`` bound to the widget's shadow root."""
    return page.evaluate(
        f"arg => {{ const root = document.querySelector('dgs-assistant').shadowRoot; {script} }}",
        arg,
    )


def open_widget(page: Any, url: str) -> None:
    page.goto(url)
    page.wait_for_function("() => document.querySelector('dgs-assistant')?.shadowRoot")
    page.locator("dgs-assistant .launch").focus()
    page.keyboard.press("Enter")  # keyboard only
    page.wait_for_function(
        "() => document.querySelector('dgs-assistant').shadowRoot.activeElement?.tagName"
        " === 'TEXTAREA'"
    )


def ask(page: Any, question: str) -> dict[str, Any]:
    """Type and send ``question``; returns what the last reply looked like while it streamed."""
    shadow(
        page,
        """window.seen = []; window.sentAt = performance.now();
        new MutationObserver(() => { const m = root.querySelector('.log .msg:last-child');
          if (m && m.dataset.state === 'streaming') window.seen.push([performance.now(),
            m.textContent, m.querySelectorAll('.chip').length]); }).observe(root,
            {subtree: true, childList: true, characterData: true, attributes: true});""",
    )
    page.keyboard.type(question)
    page.keyboard.press("Enter")
    page.wait_for_function(
        "() => ['done', 'error'].includes(document.querySelector('dgs-assistant').shadowRoot"
        ".querySelector('.log .msg:last-child').dataset.state)",
        timeout=90_000,
    )
    return shadow(page, "return {seen: window.seen, sentAt: window.sentAt};")


def test_ask_stream_chips_clause_and_styles_kept_apart(tab: Any, sites: dict[str, str]) -> None:
    open_widget(tab, sites["allowed"])
    # The intro names the instruments from the server's metadata (GET /v1/instruments).
    tab.wait_for_function(
        "() => document.querySelector('dgs-assistant').shadowRoot"
        ".querySelectorAll('.log .intro').length === 2"
    )
    intro = shadow(tab, "return root.querySelector('.log').textContent;")
    assert "Recommendation of the Council on Artificial Intelligence" in intro
    assert "Recommendation of the Council on Digital Government Strategies" in intro
    started = time.monotonic()
    trace = ask(tab, QUESTION)
    seconds = time.monotonic() - started
    assert trace["seen"], shadow(tab, "return root.querySelector('.log').textContent;")
    first_ms = trace["seen"][0][0] - trace["sentAt"]
    assert all(chips == 0 for _, _, chips in trace["seen"])  # plain text while streaming
    reply = tab.locator("dgs-assistant .log .msg.bot").last
    chips = reply.locator(".chip")
    assert chips.count() >= 2
    clause_id = chips.first.get_attribute("data-clause")
    assert clause_id and clause_id.startswith("IV.9")
    assert reply.inner_text().startswith(trace["seen"][-1][1][:40])
    print(f"\nwidget: first text after {first_ms:.0f} ms, answer complete in {seconds:.1f} s")
    styles_inside_are_the_widgets(tab)
    chips.first.click()
    heading = tab.locator("dgs-assistant .clause h3")
    heading.wait_for()
    assert clause_id in heading.inner_text()
    assert "Develop clear business cases" in tab.locator("dgs-assistant .clause").inner_text()
    link = tab.locator("dgs-assistant .clause a")
    assert (link.get_attribute("href") or "").startswith("https://legalinstruments.oecd.org")
    assert link.get_attribute("rel") == "noopener noreferrer"
    tab.keyboard.press("Escape")
    assert shadow(tab, "return root.querySelector('.panel').hidden;") is True
    assert shadow(tab, "return root.activeElement?.className;") == "launch"


def styles_inside_are_the_widgets(page: Any) -> None:
    """The hostile page rules above did not reach the widget, and the widget's rules
    (.msg, .launch, .panel, button, h2) did not reach the page's elements of the same names."""
    inside = shadow(
        page,
        """const css = (s, p) => getComputedStyle(root.querySelector(s))[p];
        return {send: css('.send', 'backgroundColor'), sendFont: css('.send', 'fontFamily'),
          spacing: css('.msg.bot', 'letterSpacing'), upper: css('.msg.bot', 'textTransform'),
          chip: css('.chip', 'display'), log: css('.log', 'display'),
          size: css('.root', 'fontSize')};""",
    )
    assert inside["send"] == "rgb(124, 45, 18)"  # the data-color, not the page's red
    assert "Comic" not in inside["sendFont"]
    assert inside["spacing"] == "normal" and inside["upper"] == "none"
    assert inside["chip"] == "inline-block" and inside["log"] != "none"
    assert inside["size"] == "15px"
    outside = page.evaluate(
        """() => { const css = (s, p) => getComputedStyle(document.querySelector(s))[p];
        return {msg: css('main .msg', 'backgroundColor'),
          launch: css('main .launch', 'backgroundColor'),
          panel: css('main .panel', 'borderTopStyle'), h2: css('main h2', 'color'),
          header: css('body > header', 'backgroundColor')}; }"""
    )
    assert outside == {
        "msg": "rgb(254, 243, 199)",
        "launch": "rgb(255, 0, 0)",  # the page's own !important rule, untouched by the widget
        "panel": "double",
        "h2": "rgb(124, 45, 18)",
        "header": "rgb(124, 45, 18)",
    }


def test_script_in_a_question_is_shown_not_run(tab: Any, sites: dict[str, str]) -> None:
    open_widget(tab, sites["allowed"])
    attack = "<img src=x onerror=alert('q')><script>alert('q')</script> Who won the 1998 cup?"
    ask(tab, attack)
    assert (
        "<img src=x onerror=alert('q')>" in tab.locator("dgs-assistant .msg.user").last.inner_text()
    )
    assert shadow(tab, "return root.querySelectorAll('img, script, iframe').length;") == 0
    refusal = tab.locator("dgs-assistant .msg.refusal").last
    assert "Not covered by the texts" in refusal.inner_text()
    assert refusal.locator(".chip").count() >= 1  # the nearest clauses


def test_script_in_an_answer_is_shown_not_run(tab: Any, sites: dict[str, str]) -> None:
    """A reply carrying markup (as a compromised proxy might send) stays text."""
    evil = "<img src=x onerror=alert('a')> Business cases matter [IV.9]."
    citation = {
        "clause_id": "IV.9",
        "instrument": "OECD/LEGAL/0406",
        "label": "<script>alert('a')</script>",
        "text": "<b onclick=alert('a')>x</b>",
        "url": "javascript:alert('a')",
    }
    answer = {"answer": evil, "citations": [citation], "related": [], "abstained": False,
              "notices": ["<img src=y onerror=alert('a')>"]}  # fmt: skip
    body = (
        f"event: delta\ndata: {json.dumps({'text': evil})}\n\n"
        f"event: answer\ndata: {json.dumps(answer)}\n\nevent: done\ndata: {{}}\n\n"
    )
    headers = {"Access-Control-Allow-Origin": sites["allowed"]}
    tab.route(
        "**/v1/ask/stream",
        lambda route: route.fulfill(body=body, content_type="text/event-stream", headers=headers),
    )
    open_widget(tab, sites["allowed"])
    ask(tab, "Anything")
    reply = tab.locator("dgs-assistant .msg.bot").last
    assert "<img src=x onerror=alert('a')>" in reply.inner_text()
    assert reply.locator(".chip").count() == 2  # inline and in the bar
    assert shadow(tab, "return root.querySelectorAll('img, script, b, a').length;") == 0


def test_another_origin_is_refused(tab: Any, sites: dict[str, str]) -> None:
    open_widget(tab, sites["other"])
    ask(tab, QUESTION)
    error = tab.locator("dgs-assistant .msg.error").last
    assert error.get_attribute("role") == "alert"
    assert f"({sites['other']}) may not use the assistant" in error.inner_text()
    assert tab.locator("dgs-assistant .chip").count() == 0
    # What the browser was refused, asked without the browser: a 403 naming the origin.
    response = httpx.post(
        f"{sites['api']}/v1/ask",
        json={"question": QUESTION},
        headers={"Authorization": f"Bearer {KEY}", "Origin": sites["other"]},
        timeout=60,
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "origin_not_allowed"
    assert sites["other"] in response.json()["error"]["message"]


def test_screenshot_of_the_sample_page(browser: Any, sites: dict[str, str]) -> None:
    """The sample page as shipped (no hostile rules), with an answer, for the README."""
    page = browser.new_page(viewport={"width": 1200, "height": 820})
    try:
        open_widget(page, sites["allowed"] + "/as-shipped")
        ask(page, QUESTION)
        page.screenshot(path=str(SCREENSHOT))
    finally:
        page.close()
    assert SCREENSHOT.stat().st_size > 20_000


def axe_violations(page: Any, within: str = "dgs-assistant") -> list[dict[str, Any]]:
    """WCAG 2.1 A and AA violations inside ``within`` (the widget by default), by axe-core
    as shipped in the axe-playwright-python package: nothing downloaded."""
    import axe_playwright_python

    page.add_script_tag(path=str(Path(axe_playwright_python.__file__).with_name("axe.min.js")))
    tags = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
    result = page.evaluate(
        "([within, tags]) => axe.run({include: [[within]]},"
        " {runOnly: {type: 'tag', values: tags}})",
        [within, tags],
    )
    assert result["passes"], "axe checked nothing"
    return [
        {
            "id": v["id"],
            "nodes": [(n["target"], n.get("failureSummary", "")[:160]) for n in v["nodes"]],
        }
        for v in result["violations"]
    ]


def test_no_wcag_21_aa_violations(tab: Any, sites: dict[str, str]) -> None:
    """axe-core in Chromium on the widget: closed, after an answer, after a refusal and with a
    clause open, in English and in French."""
    tab.goto(sites["allowed"] + "/as-shipped")
    tab.wait_for_function("() => document.querySelector('dgs-assistant')?.shadowRoot")
    assert axe_violations(tab) == []
    open_widget(tab, sites["allowed"] + "/as-shipped")
    ask(tab, QUESTION)
    ask(tab, "Who won the 1998 football world cup?")
    assert axe_violations(tab) == []
    tab.locator("dgs-assistant .msg.bot .chip").first.click()
    tab.locator("dgs-assistant .clause h3").wait_for()
    assert axe_violations(tab) == []
    french = sites["allowed"] + "/as-shipped?lang=fr"
    tab.goto(french)
    tab.evaluate("() => document.querySelector('dgs-assistant').remove()")
    tab.evaluate(
        "api => { const w = document.createElement('dgs-assistant');"
        " w.setAttribute('lang', 'fr'); w.setAttribute('api', api);"
        " w.setAttribute('key', 'pk_intranet_demo_0123456789'); document.body.append(w); }",
        sites["api"],
    )
    launcher = tab.locator("dgs-assistant .launch").last
    assert launcher.inner_text() == "Interroger les Recommandations de l’OCDE"
    launcher.click()
    assert tab.locator("dgs-assistant textarea").last.get_attribute("id")
    assert axe_violations(tab) == []
