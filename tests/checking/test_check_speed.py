"""Benchmark: a two-page brief (about 1,000 words, 60 sentences) is checked in under 3 s on the
real model, once the model is loaded (loading it is the services' warm-up, paid once)."""

from __future__ import annotations

import time

import pytest

from assistant.evaluation.attribution_eval import load_rows
from assistant.services import Services

BUDGET_S = 3.0


@pytest.mark.integration
def test_a_two_page_brief_is_checked_in_under_three_seconds(real_services: Services) -> None:
    engine = real_services.attribution
    engine.check_text("The model and the clause vectors are loaded first.")
    sentences = [row.sentence for row in load_rows("dev")[:60]]  # never the sealed part
    brief = "# Brief\n\n" + "\n\n".join(
        " ".join(sentences[i : i + 4]) for i in range(0, len(sentences), 4)
    )
    assert 900 <= len(brief.split()) <= 1200  # two pages
    started = time.perf_counter()
    result = engine.check_text(brief)
    elapsed = time.perf_counter() - started
    assert len(result.sentences) == 61
    assert elapsed < BUDGET_S, f"{elapsed:.2f} s for {len(result.sentences)} sentences"
