"""The differences between a sentence and one clause, with the rewordings set aside.

``differences.py`` finds what a sentence says that a clause's words do not; an actor or a name
the clause gives in other words ("firms" for "businesses") is no difference, which the wording
model decides (``wording.py``). Those set aside are kept apart, not dropped: the learned verdict
weighs them, since a swapped actor is sometimes excused as a rewording.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

from assistant.checking.coverage import Coverage
from assistant.checking.differences import claim_text, find_differences, without_figures
from assistant.checking.roles import role_swaps
from assistant.checking.types import Difference
from assistant.checking.wording import Wording
from assistant.corpus.instruments import Corpus
from assistant.corpus.records import Clause, Instrument

# Differences whose words a writer may choose freely: the wording model decides whether the
# clause names the same actor or name in other words.
REWORDABLE = {"actor", "name"}


def implicit_words(instrument: Instrument) -> set[str]:
    """The lower-case words and figures any sentence may use about ``instrument`` itself (its
    title, id and year of adoption), which no single clause repeats."""
    title = " ".join((instrument.title, instrument.short_title, instrument.id)).lower()
    adopted = {str(instrument.adopted.year)} if instrument.adopted else set()
    return set(title.replace("/", " ").split()) | adopted


class ClauseDifferences:
    """What a sentence says that a clause does not, and what was excused as rewording."""

    def __init__(
        self,
        coverage: Coverage,
        wording: Wording,
        long_forms: Mapping[str, str],
        implicit: Collection[str],
        corpus: Corpus | None = None,
    ) -> None:
        """``implicit``: what any sentence may say of the primary instrument; each other
        instrument of ``corpus`` adds its own title and year for its clauses ("the 2019 AI
        Recommendation" compared with an AI clause)."""
        self.coverage = coverage
        self.wording = wording
        self.long_forms = dict(long_forms)
        self.implicit = set(implicit)
        self.own: dict[str, set[str]] = {}
        if corpus is not None:
            for instrument in corpus.instrument_by_id.values():
                self.own[instrument.id] = self.implicit | implicit_words(instrument)

    def between(self, claim: str, clause: Clause) -> tuple[list[Difference], list[Difference]]:
        """The differences, and the actors and names set aside as the clause's own in other
        words."""
        focus = self.coverage.focus(claim, clause)
        also_named = " ".join(v for k, v in self.long_forms.items() if k in clause.text)
        figure_focus = self.coverage.focus(without_figures(claim), clause)
        implicit = self.own.get(clause.instrument_id, self.implicit)
        found = find_differences(claim, clause, implicit, focus, also_named, figure_focus)
        text = " ".join((clause.heading, focus, also_named))
        kept, excused = [], []
        for difference in found:
            if (
                difference.kind not in REWORDABLE
                or difference.clause.startswith("non-")  # "Members" for "non-Members"
                or not self.wording.names_term(difference.claim, text)
            ):
                kept.append(difference)
            else:
                excused.append(difference)
        # An actor the clause names in another role is no rewording (never excused).
        named = {d.claim.lower() for d in kept}
        sentences = self.coverage.sentences[clause.key]
        for swap in role_swaps(claim_text(claim), sentences, self.long_forms):
            if not any(swap.claim.lower() in n or n in swap.claim.lower() for n in named):
                kept.append(swap)
        return kept, excused
