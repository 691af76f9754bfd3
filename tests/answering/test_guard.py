"""The grounding guard on hand-written generator output (real embedding model)."""

from __future__ import annotations

import pytest

from assistant.services import Services

pytestmark = pytest.mark.integration
ALLOWED = ["IV.9", "IV.9.i", "IV.9.ii", "IV.10.iii"]


def test_supported_sentences_pass_and_invented_ones_are_removed(real_services: Services) -> None:
    text = (
        "Governments should articulate the value proposition for all projects above a certain "
        "budget threshold [IV.9.i]. "
        "The Recommendation requires every ministry to adopt blockchain by 2030 [IV.9.i]. "
        "Key stakeholders should be involved in the definition of the business case [IV.9.ii]."
    )
    result = real_services.guard.check(text, ALLOWED)
    verdicts = [(s.supported, s.action) for s in result.sentences]
    assert verdicts == [(True, "kept"), (False, "removed"), (True, "kept")]
    assert "blockchain" not in result.text
    assert result.cited == ["IV.9.i", "IV.9.ii"]


def test_invalid_and_unretrieved_ids_are_dropped(real_services: Services) -> None:
    text = (
        "Projects above a certain budget threshold need a value proposition [IV.99][XI.2][IV.9.i]."
    )
    result = real_services.guard.check(text, ALLOWED)
    assert result.text.endswith("[IV.9.i].")
    assert set(result.dropped) == {"IV.99", "XI.2"}
    result = real_services.guard.check("Digital divides must be addressed [II.1.iii].", ALLOWED)
    assert "II.1.iii" not in result.text and result.cited == []


def test_swapped_citation_and_altered_facts_are_caught(real_services: Services) -> None:
    swapped = "Governments should release funding conditionally after regular reporting [IV.9.ii]."
    altered = (
        "The Public Governance Committee reports to the Council no later than five years "
        "following adoption [VIII]."
    )
    negated = "Governments should not involve key stakeholders in the business case [IV.9.ii]."
    result = real_services.guard.check(" ".join([swapped, altered, negated]), [*ALLOWED, "VIII"])
    assert [s.supported for s in result.sentences] == [False, False, False]


def test_uncited_but_supported_sentence_gets_its_citation(real_services: Services) -> None:
    result = real_services.guard.check(
        "Governments should involve key stakeholders in the definition of the business case.",
        ALLOWED,
    )
    assert result.cited == ["IV.9.ii"] and result.text.endswith("[IV.9.ii].")


def test_mark_mode_keeps_but_flags_unsupported_sentences(real_services: Services) -> None:
    services = Services(real_services.settings.model_copy(update={"unsupported_sentences": "mark"}))
    result = services.guard.check("Every ministry must buy blockchain by 2030 [IV.9.i].", ALLOWED)
    assert result.sentences[0].action == "marked"
    assert "not supported" in result.text
