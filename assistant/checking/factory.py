"""The attribution engine built from settings alone: what ``Services.attribution`` returns, and
what ``assistant check`` builds without the rest of the services (the answer chain, the index
and their imports are not needed to check a draft, and a command pays for every import)."""

from __future__ import annotations

import hashlib
from pathlib import Path

from assistant.answering.grounding import GroundingChecker
from assistant.answering.linear import ArtefactMismatch
from assistant.artefacts import LEARNED_DIR
from assistant.backends.embeddings import (
    FAKE_MODEL,
    make_embeddings,
    resolve_model_path,
    vector_identity,
)
from assistant.backends.offline import configure_offline
from assistant.checking.engine import AttributionEngine
from assistant.checking.reading import EnglishReader
from assistant.checking.verdict_judge import VerdictJudge
from assistant.corpus.instruments import Corpus
from assistant.retrieval.query import QueryRewriter
from assistant.settings import Settings


def attribution_engine(
    settings: Settings,
    corpus: Corpus | None = None,
    checker: GroundingChecker | None = None,
    learned: bool = True,
) -> AttributionEngine:
    """The engine over ``corpus`` and ``checker`` (built from ``settings`` when not given), its
    corpus vectors kept in ``data_dir/cache`` per embedding model and backend, sentences in
    French, Spanish and German read through the corpus's glossaries; with ``learned``, the
    learned verdict when its artefact exists for this embedding model (else the rules alone)."""
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
    judge = learned_judge(model) if learned else None
    return AttributionEngine(corpus, checker, vector_file=vector_file, reader=reader, judge=judge)


def learned_judge(embedding_model: str, root: Path = LEARNED_DIR) -> VerdictJudge | None:
    """The stored learned verdict, or None when it was never trained, was trained on other
    features than the code computes (a check must still work: the rules decide, and
    ``tests/checking/test_verdict_judge.py`` fails until it is retrained) or on another
    embedding model's similarities (its weights would read other numbers)."""
    try:
        info, judge = VerdictJudge.load(root)
    except (FileNotFoundError, ArtefactMismatch):
        return None
    return judge if info.params.get("embedding_model") == embedding_model else None
