"""Adding an instrument: drop its text and metadata into the corpus folder, re-ingest."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from assistant.corpus.instruments import Corpus, CorpusError
from assistant.services import Services
from assistant.settings import PROJECT_ROOT, Settings

FIXTURES = Path(__file__).parent / "fixtures"


def _corpus_with_fixture(tmp_path: Path, suffix: str = ".md") -> Path:
    folder = tmp_path / "corpus"
    shutil.copytree(PROJECT_ROOT / "corpus", folder)
    shutil.copy(FIXTURES / "sample-instrument.toml", folder / "sample-instrument.toml")
    text = (FIXTURES / "sample-instrument.md").read_text()
    if suffix == ".html":
        text = _as_html(text)
    (folder / f"sample-instrument{suffix}").write_text(text)
    return folder


def _as_html(markdown: str) -> str:
    """The fixture as an HTML page: paragraphs, bold titles and list items."""
    import html
    import re

    lines = []
    for line in markdown.splitlines():
        if not line.strip():
            continue
        body = html.escape(re.sub(r"^- ", "", line))
        body = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", body)
        lines.append(f"<li>{body}</li>" if line.startswith("- ") else f"<p>{body}</p>")
    return "<html><body>" + "\n".join(lines) + "</body></html>"


@pytest.mark.parametrize("suffix", [".md", ".html"])
def test_dropped_instrument_is_parsed_with_its_metadata(tmp_path: Path, suffix: str) -> None:
    corpus = Corpus.load(_corpus_with_fixture(tmp_path, suffix))
    assert [i.instrument.id for i in corpus.instruments] == [
        "OECD/LEGAL/0406",
        "OECD/LEGAL/0449",
        "OECD/LEGAL/9999",
    ]
    lens = corpus.get("LH:II.1.ii", "OECD/LEGAL/9999")
    assert lens is not None and lens.text.endswith("spare lenses stored on site;")
    assert corpus.get("II.1.ii").instrument_id == "OECD/LEGAL/0406"  # bare ids: the primary
    assert corpus.instrument_by_id["OECD/LEGAL/9999"].council_ref == "C(2020)1"


def test_metadata_without_text_is_a_clear_error(tmp_path: Path) -> None:
    folder = tmp_path / "corpus"
    folder.mkdir()
    shutil.copy(FIXTURES / "sample-instrument.toml", folder / "lonely.toml")
    with pytest.raises(CorpusError, match="no text file"):
        Corpus.load(folder)


@pytest.mark.integration
def test_reingestion_indexes_the_new_instrument(tmp_path: Path) -> None:
    """Real model, real embedded Chroma: the new instrument's clause is found by a question."""
    settings = Settings(
        corpus_dir=_corpus_with_fixture(tmp_path), data_dir=tmp_path / "data", _env_file=None
    )  # type: ignore[call-arg]
    services = Services(settings)
    report = services.index.build(progress=False)
    assert report.rebuilt and report.manifest.vectors > report.clauses
    hits = services.search.search("how fast must a broken lighthouse lens be replaced?", 3)
    assert hits[0].clause.key == "OECD/LEGAL/9999#LH:II.1.ii"
