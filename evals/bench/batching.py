"""Micro-batching of question encodings, measured in one run: a question alone through the
batcher against the encoder called directly (the batcher must not delay it), and N concurrent
questions through the batcher against N threads each calling the encoder (what batching buys).

    python evals/bench/batching.py [--backend onnx] [--clients 16] [--rounds 30]

Every question is new (no cache hit): a counter is appended to a gold question. Prints a JSON
object; nothing is asserted.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
if str(PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(PROJECT_ROOT))

from assistant.backends.embeddings import CachedEmbeddings, make_embeddings  # noqa: E402
from assistant.backends.offline import configure_offline  # noqa: E402
from assistant.settings import Settings  # noqa: E402
from evals.bench.common import load_questions  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--backend", default="onnx", choices=["onnx", "torch", "onnx-int8"])
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--data-dir", type=Path, default=None)
    args = parser.parse_args(argv)
    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="bench-batching-"))
    configure_offline(data_dir)
    settings = Settings(data_dir=data_dir, embedding_backend=args.backend, _env_file=None)  # type: ignore[call-arg]
    embeddings = make_embeddings(settings)
    assert isinstance(embeddings, CachedEmbeddings)
    embeddings.warm_up()
    questions = [item.question for item in load_questions(60)]
    counter = iter(range(10**9))

    def fresh() -> str:
        n = next(counter)
        return f"{questions[n % len(questions)]} ({n})"

    embeddings.embed_query(fresh())  # the worker thread started
    alone_direct, alone_batched = [], []
    for _ in range(args.rounds):  # interleaved, so a change in the machine's load hits both
        started = time.perf_counter()
        embeddings._encode([fresh()])
        alone_direct.append(time.perf_counter() - started)
        started = time.perf_counter()
        embeddings.embed_query(fresh())
        alone_batched.append(time.perf_counter() - started)

    def burst(call: object) -> float:
        texts = [fresh() for _ in range(args.clients)]
        with ThreadPoolExecutor(args.clients) as pool:
            started = time.perf_counter()
            list(pool.map(call, texts))  # type: ignore[arg-type]
            return time.perf_counter() - started

    burst_direct, burst_batched = [], []
    batches_before, texts_before = embeddings.batcher.batches, embeddings.batcher.texts
    for _ in range(max(5, args.rounds // 3)):
        burst_direct.append(burst(lambda t: embeddings._encode([t])))
        burst_batched.append(burst(embeddings.embed_query))
    batches = embeddings.batcher.batches - batches_before
    texts = embeddings.batcher.texts - texts_before
    p50 = statistics.median
    result = {
        "backend": args.backend,
        "alone_direct_p50_ms": round(p50(alone_direct) * 1000, 2),
        "alone_batched_p50_ms": round(p50(alone_batched) * 1000, 2),
        "alone_ratio_batched_over_direct": round(p50(alone_batched) / p50(alone_direct), 3),
        "clients": args.clients,
        "burst_direct_p50_ms": round(p50(burst_direct) * 1000, 2),
        "burst_batched_p50_ms": round(p50(burst_batched) * 1000, 2),
        "burst_speedup_direct_over_batched": round(p50(burst_direct) / p50(burst_batched), 2),
        "mean_batch_size": round(texts / batches, 2) if batches else None,
    }
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
