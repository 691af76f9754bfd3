"""Ingestion is idempotent, atomic, and checks its manifest.

These tests use the 'fake-hash' embedder (deterministic, no model) to isolate the index logic;
Chroma itself is real (embedded). Real-model ingestion is covered by the integration tests.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.retrieval.ingest import IndexMismatch
from assistant.services import Services
from assistant.settings import Settings


def fake_settings(tmp_path: Path, **overrides: object) -> Settings:
    return Settings(
        data_dir=tmp_path / "data", embedding_model="fake-hash", _env_file=None, **overrides
    )  # type: ignore[call-arg, arg-type]


def test_second_ingestion_changes_nothing_fake_embedder(tmp_path: Path) -> None:
    services = Services(fake_settings(tmp_path))
    first = services.index.build(progress=False)
    second = Services(fake_settings(tmp_path)).index.build(progress=False)
    assert first.rebuilt and not second.rebuilt
    assert second.manifest == first.manifest
    names = [c.name for c in services.store.client.list_collections()]
    assert sorted(names) == sorted([first.manifest.collection, services.store.manifest_name])


def test_manifest_records_corpus_and_model_fake_embedder(tmp_path: Path) -> None:
    services = Services(fake_settings(tmp_path))
    manifest = services.index.build(progress=False).manifest
    assert manifest.corpus_hash == services.corpus.content_hash
    assert manifest.embedding_model == "fake-hash"
    collection = services.store.client.get_collection(manifest.collection)
    assert collection.count() == manifest.vectors


def test_changed_settings_trigger_a_rebuild_or_a_clear_error_fake_embedder(tmp_path: Path) -> None:
    Services(fake_settings(tmp_path)).index.build(progress=False)
    strict = Services(fake_settings(tmp_path, use_paraphrases=False, on_index_mismatch="error"))
    with pytest.raises(IndexMismatch, match="assistant ingest"):
        strict.index.ensure()
    lenient = Services(fake_settings(tmp_path, use_paraphrases=False))
    report = lenient.index.ensure()
    assert report.rebuilt and report.manifest.index_version.endswith("nopara")


class FailingEmbeddings:
    """A fake embedder that fails after its first batch, like a crash mid-ingestion."""

    def __init__(self) -> None:
        self.calls = 0

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        self.calls += 1
        if self.calls > 1:
            raise RuntimeError("simulated crash during ingestion")
        return [[float(len(t) % 7), 1.0, 0.5] for t in texts]

    def embed_query(self, text: str) -> list[float]:
        return [1.0, 1.0, 1.0]


def test_a_failed_rebuild_leaves_the_live_index_untouched_fake_embedder(tmp_path: Path) -> None:
    services = Services(fake_settings(tmp_path))
    live = services.index.build(progress=False).manifest
    broken = Services(fake_settings(tmp_path))
    broken.embeddings = FailingEmbeddings()  # type: ignore[assignment]
    with pytest.raises(RuntimeError, match="simulated crash"):
        broken.index.build(force=True, progress=False)
    assert services.store.read_manifest() == live
    hits = Services(fake_settings(tmp_path)).search.search("business case", 3)
    assert len(hits) == 3


def test_unreadable_index_folder_is_moved_aside_and_rebuilt_fake_embedder(tmp_path: Path) -> None:
    settings = fake_settings(tmp_path)
    folder = settings.data_dir / "chroma"
    folder.mkdir(parents=True)
    (folder / "chroma.sqlite3").write_bytes(b"this is not a database" * 100)
    services = Services(settings)
    report = services.index.ensure()
    assert report.rebuilt
    assert [p.name for p in settings.data_dir.glob("chroma.unreadable-*")]  # kept for inspection
    assert len(services.search.search("business case", 3)) == 3
