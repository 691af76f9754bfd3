"""The benchmark command (``make bench``): the assistant next to the naive LangChain RAG, measured
in the same run on the same questions, printed as a table and written to ``evals/bench/out/``.

    python evals/bench/run.py                 # full run (scale x100 takes a long while on 2 cores)
    python evals/bench/run.py --scale 10      # a smaller synthetic corpus
    python evals/bench/run.py --quick         # smoke run: tiny counts, scale x2

Figures are printed, never asserted: the machine may be busy. See evals/bench/README.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import sys
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parents[2]
if str(PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(PROJECT_ROOT))

from assistant.backends.embeddings import make_embeddings  # noqa: E402
from assistant.backends.offline import configure_offline  # noqa: E402
from assistant.evaluation.baselines import NaiveRag  # noqa: E402
from assistant.settings import Settings  # noqa: E402
from evals.bench import embed, inprocess  # noqa: E402
from evals.bench import figures as fig  # noqa: E402
from evals.bench.common import DEFAULT_OUT, Results, load_questions, stopwatch  # noqa: E402
from evals.bench.httpbench import HttpPlan, run_http  # noqa: E402
from evals.bench.report import print_table, write_outputs  # noqa: E402
from evals.bench.scale import run_scale  # noqa: E402

AIM_FLOORS = 5.0
AIM_P95_MS = 100.0
AIM_CLIENTS = 16


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--questions", type=int, default=60, help="Gold questions used (60).")
    parser.add_argument("--requests", type=int, default=200, help="Requests per level (200).")
    parser.add_argument("--levels", default="1,8,16,32", help="Concurrent clients (1,8,16,32).")
    parser.add_argument("--workers", default="1,2", help="Server worker counts (1,2).")
    parser.add_argument("--scale", type=int, default=100, help="Synthetic corpus size x (100).")
    parser.add_argument("--quick", action="store_true", help="Smoke run: tiny counts, scale x2.")
    parser.add_argument("--skip-http", action="store_true", help="No server figures.")
    parser.add_argument("--skip-scale", action="store_true", help="No synthetic-corpus figures.")
    parser.add_argument(
        "--skip-embed", action="store_true", help="No widget / Schemathesis figures (embed.py)."
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="Output folder.")
    parser.add_argument("--seed", type=int, default=406, help="Question subset seed (406).")
    parser.add_argument(
        "--torch-threads",
        type=int,
        default=None,
        help="Experiment: OMP_NUM_THREADS for this process and both servers (default: unset).",
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.questions, args.requests, args.scale = (
            min(args.questions, 8),
            min(args.requests, 16),
            2,
        )
    return args


def _ints(text: str, required: int | None = None) -> tuple[int, ...]:
    values = sorted(
        {int(v) for v in text.split(",") if v.strip()} | ({required} if required else set())
    )
    return tuple(values)


def measure(args: argparse.Namespace) -> Results:
    """Run every part of the benchmark and collect its figures and details."""
    out: Path = args.out
    data_dir, work = out / "data", out / "work"
    for folder in (data_dir, work):
        shutil.rmtree(folder, ignore_errors=True)
    settings = Settings(data_dir=data_dir, _env_file=None)
    configure_offline(data_dir)
    results = Results()
    results.details["run"] = _run_info(args)
    items = load_questions(args.questions, args.seed)

    print("In-process: loading the embedding model", flush=True)
    embeddings = make_embeddings(settings)
    with stopwatch() as load:
        embeddings.embed_documents(["warm up"])
    results.details["model_load_s"] = round(load[0], 3)
    print("In-process: ingestion", flush=True)
    ingest = inprocess.measure_ingestion(settings, embeddings)
    print("In-process: answers, stages, profile", flush=True)
    services = inprocess.warm_assistant(settings, embeddings, data_dir)
    naive = NaiveRag(services.corpus, embeddings)
    with naive.open():
        answers = inprocess.measure_answers(services, naive, embeddings, items)
    results.details["stages"] = inprocess.stage_breakdown(services, items, 4)
    results.details["profile"] = inprocess.profile_answers(services, items, 5)
    services.store.reset_connection()
    results.details |= {"ingestion": ingest, "answers": answers}
    results.add(*fig.inprocess_figures(answers["floor"], ingest, answers))

    if not args.skip_http:
        plan = HttpPlan(
            workers=_ints(args.workers, 1),
            levels=_ints(args.levels, 1),
            requests_per_level=args.requests,
            stream_requests=len(items),
            warm_up_requests=max(len(items), 16),
        )
        http = run_http(items, plan, data_dir, out / "logs")
        results.details["http"] = http
        results.add(*fig.http_figures(http))
    if not args.skip_scale:
        scale = run_scale(settings, embeddings, items, args.scale, work / "scale")
        results.details["scale"] = scale
        results.add(*fig.scale_figures(scale))
    if not args.skip_embed:  # widget size, first token through the widget, long fuzz run
        results.details["embed"] = embed.measure_embed(
            work / "embed",
            data_dir,
            questions=min(args.questions, 20),
            fuzz_examples=30 if args.quick else 300,
        )
    for folder in (data_dir, work):  # indexes and the synthetic corpus: large, not outputs
        shutil.rmtree(folder, ignore_errors=True)
    results.details["aims"] = aims(results)
    results.details["run"]["load_after"] = tuple(round(v, 2) for v in os.getloadavg())
    return results


def _run_info(args: argparse.Namespace) -> dict[str, Any]:
    return {
        "started": dt.datetime.now().isoformat(timespec="seconds"),
        "mode": "quick" if args.quick else "full",
        "questions": args.questions,
        "requests_per_level": args.requests,
        "levels": args.levels,
        "workers": args.workers,
        "scale": None if args.skip_scale else args.scale,
        "cpus": os.cpu_count(),
        "torch_threads": os.environ.get("OMP_NUM_THREADS", "default"),
        "load_before": tuple(round(v, 2) for v in os.getloadavg()),
    }


def aims(results: Results) -> list[str]:
    """The issue's aims, each with the measured figure."""
    by_key = {f.key: f for f in results.figures}
    lines = []
    floors = by_key["answer.p50_floors"].assistant
    for key in ("answer.p50", "http.c1.p50"):
        figure, floor = by_key.get(key), by_key["floor.embed_p50"].assistant
        if figure and floor and min(figure.assistant or 0, figure.naive or 0) < 0.9 * floor:
            lines.append(
                f"WARNING: '{figure.label}' is below the floor: new questions seem to be served "
                "from a cache; check that common.variant still defeats the caches' keys."
            )
    if floors is not None:
        verdict = "met" if floors <= AIM_FLOORS else "missed"
        lines.append(
            f"Composed answer p50 = {floors:.1f} x the floor "
            f"(aim: a few, <= {AIM_FLOORS:.0f}): {verdict}."
        )
    for key, figure in by_key.items():
        if (
            key.startswith("http.w")
            and key.endswith(f".c{AIM_CLIENTS}.p95")
            and figure.assistant is not None
        ):
            verdict = "met" if figure.assistant <= AIM_P95_MS else "missed"
            lines.append(
                f"HTTP p95 at {AIM_CLIENTS} clients, {key.split('.')[1][1:]} worker(s): "
                f"{figure.assistant:.0f} ms (aim <= {AIM_P95_MS:.0f} ms): {verdict}."
            )
    contests = [f for f in results.figures if f.assistant_wins is not None]
    lost = [f.label.strip() for f in contests if not f.assistant_wins]
    lines.append(
        f"Better than naive RAG on {len(contests) - len(lost)} of {len(contests)} figures"
        + (f"; not on: {'; '.join(lost)}." if lost else ".")
    )
    return lines


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.torch_threads:  # before torch is imported here; the servers inherit it
        os.environ["OMP_NUM_THREADS"] = str(args.torch_threads)
    results = measure(args)
    print_table(results)
    for line in results.details["aims"]:
        print(line)
    if "embed" in results.details:
        for line in embed.lines(results.details["embed"]):
            print(line)
    json_path, md_path = write_outputs(results, args.out)
    print(f"Wrote {md_path} and {json_path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
