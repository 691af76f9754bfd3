"""The signals the rules compute for one sentence, as the learned verdict reads them.

Three sealed sets agreed that the deterministic differences over-fire on everyday paraphrase
and let actor and amount swaps through: each check is right on its own, but how much to trust
it depends on the others (a "not" in a sentence that matches a clause word for word is a
negation; the same "not" in a loose paraphrase of an "avoid" is not). The learned verdict
(``verdict_judge.py``) weighs them together; this module only turns the engine's own findings
into numbers, in a fixed order whose names travel with the artefact.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from assistant.checking.claims import mentions_instrument
from assistant.checking.coverage import FRAMING_WORDS, MIN_PART_WORDS, Coverage, tokens
from assistant.checking.differences import claim_text
from assistant.checking.matches import Match, Thresholds
from assistant.checking.reading import Reading
from assistant.checking.types import Difference, SentenceCheck, Verdict
from assistant.checking.vector_cache import TextVectors
from assistant.checking.wording import Wording

FIGURE_KINDS = frozenset({"number", "amount", "deadline"})
NEGATION_KINDS = frozenset({"negation", "direction"})
ACTOR_KINDS = frozenset({"actor", "name"})
NAMED_RE = re.compile(r"(?<!^)\b(?:[A-Z][\w-]*[A-Z0-9][\w-]*|[A-Z][a-z]+|\d[\d.,]*)\b")
RULE_VERDICTS = (Verdict.SUPPORTED, Verdict.PARTLY, Verdict.CONTRADICTED, Verdict.NOT_FOUND)
FEATURE_NAMES = (
    "score",
    "similarity",
    "lexical_share",
    "margin",
    "rephrased",
    "parts",
    "parts_unsaid",
    "unsaid_similarity",
    "unsaid_named",
    "unsaid_words",
    "diff_figure",
    "diff_negation",
    "diff_modality",
    "diff_sanction",
    "diff_actor",
    "diff_scope",
    "excused",
    "clean_close",
    "cited",
    "cited_agrees",
    "words",
    "translated",
    "names_instrument",
    *(f"rule_{v.name.lower()}" for v in RULE_VERDICTS),
)


class SignalSource(Protocol):
    """What the signals read of the engine (the engine itself, without importing it)."""

    coverage: Coverage
    wording: Wording
    vectors: TextVectors
    thresholds: Thresholds

    def family(self, cited: list[str]) -> set[str]: ...


@dataclass
class Signals:
    """One sentence's features (``FEATURE_NAMES`` order) and the match they describe."""

    features: np.ndarray
    claim: str
    best: Match
    excused: list[Difference] = field(default_factory=list)


def _count(differences: list[Difference], kinds: frozenset[str]) -> float:
    return float(sum(d.kind in kinds for d in differences))


def _unsaid_parts(engine: SignalSource, claim: str, match: Match) -> tuple[int, list[str]]:
    """How many parts the sentence has, and those sharing under half their content words with
    the clause (words only, as cheap as the rules' own word share)."""
    words = engine.coverage.words[match.clause.key]
    parts = engine.coverage.parts(claim)
    unsaid = []
    for part in parts:
        own = set(tokens(part)) - FRAMING_WORDS
        if len(own) >= MIN_PART_WORDS and len(own & words) * 2 < len(own):
            unsaid.append(part)
    return len(parts), unsaid


def _unsaid_similarity(engine: SignalSource, unsaid: list[str], match: Match) -> float:
    """The lowest, over the parts the clause's words do not say, of their closest meaning to
    one of the clause's phrases (1 when every part is said): an everyday rewording stays close,
    an invented addition ("endorsed by the G20") does not. One batch of embeddings."""
    if not unsaid:
        return 1.0
    phrases = engine.coverage.phrases(match.clause)
    if not phrases:
        return 0.0
    matrix = np.vstack(engine.vectors.corpus(phrases))
    parts = np.vstack(engine.vectors.other(unsaid))
    return float(np.min(np.max(parts @ matrix.T, axis=1)))


def _unsaid_named(unsaid: list[str], match: Match) -> float:
    """Names and figures in the unsaid parts that the clause does not use ("G20", "ISO",
    "2025"): the mark of an invented addition rather than a rewording."""
    source = " ".join((match.clause.context, match.clause.heading, match.clause.text)).lower()
    found = {w.lower() for part in unsaid for w in NAMED_RE.findall(part)}
    return float(sum(w not in source for w in found))


def signals_of(
    engine: SignalSource,
    claim: str,
    reading: Reading,
    best: Match,
    ranked: list[Match],
    rule: SentenceCheck,
) -> Signals:
    """The features of one sentence's best match and the rules' verdict on it."""
    text = claim_text(claim)
    words = set(tokens(text))
    clause_words = engine.coverage.words[best.clause.key]
    share = len(words & clause_words) / len(words) if words else 0.0
    second = next((m.score for m in ranked if m.clause.key != best.clause.key), 0.0)
    rephrased = engine.wording.best_similarity(text, engine.coverage.sentences[best.clause.key])
    parts, unsaid = _unsaid_parts(engine, claim, best)
    limits = engine.thresholds
    close = [m for m in ranked[:5] if m.score >= best.score - limits.margin]
    clean = any(not m.differences and m.score >= limits.support for m in [best, *close])
    family = engine.family(rule.cited)
    diffs = best.differences
    values = [
        best.score,
        best.similarity,
        share,
        best.score - second,
        rephrased,
        float(parts),
        float(len(unsaid)),
        _unsaid_similarity(engine, unsaid, best),
        _unsaid_named(unsaid, best),
        float(len({w for part in unsaid for w in tokens(part)} - FRAMING_WORDS - clause_words)),
        _count(diffs, FIGURE_KINDS),
        _count(diffs, NEGATION_KINDS),
        _count(diffs, frozenset({"modality"})),
        _count(diffs, frozenset({"sanction"})),
        _count(diffs, ACTOR_KINDS),
        _count(diffs, frozenset({"scope"})),
        float(len(best.excused)),
        float(clean),
        float(bool(rule.cited)),
        float(bool(rule.cited) and best.clause.clause_id in family),
        float(len(text.split())),
        float(reading.translated),
        float(mentions_instrument(claim)),
        *(float(rule.verdict == v) for v in RULE_VERDICTS),
    ]
    return Signals(np.asarray(values, dtype=np.float64), claim, best, list(best.excused))
