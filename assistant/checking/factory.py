"""The attribution engine built from settings alone: what ``Services.attribution`` returns, and
what ``assistant check`` builds without the rest of the services (the answer chain, the index
and their imports are not needed to check a draft, and a command pays for every import)."""

from __future__ import annotations

import hashlib

from assistant.answering.grounding import GroundingChecker
from assistant.backends.embeddings import (
    FAKE_MODEL,
    make_embeddings,
    resolve_model_path,
    vector_identity,
)
from assistant.backends.offline import configure_offline
from assistant.checking.engine import AttributionEngine
from assistant.checking.reading import EnglishReader
from assistant.corpus.instruments import Corpus
from assistant.retrieval.query import QueryRewriter
from assistant.settings import Settings


def attribution_engine(
    settings: Settings, corpus: Corpus | None = None, checker: GroundingChecker | None = None
) -> AttributionEngine:
    """The engine over ``corpus`` and ``checker`` (built from ``settings`` when not given), its
    corpus vectors kept in ``data_dir/cache`` per embedding model and backend, sentences in
    French, Spanish and German read through the corpus's glossaries."""
    configure_offline(settings.data_dir)
    corpus = corpus if corpus is not None else Corpus.load(settings.corpus_dir)
    if checker is None:
        checker = GroundingChecker(make_embeddings(settings), settings.grounding_threshold)
    identity = vector_identity(checker.embeddings, settings.embedding_model)
    name = hashlib.sha256(identity.encode()).hexdigest()[:16]
    vector_file = settings.data_dir / "cache" / f"attribution-vectors-{name}.npz"
    model = settings.embedding_model
    dictionary = None if model == FAKE_MODEL else resolve_model_path(model) / "vocab.txt"
    glossary = settings.corpus_dir / "glossary-fr.toml"  # the other languages' lie beside it
    reader = EnglishReader(QueryRewriter(corpus, glossary, dictionary))
    return AttributionEngine(corpus, checker, vector_file=vector_file, reader=reader)
