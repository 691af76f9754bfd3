"""Shared fixtures: every path the assistant writes goes to a temporary folder, the network is
closed to anything but loopback, and one real index (real model, real Chroma) is built per session.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.backends.embeddings import OnnxEmbeddings, SentenceTransformerEmbeddings
from assistant.backends.offline import configure_offline
from assistant.services import Services
from assistant.settings import PROJECT_ROOT, Settings
from assistant.testing import fake_services

SESSION_DATA = Path(__import__("tempfile").mkdtemp(prefix="assistant-tests-"))
configure_offline(SESSION_DATA)

LOOPBACK = ("127.", "::1", "localhost", "0.0.0.0")


def _is_loopback(address: object) -> bool:
    host = address[0] if isinstance(address, tuple) else address
    return isinstance(host, str) and host.startswith(LOOPBACK)


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any connection off this machine fails at once, so a hidden download cannot pass unseen."""
    real_connect = socket.socket.connect
    real_getaddrinfo = socket.getaddrinfo

    def guarded_connect(self: socket.socket, address: object) -> object:
        if self.family in (socket.AF_INET, socket.AF_INET6) and not _is_loopback(address):
            raise OSError(f"Network access blocked in tests: {address!r}")
        return real_connect(self, address)  # type: ignore[arg-type]

    def guarded_getaddrinfo(host: object, *args: object, **kwargs: object) -> object:
        if host is not None and not _is_loopback(host):
            raise OSError(f"DNS lookup blocked in tests: {host!r}")
        return real_getaddrinfo(host, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(socket.socket, "connect", guarded_connect)
    monkeypatch.setattr(socket, "getaddrinfo", guarded_getaddrinfo)


# Fixtures that load the real model or build the real index: their tests must say so.
REAL_FIXTURES = {"real_settings", "real_services"}
HEAVY_MARKERS = ("integration", "browser", "llm")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Refuse to run when a test uses the real model's fixtures without its marker, so
    ``make test-fast`` can never grow slow by accident."""
    unmarked = [
        item.nodeid
        for item in items
        if REAL_FIXTURES & set(getattr(item, "fixturenames", ()))
        and not any(item.get_closest_marker(m) for m in HEAVY_MARKERS)
    ]
    if unmarked:
        raise pytest.UsageError(
            "These tests use the real model or index but are not marked integration: "
            + ", ".join(unmarked)
        )


@pytest.fixture(autouse=True)
def real_model_only_when_marked(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An unmarked test that loads the real embedding model fails, naming the fix."""
    if any(request.node.get_closest_marker(m) for m in HEAVY_MARKERS):
        return

    def refuse(self: object) -> None:
        raise AssertionError(
            "This test loads the real embedding model: mark it `integration`, or use the "
            "fakes in assistant.testing (the `fake_index` fixture)."
        )

    monkeypatch.setattr(SentenceTransformerEmbeddings, "warm_up", refuse)
    monkeypatch.setattr(OnnxEmbeddings, "warm_up", refuse)


@pytest.fixture(autouse=True)
def chroma_default_embedder_forbidden(monkeypatch: pytest.MonkeyPatch) -> None:
    """Chroma's default embedding function would download a model: make its use fail loudly."""
    from chromadb.utils.embedding_functions import onnx_mini_lm_l6_v2 as onnx

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("Chroma's default embedding function must never be used")

    monkeypatch.setattr(onnx.ONNXMiniLM_L6_V2, "_download_model_if_not_exists", refuse)
    monkeypatch.setattr(onnx.ONNXMiniLM_L6_V2, "__call__", refuse)


@pytest.fixture
def tmp_settings(tmp_path: Path) -> Settings:
    """Settings whose data folder is private to one test."""
    return Settings(data_dir=tmp_path / "data", _env_file=None)  # type: ignore[call-arg]


@pytest.fixture(scope="session")
def real_settings() -> Settings:
    """Real model and embedded Chroma; the index lives in a folder shared by the session."""
    return Settings(data_dir=SESSION_DATA / "data", _env_file=None)  # type: ignore[call-arg]


@pytest.fixture(scope="session")
def real_services(real_settings: Settings) -> Iterator[Services]:
    """Services over the project's corpus with a real index, built once per test session."""
    services = Services(real_settings)
    services.index.ensure()
    yield services


@pytest.fixture
def fake_index(tmp_settings: Settings) -> Services:
    """Services over the real corpus with the shipped fakes (hashing embedder, in-memory store),
    the index built: a whole assistant with no model, in well under a second."""
    services = fake_services(tmp_settings)
    services.index.ensure()
    return services


@pytest.fixture
def project_root() -> Path:
    return PROJECT_ROOT
