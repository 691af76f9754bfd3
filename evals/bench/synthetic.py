"""A synthetic corpus N times larger than the real one, for the scale benchmark.

Each generated instrument copies the real Recommendation's layout line by line (background
paragraphs, ``THE COUNCIL,`` and its preamble, roman sections, numbered paragraphs with a bold
title, roman sub-items, even the page-break continuation lines), so the clause parser sees the
same structure and yields the same number of clauses. Only the wording changes: every ordinary
word is replaced by a word drawn, with a seeded generator, from the real clauses' own words, so
word frequencies (and hence BM25 and embedding costs) stay realistic. Kept as they are: all-capital
words (``RECOMMENDS``, ``HAVING REGARD``), numbers, punctuation, Markdown markers, the sub-item
markers and the "Adopted by" line. Definition terms are made unique within an instrument, since
they become clause ids.

The corpus folder holds the real instrument (with its paraphrases and glossaries) plus N - 1
synthetic ones, which have no paraphrase file (so no paraphrase vectors).

    python evals/bench/synthetic.py --scale 10 --out /tmp/corpus-x10
"""

from __future__ import annotations

import argparse
import random
import re
import shutil
from pathlib import Path

from assistant.corpus.instruments import Corpus

WORD_RE = re.compile(r"[A-Za-z][A-Za-z'’-]*")
KEEP_LINE_RE = re.compile(r"^Adopted by the .*Council on .+$")
MARKER_RE = re.compile(r"^(\s*(?:[-*•]\s*)?(?:[ivxl]+\)|\d{1,3}\.|[IVXL]+\.)?\s*)")
DEFINITION_RE = re.compile(r"^(\s*[-*•]\s*\*\*)([^*]+)(\*\*)(.*)$")
COPIED_SUFFIXES = (".toml", ".txt", ".md", ".paraphrases.jsonl")


def word_pool(corpus: Corpus) -> list[str]:
    """Every word of the real clauses (headings and wording), lower-cased, repeats kept."""
    words: list[str] = []
    for clause in corpus.clauses:
        for text in (clause.heading, clause.text):
            words.extend(w.lower() for w in WORD_RE.findall(text) if len(w) > 1)
    return words


def _keep(word: str) -> bool:
    """Words that carry the layout: all capitals (RECOMMENDS, THE COUNCIL) or an acronym."""
    letters = [c for c in word if c.isalpha()]
    return len(letters) >= 2 and all(c.isupper() for c in letters)


def _shape(word: str, like: str) -> str:
    return word[:1].upper() + word[1:] if like[:1].isupper() else word


def _reword(text: str, pool: list[str], rng: random.Random) -> str:
    """Every ordinary word replaced by a random pool word with the same capitalisation."""

    def swap(match: re.Match[str]) -> str:
        word = match.group(0)
        return word if _keep(word) else _shape(rng.choice(pool), word)

    return WORD_RE.sub(swap, text)


def synthesize_text(template: str, pool: list[str], seed: int) -> str:
    """One synthetic instrument in the layout of ``template`` (the real text)."""
    rng = random.Random(seed)
    terms: set[str] = set()
    lines: list[str] = []
    for line in template.splitlines():
        if not line.strip() or KEEP_LINE_RE.match(line.strip()):
            lines.append(line)
            continue
        definition = DEFINITION_RE.match(line)
        if definition:
            lead, term, close, rest = definition.groups()
            new_term = _reword(term, pool, rng)
            while new_term.lower() in terms:  # a definition's term is its clause id
                new_term = _reword(term, pool, rng)
            terms.add(new_term.lower())
            lines.append(f"{lead}{new_term}{close}{_reword(rest, pool, rng)}")
            continue
        marker = MARKER_RE.match(line)
        head = marker.group(1) if marker else ""
        lines.append(head + _reword(line[len(head) :], pool, rng))
    return "\n".join(lines) + "\n"


def _letters(number: int) -> str:
    """1 -> 'A', 26 -> 'Z', 27 -> 'AA': an id prefix of capital letters for each copy."""
    letters = ""
    while number > 0:
        number, rest = divmod(number - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def _metadata(number: int) -> str:
    return "\n".join(
        [
            f'id = "SYNTH/LEGAL/{number:04d}"',
            f'title = "Synthetic Recommendation {number:04d} (benchmark only)"',
            f'short_title = "Synthetic {number:04d}"',
            "adopted = 2014-07-15",
            f'council_ref = "C(2099){number}"',
            f'url = "https://example.invalid/synthetic/{number:04d}"',
            f'id_prefix = "S{_letters(number)}"',  # every instrument after the first has one
            'language = "en"',
            'kind = "recommendation"',
            "",
        ]
    )


def generate_corpus(source_dir: Path, target_dir: Path, scale: int, seed: int = 406) -> Path:
    """Write the real instrument(s) plus ``scale - 1`` synthetic ones into ``target_dir``."""
    if scale < 1:
        raise ValueError("scale must be at least 1")
    corpus = Corpus.load(source_dir)
    template = corpus.instruments[0].path.read_text(encoding="utf-8")
    pool = word_pool(corpus)
    if target_dir.exists():
        shutil.rmtree(target_dir)
    target_dir.mkdir(parents=True)
    for path in sorted(source_dir.iterdir()):
        if path.is_file() and path.name.endswith(COPIED_SUFFIXES):
            shutil.copy2(path, target_dir / path.name)
    for number in range(1, scale):
        stem = target_dir / f"synthetic-{number:04d}"
        stem.with_suffix(".txt").write_text(
            synthesize_text(template, pool, seed * 100_003 + number), encoding="utf-8"
        )
        stem.with_suffix(".toml").write_text(_metadata(number), encoding="utf-8")
    return target_dir


def main(argv: list[str] | None = None) -> None:
    from assistant.settings import Settings

    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--scale", type=int, default=100, help="Times the real corpus (100).")
    parser.add_argument("--out", type=Path, required=True, help="Corpus folder to (re)create.")
    parser.add_argument("--seed", type=int, default=406, help="Word-draw seed (406).")
    args = parser.parse_args(argv)
    folder = generate_corpus(Settings().corpus_dir, args.out, args.scale, args.seed)
    loaded = Corpus.load(folder)
    print(f"{len(loaded.instruments)} instruments, {len(loaded.clauses)} clauses in {folder}")


if __name__ == "__main__":
    main()
