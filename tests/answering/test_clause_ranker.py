"""The clause ranker and the clause choice: named features, the ranker's order and operating
point, the choice the composer makes with it (a hand-built model, no training, stands in for the
learned one in the unit tests), the sub-item answer that carries its paragraph's lead and cites
the sub-item alone, the artefact's guards, and (``integration``) the committed ranker against
the margin rule on the bank's test split."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from assistant.answering.clause_ranker import (
    ARTEFACT_NAME,
    RANKER_FEATURE_NAMES,
    LearnedClauseRanker,
    candidates,
    ranker_features,
)
from assistant.answering.composer import Composer
from assistant.answering.linear import ArtefactMismatch, LogisticModel
from assistant.answering.selection import ClauseSelection
from assistant.artefacts import LEARNED_DIR, ArtefactInfo, read_info, save_artefact
from assistant.backends.embeddings import FAKE_MODEL
from assistant.corpus.records import ScoredClause
from assistant.learning.ranker_training import RIGHT_CLAUSE_TOLERANCE
from assistant.services import Services


def hit(services: Services, clause_id: str, dense: float, lexical: float = 0.0) -> ScoredClause:
    clause = services.corpus.get(clause_id)
    assert clause is not None
    return ScoredClause(clause=clause, score=dense, dense=dense, lexical=lexical, matched_by=[])


def lexical_model(threshold: float = 0.5) -> LogisticModel:
    """Stands in for the learned ranker: a clause answers when it holds the question's words."""
    coef = np.zeros(len(RANKER_FEATURE_NAMES))
    coef[RANKER_FEATURE_NAMES.index("question_words_held")] = 12.0
    width = len(RANKER_FEATURE_NAMES)
    return LogisticModel(
        RANKER_FEATURE_NAMES, coef, -6.0, np.zeros(width), np.ones(width), threshold
    )


def test_features_are_named_and_relative_to_the_best_candidate(fake_index: Services) -> None:
    hits = [hit(fake_index, "IV.9", 0.8, 4.0), hit(fake_index, "IV.9.i", 0.6, 8.0)]
    rows = ranker_features("business cases value proposition", hits, fake_index.corpus)
    assert rows.shape == (2, len(RANKER_FEATURE_NAMES))
    row = dict(zip(RANKER_FEATURE_NAMES, rows[1], strict=True))
    assert row["dense_gap"] == pytest.approx(-0.2) and row["lexical_share"] == 1.0
    assert row["child_of_first"] == 1.0 and row["kind_subitem"] == 1.0 and row["first"] == 0.0
    assert dict(zip(RANKER_FEATURE_NAMES, rows[0], strict=True))["has_children"] == 1.0


def test_containers_are_no_candidates_unless_named(fake_index: Services) -> None:
    container = hit(fake_index, "background", 0.9)
    assert [h.clause.clause_id for h in candidates([container, hit(fake_index, "II.4", 0.5)])] == [
        "II.4"
    ]


def test_the_ranker_puts_the_answering_clause_first(fake_index: Services) -> None:
    ranker = LearnedClauseRanker(lexical_model(), fake_index.corpus)
    hits = [hit(fake_index, "IV.9", 0.8), hit(fake_index, "IV.10.iii", 0.7)]
    ranked = ranker.rank("evaluation and measurement frameworks for performance", hits)
    assert ranked[0].hit.clause.clause_id == "IV.10.iii"
    assert ranked[0].probability > ranked[1].probability
    assert ranker.joins(ranked[0]) and not ranker.joins(ranked[1])


def test_selection_cites_the_ranked_best_and_only_the_clauses_that_join(
    fake_index: Services,
) -> None:
    question = "evaluation and measurement frameworks for performance"
    hits = [hit(fake_index, "II.4", 0.8), hit(fake_index, "IV.10.iii", 0.75)]
    margin = ClauseSelection(fake_index.corpus).select(question, hits)
    assert [c.clause_id for c in margin] == ["II.4", "IV.10.iii"]  # both within 0.1
    ranker = LearnedClauseRanker(lexical_model(), fake_index.corpus)
    learned = ClauseSelection(fake_index.corpus, ranker=ranker).select(question, hits)
    assert [c.clause_id for c in learned] == ["IV.10.iii"]


def test_a_paragraph_chosen_alone_brings_its_sub_items(fake_index: Services) -> None:
    ranker = LearnedClauseRanker(lexical_model(threshold=0.99), fake_index.corpus)
    hits = [hit(fake_index, "IV.9", 0.8), hit(fake_index, "II.4", 0.5)]
    chosen = ClauseSelection(fake_index.corpus, ranker=ranker).select("clear business cases", hits)
    assert [c.clause_id for c in chosen] == ["IV.9", "IV.9.i", "IV.9.ii"]


def test_a_sub_item_answer_carries_its_paragraphs_lead_and_cites_only_itself(
    fake_index: Services,
) -> None:
    composer = Composer(fake_index.corpus, fake_index.prompts.composed)
    hits = [hit(fake_index, "IV.12.ii", 0.8)]
    sentences = composer.compose("regulatory impact assessment", hits)
    assert [s.clause_id for s in sentences] == ["IV.12.ii"]
    text = sentences[0].render()
    assert "legal and regulatory frameworks allow digital opportunities to be seized, by" in text
    assert text.endswith("regulatory impact assessment process [IV.12.ii].")


def test_a_whole_paragraph_keeps_its_lead_cited(fake_index: Services) -> None:
    composer = Composer(fake_index.corpus, fake_index.prompts.composed)
    sentences = composer.compose("business cases", [hit(fake_index, "IV.9", 0.8)])
    assert [s.clause_id for s in sentences] == ["IV.9", "IV.9.i", "IV.9.ii"]


def test_artefact_guards(fake_index: Services, tmp_path: Path) -> None:
    model = lexical_model()
    info = ArtefactInfo(ARTEFACT_NAME, "0" * 64, 7, params=model.params())
    save_artefact(info, model.arrays(), tmp_path)
    with pytest.raises(ArtefactMismatch, match="trained on"):
        LearnedClauseRanker.load(fake_index.corpus, FAKE_MODEL, tmp_path)
    renamed = info.params | {"embedding_model": FAKE_MODEL, "feature_names": ["other"]}
    save_artefact(
        ArtefactInfo(ARTEFACT_NAME, "0" * 64, 7, params=renamed), model.arrays(), tmp_path
    )
    with pytest.raises(ArtefactMismatch, match="other features"):
        LearnedClauseRanker.load(fake_index.corpus, FAKE_MODEL, tmp_path)


def test_the_fakes_keep_the_margin_rule(fake_index: Services) -> None:
    """The hashing embedder's similarities are not the ones the ranker learned from."""
    assert fake_index.composer.selection.ranker is None
    assert "clause_ranker" not in fake_index.learned


def test_committed_artefact_follows_its_rule_and_beats_the_margin_rule_on_test() -> None:
    """The dev operating point keeps the written rule's floor; on the test split (reported,
    never tuned on) the ranker's first clause is right at least as often as the margin rule's
    and its citations are more precise. (It cites a right clause somewhat less often there: the
    figures are in the artefact and the README.)"""
    info = read_info(ARTEFACT_NAME, LEARNED_DIR)
    assert info.params["feature_names"] == list(RANKER_FEATURE_NAMES)
    assert "dev" in info.params["rule"]
    dev, test = info.metrics["dev"], info.metrics["test"]
    floor = dev["margin_rule"]["right_clause_cited"] - RIGHT_CLAUSE_TOLERANCE
    assert dev["learned"]["right_clause_cited"] >= floor - 1e-9
    assert test["learned"]["precision"] > test["margin_rule"]["precision"]
    assert test["learned"]["first_is_gold"] >= test["margin_rule"]["first_is_gold"]


@pytest.mark.integration
def test_served_answers_use_the_committed_ranker(real_services: Services) -> None:
    assert isinstance(real_services.composer.selection.ranker, LearnedClauseRanker)
    answer = real_services.answers.ask(
        "What should be included as part of the regulatory impact assessment process?"
    )
    assert [c.clause_id for c in answer.citations] == ["IV.12.ii"]
    assert answer.receipt.learned["clause_ranker"] == read_info(ARTEFACT_NAME).short_hash
