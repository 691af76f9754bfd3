"""The attribution engine built from settings alone: what ``Services.attribution`` returns, and
what ``assistant check`` builds without the rest of the services (the answer chain, the index
and their imports are not needed to check a draft, and a command pays for every import)."""

from __future__ import annotations

import hashlib

from assistant.answering.grounding import GroundingChecker
from assistant.backends.embeddings import make_embeddings, vector_identity
from assistant.backends.offline import configure_offline
from assistant.checking.engine import AttributionEngine
from assistant.corpus.instruments import Corpus
from assistant.settings import Settings


def attribution_engine(
    settings: Settings, corpus: Corpus | None = None, checker: GroundingChecker | None = None
) -> AttributionEngine:
    """The engine over ``corpus`` and ``checker`` (built from ``settings`` when not given), its
    corpus vectors kept in ``data_dir/cache`` per embedding model and backend."""
    configure_offline(settings.data_dir)
    corpus = corpus if corpus is not None else Corpus.load(settings.corpus_dir)
    if checker is None:
        checker = GroundingChecker(make_embeddings(settings), settings.grounding_threshold)
    identity = vector_identity(checker.embeddings, settings.embedding_model)
    name = hashlib.sha256(identity.encode()).hexdigest()[:16]
    vector_file = settings.data_dir / "cache" / f"attribution-vectors-{name}.npz"
    return AttributionEngine(corpus, checker, vector_file=vector_file)
