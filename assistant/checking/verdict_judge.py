"""The learned verdict: whether a sentence is supported, weighed from all the rules' signals.

A logistic regression (trained by ``assistant train attribution_verdict`` on purpose-written
labelled sentences, its operating point chosen on the meta-evaluation's dev part) gives
P(supported) from ``signals.FEATURE_NAMES``. It changes the rules' verdict in two places only:

- the rules call a sentence partly supported or not found and P >= ``accept``: it is supported
  by its best clause (an everyday paraphrase the word checks misread), unless it cites another
  clause; a contradiction the rules name is never overruled;
- the rules call a sentence supported and P < ``reject``: it is contradicted when the rules set
  aside an actor or a name as reworded (the swap they excused), else partly supported.

"Not a claim" is never touched. The rules' own finding stays in the note, so a reviewer sees
what the word checks saw. Without the artefact the rules decide alone (``assistant check`` and
``eval-attribution --rules-only``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from assistant.answering.linear import LogisticModel, load_model
from assistant.artefacts import LEARNED_DIR, ArtefactInfo
from assistant.checking.differences import claim_text
from assistant.checking.quotes import quote_span
from assistant.checking.signals import FEATURE_NAMES, Signals
from assistant.checking.types import SentenceCheck, Verdict

ARTEFACT_NAME = "attribution_verdict"
# A contradiction the rules name (a figure, a negation, an obligation) is never overruled: on the
# development sets the upgrades it allowed recognised one paraphrase for every three
# contradictions they lost.
UPGRADABLE = (Verdict.PARTLY, Verdict.NOT_FOUND)


CITED = FEATURE_NAMES.index("cited")
CITED_AGREES = FEATURE_NAMES.index("cited_agrees")


def _cites_another(signals: Signals) -> bool:
    """The sentence cites a clause and its best match is another one: what it says is not
    said where it says it is, so no other clause may be called its support."""
    return bool(signals.features[CITED]) and not signals.features[CITED_AGREES]


@dataclass(frozen=True)
class VerdictJudge:
    """P(supported) and the two thresholds that let it overrule the rules."""

    model: LogisticModel
    accept: float  # a flagged sentence is supported from here up
    reject: float  # a supported sentence is flagged below this

    @classmethod
    def load(cls, root: Path = LEARNED_DIR) -> tuple[ArtefactInfo, VerdictJudge]:
        """The stored judge; FileNotFoundError when ``assistant train`` never built it."""
        info, model = load_model(ARTEFACT_NAME, FEATURE_NAMES, root)
        judge = cls(model, float(info.params["accept"]), float(info.params["reject"]))
        return info, judge

    def probability(self, signals: Signals) -> float:
        """P(supported) for one sentence."""
        return float(self.model.probability(signals.features)[0])

    def decide(self, rule: SentenceCheck, signals: Signals) -> SentenceCheck:
        """The rules' verdict, or the learned one where the model is confident enough."""
        if rule.verdict == Verdict.NOT_A_CLAIM:
            return rule
        p = self.probability(signals)
        clause = signals.best.clause
        if rule.verdict in UPGRADABLE and p >= self.accept and not _cites_another(signals):
            note = f"{clause.clause_id} says this in other words (learned verdict, P={p:.2f})"
            if rule.note:
                note += f"; the word checks read: {rule.note}"
            return rule.model_copy(
                update={
                    "verdict": Verdict.SUPPORTED,
                    "clause_ids": [clause.clause_id],
                    "quote": quote_span(claim_text(signals.claim), clause),
                    "score": signals.best.score,
                    "differences": [],
                    "note": note,
                }
            )
        if rule.verdict == Verdict.SUPPORTED and p < self.reject:
            if signals.excused:
                explained = "; ".join(d.explain() for d in signals.excused)
                return rule.model_copy(
                    update={
                        "verdict": Verdict.CONTRADICTED,
                        "differences": signals.excused,
                        "note": f"{explained} (learned verdict, P(supported)={p:.2f})",
                    }
                )
            note = f"{rule.clause_ids[0] if rule.clause_ids else clause.clause_id} says part of "
            note += f"this; the rest is not in the text (learned verdict, P(supported)={p:.2f})"
            return rule.model_copy(update={"verdict": Verdict.PARTLY, "note": note})
        return rule
