"""Attribution: for any sentence, the clause that supports it, contradicts it, or that none does.

Each sentence is matched against every clause of the corpus (a few dozen: scoring them all is
cheaper and more predictable than a retrieval cut-off). The match of a sentence and a clause
reuses the grounding guard's two signals, the share of the sentence's words the clause uses and
the embedding similarity, without the guard's veto, so that a changed sentence still finds the
clause it changes. The differences of ``differences.py`` then decide between "supported" and
"contradicted". A sentence that cites a clause (``[IV.9]``, "paragraph 9") is judged by that
clause first. Thresholds are data (``Thresholds``) chosen on the meta-evaluation's dev part.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from assistant.answering.grounding import LEXICAL_WEIGHT, SEMANTIC_WEIGHT, GroundingChecker
from assistant.checking.claims import mentions_instrument, non_claim_reason, plain, split_sentences
from assistant.checking.differences import claim_text, find_differences
from assistant.checking.quotes import quote_span
from assistant.checking.types import CheckResult, Difference, SentenceCheck, Verdict
from assistant.corpus.citations import parse_citations
from assistant.corpus.instruments import Corpus
from assistant.corpus.records import Clause, ClauseKind
from assistant.corpus.references import resolve_references
from assistant.retrieval.lexical import tokenize

Progress = Callable[[int, int], None]
PART_BREAK_RE = re.compile(
    r",\s*|;\s*|\s+(?:and|by|through|after|mainly|preferably|in particular|based on|via)\s+"
)
MIN_PART_WORDS = 2


@dataclass(frozen=True)
class Thresholds:
    """Match scores (0.6 x word share + 0.4 x similarity) that separate the verdicts."""

    support: float = 0.6  # at least this, and no difference: supported
    partly: float = 0.42  # at least this: partly supported (or contradicted, with a difference)
    off_topic: float = 0.2  # below this, without naming the instrument: not a claim
    margin: float = 0.08  # a clause this close to the best may be the one that supports


@dataclass
class Match:
    """How well one clause matches one sentence, and what the sentence says that it does not."""

    clause: Clause
    score: float
    differences: list[Difference] = field(default_factory=list)


def _cosine(a: Sequence[float], b: Sequence[float]) -> float:
    dot = sum(x * y for x, y in zip(a, b, strict=True))
    norm = math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b))
    return max(0.0, dot / norm) if norm else 0.0


class AttributionEngine:
    """Checks text against the corpus with the grounding checker's embeddings and clause vectors."""

    def __init__(
        self, corpus: Corpus, checker: GroundingChecker, thresholds: Thresholds | None = None
    ) -> None:
        self.corpus = corpus
        self.checker = checker
        self.thresholds = thresholds or Thresholds()
        self.clauses = [c for c in corpus.clauses if c.kind != ClauseKind.CONTAINER and c.text]
        self._words = {
            c.key: frozenset(tokenize(" ".join((c.context, c.heading, c.text))))
            for c in self.clauses
        }
        primary = corpus.primary
        title = " ".join((primary.title, primary.short_title, primary.id)).lower()
        adopted = {str(primary.adopted.year)} if primary.adopted else set()
        self.implicit = set(title.replace("/", " ").split()) | adopted

    def check_text(self, text: str, progress: Progress | None = None) -> CheckResult:
        """Every sentence of ``text`` with its verdict; offsets refer to ``text`` as given."""
        pieces = split_sentences(text)
        checks = self.check_sentences([p.text for p in pieces], progress)
        for check, piece in zip(checks, pieces, strict=True):
            check.start, check.end = piece.start, piece.end
        return CheckResult(instrument_id=self.corpus.primary.id, sentences=checks)

    def check_sentences(
        self, sentences: Sequence[str], progress: Progress | None = None
    ) -> list[SentenceCheck]:
        """Verdicts for sentences already cut (the meta-evaluation's rows, one each)."""
        self.checker.warm_up(self.clauses)
        claims = [claim_text(plain(s)) or s for s in sentences]
        vectors = self.checker.embeddings.embed_documents(claims)
        checks = []
        for index, (raw, vector) in enumerate(zip(sentences, vectors, strict=True)):
            checks.append(self._check(index, raw, vector))
            if progress:
                progress(index + 1, len(sentences))
        return checks

    def matches(self, claim: str, vector: Sequence[float]) -> list[Match]:
        """Every clause scored against ``claim``, best first."""
        words = set(tokenize(claim_text(claim)))
        found = []
        for clause in self.clauses:
            share = len(words & self._words[clause.key]) / len(words) if words else 0.0
            similarity = _cosine(vector, self.checker.clause_vector(clause))
            score = 1.0 if share >= 0.999 else LEXICAL_WEIGHT * share + SEMANTIC_WEIGHT * similarity
            found.append(Match(clause, round(score, 4)))
        found.sort(key=lambda m: -m.score)
        return found

    def _check(self, index: int, raw: str, vector: Sequence[float]) -> SentenceCheck:
        claim = plain(raw).strip()
        base = SentenceCheck(index=index, sentence=raw, start=0, end=0, verdict=Verdict.NOT_FOUND)
        reason = non_claim_reason(raw)
        if reason:
            return base.model_copy(update={"verdict": Verdict.NOT_A_CLAIM, "note": reason})
        cited = self._cited(claim)
        ranked = self.matches(claim, vector)
        family = self._family(cited)
        for match in [m for m in ranked if m.clause.clause_id in family] + ranked[:5]:
            match.differences = find_differences(claim, match.clause, self.implicit)
        best = self._judged_match(ranked, cited)
        base.cited, base.score = cited, best.score
        return self._verdict(base, claim, best, ranked)

    def _cited(self, claim: str) -> list[str]:
        known = set(self.corpus.by_id)
        ids = parse_citations(claim, known).ids
        ids += [
            i for i in resolve_references(claim_text(claim) + " " + claim, known) if i not in ids
        ]
        return ids

    def _family(self, cited: list[str]) -> set[str]:
        """The cited clauses and their items: "paragraph 9" is supported by what IV.9.i says."""
        return set(cited) | {c.clause_id for c in self.clauses if c.parent_id in cited}

    def _judged_match(self, ranked: list[Match], cited: list[str]) -> Match:
        """The cited clause (or one of its items) when it matches well enough, else the best."""
        if not cited:
            return ranked[0]
        family = self._family(cited)
        own = [m for m in ranked if m.clause.clause_id in family]
        if own and own[0].score >= self.thresholds.partly:
            return own[0]
        if own and own[0].differences and own[0].score >= self.thresholds.off_topic:
            return own[0]  # the clause it names does not say what it adds
        return ranked[0]

    def _verdict(
        self, base: SentenceCheck, claim: str, best: Match, ranked: list[Match]
    ) -> SentenceCheck:
        limits = self.thresholds
        if best.score < limits.off_topic and not mentions_instrument(claim):
            return base.model_copy(
                update={"verdict": Verdict.NOT_A_CLAIM, "note": "about something else"}
            )
        close = [m for m in ranked[:5] if m.score >= best.score - limits.margin]
        clean = [m for m in [best, *close] if not m.differences and m.score >= limits.support]
        if clean:
            extra = self.uncovered_part(claim, clean[0].clause)
            if extra:
                found = self._found(base, claim, clean[0], Verdict.PARTLY)
                return found.model_copy(update={"note": f"{found.note}: '{extra}'"})
            return self._found(base, claim, clean[0], Verdict.SUPPORTED)
        cited_differs = best.clause.clause_id in self._family(base.cited) and best.differences
        sanction = any(d.kind == "sanction" for d in best.differences)
        if best.differences and (best.score >= limits.partly or cited_differs or sanction):
            found = self._found(base, claim, best, Verdict.CONTRADICTED)
            explained = "; ".join(d.explain() for d in best.differences)
            return found.model_copy(update={"differences": best.differences, "note": explained})
        if best.score >= limits.partly:
            return self._found(base, claim, best, Verdict.PARTLY)
        return base.model_copy(update={"note": "no clause says this"})

    def uncovered_part(self, claim: str, clause: Clause) -> str | None:
        """A part of the sentence (cut at commas and linking words) of which the clause uses no
        content word: what a writer added to a supported statement ("..., based on ISO 27001")."""
        words = self._words[clause.key]
        for part in PART_BREAK_RE.split(claim_text(claim)):
            own = set(tokenize(part))
            if len(own) >= MIN_PART_WORDS and not own & words:
                return part.strip(" .,;")
        return None

    def _found(
        self, base: SentenceCheck, claim: str, match: Match, verdict: Verdict
    ) -> SentenceCheck:
        clause_id = match.clause.clause_id
        note = {
            Verdict.SUPPORTED: f"{clause_id} says this",
            Verdict.PARTLY: f"{clause_id} says part of this; the rest is not in the text",
        }.get(verdict, "")
        if base.cited and clause_id not in base.cited and verdict == Verdict.SUPPORTED:
            note = f"{clause_id} says this, not the cited {', '.join(base.cited)}"
        return base.model_copy(
            update={
                "verdict": verdict,
                "clause_ids": [clause_id],
                "quote": quote_span(claim_text(claim), match.clause),
                "score": match.score,
                "note": note,
            }
        )
