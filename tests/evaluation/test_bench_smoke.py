"""The benchmark command in its tiny ``--quick`` mode: it runs end to end and its table has every
row, each with the naive RAG next to the assistant. Figures are never checked against time limits
(the machine may be busy); only that they were measured."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.settings import PROJECT_ROOT

pytestmark = pytest.mark.integration

WORKERS, LEVELS = (1, 2), (1, 8, 16, 32)
EXPECTED = [
    "floor.embed_p50",
    "ingest.seconds",
    "ingest.clauses_per_s",
    "ingest.vectors",
    "reingest.seconds",
    "answer.p50",
    "answer.p95",
    "answer.p50_floors",
    "answer.repeat_p50",
    "http.c1.p50",
    "http.c1.p95",
    "http.first_piece.p50",
    "http.first_piece.p95",
    *[f"http.w{w}.c{c}.rps" for w in WORKERS for c in LEVELS],
    *[f"http.w{w}.c{c}.p95" for w in WORKERS for c in LEVELS if (w, c) != (1, 1)],
    "http.errors",
    "cold.with_index",
    "cold.without_index",
    "cold.first_answer",
    "cold.to_first_answer",
    "rss.w1",
    "rss.w2",
    "scale.vectors",
    "scale.embedded.ingest",
    "scale.embedded.p95",
    "scale.server.ingest",
    "scale.server.p95",
]


@pytest.mark.timeout(2400)
def test_quick_benchmark_writes_the_full_table(tmp_path: Path) -> None:
    out = tmp_path / "bench"
    completed = subprocess.run(
        [sys.executable, "evals/bench/run.py", "--quick", "--out", str(out)],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=2300,
    )
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    assert "naive RAG" in completed.stdout and "ratio a/n" in completed.stdout

    figures = {f["key"]: f for f in json.loads((out / "bench.json").read_text())["figures"]}
    assert [key for key in EXPECTED if key not in figures] == []
    for key in EXPECTED:
        assert figures[key]["assistant"] is not None, key
        assert figures[key]["naive"] is not None, key  # the baseline measured in the same run
    assert figures["http.errors"]["assistant"] == 0
    assert figures["http.errors"]["naive"] == 0

    report = (out / "bench.md").read_text()
    assert "| figure | unit | assistant | naive RAG | ratio a/n |" in report
    for key in EXPECTED:
        assert figures[key]["label"].replace("|", "/") in report, key
    assert "top 15 by cumulative" in report
    assert not (out / "work").exists()  # the synthetic corpus and its indexes are cleaned up
