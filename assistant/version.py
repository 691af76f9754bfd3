"""The assistant's version, read once from the installed package metadata (pyproject.toml is
the one place it is written), for receipts and the OpenAPI document."""

from __future__ import annotations

from functools import lru_cache
from importlib.metadata import PackageNotFoundError, version

DISTRIBUTION = "oecd-digital-government-assistant"


@lru_cache(maxsize=1)
def package_version() -> str:
    try:
        return version(DISTRIBUTION)
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "0+unknown"
