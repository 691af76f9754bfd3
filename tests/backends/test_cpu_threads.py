"""A serving process runs its BLAS products on the calling thread."""

from __future__ import annotations

import numpy as np
from threadpoolctl import threadpool_info

from assistant.backends.cpu_threads import single_threaded_blas


def test_blas_runs_single_threaded_afterwards() -> None:
    np.ones((64, 64)) @ np.ones(64)  # numpy's BLAS is loaded
    single_threaded_blas()
    blas = [pool for pool in threadpool_info() if pool["user_api"] == "blas"]
    assert blas and all(pool["num_threads"] == 1 for pool in blas)
