"""A third instrument in another layout (no section numerals, principles numbered 1.1 with their
titles on lines of their own, items as "(a)", sections opened by unnumbered Council verbs): it
is dropped into the corpus folder with its metadata and answered from, under its own prefix."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from assistant.corpus.instruments import Corpus, CorpusError
from assistant.services import Services
from assistant.settings import PROJECT_ROOT, Settings

FIXTURES = Path(__file__).parent / "fixtures"
LOCKS = "OECD/LEGAL/9998"


def corpus_with_locks(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    shutil.copytree(PROJECT_ROOT / "corpus", folder)
    for suffix in (".toml", ".txt"):
        shutil.copy(FIXTURES / f"sample-charter{suffix}", folder / f"sample-charter{suffix}")
    return folder


def test_the_third_instrument_is_parsed_in_its_own_numbering(tmp_path: Path) -> None:
    corpus = Corpus.load(corpus_with_locks(tmp_path))
    locks = next(i for i in corpus.instruments if i.instrument.id == LOCKS)
    assert [c.clause_id for c in locks.clauses] == [
        "CL:preamble", "CL:preamble.1", "CL:preamble.2", "CL:preamble.3",
        "CL:I", "CL:1.1", "CL:1.2", "CL:1.2.a", "CL:1.2.b", "CL:II", "CL:2.1", "CL:III",
    ]  # fmt: skip
    hinges = corpus.get("CL:1.2.a")
    assert hinges is not None and hinges.heading == "Maintenance"
    assert hinges.text.startswith("Operators should grease the gate hinges")
    assert corpus.get("1.2.a") is None  # a bare id never reaches another instrument


def test_a_second_instrument_without_a_prefix_is_refused(tmp_path: Path) -> None:
    folder = corpus_with_locks(tmp_path)
    meta = folder / "sample-charter.toml"
    meta.write_text(meta.read_text().replace('id_prefix = "CL"', 'id_prefix = ""'))
    with pytest.raises(CorpusError, match="id_prefix"):
        Corpus.load(folder)
    meta.write_text(meta.read_text().replace('id_prefix = ""', 'id_prefix = "AI"'))
    with pytest.raises(CorpusError, match="id_prefix"):
        Corpus.load(folder)


@pytest.mark.integration
def test_a_question_naming_the_third_instrument_is_answered_from_it(tmp_path: Path) -> None:
    """Real model, real embedded Chroma; the router was trained for two instruments, so the
    evidence is clause similarity alone, and naming the instrument restricts the answer."""
    settings = Settings(
        corpus_dir=corpus_with_locks(tmp_path), data_dir=tmp_path / "data", _env_file=None
    )  # type: ignore[call-arg]
    services = Services(settings)
    services.index.build(progress=False)
    answer = services.answers.ask(
        "What does the Canal Locks Recommendation say about greasing the gate hinges?"
    )
    assert not answer.abstained
    assert answer.citations[0].clause_id == "CL:1.2.a"
    assert {c.instrument for c in answer.citations} == {LOCKS}
    assert "[CL:1.2.a]" in answer.answer
    listed = services.answers.ask("How many hours of practice before a lock keeper is certified?")
    assert "CL:2.1" in [c.clause_id for c in listed.citations]
