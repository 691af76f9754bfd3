"""The malloc arena cap of a serving process (glibc)."""

from __future__ import annotations

import platform

import pytest

from assistant.backends.memory import fewer_malloc_arenas


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="glibc's mallopt only")
def test_the_arena_cap_applies_on_glibc() -> None:
    assert fewer_malloc_arenas(2) is True
