"""The inverted BM25 index gives rank-bm25's own scores and ranking (no model needed).

The reference is ``BM25Okapi.get_scores`` followed by the ranking the search used before the
index existed: every document sorted by score, the first ``n`` kept, zeros dropped.
"""

from __future__ import annotations

import time

from hypothesis import given, settings
from hypothesis import strategies as st
from rank_bm25 import BM25Okapi

from assistant.evaluation.datasets import load_gold
from assistant.retrieval.lexical import InvertedBM25, expand_with_glossary, tokenize
from assistant.settings import PROJECT_ROOT, Settings
from assistant.testing import fake_services

GOLD = PROJECT_ROOT / "evals" / "datasets" / "gold.jsonl"


def reference_top(model: BM25Okapi, query: list[str], n: int) -> list[tuple[int, float]]:
    scores = model.get_scores(query)
    ranked = sorted(range(len(scores)), key=lambda i: scores[i], reverse=True)[:n]
    return [(i, float(scores[i])) for i in ranked if scores[i] > 0]


def test_identical_top_k_on_the_gold_questions_fake_embedder(tmp_settings: Settings) -> None:
    """The search's own lexical documents and query tokens, for every gold question."""
    services = fake_services(tmp_settings)
    lexical, search = services.search.lexical, services.search
    documents = [
        tokenize(" ".join([c.heading, c.text, *services.corpus.paraphrases(c)]))
        for c in lexical.clauses
    ]
    reference = BM25Okapi(documents)
    inverted = InvertedBM25(documents)
    checked = 0
    for item in load_gold(GOLD):
        question = search.rewrite(item.question)
        expansions = expand_with_glossary(question, services.corpus.glossary)
        query = tokenize(" ".join([question, *expansions]))
        for n in (5, 50):
            assert inverted.top(query, n) == reference_top(reference, query, n), item.question
        checked += 1
    assert checked > 200


words = st.sampled_from([f"w{i}" for i in range(12)])


@settings(max_examples=200, deadline=None)
@given(
    documents=st.lists(st.lists(words, min_size=1, max_size=15), min_size=2, max_size=40),
    query=st.lists(st.sampled_from([f"w{i}" for i in range(15)]), max_size=8),
    n=st.integers(min_value=1, max_value=50),
)
def test_same_scores_ties_and_repeats_as_rank_bm25(
    documents: list[list[str]], query: list[str], n: int
) -> None:
    """Any corpus (terms in most documents get the library's idf floor, ties are common),
    any query (repeated terms, unknown terms)."""
    assert InvertedBM25(documents).top(query, n) == reference_top(BM25Okapi(documents), query, n)


def _best_time(index: InvertedBM25, queries: list[list[str]]) -> float:
    best = float("inf")
    for _ in range(7):
        started = time.perf_counter()
        for query in queries:
            index.top(query, 50)
        best = min(best, time.perf_counter() - started)
    return best


def test_cost_does_not_grow_with_documents_that_share_no_term() -> None:
    """A corpus 200 times larger, in words the queries never use: the same results, and a
    query costs about the same (ratio measured in this run; rank-bm25 walks every document)."""
    small = [[f"w{(i * 7 + j) % 40}" for j in range(12)] for i in range(60)]
    padding = [[f"other{(i + j) % 500}" for j in range(12)] for i in range(12_000)]
    queries = [[f"w{i}", f"w{(i * 3) % 40}", f"w{(i * 5) % 40}"] for i in range(40)]
    small_index, large_index = InvertedBM25(small), InvertedBM25(small + padding)
    for query in queries:
        assert [d for d, _ in large_index.top(query, 50)] == [
            d for d, _ in small_index.top(query, 50)
        ]
    assert _best_time(large_index, queries) < 3 * _best_time(small_index, queries)
