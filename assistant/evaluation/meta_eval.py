"""Measure the measurer: does the grounding metric catch unsupported sentences?

Correct sentences are built from the corpus itself (a clause's first sentence, verbatim and
framed as an answer would say it, citing that clause). Each is then perturbed so that its
citation no longer supports it: (a) an invented sentence citing the same clause, plain or
borrowing the clause's opening words; (b) the citation swapped to an unrelated clause; (c) a
number, an actor or the polarity changed ("three years" -> "five years", "Public Governance
Committee" -> "Committee on Fiscal Affairs", "governments" -> "private companies", "should" ->
"should not"). The checker under test scores each case; the catch rate (perturbed cases flagged,
target >= 95 %) and the false-flag rate (correct sentences flagged, target <= 5 %) are reported.
"""

from __future__ import annotations

import random
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from pydantic import BaseModel

from assistant.corpus.records import Clause, ClauseKind
from assistant.evaluation.runner import PrimedEmbeddings, SupportChecker, checker_texts
from assistant.services import Services

CATCH_TARGET = 0.95
FALSE_FLAG_TARGET = 0.05
MIN_WORDS = 6
EXAMPLES = 8

INVENTED = (
    "Governments should appoint a chief data officer in every municipality by 2020.",
    "Each ministry must publish its source code under an open licence within six months.",
    "Agencies should spend at least 5% of their IT budget on blockchain pilots.",
    "Member countries are required to adopt a single national cloud provider.",
    "Citizens must be able to vote online in all national elections.",
    "Civil servants need a cybersecurity certificate renewed every two years.",
    "Paper forms are to be abolished in every public service by 2025.",
    "The OECD Secretariat reviews each national software procurement.",
    "Every resident receives a biometric digital identity card at birth.",
    "Legacy mainframes should be replaced by artificial intelligence systems.",
)
INVENTED_ENDINGS = (
    "through quarterly audits by an independent foreign regulator",
    "by outsourcing it entirely to a single technology vendor",
    "with a mandatory budget of 2 percent of gross domestic product",
    "which the European Commission will certify every five years",
)
# (category, pattern, replacement): the first rule of each category that applies is used once.
ALTERATIONS: tuple[tuple[str, str, str], ...] = (
    ("number", r"\bthree years\b", "five years"),
    ("number", r"\b(20\d\d)\b", "2019"),
    ("number", r"\b(\d+)\b", "47"),
    ("number", r"\bthree\b", "seven"),
    ("actor", r"\bPublic Governance Committee\b", "Committee on Fiscal Affairs"),
    ("actor", r"\bSecretary-General\b", "President of the European Commission"),
    ("actor", r"\bgovernments\b", "private companies"),
    ("actor", r"\bcitizens\b", "foreign investors"),
    ("actor", r"\bpublic sector\b", "private sector"),
    ("negation", r"\bshould\b(?! not)", "should not"),
    ("negation", r"\bmust\b(?! not)", "must not"),
    ("negation", r"\b(is|are)\b(?! not)", r"\1 not"),
    ("negation", r"^(\w+ing)\b", r"avoiding \1"),
    ("negation", r"\bencourag(e|ing)\b", r"discourag\1"),
)


@dataclass(frozen=True)
class Case:
    """A sentence, the clause it cites, and whether that clause really supports it."""

    kind: str
    sentence: str
    clause: Clause
    correct: bool


class KindScore(BaseModel):
    kind: str
    cases: int
    flagged: int
    rate: float


class MetaEvalReport(BaseModel):
    """Catch and false-flag rates, per perturbation kind, with examples of the misses."""

    correct_cases: int
    perturbed_cases: int
    catch_rate: float
    false_flag_rate: float
    catch_target: float = CATCH_TARGET
    false_flag_target: float = FALSE_FLAG_TARGET
    kinds: list[KindScore]
    missed: list[dict[str, str | float]]
    false_flags: list[dict[str, str | float]]

    @property
    def passed(self) -> bool:
        return (
            self.catch_rate >= self.catch_target and self.false_flag_rate <= self.false_flag_target
        )


def first_sentence(text: str) -> str:
    """The clause's first sentence, without a trailing list colon or semicolon."""
    head = re.split(r"(?<=[.;:])\s+(?=[A-Z])", text.strip(), maxsplit=1)[0]
    return head.rstrip(" ;:,")


def eligible(clauses: Sequence[Clause]) -> list[Clause]:
    """Clauses with a sentence long enough to paraphrase or alter (not bare containers)."""
    return [
        c
        for c in clauses
        if c.kind != ClauseKind.CONTAINER and len(first_sentence(c.text).split()) >= MIN_WORDS
    ]


def _cite(sentence: str, clause: Clause) -> str:
    return f"{sentence.rstrip('.')}. [{clause.clause_id}]"


def _unrelated(clause: Clause, pool: Sequence[Clause], rng: random.Random) -> Clause:
    family = {clause.clause_id, clause.paragraph_id, clause.parent_id}
    others = [c for c in pool if c.clause_id not in family and c.paragraph_id not in family]
    return rng.choice(others)


def build_cases(clauses: Sequence[Clause], seed: int = 7) -> list[Case]:
    """Correct and perturbed cases for every eligible clause (deterministic for a seed)."""
    rng = random.Random(seed)
    pool = eligible(clauses)
    cases: list[Case] = []
    for clause in pool:
        base = first_sentence(clause.text)
        framed = f"According to the Recommendation, {base[0].lower()}{base[1:]}"
        cases.append(Case("correct-verbatim", _cite(base, clause), clause, True))
        cases.append(Case("correct-framed", _cite(framed, clause), clause, True))
        cases.append(Case("invented", _cite(rng.choice(INVENTED), clause), clause, False))
        opening = " ".join(base.split()[:5])
        invented = f"{opening} {rng.choice(INVENTED_ENDINGS)}"
        cases.append(Case("invented-topical", _cite(invented, clause), clause, False))
        swapped = _unrelated(clause, pool, rng)
        cases.append(Case("swapped-citation", _cite(base, swapped), swapped, False))
        done: set[str] = set()
        for category, pattern, replacement in ALTERATIONS:
            if category in done or not re.search(pattern, base):
                continue
            altered = re.sub(pattern, replacement, base, count=1)
            if altered == base:  # '2019' replaced by '2019': nothing was altered
                continue
            cases.append(Case(f"altered-{category}", _cite(altered, clause), clause, False))
            done.add(category)
    return cases


def meta_evaluate(services: Services, seed: int = 7) -> MetaEvalReport:
    """The meta-evaluation of the assistant's own grounding checker (same class, model and
    threshold as the guard), with the case sentences embedded in one batched pass first."""
    from assistant.answering.grounding import GroundingChecker

    cases = build_cases(services.corpus.clauses, seed)
    embeddings = PrimedEmbeddings(services.embeddings)
    embeddings.prime(checker_texts([(c.sentence, [c.clause]) for c in cases]))
    checker = GroundingChecker(embeddings, services.settings.grounding_threshold)
    return score_cases(cases, checker)


def run_meta_eval(
    clauses: Sequence[Clause], checker: SupportChecker, seed: int = 7
) -> MetaEvalReport:
    """Build the cases from ``clauses`` and score them with ``checker``."""
    return score_cases(build_cases(clauses, seed), checker)


def score_cases(cases: Sequence[Case], checker: SupportChecker) -> MetaEvalReport:
    """Score every case with the checker; a case is *flagged* when it is not supported."""
    flagged_by_kind: Counter[str] = Counter()
    count_by_kind: Counter[str] = Counter()
    missed: list[dict[str, str | float]] = []
    false_flags: list[dict[str, str | float]] = []
    for case in cases:
        score, _ = checker.support(case.sentence, [case.clause])
        flagged = not checker.is_supported(score)
        count_by_kind[case.kind] += 1
        flagged_by_kind[case.kind] += flagged
        example: dict[str, str | float] = {
            "kind": case.kind,
            "sentence": case.sentence,
            "score": score,
        }
        if case.correct and flagged:
            false_flags.append(example)
        elif not case.correct and not flagged:
            missed.append(example)
    correct = sum(n for k, n in count_by_kind.items() if k.startswith("correct"))
    perturbed = sum(count_by_kind.values()) - correct
    return MetaEvalReport(
        correct_cases=correct,
        perturbed_cases=perturbed,
        catch_rate=1 - len(missed) / perturbed if perturbed else 0.0,
        false_flag_rate=len(false_flags) / correct if correct else 0.0,
        kinds=[
            KindScore(kind=k, cases=n, flagged=flagged_by_kind[k], rate=flagged_by_kind[k] / n)
            for k, n in sorted(count_by_kind.items())
        ],
        missed=missed[:EXAMPLES],
        false_flags=false_flags[:EXAMPLES],
    )
