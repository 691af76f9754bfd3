"""The corpus folder: instruments (a text file plus a ``.toml`` metadata file each), per-clause
paraphrases and the glossary.

Adding an instrument is dropping two files into ``corpus/``: ``NAME.toml`` (metadata, see
``oecd-legal-0406.toml``) and ``NAME.md`` / ``.txt`` / ``.pdf`` / ``.html`` (its wording). Optional
``NAME.paraphrases.jsonl`` adds everyday-language questions per clause to the index.
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from assistant.corpus.clause_ids import with_prefix
from assistant.corpus.parser import ClauseParser
from assistant.corpus.records import Clause, Instrument, RelatedInstrument
from assistant.corpus.related import related_instruments

TEXT_SUFFIXES = (".md", ".txt", ".pdf", ".html", ".htm")
GLOSSARY_FILE = "glossary.toml"


class CorpusError(RuntimeError):
    """The corpus folder is missing something or holds a file that cannot be read."""


def read_text(path: Path) -> str:
    """The wording of a source file; PDF and HTML go through their parser libraries."""
    suffix = path.suffix.lower()
    if suffix == ".pdf":
        from pypdf import PdfReader

        return "\n".join(page.extract_text() or "" for page in PdfReader(path).pages)
    if suffix in (".html", ".htm"):
        return _html_to_text(path.read_text(encoding="utf-8"))
    return path.read_text(encoding="utf-8")


def _html_to_text(html: str) -> str:
    """Keep the structure the clause parser needs: bold titles and list items on their own lines."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    for tag in soup(["script", "style", "nav", "header", "footer"]):
        tag.decompose()
    for bold in soup.find_all(["b", "strong"]):
        bold.replace_with(f"**{bold.get_text(' ', strip=True)}**")
    for item in soup.find_all("li"):
        item.insert_before("\n- ")
    for block in soup.find_all(["p", "div", "h1", "h2", "h3", "h4", "br", "li", "ul", "ol"]):
        block.insert_after("\n")
    return "\n".join(line.strip() for line in soup.get_text().splitlines())


@dataclass
class InstrumentText:
    """One instrument as found in the corpus folder, parsed into clauses."""

    instrument: Instrument
    path: Path
    clauses: list[Clause]
    paraphrases: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class Corpus:
    """Every instrument in a corpus folder, its clauses, paraphrases and glossary."""

    directory: Path
    instruments: list[InstrumentText]
    glossary: dict[str, list[str]]
    content_hash: str

    @classmethod
    def load(cls, directory: Path) -> Corpus:
        if not directory.is_dir():
            raise CorpusError(f"Corpus folder {directory} does not exist.")
        digest = hashlib.sha256()
        instruments = []
        for meta_path in sorted(directory.glob("*.toml")):
            if meta_path.name.startswith("glossary"):
                continue  # glossary.toml, glossary-fr.toml: query aids, not instruments
            item = _load_instrument(meta_path, digest)
            instruments.append(item)
        if not instruments:
            raise CorpusError(f"No instrument (*.toml with a text file) in {directory}.")
        _check_prefixes([item.instrument for item in instruments])
        glossary_path = directory / GLOSSARY_FILE
        glossary: dict[str, list[str]] = {}
        if glossary_path.exists():
            digest.update(glossary_path.read_bytes())
            glossary = tomllib.loads(glossary_path.read_text(encoding="utf-8")).get("terms", {})
        return cls(directory, instruments, glossary, digest.hexdigest())

    @cached_property
    def clauses(self) -> list[Clause]:
        return [clause for item in self.instruments for clause in item.clauses]

    @cached_property
    def by_id(self) -> dict[str, Clause]:
        """Clauses by clause id; the first instrument wins when two share an id.

        Clauses of every instrument are also reachable by their global ``key``.
        """
        index: dict[str, Clause] = {}
        for clause in self.clauses:
            index.setdefault(clause.clause_id, clause)
            index[clause.key] = clause
        return index

    @cached_property
    def instrument_by_id(self) -> dict[str, Instrument]:
        return {item.instrument.id: item.instrument for item in self.instruments}

    @property
    def primary(self) -> Instrument:
        """The instrument the assistant is about (the first in the folder)."""
        return self.instruments[0].instrument

    def get(self, clause_id: str, instrument_id: str | None = None) -> Clause | None:
        if instrument_id:
            return self.by_id.get(f"{instrument_id}#{clause_id}")
        return self.by_id.get(clause_id)

    def children(self, clause: Clause) -> list[Clause]:
        return [
            c
            for c in self.clauses
            if c.parent_id == clause.clause_id and c.instrument_id == clause.instrument_id
        ]

    def paraphrases(self, clause: Clause) -> list[str]:
        for item in self.instruments:
            if item.instrument.id == clause.instrument_id:
                return item.paraphrases.get(clause.clause_id, [])
        return []

    @cached_property
    def related(self) -> list[RelatedInstrument]:
        """The catalogue of related OECD instruments named in the instruments' preambles."""
        found: list[RelatedInstrument] = []
        for item in self.instruments:
            found.extend(related_instruments(item.clauses, item.instrument.council_ref))
        return found


def _check_prefixes(instruments: list[Instrument]) -> None:
    """Bare ids belong to the first instrument; every other one needs an id_prefix of its own,
    so that no citation can be read as another instrument's clause."""
    seen: dict[str, str] = {}
    for position, meta in enumerate(instruments):
        if position > 0 and not meta.id_prefix:
            raise CorpusError(
                f"{meta.id} needs an id_prefix in its metadata (such as 'AI'): bare clause ids "
                f"belong to {instruments[0].id}."
            )
        if meta.id_prefix in seen:
            raise CorpusError(
                f"{meta.id} has the id_prefix {meta.id_prefix!r} of {seen[meta.id_prefix]}."
            )
        seen[meta.id_prefix] = meta.id


def _load_instrument(meta_path: Path, digest: hashlib._Hash) -> InstrumentText:
    try:
        meta = tomllib.loads(meta_path.read_text(encoding="utf-8"))
        instrument = Instrument(**meta)
    except (tomllib.TOMLDecodeError, ValueError) as exc:
        raise CorpusError(f"Metadata file {meta_path.name} is invalid: {exc}") from exc
    text_path = next(
        (meta_path.with_suffix(s) for s in TEXT_SUFFIXES if meta_path.with_suffix(s).exists()),
        None,
    )
    if text_path is None:
        raise CorpusError(
            f"{meta_path.name} has no text file beside it ({', '.join(TEXT_SUFFIXES)})."
        )
    digest.update(meta_path.read_bytes())
    digest.update(text_path.read_bytes())
    clauses = ClauseParser(instrument.id, instrument.id_prefix).parse(read_text(text_path))
    if not clauses:
        raise CorpusError(f"No clause found in {text_path.name}: is it in the OECD layout?")
    paraphrases: dict[str, list[str]] = {}
    para_path = meta_path.with_name(meta_path.stem + ".paraphrases.jsonl")
    if para_path.exists():
        digest.update(para_path.read_bytes())
        for line in para_path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                record = json.loads(line)
                paraphrases[with_prefix(record["clause_id"], instrument.id_prefix)] = list(
                    record["questions"]
                )
    return InstrumentText(instrument, text_path, clauses, paraphrases)
