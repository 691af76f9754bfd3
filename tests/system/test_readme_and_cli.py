"""The README documents every setting, and the CLI commands it shows work."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from assistant.cli import app
from assistant.settings import PROJECT_ROOT, Settings


def test_readme_documents_every_setting_and_its_variable() -> None:
    readme = (PROJECT_ROOT / "README.md").read_text()
    for name in Settings.model_fields:
        assert f"`ASSISTANT_{name.upper()}`" in readme, name


@pytest.mark.integration
def test_clause_search_and_ask_commands(
    real_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(real_settings.data_dir))
    runner = CliRunner()
    clause = runner.invoke(app, ["clause", "IV.9.i", "--json"])
    assert clause.exit_code == 0
    record = json.loads(clause.stdout)
    assert record["clause_id"] == "IV.9.i" and record["parent_id"] == "IV.9"
    assert runner.invoke(app, ["clause", "IV.99"]).exit_code == 2
    search = runner.invoke(
        app, ["search", "staff who can't run tech projects", "--json", "-k", "3"]
    )
    assert json.loads(search.stdout)[0]["clause_id"] == "IV.10.iv"
    answer = runner.invoke(
        app, ["ask", "Who monitors the implementation of the Recommendation?", "--json"]
    )
    payload = json.loads(answer.stdout)
    assert "VIII" in [c["clause_id"] for c in payload["citations"]]
    assert set(payload) >= {
        "answer",
        "citations",
        "abstained",
        "related",
        "grounding",
        "retrieved",
        "generator",
        "receipt",
    }
    # The plain-text answer keeps every citation, lower-case ids included (no console markup).
    plain = runner.invoke(app, ["ask", "When was the Recommendation adopted?"])
    assert plain.exit_code == 0 and "[background.15]" in plain.stdout.replace("\n", " ")
