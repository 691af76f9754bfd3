"""How many threads the numeric libraries use in a process that answers questions.

The answer path multiplies small matrices (a question's vector against a few thousand clause
vectors, the guard's sentence checks, the learned models' weights). OpenBLAS splits each such
product over every core, and its threads then spin, waiting for more work, on cores the other
requests need: measured over HTTP with 16 clients on 2 cores, an answer cost about 46 ms of CPU
with OpenBLAS's default threads and 33 ms with one (the same answers). A server gets its
parallelism from concurrent requests, so the products run on the calling thread.
"""

from __future__ import annotations


def single_threaded_blas() -> None:
    """Limit BLAS libraries loaded in this process to one thread (for the process's life)."""
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=1, user_api="blas")
