"""In-process figures: the floor, ingestion, answer latency, a stage breakdown and a profile.

Both systems share one loaded embedding model. Questions are sent as cache-busting variants
(``common.variant``): a warm-up pass first (untimed; it fills the caches a running server would
have, such as the vectors of the composed sentences), then a timed pass on new variants (every
question embedded afresh, as a question never asked before), then the same variants again
(repeated questions: the query cache answers).
"""

from __future__ import annotations

import cProfile
import io
import pstats
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

from langchain_core.embeddings import Embeddings

from assistant.evaluation.baselines import NaiveRag
from assistant.evaluation.datasets import GoldItem
from assistant.services import Services
from assistant.settings import Settings
from evals.bench.common import interleaved, ms_summary, stopwatch, variant

PROFILE_TOP = 15


def make_services(settings: Settings, embeddings: Embeddings | None = None) -> Services:
    """Services over ``settings``, sharing an already loaded embedder when given one."""
    services = Services(settings)
    if embeddings is not None:
        services.embeddings = embeddings  # cached_property: the instance attribute wins
    return services


def measure_ingestion(settings: Settings, embeddings: Embeddings) -> dict[str, Any]:
    """Assistant: corpus load + index build into an empty data folder, then the same command
    again with nothing changed. Naive RAG: split + embed + add, twice (it has no manifest, so a
    re-run rebuilds everything)."""
    with stopwatch() as first:
        services = make_services(settings, embeddings)
        report = services.index.build(progress=False)
    with stopwatch() as again:
        rerun = make_services(settings, embeddings).index.build(progress=False)
    naive_runs = []
    for _ in range(2):
        naive = NaiveRag(services.corpus, embeddings)
        with ExitStack() as stack, stopwatch() as took:
            stack.enter_context(naive.open())
        naive_runs.append(took[0])
    chunks = len(_naive_chunks(services))
    return {
        "clauses": len(services.corpus.clauses),
        "assistant_s": first[0],
        "assistant_vectors": report.manifest.vectors,
        "assistant_rebuilt_again": rerun.rebuilt,
        "assistant_reingest_s": again[0],
        "naive_s": naive_runs[0],
        "naive_reingest_s": naive_runs[1],
        "naive_chunks": chunks,
    }


def _naive_chunks(services: Services) -> list[str]:
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    from assistant.corpus.instruments import read_text
    from assistant.evaluation.baselines import CHUNK_OVERLAP, CHUNK_SIZE

    splitter = RecursiveCharacterTextSplitter(chunk_size=CHUNK_SIZE, chunk_overlap=CHUNK_OVERLAP)
    return splitter.split_text(read_text(services.corpus.instruments[0].path))


def _answer_key(services: Services, item: GoldItem, number: int) -> tuple[Any, ...]:
    answer = services.answers.ask(variant(item.question, number), item.history)
    return (answer.abstained, tuple(c.clause_id for c in answer.citations), answer.answer)


def measure_answers(
    services: Services, naive: NaiveRag, embeddings: Embeddings, items: list[GoldItem]
) -> dict[str, Any]:
    """The floor (one uncached query embedding), composed answers and naive answers (top-4
    chunks joined) on new questions, then on repeated ones; interleaved question by question."""
    baseline = [_answer_key(services, item, 0) for item in items]  # warm-up pass
    for item in items:
        naive.chunks(item.question)
    same = sum(
        _answer_key(services, item, 1) == base for item, base in zip(items, baseline, strict=True)
    )

    def ask(number: int) -> Callable[[GoldItem], Any]:
        return lambda item: services.answers.ask(variant(item.question, number), item.history)

    def retrieve(number: int) -> Callable[[GoldItem], Any]:
        return lambda item: "\n\n".join(naive.chunks(variant(item.question, number)))

    def floor(item: GoldItem) -> Any:
        return embeddings.embed_documents([item.question])  # never cached

    # Distinct variants per system: they share one embedder, and so one query cache.
    new = interleaved({"floor": floor, "assistant": ask(2), "naive": retrieve(3)}, items)
    repeat = interleaved({"assistant": ask(2), "naive": retrieve(3)}, items)
    return {
        "floor": ms_summary(new["floor"]),
        "assistant_new": ms_summary(new["assistant"]),
        "naive_new": ms_summary(new["naive"]),
        "assistant_repeat": ms_summary(repeat["assistant"]),
        "naive_repeat": ms_summary(repeat["naive"]),
        "variant_same_answer_share": round(same / len(items), 4),
    }


@contextmanager
def instrumented(target: Any, name: str, totals: dict[str, float], key: str) -> Iterator[None]:
    """Accumulate the wall time of ``target.name(...)`` calls into ``totals[key]``."""
    original = getattr(target, name)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            totals[key] += time.perf_counter() - started

    setattr(target, name, wrapper)
    try:
        yield
    finally:
        try:
            delattr(target, name)  # an instance attribute: the class method shows again
        except AttributeError:
            setattr(target, name, original)


def stage_breakdown(services: Services, items: list[GoldItem], number: int) -> dict[str, Any]:
    """Where an answer's time goes, timed without a profiler (inclusive stage times)."""
    answers, search = services.answers, services.search
    stages = {
        "embed_query (question + guard sentences)": (services.embeddings, "embed_query"),
        "scope check (incl. query rewrite)": (services.answer_steps.screen, "check"),
        "hybrid search (incl. question embedding)": (search, "search"),
        "chroma query": (services.store, "query"),
        "bm25": (search.lexical, "search"),
        "grounding guard (incl. sentence embeddings)": (services.grounding, "support"),
        "composer": (services.composer, "compose"),
    }
    totals: dict[str, float] = defaultdict(float)
    with ExitStack() as stack:
        for label, (target, name) in stages.items():
            stack.enter_context(instrumented(target, name, totals, label))
        with stopwatch() as whole:
            for item in items:
                answers.ask(variant(item.question, number), item.history)
    total = whole[0]
    rows = {
        label: {
            "ms_per_answer": round(totals[label] / len(items) * 1000, 2),
            "share": round(totals[label] / total, 3),
        }
        for label in stages
    }
    rows["whole answer"] = {"ms_per_answer": round(total / len(items) * 1000, 2), "share": 1.0}
    return rows


def profile_answers(services: Services, items: list[GoldItem], number: int) -> str:
    """cProfile of the composed answer path: on new questions (top functions by cumulative and
    by own time), then on the same questions again (embeddings cached: the pipeline's own cost)."""
    out = io.StringIO()
    for title, orders in (("new questions", ("cumulative", "tottime")), ("repeated", ("tottime",))):
        profiler = cProfile.Profile()
        profiler.enable()
        for item in items:
            services.answers.ask(variant(item.question, number), item.history)
        profiler.disable()
        for order in orders:
            out.write(f"--- {title}: top {PROFILE_TOP} by {order} ---\n")
            stats = pstats.Stats(profiler, stream=out)
            stats.strip_dirs().sort_stats(order).print_stats(PROFILE_TOP)
    return _trim_profile(out.getvalue())


def _trim_profile(text: str) -> str:
    """pstats output without its blank-line padding and preamble lines."""
    keep = [line.rstrip() for line in text.splitlines() if line.strip()]
    return "\n".join(
        line for line in keep if "Ordered by" not in line and "List reduced" not in line
    )


def warm_assistant(settings: Settings, embeddings: Embeddings, data_dir: Path) -> Services:
    """Services on the bench index with everything a first question would load done up front."""
    services = make_services(settings.model_copy(update={"data_dir": data_dir}), embeddings)
    services.warm_up()
    return services
