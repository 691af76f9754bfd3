"""The pure metric functions, on hand-built data: every number the evaluation prints comes
from these, so each is pinned by a case worked out by hand."""

from __future__ import annotations

import pytest

from assistant.evaluation.datasets import (
    QuestionRecord,
    SentenceVerdict,
    check_thresholds,
    flatten,
)
from assistant.evaluation.metrics import (
    BY_TYPE_METRICS,
    abstention_scores,
    by_group,
    citation_scores,
    correct_clause_cited,
    fact_covered,
    grounding_share,
    invalid_citations,
    key_fact_coverage,
    latency_summary,
    matches,
    mean_reciprocal_rank,
    recall_at_k,
    summarise,
)
from assistant.retrieval.lexical import tokenize

PARENTS = {"IV.9.i": "IV.9", "IV.9.ii": "IV.9", "II.1.i": "II.1"}


def units(*ids: str) -> list[frozenset[str]]:
    return [frozenset({i}) for i in ids]


@pytest.mark.parametrize(
    ("candidate", "gold", "clause", "paragraph"),
    [
        ("IV.9.i", "IV.9.i", True, True),
        ("IV.9", "IV.9.i", False, True),  # the paragraph of a gold sub-item
        ("IV.9.i", "IV.9", False, True),  # a sub-item of a gold paragraph
        ("IV.9.ii", "IV.9.i", False, False),  # siblings do not count
        ("II.1", "IV.9", False, False),
    ],
)
def test_matches_at_both_levels(candidate: str, gold: str, clause: bool, paragraph: bool) -> None:
    assert matches(candidate, gold, "clause", PARENTS) is clause
    assert matches(candidate, gold, "paragraph", PARENTS) is paragraph


def test_recall_at_k_is_the_share_of_gold_found_and_skips_items_without_gold() -> None:
    ranked = [units("A", "B", "C"), units("X", "Y", "B"), units("A")]
    gold = [["B"], ["A", "B"], []]
    assert recall_at_k(ranked, gold, 1).individual == [0.0, 0.0, None]
    result = recall_at_k(ranked, gold, 3)
    assert result.individual == [1.0, 0.5, None]
    assert result.score == pytest.approx(0.75)


def test_recall_counts_a_chunk_holding_several_clauses() -> None:
    ranked = [[frozenset({"A", "B"}), frozenset({"C"})]]
    assert recall_at_k(ranked, [["B", "C"]], 1).individual == [0.5]


def test_paragraph_level_recall_credits_the_parent() -> None:
    ranked = [units("IV.9", "II.1")]
    assert recall_at_k(ranked, [["IV.9.ii"]], 1, "clause", PARENTS).score == 0.0
    assert recall_at_k(ranked, [["IV.9.ii"]], 1, "paragraph", PARENTS).score == 1.0


def test_mrr_uses_the_first_gold_hit() -> None:
    ranked = [units("X", "A"), units("B", "A"), units("X", "Y")]
    result = mean_reciprocal_rank(ranked, [["A"], ["A", "B"], ["A"]])
    assert result.individual == [0.5, 1.0, 0.0]
    assert result.score == pytest.approx(0.5)


def test_citation_precision_recall_f1() -> None:
    scores = citation_scores([["A", "X"], [], ["A"]], [["A", "B"], ["A"], []])
    assert scores["precision"].individual == [0.5, 0.0, None]
    assert scores["recall"].individual == [0.5, 0.0, None]
    assert scores["f1"].individual == [0.5, 0.0, None]
    assert scores["f1"].score == pytest.approx(0.25)


def test_citation_repeats_are_counted_once() -> None:
    scores = citation_scores([["A", "A", "A"]], [["A"]])
    assert scores["precision"].score == 1.0


def test_paragraph_level_citation_of_a_sub_item() -> None:
    scores = citation_scores([["IV.9.i"]], [["IV.9"]], "paragraph", PARENTS)
    assert scores["f1"].score == 1.0


def test_correct_clause_cited_counts_an_item_once_at_paragraph_level() -> None:
    result = correct_clause_cited(
        [["X", "IV.9"], ["X"], [], ["A"]], [["IV.9.ii"], ["A"], ["A"], []], PARENTS
    )
    assert result.individual == [1.0, 0.0, 0.0, None]
    assert result.score == pytest.approx(1 / 3)


def test_invalid_citations_counts_ids_outside_the_corpus() -> None:
    result = invalid_citations([["A", "Z.99"], ["A"]], known={"A"})
    assert result.individual == [1.0, 0.0]
    assert result.score == 1.0


def test_grounding_share_is_over_sentences_and_per_item() -> None:
    result = grounding_share([[True, True, False, True], [False], []])
    assert result.individual == [0.75, 0.0, None]
    assert result.score == pytest.approx(3 / 5)


def test_fact_covered_with_stemming_and_the_70_percent_rule() -> None:
    answer = set(tokenize("Governments should involve the owners and users of final services."))
    assert fact_covered("owners and users of final services", answer)
    assert fact_covered("Owner and user of the final service", answer)  # stems, case
    assert not fact_covered("distribution of realised benefits", answer)
    # 3 of 4 content tokens = 75 % >= 70 %: covered; 2 of 4 is not
    assert fact_covered("users final services budget", answer)
    assert not fact_covered("users final budget threshold", answer)


def test_key_fact_coverage_per_item() -> None:
    result = key_fact_coverage(
        [["ensure buy in", "budget threshold"], []], ["to ensure buy in", ""]
    )
    assert result.individual == [0.5, None]
    assert result.score == 0.5


def test_abstention_scores() -> None:
    abstained = [True, True, False, False, True]
    must_refuse = [True, False, True, False, False]
    scores = abstention_scores(abstained, must_refuse)
    assert scores["precision"].score == pytest.approx(1 / 3)
    assert scores["recall"].score == pytest.approx(1 / 2)
    assert scores["false_refusal_rate"].score == pytest.approx(2 / 3)
    assert scores["accuracy"].score == pytest.approx(2 / 5)


def test_abstention_precision_is_na_when_nothing_is_refused() -> None:
    scores = abstention_scores([False, False], [True, False])
    assert scores["precision"].score is None
    assert scores["recall"].score == 0.0


def test_latency_percentiles() -> None:
    summary = latency_summary([float(s) for s in range(1, 101)])
    assert summary["p50"] == pytest.approx(50.5)
    assert summary["p95"] == pytest.approx(95.05)
    assert latency_summary([]) == {"p50": None, "p95": None, "mean": None}


def test_by_group_ignores_na_values() -> None:
    assert by_group([1.0, 0.0, None, 1.0], ["a", "a", "b", "c"]) == {"a": 0.5, "b": None, "c": 1.0}


def fake_record(**fields: object) -> QuestionRecord:
    base: dict[str, object] = {
        "system": "assistant",
        "id": "g1",
        "type": "verbatim",
        "question": "q",
        "gold": ["IV.9.i"],
        "must_refuse": False,
        "answer": "Governments should involve owners and users of final services [IV.9.i].",
        "citations": ["IV.9.i"],
        "retrieved": [["IV.9.i"], ["IV.9"]],
        "sentences": [
            SentenceVerdict(
                sentence="s", cited=["IV.9.i"], score=0.9, supported_by="IV.9.i", supported=True
            )
        ],
        "key_facts": {"owners and users of final services": True},
        "latency_s": 0.2,
    }
    base.update(fields)
    return QuestionRecord.model_validate(base)


def test_summarise_fake_records_has_every_section() -> None:
    records = [
        fake_record(),
        fake_record(
            id="g2",
            type="out_of_scope",
            gold=[],
            must_refuse=True,
            abstained=True,
            answer="Not covered.",
            citations=[],
            sentences=None,
            key_facts={},
            retrieved=[["V"]],
            latency_s=0.4,
        ),
    ]
    summary = summarise(records, PARENTS)
    assert summary["retrieval"]["clause"]["recall@1"] == 1.0
    assert summary["citations"]["clause"]["f1"] == 1.0
    assert summary["citations"]["invalid"] == 0
    assert summary["grounding"] == {"supported_share": 1.0, "sentences": 1, "unsupported": 0}
    assert summary["key_facts"]["coverage"] == 1.0
    assert summary["abstention"]["precision"] == 1.0
    assert summary["latency"]["p50"] == pytest.approx(0.3)
    assert set(summary["by_type"]) == {"verbatim", "out_of_scope"}
    assert set(BY_TYPE_METRICS) <= set(summary["by_type"]["verbatim"])


def test_summarise_marks_citations_na_for_a_system_that_cannot_cite() -> None:
    summary = summarise([fake_record(system="naive-rag", citations=None, sentences=None)], PARENTS)
    assert summary["citations"] is None
    assert summary["grounding"] is None


def test_check_thresholds_reports_misses_and_unmeasured_metrics() -> None:
    values = flatten({"citations": {"invalid": 0, "clause": {"f1": 0.4}}, "errors": 0})
    thresholds = {
        "min": {"citations.clause.f1": 0.5, "grounding.supported_share": 0.9},
        "max": {"citations.invalid": 0, "errors": 0},
    }
    failures = check_thresholds(values, thresholds)
    assert len(failures) == 2
    assert any("citations.clause.f1" in f for f in failures)
    assert any("not measured" in f for f in failures)


def test_meta_eval_thresholds_are_skipped_when_it_did_not_run() -> None:
    assert check_thresholds({"errors": 0}, {"min": {"meta_eval.catch_rate": 0.95}}) == []
    failures = check_thresholds(
        {"meta_eval.catch_rate": 0.5}, {"min": {"meta_eval.catch_rate": 0.95}}
    )
    assert failures


def test_instrument_scores_need_each_gold_instrument_and_nothing_from_another() -> None:
    from assistant.evaluation.answer_metrics import instrument_scores

    cited = [["AI:1.3.ii"], ["AI:1.3", "IV.9"], ["AI:1.3"], ["IV.9.i", "AI:2.2"], ["II.4"]]
    gold = [["AI:1.3.ii"], ["AI:1.3"], ["AI:1.3", "II.4"], ["IV.9.i", "AI:2.2"], []]
    scores = instrument_scores(cited, gold)
    assert scores["correct"].individual == [1.0, 0.0, 0.0, 1.0, None]
    assert scores["wrong"].individual == [0.0, 1.0, 0.0, 0.0, None]
    assert scores["wrong"].score == 1.0
