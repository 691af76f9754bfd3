"""``assistant check`` on the fakes: table, JSON, stdin, reports and clear errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from assistant.cli import app
from assistant.evaluation import check_commands
from assistant.services import Services

BRIEF = (
    "# Brief\n\nDear colleagues,\n"
    "Governments must develop clear business cases to sustain the funding of digital "
    "technologies projects [IV.9].\n"
    "Governments should procure digital technologies based on assessment of existing assets.\n"
    "The <script>alert(1)</script> pilot starts in May?\n"
)


@pytest.fixture
def runner(fake_index: Services, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setattr(check_commands, "_engine", lambda: fake_index.attribution)
    return CliRunner()


def test_check_prints_each_sentence_verdict_and_clause(runner: CliRunner, tmp_path: Path) -> None:
    draft = tmp_path / "brief.md"
    draft.write_text(BRIEF, encoding="utf-8")
    result = runner.invoke(app, ["check", str(draft)], terminal_width=200)
    assert result.exit_code == 0, result.output
    assert "contradicted" in result.output
    assert "modality" in result.output
    assert "IV.11" in result.output
    assert (
        "5 sentences: 1 supported, 1 contradicted, 3 not a claim about the text." in result.output
    )


def test_check_reads_standard_input_and_prints_json(runner: CliRunner) -> None:
    result = runner.invoke(app, ["check", "-", "--json"], input=BRIEF)
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    verdicts = [s["verdict"] for s in payload["sentences"]]
    assert verdicts[2:4] == ["contradicted", "supported"]
    assert payload["counts"]["supported"] == 1
    assert payload["sentences"][3]["quote"]["clause_id"] == "IV.11"


def test_the_html_report_escapes_pasted_markup(runner: CliRunner, tmp_path: Path) -> None:
    report = tmp_path / "review.html"
    result = runner.invoke(app, ["check", "-", "--report", str(report)], input=BRIEF)
    assert result.exit_code == 0, result.output
    html = report.read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>" not in html


def test_the_markdown_report_has_a_row_per_sentence(runner: CliRunner, tmp_path: Path) -> None:
    report = tmp_path / "review.md"
    result = runner.invoke(app, ["check", "-", "--report", str(report)], input=BRIEF)
    assert result.exit_code == 0, result.output
    rows = [
        line for line in report.read_text(encoding="utf-8").splitlines() if line.startswith("|")
    ]
    assert len(rows) == 2 + 5  # header, rule and one row a sentence


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (["check", "missing.md"], None, "no such file"),
        (["check", "-"], "   \n", "no text to check"),
        (["check", "-", "--report", "out.pdf"], "Text.", "--report must end in .md or .html"),
    ],
)
def test_bad_input_exits_2_with_a_message(
    runner: CliRunner, args: list[str], stdin: str | None, message: str
) -> None:
    result = runner.invoke(app, args, input=stdin, terminal_width=200)
    assert result.exit_code == 2
    assert message in result.output


def test_long_drafts_get_a_progress_bar_and_short_or_json_ones_do_not(
    fake_index: Services,
) -> None:
    engine = fake_index.attribution
    seen: list[tuple[int, int]] = []
    original = engine.check_text

    def spy(text: str, progress: Any = None) -> Any:
        def record(done: int, total: int) -> None:
            seen.append((done, total))
            progress(done, total)

        return original(text, record if progress else None)

    long_draft = "Governments should reinforce project management skills.\n" * 30
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(engine, "check_text", spy)
        check_commands.run_check(engine, long_draft, quiet=False)
        assert seen[-1] == (30, 30)
        seen.clear()
        check_commands.run_check(engine, long_draft, quiet=True)  # --json: no bar
        check_commands.run_check(engine, "One sentence.", quiet=False)
        assert seen == []
