"""The corpus as the API shows it: one clause with its context, the nested clause tree, and the
forgiving clause-id lookup behind ``GET /v1/clauses/{clause_id}``.

Kept apart from the routes because these are plain functions of the corpus (no request, no
service), so the routes stay a thin list of endpoints.
"""

from __future__ import annotations

from assistant.corpus.instruments import Corpus
from assistant.corpus.records import Clause
from assistant.web.schemas import ClauseNode, ClauseOut, ClauseTree, InstrumentTree


def clause_out(corpus: Corpus, clause: Clause) -> ClauseOut:
    instrument = corpus.instrument_by_id[clause.instrument_id]
    return ClauseOut(
        clause_id=clause.clause_id,
        instrument=clause.instrument_id,
        kind=clause.kind.value,
        parent_id=clause.parent_id,
        label=clause.label,
        heading=clause.heading,
        text=clause.text,
        context=clause.context,
        url=instrument.url,
        children=[child.clause_id for child in corpus.children(clause)],
    )


def clause_tree(corpus: Corpus) -> ClauseTree:
    """Instruments with their clauses nested by parent, in document order."""
    instruments = []
    for item in corpus.instruments:
        kids: dict[str | None, list[Clause]] = {}
        for clause in item.clauses:
            kids.setdefault(clause.parent_id, []).append(clause)

        def node(clause: Clause, kids: dict[str | None, list[Clause]] = kids) -> ClauseNode:
            return ClauseNode(
                clause_id=clause.clause_id,
                kind=clause.kind.value,
                label=clause.label,
                children=[node(child) for child in kids.get(clause.clause_id, [])],
            )

        meta = item.instrument
        roots = [node(clause) for clause in kids.get(None, [])]
        instruments.append(
            InstrumentTree(id=meta.id, title=meta.title, url=meta.url, clauses=roots)
        )
    return ClauseTree(instruments=instruments)


def find_clause(corpus: Corpus, clause_id: str, instrument: str | None) -> Clause | None:
    """Exact id first, then the same id in another letter case (``iv.9.I`` finds ``IV.9.i``)."""
    found = corpus.get(clause_id, instrument)
    if found is None:
        wanted = clause_id.casefold()
        found = next(
            (
                c
                for c in corpus.clauses
                if c.clause_id.casefold() == wanted and instrument in (None, c.instrument_id)
            ),
            None,
        )
    return found
