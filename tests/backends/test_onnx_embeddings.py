"""The ONNX Runtime backend against the PyTorch one, on the real packaged model: the float
graph gives the same vectors (so one index serves both), the export is reproducible and checked
against its manifest, and the int8 graph's different vectors get an index of their own."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from assistant.backends.embeddings import (
    OnnxEmbeddings,
    SentenceTransformerEmbeddings,
    make_embeddings,
    resolve_model_path,
)
from assistant.backends.onnx_embeddings import ensure_export, export_dir
from assistant.backends.onnx_export import INT8_FILE, MANIFEST_FILE, sha256_file
from assistant.retrieval.representations import representations
from assistant.services import Services
from assistant.settings import Settings

pytestmark = pytest.mark.integration

QUESTIONS = [
    "How should governments justify the funding of digital projects?",
    "Que dit la recommandation sur les données ouvertes ?",
    "open data",
    "What about security and privacy risks when we share data between agencies? " * 30,  # > 256
]


def _texts(services: Services) -> list[str]:
    reps = representations(services.corpus, services.settings.use_paraphrases)
    return [r.text for r in reps[::3]] + QUESTIONS


def _cosines(a: list[list[float]], b: list[list[float]]) -> np.ndarray:
    x, y = np.asarray(a), np.asarray(b)
    return (x * y).sum(1) / (np.linalg.norm(x, axis=1) * np.linalg.norm(y, axis=1))


def test_onnx_float_vectors_are_the_torch_vectors(real_services: Services) -> None:
    settings = real_services.settings
    texts = _texts(real_services)
    onnx = make_embeddings(settings.model_copy(update={"embedding_backend": "onnx"}))
    torch = make_embeddings(settings.model_copy(update={"embedding_backend": "torch"}))
    assert isinstance(onnx, OnnxEmbeddings) and isinstance(torch, SentenceTransformerEmbeddings)
    cosines = _cosines(onnx.embed_documents(texts), torch.embed_documents(texts))
    assert len(cosines) > 100 and cosines.min() >= 0.9999, cosines.min()
    # Queries go through the batcher: the same vector as a document of the same text.
    assert _cosines([onnx.embed_query(QUESTIONS[0])], [torch.embed_query(QUESTIONS[0])])[0] > 0.9999
    # Same vectors, so an index built with one backend is current for the other.
    assert onnx.identity == torch.identity == settings.embedding_model


def test_export_is_reproducible_and_redone_when_damaged(
    real_services: Services, tmp_path: Path
) -> None:
    settings = real_services.settings
    make_embeddings(settings).warm_up()  # the session's export, in its data folder
    model = settings.embedding_model
    session = json.loads((export_dir(settings.data_dir, model) / MANIFEST_FILE).read_text())
    path, digest = ensure_export(tmp_path, model, resolve_model_path(model), "float")
    assert digest == session["float_sha256"] == sha256_file(path)  # same bytes, another run
    with path.open("r+b") as handle:  # a damaged graph does not match its manifest's hash
        handle.truncate(1000)
    again, digest_again = ensure_export(tmp_path, model, resolve_model_path(model), "float")
    assert again == path and digest_again == digest == sha256_file(path)
    # The int8 graph is made only when it is asked for, and then beside the same float graph.
    folder = export_dir(tmp_path, model)
    assert not (folder / INT8_FILE).exists()
    assert "int8_sha256" not in json.loads((folder / MANIFEST_FILE).read_text())
    int8_path, int8_digest = ensure_export(tmp_path, model, resolve_model_path(model), "int8")
    assert int8_path == folder / INT8_FILE and int8_digest == sha256_file(int8_path)
    assert sha256_file(path) == digest


def test_int8_vectors_are_near_but_get_their_own_index(real_services: Services) -> None:
    settings = real_services.settings
    texts = _texts(real_services)
    int8 = make_embeddings(settings.model_copy(update={"embedding_backend": "onnx-int8"}))
    float_ = make_embeddings(settings)
    cosines = _cosines(int8.embed_documents(texts), float_.embed_documents(texts))
    assert cosines.mean() > 0.98 and cosines.min() > 0.9, (cosines.mean(), cosines.min())
    assert isinstance(int8, OnnxEmbeddings)
    assert int8.identity.startswith(f"{settings.embedding_model}+onnx-int8:")
    live = real_services.store.read_manifest()
    int8_index = Services.with_components(
        settings.model_copy(update={"embedding_backend": "onnx-int8"}),
        embeddings=int8,
        store=real_services.store,
    ).index
    assert real_services.index.is_current(live) and not int8_index.is_current(live)


def test_serving_settings_default_to_onnx() -> None:
    assert Settings(_env_file=None).embedding_backend == "onnx"  # type: ignore[call-arg]
