"""How many vectors the dense search must fetch from Chroma (``ASSISTANT_DENSE_CANDIDATES``).

For each candidate count, every question of the gold and opened held-out sets (never the sealed
ones) is searched in-process, and the search's ranked clauses (top ``--depth``) are compared
with those at the largest count: a count whose rankings are identical on every question cannot
move any quality figure. The Chroma query's CPU time is measured for each count, in turn,
question by question, so the machine's load hits every count alike.

    python evals/bench/candidates.py --counts 200,100,60,40 --depth 16
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
if str(PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(PROJECT_ROOT))

from assistant.services import Services  # noqa: E402
from assistant.settings import Settings  # noqa: E402
from evals.bench.common import percentile  # noqa: E402

SETS = ("gold", "retrieval", "ai-gold", "cross-gold", "heldout", "ai-heldout")
DATASETS = PROJECT_ROOT / "evals" / "datasets"


def questions() -> list[str]:
    """Distinct questions of the open sets."""
    seen: dict[str, None] = {}
    for name in SETS:
        path = DATASETS / f"{name}.jsonl"
        if path.exists():
            for line in path.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    seen.setdefault(json.loads(line)["question"], None)
    return list(seen)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--counts", default="200,100,60,40", help="Candidate counts to compare.")
    parser.add_argument("--depth", type=int, default=16, help="Ranked clauses compared (16).")
    args = parser.parse_args()
    counts = [int(c) for c in args.counts.split(",")]
    services = Services(Settings())
    services.warm_up()
    search, store = services.search, services.store
    asked = questions()
    vectors = [search.query_vector(q) for q in asked]
    collection = search.active_collection()
    reference = max(counts)
    rankings: dict[int, list[list[str]]] = {n: [] for n in counts}
    cpu: dict[int, list[float]] = {n: [] for n in counts}
    for question, vector in zip(asked, vectors, strict=True):
        for n in counts:
            started = time.process_time()
            store.query(collection, vector, n)
            cpu[n].append(time.process_time() - started)
            search.settings = services.settings.model_copy(update={"dense_candidates": n})
            hits = search.search(question, args.depth)
            rankings[n].append([h.clause.key for h in hits])
    report = {}
    for n in counts:
        same = sum(a == b for a, b in zip(rankings[n], rankings[reference], strict=True))
        top8 = sum(a[:8] == b[:8] for a, b in zip(rankings[n], rankings[reference], strict=True))
        report[n] = {
            "identical_rankings": f"{same}/{len(asked)}",
            "identical_top8": f"{top8}/{len(asked)}",
            "chroma_cpu_ms_p50": round(percentile(cpu[n], 50) * 1000, 2),
            "chroma_cpu_ms_mean": round(sum(cpu[n]) / len(cpu[n]) * 1000, 2),
        }
        print(n, report[n], flush=True)


if __name__ == "__main__":
    main()
