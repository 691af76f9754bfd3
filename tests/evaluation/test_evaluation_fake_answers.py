"""The scoring path from a hand-built (fake) ``Answer`` to a results line, baselines' chunk
mapping, and the written report, without any model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.answering.types import Answer, Citation, Grounding, Receipt, RetrievedClause
from assistant.corpus.instruments import Corpus
from assistant.corpus.records import Clause
from assistant.evaluation.baselines import clauses_in_chunk, paragraph_parents
from assistant.evaluation.datasets import GoldItem, load_results
from assistant.evaluation.metrics import summarise
from assistant.evaluation.report import write_run
from assistant.evaluation.runner import (
    EvalRun,
    Scorer,
    answer_to_response,
    split_sentences,
)
from assistant.evaluation.types import Response
from assistant.settings import PROJECT_ROOT


class FakeChecker:
    """Supports a sentence when it shares a word of 6+ letters with a cited clause."""

    def support(self, sentence: str, clauses: list[Clause]) -> tuple[float, str | None]:
        words = {w for w in sentence.lower().split() if len(w) >= 6}
        for clause in clauses:
            if words & set(clause.text.lower().split()):
                return 0.9, clause.clause_id
        return 0.1, None

    def is_supported(self, score: float) -> bool:
        return score >= 0.5


@pytest.fixture(scope="module")
def corpus(project_root_module: Path) -> Corpus:
    return Corpus.load(project_root_module / "corpus")


@pytest.fixture(scope="module")
def project_root_module() -> Path:
    return PROJECT_ROOT


def fake_answer(text: str, cited: list[str], abstained: bool = False) -> Answer:
    receipt = Receipt(
        assistant_version="0",
        corpus_hash="x",
        index_version="v",
        embedding_model="m",
        prompt_version="p",
        generator="fake",
        created_at="now",
    )
    return Answer(
        question="q",
        standalone_question="q",
        answer=text,
        abstained=abstained,
        citations=[
            Citation(clause_id=c, instrument="OECD/LEGAL/0406", label=c, text="t", url="u")
            for c in cited
        ],
        grounding=Grounding(),
        retrieved=[RetrievedClause(clause_id="IV.9.i", instrument="i", score=1.0)],
        generator="fake",
        receipt=receipt,
    )


def test_split_sentences_keeps_a_trailing_marker_on_its_sentence() -> None:
    text = (
        "Develop clear business cases. [IV.9]\n"
        "- Involve owners and users [IV.9.ii][IV.9.i]. So it is."
    )
    assert split_sentences(text, {"IV.9", "IV.9.i", "IV.9.ii"}) == [
        ("Develop clear business cases. [IV.9]", ["IV.9"]),
        ("Involve owners and users [IV.9.ii][IV.9.i].", ["IV.9.ii", "IV.9.i"]),
    ]  # "So it is." has no content word and is not a sentence to check


def test_fake_answer_scored_with_invalid_citation_in_text(corpus: Corpus) -> None:
    answer = fake_answer(
        "Governments should articulate the value proposition of projects [IV.9.i]. "
        "They must also hire astronauts [IV.99].",
        ["IV.9.i"],
    )
    response = answer_to_response(answer, corpus)
    assert response.invalid == ["IV.99"]
    assert response.citations == ["IV.9.i"]
    item = GoldItem(
        id="g1",
        question="q",
        type="verbatim",
        gold=["IV.9.i"],
        key_facts=["articulating the value proposition"],
    )
    record = Scorer(corpus, FakeChecker()).record("assistant", item, response, 0.05)
    assert [s.supported for s in record.sentences or []] == [True, False]
    assert record.key_facts == {"articulating the value proposition": True}
    summary = summarise([record], paragraph_parents(corpus))
    assert summary["citations"]["invalid"] == 1
    assert summary["grounding"]["supported_share"] == 0.5


def test_fake_refusal_has_no_grounding_sentences(corpus: Corpus) -> None:
    refusal = fake_answer("The text does not cover this.", [], abstained=True)
    response = answer_to_response(refusal, corpus)
    assert response.abstained and response.sentences is None


def test_chunk_to_clause_mapping_ignores_bold_and_whitespace(corpus: Corpus) -> None:
    iv9i = corpus.get("IV.9.i")
    assert iv9i is not None
    chunk = "9. **Develop clear business cases**, by:\n\n- i) " + iv9i.text[:70].replace(" ", "\n ")
    held = clauses_in_chunk(chunk, corpus.clauses)
    assert "IV.9.i" in held and "IV.10.i" not in held


def test_fake_run_writes_results_summary_ragas_and_report(corpus: Corpus, tmp_path: Path) -> None:
    item = GoldItem(
        id="g1",
        question="What about business cases?",
        type="verbatim",
        gold=["IV.9.i"],
        key_facts=["value proposition"],
    )
    scorer = Scorer(corpus, FakeChecker())
    response = Response(
        answer="Articulate the value proposition [IV.9.i].",
        abstained=False,
        retrieved=[frozenset({"IV.9.i"})],
        contexts=["ctx"],
        citations=["IV.9.i"],
        sentences=[("Articulate the value proposition [IV.9.i].", ["IV.9.i"])],
    )
    records = [scorer.record("assistant", item, response, 0.1)]
    summary = {
        "dataset": "fake",
        "generator": "fake",
        "created_at": "now",
        "questions": 1,
        "systems": {"assistant": summarise(records, paragraph_parents(corpus))},
    }
    paths = write_run(EvalRun(summary, records), tmp_path, corpus)
    for name in (
        "results.jsonl",
        "summary.json",
        "ragas.jsonl",
        "report.md",
        "report.html",
        "metrics.png",
        "by_type.png",
    ):
        assert paths[name].exists() and paths[name].stat().st_size > 0, name
    assert load_results(paths["results.jsonl"])[0].id == "g1"
    ragas = json.loads(paths["ragas.jsonl"].read_text().splitlines()[0])
    assert set(ragas) >= {"question", "answer", "contexts", "ground_truth"}
    assert "data:image/png;base64," in paths["report.html"].read_text()
    assert "## Worst questions" in paths["report.md"].read_text()
