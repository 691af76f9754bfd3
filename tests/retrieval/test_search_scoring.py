"""How a clause's several vector matches add up to one dense ranking score (pure)."""

from __future__ import annotations

import pytest

from assistant.retrieval.search import _soft_max


def test_temperature_zero_is_the_best_single_match() -> None:
    assert _soft_max([0.3, 0.7, 0.5], 0.0) == 0.7


def test_several_good_matches_outrank_one_slightly_better_match() -> None:
    """A clause whose text, heading and paraphrases all match beats one lucky paraphrase."""
    many = _soft_max([0.60, 0.58, 0.57, 0.55], 0.1)
    one = _soft_max([0.64, 0.20, 0.15], 0.1)
    assert many > one


def test_weak_extra_matches_add_almost_nothing() -> None:
    assert _soft_max([0.7, 0.1, 0.1], 0.1) == pytest.approx(0.7, abs=0.001)
