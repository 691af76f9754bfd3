"""What the learned judgement costs per answer, in one run: the default configuration (the query
adapter moves the question's vector, the calibrated scope classifier places the question among
the banks' labelled questions) beside the hand-set thresholds without the adapter (the earlier
default), on the same new questions, question by question in turn.

Both configurations share one loaded embedding model and one index; each question is sent as a
cache-busting variant (``common.variant``) so every answer embeds its question afresh. Figures are
printed and written, never asserted (the machine may be busy): the ratio is what counts.

    .venv/bin/python evals/bench/judgement_cost.py [--questions 120] [--rounds 2]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(PROJECT_ROOT))

from assistant.settings import Settings  # noqa: E402
from evals.bench.common import (  # noqa: E402
    DEFAULT_OUT,
    interleaved,
    load_questions,
    ms_summary,
    variant,
)
from evals.bench.inprocess import make_services  # noqa: E402

CONFIGURATIONS = {
    "learned (default)": {},
    "thresholds, no adapter": {"scope_decider": "thresholds", "use_query_adapter": False},
}


def measure(questions: int, rounds: int) -> dict[str, Any]:
    """Answer latency of each configuration on the same variants, interleaved."""
    base = Settings()
    first = make_services(base)
    first.index.ensure(progress=False)
    answerers = {}
    for name, update in CONFIGURATIONS.items():
        services = make_services(base.model_copy(update=update), first.embeddings)
        answerers[name] = services.answers
    items = load_questions(questions)
    # Each configuration gets its own variants: the embedder is shared, and a variant one of
    # them embedded would be a cache hit for the other.
    calls = {
        name: (lambda pair, a=answerer, k=offset: a.ask(variant(pair[0], pair[1] * 2 + k)))
        for offset, (name, answerer) in enumerate(answerers.items())
    }
    interleaved(calls, [(item.question, 0) for item in items])  # untimed warm-up
    timed = [(item.question, r + 1) for r in range(rounds) for item in items]
    durations = interleaved(calls, timed)
    summaries = {name: ms_summary(seconds) for name, seconds in durations.items()}
    learned, thresholds = (summaries[name]["p50_ms"] for name in CONFIGURATIONS)
    return {"questions": len(timed), "latency": summaries, "p50_ratio": learned / thresholds}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--questions", type=int, default=120, help="Gold questions used (120).")
    parser.add_argument("--rounds", type=int, default=2, help="New variants of each (2).")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="Output folder.")
    args = parser.parse_args(argv)
    result = measure(args.questions, args.rounds)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "judgement_cost.json").write_text(json.dumps(result, indent=2))
    for name, summary in result["latency"].items():
        print(f"{name:24s} p50 {summary['p50_ms']:7.2f} ms  p95 {summary['p95_ms']:7.2f} ms")
    ratio, count = result["p50_ratio"], result["questions"]
    print(f"learned / thresholds p50: {ratio:.2f}x over {count} answers")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
