"""Figure questions and the clauses that can answer them (pure: wording in, verdict out)."""

from __future__ import annotations

import pytest

from assistant.answering.figures import FigureKind, figure_question

TASK_FORCE = (
    "A Task Force composed of 13 OECD Member countries collaborated with the Secretariat on a "
    "draft set of principles [GOV/PGC/EGOV(2013)1]."
)
ADOPTION = "The Recommendation was adopted by the OECD Council on 15 July 2014 [C(2014)88]."
MONITORING = (
    "INSTRUCTS the Public Governance Committee to monitor the implementation of this "
    "Recommendation and to report thereon to the Council no later than three years following "
    "its adoption."
)


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("What percentage of the IT budget goes to security?", FigureKind.PERCENT),
        ("What budget threshold in euros triggers a business case?", FigureKind.MONEY),
        ("How much money should we set aside for pilots?", FigureKind.MONEY),
        ("On what date was the Recommendation adopted?", FigureKind.DATE),
        ("By when must the committee report?", FigureKind.DEADLINE),
        ("Above what contract value must we tender openly?", FigureKind.ANY),
        ("How many days do agencies have to reply?", FigureKind.PERIOD),
        ("How many countries sat on the Task Force?", FigureKind.COUNT),
        ("What is the minimum password length?", FigureKind.ANY),
    ],
)
def test_figure_questions_are_recognised_by_kind(question: str, kind: FigureKind) -> None:
    found = figure_question(question)
    assert found is not None and found.kind == kind


@pytest.mark.parametrize(
    "question",
    [
        "How much political backing does the digital plan need?",  # no amount is asked for
        "Who monitors the implementation of the Recommendation?",
        "What does the Recommendation say about open data?",
    ],
)
def test_other_questions_ask_for_no_figure(question: str) -> None:
    assert figure_question(question) is None


def test_a_figure_answers_only_a_question_of_its_kind_about_its_topic() -> None:
    task_force = figure_question("How many countries sat on the Task Force?")
    adoption = figure_question("On what date was the Recommendation adopted?")
    report = figure_question("By when must the committee report to the Council?")
    online = figure_question("By what year must all public services be available online?")
    quota = figure_question("The text sets a gender quota. What percentage does it require?")
    assert task_force and adoption and report and online and quota
    assert task_force.answered_by(TASK_FORCE) and not task_force.answered_by(MONITORING)
    assert adoption.answered_by(ADOPTION)
    assert report.answered_by(MONITORING) and not report.answered_by(TASK_FORCE)
    # A date about something else is no answer: the adoption date says nothing of services,
    # and a date something happened is no deadline.
    assert not online.answered_by(ADOPTION)
    since = "Since 2000, the committee has reviewed how countries put services online."
    assert not online.answered_by(since) and online.answered_by(
        MONITORING.replace("report thereon", "have all public services online and report thereon")
    )
    assert not any(quota.answered_by(text) for text in (TASK_FORCE, ADOPTION, MONITORING))
