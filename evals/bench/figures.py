"""Turns the raw measurements into the table's rows: one :class:`Figure` per quantity, the
assistant next to the naive RAG."""

from __future__ import annotations

from typing import Any

from evals.bench.common import Figure

MS, S, RPS, MB = "ms", "s", "answers/s", "MB"


def inprocess_figures(
    floor: dict[str, float], ingest: dict[str, Any], answers: dict[str, Any]
) -> list[Figure]:
    f50 = floor["p50_ms"]
    new_a, new_n = answers["assistant_new"], answers["naive_new"]
    clauses = ingest["clauses"]
    return [
        Figure(
            "floor.embed_p50",
            "Floor: one query embedding, p50",
            MS,
            f50,
            f50,
            "",
            "same model for both",
        ),
        Figure(
            "ingest.seconds", "Ingestion of the corpus", S, ingest["assistant_s"], ingest["naive_s"]
        ),
        Figure(
            "ingest.clauses_per_s",
            "Ingestion throughput",
            "clauses/s",
            clauses / ingest["assistant_s"],
            clauses / ingest["naive_s"],
            "higher",
        ),
        Figure(
            "ingest.vectors",
            "Vectors stored (clause texts / chunks)",
            "count",
            ingest["assistant_vectors"],
            ingest["naive_chunks"],
            "",
        ),
        Figure(
            "reingest.seconds",
            "Re-ingestion, nothing changed",
            S,
            ingest["assistant_reingest_s"],
            ingest["naive_reingest_s"],
            "lower",
            "naive RAG has no manifest: it rebuilds",
        ),
        Figure(
            "answer.p50",
            "Answer in-process, new question, p50",
            MS,
            new_a["p50_ms"],
            new_n["p50_ms"],
        ),
        Figure(
            "answer.p95",
            "Answer in-process, new question, p95",
            MS,
            new_a["p95_ms"],
            new_n["p95_ms"],
        ),
        Figure(
            "answer.p50_floors",
            "  p50 in floors (p50 / floor)",
            "x",
            new_a["p50_ms"] / f50,
            new_n["p50_ms"] / f50,
        ),
        Figure(
            "answer.repeat_p50",
            "Answer in-process, repeated question, p50",
            MS,
            answers["assistant_repeat"]["p50_ms"],
            answers["naive_repeat"]["p50_ms"],
        ),
    ]


def http_figures(http: dict[str, Any]) -> list[Figure]:
    runs = http["runs"]
    a1, n1 = runs["assistant"][1], runs["naive"][1]
    figures = [
        Figure(
            "http.c1.p50",
            "Answer over HTTP, 1 client, p50",
            MS,
            _level(a1, 1)["latency"]["p50_ms"],
            _level(n1, 1)["latency"]["p50_ms"],
        ),
        Figure(
            "http.c1.p95",
            "Answer over HTTP, 1 client, p95",
            MS,
            _level(a1, 1)["latency"]["p95_ms"],
            _level(n1, 1)["latency"]["p95_ms"],
        ),
        Figure(
            "http.first_piece.p50",
            "First streamed piece (SSE), p50",
            MS,
            a1["stream_first_piece"]["p50_ms"],
            n1["stream_first_piece"]["p50_ms"],
        ),
        Figure(
            "http.first_piece.p95",
            "First streamed piece (SSE), p95",
            MS,
            a1["stream_first_piece"]["p95_ms"],
            n1["stream_first_piece"]["p95_ms"],
        ),
    ]
    for workers in sorted(runs["assistant"]):
        a, n = runs["assistant"][workers], runs["naive"][workers]
        for level in a["levels"]:
            c = level["concurrency"]
            other = _level(n, c)
            figures.append(
                Figure(
                    f"http.w{workers}.c{c}.rps",
                    f"Throughput, {workers}w, {c} clients",
                    RPS,
                    level["answers_per_s"],
                    other["answers_per_s"],
                    "higher",
                )
            )
            if workers == 1 and c == 1:
                continue  # the same as "Answer over HTTP, 1 client, p95"
            figures.append(
                Figure(
                    f"http.w{workers}.c{c}.p95",
                    f"  p95, {workers}w, {c} clients",
                    MS,
                    level["latency"]["p95_ms"],
                    other["latency"]["p95_ms"],
                )
            )
    errors_a = sum(lv["errors"] for r in runs["assistant"].values() for lv in r["levels"])
    errors_n = sum(lv["errors"] for r in runs["naive"].values() for lv in r["levels"])
    figures.append(
        Figure("http.errors", "Failed requests (all levels)", "count", errors_a, errors_n, "")
    )
    figures += [
        Figure(
            "cold.with_index",
            "Cold start to /readyz, index present",
            S,
            a1["ready_s"],
            n1["ready_s"],
            "lower",
            "naive builds its throw-away index at every start",
        ),
        Figure(
            "cold.without_index",
            "Cold start to /readyz, no index",
            S,
            http["assistant_ready_without_index_s"],
            n1["ready_s"],
        ),
        Figure(
            "cold.first_answer",
            "First answer after /readyz",
            MS,
            a1["first_answer_ms"],
            n1["first_answer_ms"],
        ),
        Figure(
            "cold.to_first_answer",
            "Cold start to first answer, index present",
            S,
            a1["ready_s"] + a1["first_answer_ms"] / 1000,
            n1["ready_s"] + n1["first_answer_ms"] / 1000,
        ),
    ]
    for workers in sorted(runs["assistant"]):
        figures.append(
            Figure(
                f"rss.w{workers}",
                f"Peak RSS of the server, {workers}w",
                MB,
                runs["assistant"][workers]["peak_rss_mb"],
                runs["naive"][workers]["peak_rss_mb"],
            )
        )
    return figures


def scale_figures(scale: dict[str, Any]) -> list[Figure]:
    n = scale["scale"]
    emb, srv = scale["embedded"], scale["server"]
    return [
        Figure(
            "scale.vectors",
            f"Scale x{n}: vectors stored (clause texts / chunks)",
            "count",
            emb["assistant_vectors"],
            emb["naive_chunks"],
            "",
            f"{scale['instruments']} instruments, {scale['clauses']} clauses",
        ),
        Figure(
            "scale.embedded.ingest",
            f"Scale x{n}: ingestion, embedded Chroma",
            S,
            emb["assistant_ingest_s"],
            emb["naive_ingest_s"],
        ),
        Figure(
            "scale.embedded.p95",
            f"Scale x{n}: retrieval p95, embedded Chroma",
            MS,
            emb["assistant_retrieval"]["p95_ms"],
            emb["naive_retrieval"]["p95_ms"],
        ),
        Figure(
            "scale.server.ingest",
            f"Scale x{n}: ingestion, Chroma server (vectors reused)",
            S,
            srv["assistant_ingest_s"],
            srv["naive_ingest_s"],
        ),
        Figure(
            "scale.server.p95",
            f"Scale x{n}: retrieval p95, Chroma server",
            MS,
            srv["assistant_retrieval"]["p95_ms"],
            srv["naive_retrieval"]["p95_ms"],
        ),
    ]


def _level(run: dict[str, Any], concurrency: int) -> dict[str, Any]:
    return next(level for level in run["levels"] if level["concurrency"] == concurrency)
