"""The learned attribution verdict: the signals it reads, the two places it may overrule the
rules, the committed artefact, and the rules it is trained beside.

The decision tests use a hand-set logistic model (a fake of the trained one, said so in their
names) so that P(supported) is known; the signal tests run the real engine on the real corpus
with the hashing fake embedder, as ``test_engine.py`` does."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from assistant.answering.linear import LogisticModel
from assistant.checking.clause_differences import ClauseDifferences
from assistant.checking.differences import claim_text
from assistant.checking.engine import AttributionEngine
from assistant.checking.signals import FEATURE_NAMES, Signals
from assistant.checking.types import Difference, SentenceCheck, Verdict
from assistant.checking.verdict_judge import VerdictJudge
from assistant.evaluation.attribution_eval import LabelledSentence
from assistant.learning.verdict_training import Judged, apply, judge_rows, training_rows
from assistant.services import Services

SCORE = FEATURE_NAMES.index("score")


@pytest.fixture
def engine(fake_index: Services) -> AttributionEngine:
    return AttributionEngine(fake_index.corpus, fake_index.grounding)


def fake_model_reading_the_score() -> LogisticModel:
    """A hand-set model: P(supported) = sigmoid(10 * (score - 0.5)), nothing else counts."""
    width = len(FEATURE_NAMES)
    coef = np.zeros(width)
    coef[SCORE] = 10.0
    return LogisticModel(FEATURE_NAMES, coef, -5.0, np.zeros(width), np.ones(width), 0.5)


def _signals(engine: AttributionEngine, score: float, excused: list[Difference]) -> Signals:
    [match] = [m for m in engine.matches("x", np.ones(384)) if m.clause.clause_id == "IV.11"]
    features = np.zeros(len(FEATURE_NAMES))
    features[SCORE] = score
    return Signals(features, "Governments should buy technology wisely.", match, excused)


def _rule(verdict: Verdict) -> SentenceCheck:
    return SentenceCheck(
        index=0, sentence="s", start=0, end=1, verdict=verdict, clause_ids=["IV.11"], note="rule"
    )


def test_fake_model_a_flagged_sentence_is_supported_only_from_the_accept_threshold(
    engine: AttributionEngine,
) -> None:
    judge = VerdictJudge(fake_model_reading_the_score(), accept=0.9, reject=0.0)
    confident = judge.decide(_rule(Verdict.PARTLY), _signals(engine, 0.8, []))  # P = 0.95
    assert confident.verdict == Verdict.SUPPORTED
    assert confident.clause_ids == ["IV.11"]
    assert confident.quote is not None and "learned verdict" in confident.note
    unsure = judge.decide(_rule(Verdict.NOT_FOUND), _signals(engine, 0.6, []))  # P = 0.73
    assert unsure.verdict == Verdict.NOT_FOUND


def test_fake_model_never_overrules_a_contradiction_the_rules_name(
    engine: AttributionEngine,
) -> None:
    judge = VerdictJudge(fake_model_reading_the_score(), accept=0.5, reject=0.0)
    rule = _rule(Verdict.CONTRADICTED)
    assert judge.decide(rule, _signals(engine, 1.0, [])).verdict == Verdict.CONTRADICTED


def test_fake_model_a_doubtful_supported_sentence_is_flagged_below_the_reject_threshold(
    engine: AttributionEngine,
) -> None:
    judge = VerdictJudge(fake_model_reading_the_score(), accept=0.99, reject=0.1)
    swap = [Difference(kind="actor", claim="european commission")]
    contradicted = judge.decide(_rule(Verdict.SUPPORTED), _signals(engine, 0.1, swap))
    assert contradicted.verdict == Verdict.CONTRADICTED
    assert contradicted.differences == swap
    partly = judge.decide(_rule(Verdict.SUPPORTED), _signals(engine, 0.1, []))
    assert partly.verdict == Verdict.PARTLY
    kept = judge.decide(_rule(Verdict.SUPPORTED), _signals(engine, 0.5, swap))
    assert kept.verdict == Verdict.SUPPORTED


def test_fake_model_never_touches_what_is_not_a_claim(engine: AttributionEngine) -> None:
    judge = VerdictJudge(fake_model_reading_the_score(), accept=0.0, reject=1.0)
    rule = _rule(Verdict.NOT_A_CLAIM)
    assert judge.decide(rule, _signals(engine, 1.0, [])) == rule


def test_the_engine_gives_one_signal_per_claim_in_feature_order(
    engine: AttributionEngine,
) -> None:
    rows = [
        LabelledSentence(
            id="x1",
            sentence="Governments must develop clear business cases for digital projects.",
            label=Verdict.CONTRADICTED,
            kind="modality",
            clause_ids=["IV.9"],
        ),
        LabelledSentence(
            id="x2", sentence="Thanks for your help!", label=Verdict.NOT_A_CLAIM, kind="greeting"
        ),
    ]
    judged = judge_rows(engine, rows)
    first, greeting = judged.signals
    assert greeting is None  # a courtesy never reaches the learned verdict
    assert first is not None and first.features.shape == (len(FEATURE_NAMES),)
    named = dict(zip(FEATURE_NAMES, first.features, strict=True))
    assert named["diff_modality"] == 1.0 and named["rule_contradicted"] == 1.0
    features, labels, ids = training_rows([judged])
    assert ids == ["x1"] and labels.tolist() == [False] and features.shape[0] == 1
    assert apply(None, judged) == judged.rules
    assert engine.judge is None and engine.on_signals is None  # restored after reading


def test_the_committed_artefact_reads_the_features_the_code_computes() -> None:
    info, judge = VerdictJudge.load()
    assert judge.model.feature_names == FEATURE_NAMES
    assert 0.5 <= judge.accept <= 1.0 and 0.0 <= judge.reject < judge.accept
    assert "training-3" in info.params["train_sets"] and "dev" not in info.params["train_sets"]


def test_an_instruments_own_year_is_no_difference_for_its_clauses_only(
    engine: AttributionEngine,
) -> None:
    differences: ClauseDifferences = engine.clause_differences
    ai = engine.corpus.get("AI:1.5")
    digital = engine.corpus.get("IV.11")
    assert ai is not None and digital is not None
    kept, _ = differences.between(
        "Under the 2019 Recommendation, AI actors should be accountable for AI systems.", ai
    )
    assert not [d for d in kept if d.claim == "2019"]
    kept, _ = differences.between(
        "Under the 2019 Recommendation, governments should procure digital technologies.", digital
    )
    assert [d for d in kept if d.claim == "2019"]


def test_a_principle_number_is_a_reference_not_a_figure(engine: AttributionEngine) -> None:
    clause = engine.corpus.get("AI:1.3.ii")
    assert clause is not None
    kept = engine.differences(
        "AI actors should make stakeholders aware of their interactions with AI systems "
        "(principle 1.3).",
        clause,
    )
    assert not [d for d in kept if d.kind == "number"]


def test_judged_rows_keep_their_order(engine: AttributionEngine) -> None:
    rows = [
        LabelledSentence(id=f"y{i}", sentence=s, label=Verdict.SUPPORTED, kind="verbatim")
        for i, s in enumerate(
            [
                "Governments should procure digital technologies based on assessment of "
                "existing assets.",
                "The Recommendation was adopted by the OECD Council on 15 July 2014.",
            ]
        )
    ]
    judged: Judged = judge_rows(engine, rows)
    assert [c.clause_ids[0] for c in judged.rules] == ["IV.11", "background.15"]


@pytest.mark.parametrize(
    ("sentence", "clause_id", "kind"),
    [
        (
            "No matter how advanced a country's digital government is, the guidance is meant "
            "to be useful to it.",
            "background.13",
            "negation",
        ),
        (
            "The Committee on Digital Economy Policy had to report to the Council on progress by "
            "the end of December 2019.",
            "AI:VIII.b",
            "deadline",
        ),
        (
            "OECD work since 2000 found that many governments still put existing processes and "
            "products online.",
            "background.9",
            "number",
        ),
    ],
)
def test_wordings_the_checks_misread_as_changes_are_no_difference(
    engine: AttributionEngine, sentence: str, clause_id: str, kind: str
) -> None:
    clause = engine.corpus.get(clause_id)
    assert clause is not None
    assert not [d for d in engine.differences(sentence, clause) if d.kind == kind]


def test_a_figure_of_another_meeting_in_the_same_clause_is_still_a_difference(
    engine: AttributionEngine,
) -> None:
    clause = engine.corpus.get("background.11")
    assert clause is not None
    found = engine.differences(
        "At the meeting of the Network held in Mexico on 29-30 October 2013, delegates "
        "underlined the need for a policy instrument.",
        clause,
    )
    assert [d for d in found if d.kind in ("number", "deadline")]


def test_a_lead_in_addressing_the_reader_adds_no_actor(engine: AttributionEngine) -> None:
    clause = engine.corpus.get("background.5")
    assert clause is not None
    found = engine.differences(
        "For the minister's brief: governments should re-organise themselves around user "
        "expectations and needs rather than their own internal logic.",
        clause,
    )
    assert not [d for d in found if d.kind == "actor"]
    assert claim_text("In short: governments should act.") == "governments should act."


@pytest.mark.parametrize(
    ("sentence", "clause_id", "swapped"),
    [
        (
            "The Recommendation was developed by the Committee on Digital Economy Policy.",
            "background.11",
            "Committee on Digital Economy Policy",
        ),
        ("The Recommendation was drafted by the CDEP.", "background.11", "CDEP"),
        (
            "The Committee on Digital Economy Policy is instructed to monitor the "
            "implementation of the Recommendation.",
            "VIII",
            "Committee on Digital Economy Policy",
        ),
        (
            "The Public Governance Committee was consulted by written procedure in April 2014.",
            "background.11",
            "Public Governance Committee",
        ),
    ],
)
def test_an_actor_the_clause_names_in_another_role_is_contradicted(
    engine: AttributionEngine, sentence: str, clause_id: str, swapped: str
) -> None:
    clause = engine.corpus.get(clause_id)
    assert clause is not None
    actors = [d for d in engine.differences(sentence, clause) if d.kind == "actor"]
    assert [d.claim for d in actors] == [swapped]


@pytest.mark.parametrize(
    ("sentence", "clause_id"),
    [
        (
            "The CDEP was consulted in writing in April 2014 and gave useful comments.",
            "background.11",
        ),
        (
            "The text was prepared through the OECD's Network on E-Government of the PGC.",
            "background.11",
        ),
        ("The Recommendation was developed by the Public Governance Committee.", "background.1"),
        (
            "The PGC is to report regularly after that, in consultation with the Committee on "
            "Digital Economy Policy.",
            "VIII",
        ),
    ],
)
def test_an_actor_in_the_role_the_clause_gives_it_is_no_difference(
    engine: AttributionEngine, sentence: str, clause_id: str
) -> None:
    clause = engine.corpus.get(clause_id)
    assert clause is not None
    assert not [d for d in engine.differences(sentence, clause) if d.kind == "actor"]


def test_not_adhered_restates_non_adherents(engine: AttributionEngine) -> None:
    clause = engine.corpus.get("AI:VII")
    assert clause is not None
    found = engine.differences(
        "Countries that have not adhered are invited to take due account of the AI Recommendation.",
        clause,
    )
    assert not [d for d in found if d.kind == "negation"]


def test_the_operating_point_rule_keeps_flagging_and_prefers_recognising() -> None:
    """A fake dev set (said so): one paraphrase the rules flag, one altered row they flag."""
    from assistant.learning.verdict_training import choose_thresholds

    rows = [
        LabelledSentence(id="p", sentence="p", label=Verdict.SUPPORTED, kind="paraphrase"),
        LabelledSentence(id="a", sentence="a", label=Verdict.NOT_FOUND, kind="invented"),
    ]
    width = len(FEATURE_NAMES)
    model = fake_model_reading_the_score()

    class _Match:
        clause = type("C", (), {"clause_id": "IV.11", "text": "x", "key": "k"})()
        score = 0.5

    def signals(score: float) -> Signals:
        features = np.zeros(width)
        features[SCORE] = score
        return Signals(features, "x", _Match(), [])  # type: ignore[arg-type]

    rules = [_rule(Verdict.PARTLY), _rule(Verdict.NOT_FOUND)]
    dev = Judged(rows, rules, [signals(0.7), signals(0.6)])  # P = 0.88 and 0.73
    judge, figures, before = choose_thresholds(VerdictJudge(model, 1.01, 0.0), dev)
    assert before["supported_recognised"] == 0.0
    assert figures["supported_recognised"] == 1.0 and figures["altered_flagged"] == 1.0
    assert 0.73 < judge.accept <= 0.88  # the lowest that recognises without unflagging


@pytest.mark.parametrize(
    ("sentence", "clause_id"),
    [
        (
            "The Recommendation describes the amount of evidence, statistics and data on "
            "government operations as shrinking.",
            "II.3.i",
        ),
        (
            "Project teams should keep the amount of evidence and data collected during "
            "implementation to a bare minimum.",
            "IV.10.i",
        ),
    ],
)
def test_a_reversal_stated_at_the_end_of_a_sentence_is_a_difference(
    engine: AttributionEngine, sentence: str, clause_id: str
) -> None:
    clause = engine.corpus.get(clause_id)
    assert clause is not None
    assert [d for d in engine.differences(sentence, clause) if d.kind == "direction"]


def test_an_artefact_of_other_features_or_another_model_leaves_the_rules_to_decide(
    tmp_path: Path,
) -> None:
    from assistant.artefacts import ArtefactInfo, save_artefact
    from assistant.checking.factory import learned_judge

    model = fake_model_reading_the_score()
    params = model.params() | {"accept": 0.7, "reject": 0.0, "embedding_model": "m"}
    save_artefact(
        ArtefactInfo("attribution_verdict", "h", 7, params=params), model.arrays(), tmp_path
    )
    assert learned_judge("m", tmp_path) is not None
    assert learned_judge("another-model", tmp_path) is None
    stale = params | {"feature_names": ["score"]}
    save_artefact(
        ArtefactInfo("attribution_verdict", "h", 7, params=stale), model.arrays(), tmp_path
    )
    assert learned_judge("m", tmp_path) is None
    assert learned_judge("m", tmp_path / "missing") is None


def test_fake_model_never_calls_a_sentence_supported_by_a_clause_it_does_not_cite(
    engine: AttributionEngine,
) -> None:
    judge = VerdictJudge(fake_model_reading_the_score(), accept=0.5, reject=0.0)
    signals = _signals(engine, 1.0, [])
    signals.features[FEATURE_NAMES.index("cited")] = 1.0  # cites a clause, not the best match
    assert judge.decide(_rule(Verdict.NOT_FOUND), signals).verdict == Verdict.NOT_FOUND
    signals.features[FEATURE_NAMES.index("cited_agrees")] = 1.0
    assert judge.decide(_rule(Verdict.NOT_FOUND), signals).verdict == Verdict.SUPPORTED


def test_countries_outside_the_oecd_are_the_non_members(engine: AttributionEngine) -> None:
    members = engine.corpus.get("VI")
    non_members = engine.corpus.get("VII")
    assert members is not None and non_members is not None
    swap = "Countries outside the OECD are invited to disseminate the Recommendation."
    assert [d for d in engine.differences(swap, members) if d.kind == "actor"]
    same = "Countries outside the OECD are invited to adhere to the Recommendation."
    assert not [d for d in engine.differences(same, non_members) if d.kind == "actor"]


def test_the_training_set_has_several_hundred_rows_of_every_verdict(fake_index: Services) -> None:
    from collections import Counter

    from assistant.evaluation.attribution_eval import load_rows

    rows = load_rows("training-3")
    assert len(rows) >= 400 and len({r.id for r in rows}) == len(rows)
    counts = Counter(r.label for r in rows)
    assert set(counts) == set(Verdict) and counts[Verdict.SUPPORTED] >= 200
    for row in rows:
        for clause_id in row.clause_ids:
            assert fake_index.corpus.get(clause_id) is not None, (row.id, clause_id)
