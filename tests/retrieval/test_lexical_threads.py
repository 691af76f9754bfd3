"""Stemming under concurrency: many threads stemming words never seen before, at once. A
stemmer shared across threads raised IndexError on such words (a race on its working word)."""

from __future__ import annotations

import random
import string
from concurrent.futures import ThreadPoolExecutor

from assistant.retrieval.lexical import tokenize


def fresh_words(seed: int, count: int) -> list[str]:
    rng = random.Random(seed)
    suffixes = ["ing", "ation", "ness", "ised", "ments", "ically", "ful", "ous"]
    return [
        "".join(rng.choices(string.ascii_lowercase, k=rng.randint(4, 12))) + rng.choice(suffixes)
        for _ in range(count)
    ]


def test_32_threads_stemming_new_words_never_fail() -> None:
    def work(seed: int) -> list[str]:
        return tokenize(" ".join(fresh_words(seed, 400)))

    with ThreadPoolExecutor(max_workers=32) as pool:
        results = list(pool.map(work, range(64)))
    single = [work(seed) for seed in range(64)]
    assert results == single
