"""Which instrument answers (unit tests on the real corpus, no model: hits are built by hand and
the router is a fixed stand-in, as the names say)."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.answering.instrument_router import InstrumentRouter
from assistant.answering.instrument_scope import InstrumentFocus, InstrumentScope
from assistant.answering.selection import ClauseSelection
from assistant.answering.types import ChatMessage
from assistant.corpus.instruments import Corpus
from assistant.corpus.records import ScoredClause
from assistant.settings import PROJECT_ROOT

DG, AI = "OECD/LEGAL/0406", "OECD/LEGAL/0449"


@pytest.fixture(scope="module")
def corpus() -> Corpus:
    return Corpus.load(PROJECT_ROOT / "corpus")


def hit(corpus: Corpus, clause_id: str, dense: float) -> ScoredClause:
    clause = corpus.get(clause_id)
    assert clause is not None
    return ScoredClause(clause=clause, score=dense, dense=dense, matched_by=["dense"])


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("What does OECD/LEGAL/0449 say about robustness?", (AI,)),
        ("Does the AI Recommendation mention SMEs?", (AI,)),
        ("What does the 2014 Recommendation say about business cases?", (DG,)),
        ("Compare the Digital Government Recommendation and the OECD AI Principles", (DG, AI)),
        ("How should governments justify digital projects?", None),
    ],
)
def test_a_named_instrument_answers(corpus: Corpus, question: str, expected: object) -> None:
    assert InstrumentScope(corpus, 0.05).focus(question).instruments == expected


def test_the_conversation_decides_the_other_and_the_same_one(corpus: Corpus) -> None:
    scope = InstrumentScope(corpus, 0.05)
    about_ai = [
        ChatMessage(role="user", content="What about transparency?"),
        ChatMessage(role="assistant", content="AI Actors should commit to transparency [AI:1.3]."),
    ]
    assert scope.focus("And what does the other Recommendation say?", about_ai).instruments == (DG,)
    assert scope.focus("Does the Recommendation say more on it?", about_ai).instruments == (AI,)
    assert scope.focus("ok and the other one?", about_ai).instruments is None  # a list item
    assert scope.focus("Anything on SMEs?", about_ai, requested=[DG]).instruments == (DG,)


def test_the_evidence_keeps_the_best_instrument_and_a_close_second(corpus: Corpus) -> None:
    scope = InstrumentScope(corpus, margin=0.05)
    hits = [hit(corpus, "AI:1.5", 0.70), hit(corpus, "II.1.ii", 0.60), hit(corpus, "AI:1.3", 0.5)]
    kept = scope.keep_best("q", hits, InstrumentFocus(None))
    assert [h.clause.clause_id for h in kept] == ["AI:1.5", "AI:1.3"]
    close = [hit(corpus, "AI:1.5", 0.70), hit(corpus, "II.1.ii", 0.68)]
    assert len(scope.keep_best("q", close, InstrumentFocus(None))) == 2
    biased = InstrumentScope(corpus, margin=0.0, primary_bias=0.03)
    about_the_text = "Who monitors the Recommendation?"
    assert [
        h.clause.instrument_id
        for h in biased.keep_best(about_the_text, close, InstrumentFocus(None))
    ] == [DG]
    # The bias is for questions that speak of "the Recommendation" without naming one only.
    assert [
        h.clause.instrument_id for h in biased.keep_best("q", close, InstrumentFocus(None))
    ] == [AI]
    named = scope.keep_best("q", hits, InstrumentFocus((AI, DG)))
    assert len(named) == 3  # a named focus was applied by the search already


@pytest.mark.parametrize(
    ("question", "instruments", "each"),
    [
        ("What do both texts say about skills?", (DG, AI), True),
        ("Who is asked to spread the word under each Recommendation?", (DG, AI), True),
        ("Que disent les deux recommandations sur les compétences ?", (DG, AI), True),
        ("What do the digital government and AI recommendations each say on this?", (DG, AI), True),
        (
            "The AI text calls trust a key enabler; is the idea in the digital government text?",
            (DG, AI),
            True,
        ),
        ("Which of the two Recommendations mentions data trusts?", None, False),
        ("Does either Recommendation say anything about social media?", None, False),
        ("Does it cover both public and private sector bodies?", None, False),
        ("Should each one of our agencies apply all recommendations of section IV?", None, False),
        ("And the 2014 one, anything on transparency?", (DG,), False),
        ("What does the AI text say about robustness?", (AI,), False),
    ],
)
def test_a_question_about_each_instrument_is_told_from_a_choice_between_them(
    corpus: Corpus, question: str, instruments: object, each: bool
) -> None:
    focus = InstrumentScope(corpus, 0.0).focus(question)
    assert (focus.instruments, focus.each) == (instruments, each)


def test_a_question_about_each_instrument_keeps_the_best_hits_of_each(corpus: Corpus) -> None:
    scope = InstrumentScope(corpus, margin=0.0)
    hits = [
        hit(corpus, "AI:1.5", 0.80),
        hit(corpus, "AI:1.3", 0.75),
        hit(corpus, "AI:1.4", 0.72),
        hit(corpus, "II.1.ii", 0.50),
        hit(corpus, "II.1", 0.45),
    ]
    each = scope.narrow("q", hits, InstrumentFocus((DG, AI), each=True), top_k=2)
    assert [h.clause.clause_id for h in each] == ["AI:1.5", "AI:1.3", "II.1.ii", "II.1"]
    best_only = scope.narrow("q", hits, InstrumentFocus(None), top_k=2)
    assert [h.clause.clause_id for h in best_only] == ["AI:1.5", "AI:1.3"]


class FixedEmbeddings:
    """Stand-in for the model in this unit test: every question is the same vector."""

    def embed_query(self, text: str) -> list[float]:
        return [1.0, 0.0]


def test_the_router_tips_a_close_call(corpus: Corpus) -> None:
    """A stand-in router sure the question is about AI outweighs a slightly better 0406 clause."""
    router = InstrumentRouter((DG, AI), np.array([[-4.0, 0.0], [4.0, 0.0]]), np.zeros(2))
    scope = InstrumentScope(corpus, 0.0, router, FixedEmbeddings(), router_weight=0.1)  # type: ignore[arg-type]
    hits = [hit(corpus, "II.1.ii", 0.66), hit(corpus, "AI:1.5", 0.62)]
    assert [h.clause.instrument_id for h in scope.keep_best("q", hits, InstrumentFocus(None))] == [
        AI
    ]


def test_refusals_name_the_instruments_from_their_metadata(corpus: Corpus) -> None:
    scope = InstrumentScope(corpus, 0.05)
    assert scope.describe((AI,)) == "the Recommendation on Artificial Intelligence"
    assert scope.describe() == (
        "the Recommendation on Digital Government Strategies or "
        "the Recommendation on Artificial Intelligence"
    )
    notices = scope.version_notices("What changed in the 2024 revision?", [], InstrumentFocus(None))
    assert len(notices) == 1 and "22 May 2019" in notices[0]
    assert scope.version_notices("What is e-government?", [DG], InstrumentFocus(None)) == []


def test_hits_of_two_instruments_are_answered_by_each_best_first(corpus: Corpus) -> None:
    """The hand-set margin rule stands in for the learned ranker: each instrument answers with
    its own clauses, the instrument of the best hit first."""
    selection = ClauseSelection(corpus, max_clauses=4)
    hits = [
        hit(corpus, "AI:1.5", 0.80),
        hit(corpus, "AI:1.3.i", 0.78),
        hit(corpus, "AI:2.3.b", 0.76),
        hit(corpus, "II.1.ii", 0.50),
        hit(corpus, "IV.9.i", 0.30),
    ]
    chosen = [c.clause_id for c in selection.select("q", hits)]
    assert chosen[:2] == ["AI:1.5", "AI:1.3.i"]
    assert "II.1.ii" in chosen
    assert "IV.9.i" not in chosen  # far behind its own instrument's best
    one = [h for h in hits if h.clause.instrument_id == AI]
    assert {c.instrument_id for c in selection.select("q", one)} == {AI}


def test_an_instrument_below_the_floor_has_nothing_to_say_on_each(corpus: Corpus) -> None:
    scope = InstrumentScope(corpus, margin=0.0, floor=0.45)
    hits = [hit(corpus, "IV.9", 0.80), hit(corpus, "IV.9.i", 0.70), hit(corpus, "AI:V", 0.40)]
    each = scope.narrow("q", hits, InstrumentFocus((DG, AI), each=True), top_k=4)
    assert [h.clause.clause_id for h in each] == ["IV.9", "IV.9.i"]
    weak = [hit(corpus, "IV.9", 0.30), hit(corpus, "AI:V", 0.20)]  # none passes: all kept
    assert len(scope.narrow("q", weak, InstrumentFocus((DG, AI), each=True), top_k=4)) == 2


def test_a_follow_up_stays_with_the_instrument_the_conversation_is_about(corpus: Corpus) -> None:
    scope = InstrumentScope(corpus, 0.0)
    about_dg = [
        ChatMessage(role="user", content="Which committee monitors it?"),
        ChatMessage(role="assistant", content="The Public Governance Committee [VIII]."),
    ]
    undecided = InstrumentFocus(None)
    assert scope.continued(undecided, about_dg, follows_up=True).instruments == (DG,)
    assert scope.continued(undecided, about_dg, follows_up=False).instruments is None
    asked_for = InstrumentFocus((AI,))
    assert scope.continued(asked_for, about_dg, follows_up=True) is asked_for
    both = [*about_dg[:1], ChatMessage(role="assistant", content="[VIII] and [AI:VIII.d].")]
    assert scope.continued(undecided, both, follows_up=True).instruments is None
