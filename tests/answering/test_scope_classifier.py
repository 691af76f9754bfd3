"""The calibrated scope decider: its named features, its decision and refusal wording, the
product-choice rule, its artefact, the dev-split operating point, and (``integration``) the
committed decider against the threshold rules on the bank's test split."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from assistant.answering.decision import ThresholdScopeDecider
from assistant.answering.linear import ArtefactMismatch, LogisticModel
from assistant.answering.phrases import fill
from assistant.answering.scope import ScopeCheck
from assistant.answering.scope_classifier import (
    ARTEFACT_NAME,
    SCOPE_FEATURE_NAMES,
    LearnedScopeDecider,
    corrected_not_refused,
    feature_row,
    scope_features,
)
from assistant.answering.scope_examples import ExampleMemory, unit_rows
from assistant.artefacts import LEARNED_DIR, ArtefactInfo, load_artefact, save_artefact
from assistant.backends.embeddings import FAKE_MODEL
from assistant.corpus.records import ScoredClause
from assistant.evaluation.bank import training_bank
from assistant.learning.classifier_data import bank_hash, operating_point
from assistant.learning.scope_training import decision_rows
from assistant.services import Services


def hit(services: Services, clause_id: str, dense: float, lexical: float = 0.0) -> ScoredClause:
    clause = services.corpus.get(clause_id)
    assert clause is not None
    return ScoredClause(clause=clause, score=1.0, dense=dense, lexical=lexical, matched_by=[])


def similarity_model(threshold: float = 0.5) -> LogisticModel:
    """Refuses when the best similarity is low or the question is about unknown names."""
    coef = np.zeros(len(SCOPE_FEATURE_NAMES))
    coef[SCOPE_FEATURE_NAMES.index("best_dense")] = -20.0
    coef[SCOPE_FEATURE_NAMES.index("names_are_subject")] = 10.0
    width = len(SCOPE_FEATURE_NAMES)
    return LogisticModel(
        SCOPE_FEATURE_NAMES, coef, 10.0, np.zeros(width), np.ones(width), threshold
    )


def decider(services: Services, model: LogisticModel | None = None) -> LearnedScopeDecider:
    phrases = services.prompts.composed.refusal
    return LearnedScopeDecider(model or similarity_model(), services.composer, phrases)


def test_features_are_named_and_read_from_scope_and_hits(fake_index: Services) -> None:
    scope = ScopeCheck(question="Who monitors it?", unknown_names=["Zorbania"])
    hits = [hit(fake_index, "VIII", 0.7, 12.0), hit(fake_index, "IV.9", 0.5)]
    features = scope_features(scope, hits, fake_index.composer)
    assert tuple(features) == SCOPE_FEATURE_NAMES
    assert features["best_dense"] == 0.7 and features["dense_margin"] == pytest.approx(0.2)
    assert features["best_lexical_log"] == pytest.approx(np.log1p(12.0))
    assert features["unknown_names"] == 1 and features["names_are_subject"] == 0
    assert features["top_kind_section"] == 1 and features["mentions_the_text"] == 0
    assert feature_row(features).shape == (len(SCOPE_FEATURE_NAMES),)


def test_the_decision_follows_the_probability_and_says_why(fake_index: Services) -> None:
    learned, phrases = decider(fake_index), fake_index.prompts.composed.refusal
    close = [hit(fake_index, "IV.9", 0.7)]
    far = [hit(fake_index, "IV.9", 0.3)]
    assert learned.refusal(ScopeCheck(question="q"), close) is None
    assert learned.refusal(ScopeCheck(question="q"), far) == phrases.not_covered
    named = ScopeCheck(question="q", unknown_names=["GDPR"], names_are_subject=True)
    assert learned.refusal(named, close) == fill(phrases.unknown_names, names="GDPR")
    assert 0.0 < learned.probability(named, close) < 1.0


def test_examples_place_a_question_by_its_nearest_labelled_neighbours() -> None:
    memory = ExampleMemory(
        unit_rows(np.array([[1.0, 0.0], [0.0, 1.0], [0.6, 0.8]])), np.array([False, True, True])
    )
    nearest = memory.nearest(np.array([0.0, 2.0]))
    assert nearest.answerable == pytest.approx(0.0) and nearest.refused == pytest.approx(1.0)
    # A training question never meets its own group: masked, the next refused example counts.
    masked = memory.nearest(np.array([0.0, 2.0]), exclude=np.array([False, True, False]))
    assert masked.refused == pytest.approx(0.8)


def test_the_decider_reads_the_example_features_with_its_embedder(fake_index: Services) -> None:
    """The hashing embedder stands in for MiniLM: a question worded like a refused example
    gets the refused example's similarity as a feature, and the model refuses on it."""
    embeddings = fake_index.embeddings
    texts = ["What does GDPR article 22 say about profiling?", "Who should own business cases?"]
    memory = ExampleMemory(
        unit_rows(np.array(embeddings.embed_documents(texts))), np.array([True, False])
    )
    coef = np.zeros(len(SCOPE_FEATURE_NAMES))
    coef[SCOPE_FEATURE_NAMES.index("nearest_refused_example")] = 20.0
    coef[SCOPE_FEATURE_NAMES.index("nearest_answerable_example")] = -20.0
    width = len(SCOPE_FEATURE_NAMES)
    model = LogisticModel(SCOPE_FEATURE_NAMES, coef, 0.0, np.zeros(width), np.ones(width), 0.5)
    phrases = fake_index.prompts.composed.refusal
    learned = LearnedScopeDecider(model, fake_index.composer, phrases, memory, embeddings)
    close = [hit(fake_index, "IV.9", 0.7)]
    gdpr = ScopeCheck(question="What does GDPR article 22 say about profiling?")
    features = learned.features(gdpr, close)
    assert features["nearest_refused_example"] == pytest.approx(1.0, abs=1e-5)
    assert learned.refusal(gdpr, close) == phrases.not_covered
    assert learned.refusal(ScopeCheck(question="Who should own business cases?"), close) is None


def test_a_product_choice_is_refused_by_its_named_rule(fake_index: Services) -> None:
    product = ScopeCheck(question="Which cloud provider?", asks_for_product=True)
    close = [hit(fake_index, "IV.9", 0.8)]
    refusal = decider(fake_index).refusal(product, close)
    assert refusal == fake_index.prompts.composed.refusal.no_products
    referenced = close[0].model_copy(update={"matched_by": ["reference"]})
    assert decider(fake_index).refusal(product, [referenced]) is None


def test_artefact_round_trip(fake_index: Services, tmp_path: Path) -> None:
    model = similarity_model(0.42)
    params = model.params() | {"embedding_model": FAKE_MODEL}
    save_artefact(ArtefactInfo(ARTEFACT_NAME, "0" * 64, 7, params=params), model.arrays(), tmp_path)
    phrases = fake_index.prompts.composed.refusal
    loaded = LearnedScopeDecider.load(fake_index.composer, phrases, FAKE_MODEL, tmp_path)
    assert loaded.model.threshold == 0.42
    assert np.array_equal(loaded.model.coef, model.coef)
    with pytest.raises(ArtefactMismatch):
        LearnedScopeDecider.load(fake_index.composer, phrases, "another-model", tmp_path)


def test_operating_point_allows_two_percent_false_refusals() -> None:
    answerable = [i / 100 for i in range(100)]  # 0.00 ... 0.99
    scores = [*answerable, 0.985, 0.5]
    refuse = [False] * 100 + [True, True]
    point = operating_point(scores, refuse, max_false_share=0.02)
    # Two answerable items (0.98, 0.99) may be refused; the third highest (0.97) may not.
    assert point.false_positives == 2 and point.threshold == pytest.approx((0.97 + 0.98) / 2)
    assert point.true_positives == 1


def test_the_pipeline_uses_the_rules_on_the_fakes(fake_index: Services) -> None:
    """The hashing fake cannot carry a judgement learned on MiniLM: the rules decide."""
    assert isinstance(fake_index.scope_decider, ThresholdScopeDecider)


def with_learned_scope(real_services: Services) -> Services:
    """The real services in the configuration the learned decider was trained for (the query
    adapter on), sharing the session's model and index."""
    update = {"scope_decider": "learned", "use_query_adapter": True}
    settings = real_services.settings.model_copy(update=update)
    return Services.with_components(
        settings, store=real_services.store, embeddings=real_services.embeddings
    )


@pytest.mark.integration
def test_committed_decider_loads_and_matches_the_bank(real_services: Services) -> None:
    info, _ = load_artefact(ARTEFACT_NAME)
    assert info.data_hash == bank_hash(training_bank()), "retrain: the bank changed"
    assert isinstance(with_learned_scope(real_services).scope_decider, LearnedScopeDecider)
    assert 0.0 < info.params["threshold"] < 1.0


@pytest.mark.integration
def test_learned_decider_refuses_no_more_answerable_questions_than_the_rules(
    real_services: Services,
) -> None:
    """On the bank's test split (never used for fitting or choosing), same screen, same hits."""
    test = [i for i in training_bank() if i.split == "test"]
    services = with_learned_scope(real_services)
    learned = services.scope_decider
    assert isinstance(learned, LearnedScopeDecider)
    rows = decision_rows(services, LEARNED_DIR, test, learned.examples)
    answerable = [r for r in rows if not r.refuse]
    learned_refused = sum(
        bool(learned.model.decide(feature_row(r.features))[0]) or r.named_rule for r in answerable
    )
    rules_refused = sum(r.rules_refused for r in answerable)
    assert len(answerable) >= 50 and learned_refused <= rules_refused


def test_a_claim_about_the_text_is_refused_only_when_the_thresholds_agree(
    fake_index: Services,
) -> None:
    """The model would refuse (a far clause); a false premise about the text is corrected from
    it unless the similarity bars also find nothing near."""
    phrases = fake_index.prompts.composed.refusal
    thresholds = ThresholdScopeDecider(fake_index.settings, fake_index.composer, phrases)
    model = similarity_model()
    learned = LearnedScopeDecider(model, fake_index.composer, phrases, claims=thresholds)
    claim = ScopeCheck(
        question="Is it true that the Recommendation requires annual reports?",
        checks_a_claim=True,
    )
    near = [hit(fake_index, "VIII", 0.45, 20.0)]  # under the model's bar, a strong keyword match
    assert learned.refusal(claim, near) is None
    assert learned.refusal(claim, [hit(fake_index, "VIII", 0.05)]) == phrases.not_covered
    plain = ScopeCheck(question="What about annual reports?")
    assert learned.refusal(plain, near) == phrases.not_covered


def test_named_rules_beside_the_model_fake_embedder(fake_index: Services) -> None:
    """A question naming a clause is answered however far its wording is; several names the
    text never uses, as the subject, are refused however close a clause is; a premise about a
    thing the text never names is not rescued as a correction."""
    learned, phrases = decider(fake_index), fake_index.prompts.composed.refusal
    far = hit(fake_index, "II", 0.1)
    named_clause = [far.model_copy(update={"matched_by": ["reference"]})]
    assert learned.refusal(ScopeCheck(question="Sections II and III?"), named_clause) is None
    others = ScopeCheck(
        question="Is Teams or Zoom better?",
        unknown_names=["Teams", "Zoom"],
        names_are_subject=True,
    )
    close = [hit(fake_index, "IV.9", 0.9)]
    assert learned.refusal(others, close) == fill(phrases.unknown_names, names="Teams, Zoom")
    assert learned.refusal(others, named_clause) == fill(phrases.unknown_names, names="Teams, Zoom")
    features = {name: 0.0 for name in SCOPE_FEATURE_NAMES}
    features |= {"claims_premise": 1.0, "mentions_the_text": 1.0}
    plain = ScopeCheck(question="Why does the Recommendation require annual reports?")
    assert corrected_not_refused(features, plain)
    features |= {"names_are_subject": 1.0, "unknown_names": 1.0}
    assert not corrected_not_refused(features, plain)
    covered = ScopeCheck(question="...", premise_on_covered=True)
    assert corrected_not_refused(features, covered)
