"""The grounding guard: what reaches the user is only what the cited clauses support.

Applied to every generator's text. Sentence by sentence it (1) normalises citation markers and
drops ids that do not exist or were not given to the generator, (2) scores the sentence against
the clauses it cites, (3) gives an uncited but clearly supported sentence its citation, and
(4) removes, or marks, by setting, a sentence that nothing supports.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, field

from assistant.answering.types import SentenceSupport
from assistant.corpus.citations import parse_citations, rewrite_citations, strip_citations
from assistant.corpus.instruments import Corpus
from assistant.answering.grounding import GroundingChecker

SENTENCE_END_RE = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"“(\[*])")
LEADING_MARKERS_RE = re.compile(r"^((?:\s*\[[^\]\n]{1,40}\])+)")
UNSUPPORTED_MARK = " ⚠ (not supported by the cited clause)"
# What a model may echo from its prompt: the <clauses> tags and the "[ID] (heading)" labels.
PROMPT_TAG_RE = re.compile(r"</?\s*(?:clauses|question|answer)\s*>", re.IGNORECASE)
CLAUSE_LABEL_RE = re.compile(r"(?m)^\s*\[[^\]\n]{1,40}\]\s*\([^)\n]{1,200}\)\s*")
AUTO_CITE_MARGIN = 0.1


def remove_prompt_echo(text: str) -> str:
    """Text without prompt scaffolding a model copied back (tags, clause labels)."""
    return CLAUSE_LABEL_RE.sub("", PROMPT_TAG_RE.sub("", text)).strip()


def split_sentences(text: str) -> list[str]:
    """Sentences, with a citation written after the full stop kept on its sentence."""
    raw = [s.strip() for s in SENTENCE_END_RE.split(text.strip()) if s.strip()]
    merged: list[str] = []
    for sentence in raw:
        lead = LEADING_MARKERS_RE.match(sentence)
        if lead and merged:
            merged[-1] = f"{merged[-1]} {lead.group(1).strip()}"
            sentence = sentence[lead.end() :].strip()
        if sentence:
            merged.append(sentence)
    return merged


@dataclass
class GuardResult:
    """The guarded text and its per-sentence verdicts."""

    text: str
    sentences: list[SentenceSupport] = field(default_factory=list)
    cited: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)

    @property
    def supported_share(self) -> float:
        if not self.sentences:
            return 0.0
        return sum(s.supported for s in self.sentences) / len(self.sentences)

    @property
    def removed(self) -> int:
        return sum(s.action == "removed" for s in self.sentences)


class GroundingGuard:
    """Checks a generated text against the clauses the generator was given."""

    def __init__(self, corpus: Corpus, checker: GroundingChecker, mode: str = "remove") -> None:
        self.corpus = corpus
        self.checker = checker
        self.mode = mode

    def check(self, text: str, allowed_ids: Collection[str]) -> GuardResult:
        allowed = [cid for cid in dict.fromkeys(allowed_ids) if self.corpus.get(cid) is not None]
        result = GuardResult(text="")
        kept: list[str] = []
        shown: set[str] = set()
        for sentence in split_sentences(remove_prompt_echo(text)):
            parsed = parse_citations(sentence, allowed)
            result.dropped.extend(d for d in parsed.dropped if d not in result.dropped)
            clean = rewrite_citations(sentence, allowed)
            said = strip_citations(clean).lower()
            if not said or said in shown:
                continue  # a lone marker, or a sentence already said (small models loop)
            shown.add(said)
            cited = parsed.ids
            pool = cited or allowed
            clauses = [c for c in (self.corpus.get(cid) for cid in pool) if c is not None]
            score, best = self.checker.support(clean, clauses)
            supported = self.checker.is_supported(score)
            if (
                not cited
                and supported
                and score >= self.checker.threshold + AUTO_CITE_MARGIN
                and best
            ):
                clean = _append_citation(clean, best)
                cited = [best]
            elif not cited:
                supported = False
            verdict = SentenceSupport(
                sentence=strip_citations(clean),
                cited=cited,
                supported_by=best if supported else None,
                score=score,
                supported=supported,
                action="kept" if supported else ("marked" if self.mode == "mark" else "removed"),
            )
            result.sentences.append(verdict)
            if verdict.action == "kept":
                kept.append(clean)
            elif verdict.action == "marked":
                kept.append(clean + UNSUPPORTED_MARK)
            if verdict.action != "removed":
                result.cited.extend(c for c in cited if c not in result.cited)
        result.text = " ".join(kept)
        return result


def _append_citation(sentence: str, clause_id: str) -> str:
    body = sentence.rstrip()
    end = body[-1] if body and body[-1] in ".!?" else ""
    return f"{body[:-1] if end else body} [{clause_id}]{end or '.'}"
