"""Attribution: for any sentence, the clause that supports it, contradicts it, or that none does.

Each sentence is scored against every clause in one matrix product (the grounding guard's two
signals, word share and embedding similarity, without its veto, so a changed sentence still
finds the clause it changes; ties go to the clause closest in meaning). The differences of
``differences.py`` decide between "supported" and "contradicted" (actors or names the clause
gives in other words set aside: ``clause_differences.py``), ``coverage.py`` between "supported"
and "partly supported" (a part neither the clause nor another item of its paragraph says); a
sentence as close in meaning as one of the clause's sentences is supported. Cited clauses are
judged first; French, Spanish and German are read in English (``reading.py``); a sentence rests
on the instruments it names or speaks of (``instruments.py``). Thresholds (``matches.py``) were
chosen on dev and the tuning sets; the learned verdict (``verdict_judge.py``) may then overrule
the rules where its P(supported) from their signals (``signals.py``) is confident.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from pathlib import Path

import numpy as np

from assistant.answering.grounding import LEXICAL_WEIGHT, SEMANTIC_WEIGHT, GroundingChecker
from assistant.checking.claims import mentions_instrument, non_claim_reason, plain, split_sentences
from assistant.checking.clause_differences import ClauseDifferences, implicit_words
from assistant.checking.coverage import Coverage, same_paragraph, tokens
from assistant.checking.differences import claim_text
from assistant.checking.instruments import InstrumentCues
from assistant.checking.matches import Match, Thresholds
from assistant.checking.quotes import quote_span
from assistant.checking.reading import EnglishReader, Reading
from assistant.checking.signals import Signals, signals_of
from assistant.checking.types import CheckResult, Difference, SentenceCheck, Verdict
from assistant.checking.vector_cache import TextVectors
from assistant.checking.verdict_judge import VerdictJudge
from assistant.checking.wording import Wording, long_forms
from assistant.corpus.citations import parse_citations
from assistant.corpus.instruments import Corpus
from assistant.corpus.records import Clause, ClauseKind
from assistant.corpus.references import resolve_references

Progress = Callable[[int, int], None]
# Differences that, alone in a part the clause does not say, make an addition, not a change.
ADDED_KINDS = {"actor", "name", "number", "scope"}


class AttributionEngine:
    """Checks text against the corpus with the grounding checker's embeddings and clause vectors."""

    def __init__(
        self,
        corpus: Corpus,
        checker: GroundingChecker,
        thresholds: Thresholds | None = None,
        vector_file: Path | None = None,
        reader: EnglishReader | None = None,
        judge: VerdictJudge | None = None,
    ) -> None:
        """``vector_file`` keeps the vectors of the corpus's texts between processes;
        ``reader`` reads French, Spanish and German sentences in English (None: as written);
        ``judge`` is the learned verdict (None: the rules' verdict stands)."""
        self.corpus = corpus
        self.checker = checker
        self.thresholds = thresholds or Thresholds()
        self.clauses = [c for c in corpus.clauses if c.kind != ClauseKind.CONTAINER and c.text]
        self.implicit = implicit_words(corpus.primary)
        self.vectors = TextVectors(checker.embeddings, vector_file)
        self.wording = Wording(self.vectors)
        self.coverage = Coverage(self.clauses, self.wording)
        self.clause_differences = ClauseDifferences(
            self.coverage, self.wording, long_forms(corpus.clauses), self.implicit, corpus
        )
        self.reader = reader or EnglishReader(None)
        self.cues = InstrumentCues(corpus)
        self._matrix: np.ndarray | None = None
        # The learned verdict over the rules' signals (None: the rules alone decide), and a
        # listener that receives every sentence's signals (how the verdict's training reads them).
        self.judge: VerdictJudge | None = judge
        self.on_signals: Callable[[int, Signals], None] | None = None

    def check_text(self, text: str, progress: Progress | None = None) -> CheckResult:
        """Every sentence of ``text`` with its verdict; offsets refer to ``text`` as given."""
        pieces = split_sentences(text)
        # A document that speaks of another instrument may speak of it in every sentence.
        document = self.cues.spoken_of(text) | self.cues.spoken_of(self.reader.read(text).text)
        checks = self.check_sentences([p.text for p in pieces], progress, document)
        for check, piece in zip(checks, pieces, strict=True):
            check.start, check.end = piece.start, piece.end
        return CheckResult(instrument_id=self.corpus.primary.id, sentences=checks)

    def check_sentences(
        self,
        sentences: Sequence[str],
        progress: Progress | None = None,
        document: Collection[str] = (),
    ) -> list[SentenceCheck]:
        """Verdicts for sentences already cut (the meta-evaluation's rows, one each);
        ``document``: the instruments their document speaks of besides the primary one."""
        readings = [self.reader.read(s) for s in sentences]
        claims = [claim_text(plain(r.text)) or r.text for r in readings]
        self._clause_matrix()
        vectors = self.vectors.other(claims) if claims else []
        checks = []
        for index, (raw, reading, vector) in enumerate(
            zip(sentences, readings, vectors, strict=True)
        ):
            checks.append(self._check(index, raw, reading, vector, document))
            if progress:
                progress(index + 1, len(sentences))
        self.vectors.save()
        return checks

    def matches(self, claim: str, vector: Sequence[float] | np.ndarray) -> list[Match]:
        """Every clause scored against ``claim`` (``vector``: its embedding), best first."""
        words = set(tokens(claim_text(claim)))
        array = np.asarray(vector, dtype=np.float32)
        norm = float(np.linalg.norm(array)) or 1.0
        similarities = self._clause_matrix() @ (array / norm)
        found = []
        for clause, cosine in zip(self.clauses, similarities.tolist(), strict=True):
            share = len(words & self.coverage.words[clause.key]) / len(words) if words else 0.0
            similarity = max(0.0, cosine)
            score = 1.0 if share >= 0.999 else LEXICAL_WEIGHT * share + SEMANTIC_WEIGHT * similarity
            found.append(Match(clause, round(score, 4), round(similarity, 4)))
        # Several clauses may use every word of a short sentence: the closest in meaning first
        # (the paragraph that says it, not a long background text that happens to hold the words).
        found.sort(key=lambda m: (-m.score, -m.similarity))
        return found

    def _clause_matrix(self) -> np.ndarray:
        """Every clause's unit vector, one row each (built once: a sentence is scored against
        all clauses in one product)."""
        if self._matrix is None:
            texts = [c.embedding_text() for c in self.clauses]
            self._matrix = np.vstack(self.vectors.corpus(texts))
        return self._matrix

    def differences(self, claim: str, clause: Clause) -> list[Difference]:
        """What ``claim`` says that ``clause`` does not, once the actors and names the clause
        gives in other words are set aside."""
        return self.clause_differences.between(claim, clause)[0]

    def _check(
        self, index: int, raw: str, reading: Reading, vector: np.ndarray, document: Collection[str]
    ) -> SentenceCheck:
        claim = plain(reading.text).strip()
        base = SentenceCheck(index=index, sentence=raw, start=0, end=0, verdict=Verdict.NOT_FOUND)
        reason = non_claim_reason(raw) or (non_claim_reason(claim) if reading.translated else None)
        if reason:
            return base.model_copy(update={"verdict": Verdict.NOT_A_CLAIM, "note": reason})
        cited = self._cited(claim)
        limits = self.thresholds  # the instruments it names, else the primary and its subjects
        ranked = self.cues.within(
            self.matches(claim, vector), claim, cited, document, limits.support, limits.other
        )
        family = self.family(cited)
        # Only the clauses a verdict may rest on: the cited ones and those close to the best.
        close = [m for m in ranked[:5] if m.score >= ranked[0].score - self.thresholds.margin]
        for match in [m for m in ranked if m.clause.clause_id in family] + close:
            match.differences, match.excused = self.clause_differences.between(claim, match.clause)
        best = self._judged_match(ranked, cited)
        base.cited, base.score = cited, best.score
        rule = self._verdict(base, claim, best, ranked)
        if self.judge is None and self.on_signals is None:
            return rule
        found = signals_of(self, claim, reading, best, ranked, rule)
        if self.on_signals is not None:
            self.on_signals(index, found)
        return rule if self.judge is None else self.judge.decide(rule, found)

    def _cited(self, claim: str) -> list[str]:
        known = set(self.corpus.by_id)
        ids = parse_citations(claim, known).ids
        ids += [
            i for i in resolve_references(claim_text(claim) + " " + claim, known) if i not in ids
        ]
        return ids

    def family(self, cited: list[str]) -> set[str]:
        """The cited clauses and their items: "paragraph 9" is supported by what IV.9.i says."""
        return set(cited) | {c.clause_id for c in self.clauses if c.parent_id in cited}

    def _judged_match(self, ranked: list[Match], cited: list[str]) -> Match:
        """The cited clause (or one of its items) when it matches well enough, else the best."""
        if not cited:
            return ranked[0]
        family = self.family(cited)
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
            return self._supported_or_partly(base, claim, clean[0], ranked)
        cited_differs = best.clause.clause_id in self.family(base.cited) and best.differences
        sanction = any(d.kind == "sanction" for d in best.differences)
        if best.differences and (best.score >= limits.partly or cited_differs or sanction):
            explained = "; ".join(d.explain() for d in best.differences)
            if self._only_in_added_part(claim, best):
                found = self._found(base, claim, best, Verdict.PARTLY)
                note = f"{found.note}: {explained}"
                return found.model_copy(update={"differences": best.differences, "note": note})
            found = self._found(base, claim, best, Verdict.CONTRADICTED)
            return found.model_copy(update={"differences": best.differences, "note": explained})
        if best.score >= limits.partly:
            close_in_meaning = self.wording.best_similarity(
                claim_text(claim), self.coverage.sentences[best.clause.key]
            )
            if close_in_meaning >= limits.rephrased or self.coverage.uncovered_part(
                claim, best.clause
            ):
                return self._supported_or_partly(base, claim, best, ranked)
            return self._found(base, claim, best, Verdict.PARTLY)
        return base.model_copy(update={"note": "no clause says this"})

    def _supported_or_partly(
        self, base: SentenceCheck, claim: str, match: Match, ranked: list[Match]
    ) -> SentenceCheck:
        """Supported, unless a part of the sentence is in neither this clause nor another
        close one (a sentence may join two clauses: "keep a picture of initiatives and test
        prototypes early" rests on IV.10.ii and IV.10.v)."""
        extra = self.coverage.uncovered_part(claim, match.clause)
        if not extra:
            return self._found(base, claim, match, Verdict.SUPPORTED)
        second = self._second_clause(claim, match, extra, ranked)
        if second is not None:
            found = self._found(base, claim, match, Verdict.SUPPORTED)
            ids = [match.clause.clause_id, second.clause.clause_id]
            note = f"{ids[0]} and {ids[1]} say this together"
            return found.model_copy(update={"clause_ids": ids, "note": note})
        found = self._found(base, claim, match, Verdict.PARTLY)
        return found.model_copy(update={"note": f"{found.note}: '{extra}'"})

    def _only_in_added_part(self, claim: str, match: Match) -> bool:
        """Whether every difference lies in a part of the sentence the clause does not say at
        all, while the clause says the rest: a true statement with an invented addition
        ("..., based on the ISO 27001 standard") is partly supported, not a changed clause.
        Sanctions, obligations, deadlines, amounts and negations stay contradictions wherever
        they are: the text is said to impose what it does not."""
        parts = self.coverage.parts(claim)
        added = [p for p in parts if not self.coverage.says(match.clause, p)]
        if not added or len(added) == len(parts):
            return False
        lowered = " ".join(added).lower()
        return all(d.kind in ADDED_KINDS and d.claim.lower() in lowered for d in match.differences)

    def _second_clause(
        self, claim: str, first: Match, extra: str, ranked: list[Match]
    ) -> Match | None:
        """Among the clauses that match the sentence well, one that says every part ``first``
        does not (``extra`` first) and differs from the sentence in nothing."""
        coverage = self.coverage
        rest = [p for p in coverage.parts(claim) if not coverage.says(first.clause, p)]
        for match in ranked[: self.thresholds.second_clauses]:
            if match.clause.key == first.clause.key:
                continue
            # An item of the same paragraph may say a part with half of its words; any other
            # clause only with a phrase close in meaning.
            near = same_paragraph(first.clause, match.clause)
            if not all(coverage.says(match.clause, p, strict=not near) for p in [extra, *rest]):
                continue
            if not self.differences(claim, match.clause):
                return match
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
