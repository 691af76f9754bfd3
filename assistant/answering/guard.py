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

from assistant.answering.grounding import GroundingChecker
from assistant.answering.types import SentenceSupport
from assistant.corpus.citations import parse_citations, rewrite_citations, strip_citations
from assistant.corpus.instruments import Corpus
from assistant.corpus.sentences import answer_sentences

UNSUPPORTED_MARK = " ⚠ (not supported by the cited clause)"
# What a model may echo from its prompt: the <clauses> tags and the "[ID] (heading)" labels.
PROMPT_TAG_RE = re.compile(r"</?\s*(?:clauses|question|answer)\s*>", re.IGNORECASE)
CLAUSE_LABEL_RE = re.compile(r"(?m)^\s*\[[^\]\n]{1,40}\]\s*\([^)\n]{1,200}\)\s*")
AUTO_CITE_MARGIN = 0.1


def remove_prompt_echo(text: str) -> str:
    """Text without prompt scaffolding a model copied back (tags, clause labels)."""
    return CLAUSE_LABEL_RE.sub("", PROMPT_TAG_RE.sub("", text)).strip()


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

    def session(self, allowed_ids: Collection[str]) -> GuardSession:
        """A guard for one answer, fed one finished sentence at a time (for streaming)."""
        allowed = [cid for cid in dict.fromkeys(allowed_ids) if self.corpus.get(cid) is not None]
        return GuardSession(self, allowed)

    def check(self, text: str, allowed_ids: Collection[str]) -> GuardResult:
        """The whole text at once: the same verdicts as feeding its sentences to a session."""
        session = self.session(allowed_ids)
        for sentence in answer_sentences(remove_prompt_echo(text)):
            session.check(sentence)
        return session.result


class GuardSession:
    """The guard's state while one answer is written: what was said and cited so far."""

    def __init__(self, guard: GroundingGuard, allowed: list[str]) -> None:
        self.guard = guard
        self.allowed = allowed
        self.result = GuardResult(text="")
        self._shown: set[str] = set()

    def check(self, sentence: str) -> str | None:
        """The sentence as it may be shown (citations normalised, maybe marked), or None when
        it is removed, empty or a repeat (small models loop)."""
        checker = self.guard.checker
        sentence = remove_prompt_echo(sentence)
        parsed = parse_citations(sentence, self.allowed)
        self.result.dropped.extend(d for d in parsed.dropped if d not in self.result.dropped)
        clean = rewrite_citations(sentence, self.allowed)
        said = strip_citations(clean).lower()
        if not said or said in self._shown:
            return None
        self._shown.add(said)
        cited = parsed.ids
        pool = cited or self.allowed
        clauses = [c for c in (self.guard.corpus.get(cid) for cid in pool) if c is not None]
        score, best = checker.support(clean, clauses)
        supported = checker.is_supported(score)
        if not cited and supported and score >= checker.threshold + AUTO_CITE_MARGIN and best:
            clean = _append_citation(clean, best)
            cited = [best]
        elif not cited:
            supported = False
        action = "kept" if supported else ("marked" if self.guard.mode == "mark" else "removed")
        self.result.sentences.append(
            SentenceSupport(
                sentence=strip_citations(clean),
                cited=cited,
                supported_by=best if supported else None,
                score=score,
                supported=supported,
                action=action,
            )
        )
        if action == "removed":
            return None
        self.result.cited.extend(c for c in cited if c not in self.result.cited)
        shown = clean if action == "kept" else clean + UNSUPPORTED_MARK
        self.result.text = f"{self.result.text} {shown}" if self.result.text else shown
        return shown


def _append_citation(sentence: str, clause_id: str) -> str:
    body = sentence.rstrip()
    end = body[-1] if body and body[-1] in ".!?" else ""
    return f"{body[:-1] if end else body} [{clause_id}]{end or '.'}"
