"""The intranet embeddings, measured (issue 12): the widget's size, the time to first token and
to the whole answer *through the widget* in headless Chromium (the sample intranet page on one
port, ``python app.py`` on another, a publishable key), and a long Schemathesis run over the
whole HTTP surface.

    python evals/bench/embed.py [--questions 20] [--fuzz-examples 300] [--skip-fuzz]

``run.py`` calls ``measure_embed`` too (unless ``--skip-embed``). Figures are printed, never
asserted: the machine may be busy.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parents[2]
if str(PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(PROJECT_ROOT))

from assistant.web.widget import GZIP_BUDGET, RAW_BUDGET, WidgetScript  # noqa: E402
from evals.bench.common import DEFAULT_OUT, load_questions, ms_summary, variant  # noqa: E402
from evals.bench.servers import (  # noqa: E402
    HOST,
    assistant_command,
    bench_env,
    free_port,
    running,
)

SAMPLE = PROJECT_ROOT / "examples" / "intranet" / "index.html"
KEY = "pk_intranet_demo_0123456789"
CHROMIUM = "/usr/bin/chromium"
ASK_IN_WIDGET = """async (question) => {
  const root = document.querySelector('dgs-assistant').shadowRoot;
  const last = () => root.querySelector('.log .msg:last-child');
  let first = null;
  const watch = new MutationObserver(() => {
    if (first === null && last()?.dataset.state === 'streaming') first = performance.now();
  });
  watch.observe(root, {subtree: true, childList: true, characterData: true, attributes: true});
  const started = performance.now();
  root.querySelector('textarea').value = question;
  root.querySelector('form').requestSubmit();
  await new Promise((done) => { const poll = () =>
    ['done', 'error'].includes(last()?.dataset.state) ? done() : setTimeout(poll, 2); poll(); });
  watch.disconnect();
  const end = performance.now();
  return {first: (first ?? end) - started, whole: end - started, state: last().dataset.state};
}"""


def widget_size() -> dict[str, int]:
    script = WidgetScript.load()
    return {
        "raw_bytes": len(script.raw),
        "gzip_bytes": len(script.gzipped),
        "raw_budget": RAW_BUDGET,
        "gzip_budget": GZIP_BUDGET,
    }


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        return


def widget_latency(questions: list[str], out: Path, data_dir: Path) -> dict[str, Any]:
    """Each question asked through the widget, timed in the page from submit to the first
    streamed text and to the whole answer (chips shown)."""
    from playwright.sync_api import sync_playwright

    page_port, api_port = free_port(), free_port()
    page_origin = f"http://{HOST}:{page_port}"
    keys = [{"key": KEY, "origins": [page_origin], "name": "bench"}]
    env = bench_env(
        data_dir,
        ASSISTANT_PUBLISHABLE_KEYS=json.dumps(keys),
        ASSISTANT_PUBLISHABLE_RATE_LIMIT_PER_MINUTE="1000000",
        ASSISTANT_PUBLISHABLE_CLIENT_RATE_LIMIT_PER_MINUTE="1000000",
    )
    command = assistant_command(api_port, 1)
    log = out / "logs" / "embed-app.log"
    with running(command, env, "/readyz", api_port, log) as app, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--headless"])
        page = browser.new_page()
        with intranet_page_on(out / "page", app.url, page_port) as url:
            page.goto(url)
            page.wait_for_function("() => document.querySelector('dgs-assistant')?.shadowRoot")
            page.locator("dgs-assistant .launch").click()
            page.evaluate(ASK_IN_WIDGET, questions[0])  # warm-up, not counted
            timings = [page.evaluate(ASK_IN_WIDGET, q) for q in questions]
        browser.close()
    errors = sum(t["state"] != "done" for t in timings)
    return {
        "first_text": ms_summary([t["first"] / 1000 for t in timings]),
        "whole_answer": ms_summary([t["whole"] / 1000 for t in timings]),
        "errors": errors,
    }


@contextmanager
def intranet_page_on(folder: Path, api: str, port: int) -> Iterator[str]:
    """``intranet_page`` on a given port (the key's origin is fixed before the app starts)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "index.html").write_text(SAMPLE.read_text().replace("http://127.0.0.1:7860", api))
    server = ThreadingHTTPServer((HOST, port), partial(QuietHandler, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://{HOST}:{port}/index.html"
    finally:
        server.shutdown()
        server.server_close()


def long_fuzz(examples: int) -> dict[str, Any]:
    """The Schemathesis test module with ``examples`` per operation instead of the suite's few."""
    started = time.perf_counter()
    test = PROJECT_ROOT / "tests" / "web" / "test_openapi_fuzz.py"
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(test)],
        cwd=PROJECT_ROOT,
        env={**bench_env(PROJECT_ROOT / ".data"), "FUZZ_EXAMPLES": str(examples)},
        capture_output=True,
        text=True,
        check=False,
    )
    summary = run.stdout.strip().splitlines()[-1] if run.stdout.strip() else run.stderr[-300:]
    counts = {k: int(v) for v, k in re.findall(r"(\d+) (passed|failed|skipped|error)", summary)}
    return {
        "examples_per_operation": examples,
        "seconds": round(time.perf_counter() - started, 1),
        "summary": summary,
        **counts,
    }


def measure_embed(
    out: Path,
    data_dir: Path,
    questions: int = 20,
    fuzz_examples: int = 300,
    fuzz: bool = True,
) -> dict[str, Any]:
    """Every embed figure; ``data_dir`` is the app's data folder (an index there is reused)."""
    items = load_questions(questions)
    asked = [variant(item.question, number) for number, item in enumerate(items, start=1)]
    print("Embed: widget size, time to first token through the widget", flush=True)
    through = widget_latency(asked, out, data_dir)
    result: dict[str, Any] = {"widget": widget_size(), "through_widget": through}
    if fuzz:
        print(f"Embed: Schemathesis, {fuzz_examples} examples per operation", flush=True)
        result["fuzz"] = long_fuzz(fuzz_examples)
    return result


def lines(embed: dict[str, Any]) -> list[str]:
    """The figures as printed lines."""
    size, through = embed["widget"], embed["through_widget"]
    text = [
        f"widget.js: {size['raw_bytes']} bytes, {size['gzip_bytes']} gzipped "
        f"(budget {size['raw_budget']} / {size['gzip_budget']})",
        f"Through the widget ({through['first_text']['n']} questions, Chromium): first text "
        f"p50 {through['first_text']['p50_ms']:.0f} ms, p95 {through['first_text']['p95_ms']:.0f}"
        f" ms; whole answer p50 {through['whole_answer']['p50_ms']:.0f} ms, p95 "
        f"{through['whole_answer']['p95_ms']:.0f} ms; errors {through['errors']}",
    ]
    if "fuzz" in embed:
        fuzz = embed["fuzz"]
        text.append(
            f"Schemathesis, {fuzz['examples_per_operation']} examples per operation: "
            f"{fuzz['summary']} ({fuzz['seconds']} s)"
        )
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--questions", type=int, default=20, help="Questions asked (20).")
    parser.add_argument("--fuzz-examples", type=int, default=300, help="Per operation (300).")
    parser.add_argument("--skip-fuzz", action="store_true", help="No Schemathesis run.")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT / "embed", help="Work folder.")
    args = parser.parse_args(argv)
    embed = measure_embed(
        args.out, args.out / "data", args.questions, args.fuzz_examples, not args.skip_fuzz
    )
    for line in lines(embed):
        print(line)
    (args.out / "embed.json").write_text(json.dumps(embed, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
