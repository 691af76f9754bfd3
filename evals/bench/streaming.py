"""Time to the first guarded sentence, against time to the whole answer, with an LLM generator:

    python evals/bench/streaming.py                  # slow fake endpoint (+ llama.cpp if installed)
    python evals/bench/streaming.py --questions 3    # fewer questions

Two generators are measured in one run, over the real index and model: an OpenAI-compatible
endpoint that writes slowly (the test suite's fake server, pausing before every piece, standing
in for a remote model), and the local SmolLM2 through llama.cpp when the ``local-llm`` extra is
installed. A pipeline that buffers the whole answer would show its first sentence only at the
"whole answer" time; the ratio says how much sooner an official sees the first cited sentence.
Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import sys
import tempfile
import time
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
for folder in (PROJECT_ROOT, PROJECT_ROOT / "tests"):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

from fake_llm_server import FakeLLMServer  # noqa: E402

from assistant.services import Services  # noqa: E402
from assistant.settings import Settings  # noqa: E402

# Phrasings of one question, so the fake endpoint's fixed reply answers each of them (a reply
# that the guard removed would make the composed fallback, not the stream, the figure).
QUESTIONS = [
    "How should governments justify the funding of digital projects?",
    "What should a business case for a digital project contain?",
    "When does a digital project need a value proposition?",
    "Who should be involved in defining the business case?",
    "What does the Recommendation say about business cases?",
]
REPLY = (
    "Governments should develop clear business cases to sustain the funding of digital "
    "technology projects [IV.9]. The business case should involve key stakeholders [IV.9.ii]. "
    "It should articulate the value proposition for projects above a certain budget threshold "
    "[IV.9.i]."
)


def time_stream(services: Services, question: str) -> tuple[float | None, float]:
    """Seconds to the first text piece and to the finished answer."""
    started = time.perf_counter()
    first: float | None = None
    for event in services.answers.stream(question):
        if event.type == "delta" and first is None:
            first = time.perf_counter() - started
    return first, time.perf_counter() - started


def report(label: str, runs: list[tuple[float | None, float]]) -> None:
    firsts = [f for f, _ in runs if f is not None]
    totals = [t for _, t in runs]
    if not firsts:
        print(f"{label:<34} no streamed sentence")
        return
    first, total = statistics.median(firsts), statistics.median(totals)
    print(
        f"{label:<34} first sentence {first:6.2f} s   whole answer {total:6.2f} s   "
        f"first/whole {first / total:5.2f}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--questions", type=int, default=len(QUESTIONS))
    parser.add_argument("--piece-delay", type=float, default=0.04, help="Fake model pause (s).")
    args = parser.parse_args(argv)
    questions = QUESTIONS[: args.questions]
    data_dir = Path(tempfile.mkdtemp(prefix="bench-stream-"))
    base = Settings(data_dir=data_dir, _env_file=None)  # type: ignore[call-arg]
    Services(base).index.ensure(progress=False)
    with FakeLLMServer(piece_delay_s=args.piece_delay) as server:
        settings = base.model_copy(
            update={"generator": "openai", "llm_base_url": server.base_url, "llm_timeout_s": 60}
        )
        services = Services(settings)
        services.warm_up()
        server.queue(*([REPLY] * len(questions)))
        report("slow OpenAI-compatible endpoint", [time_stream(services, q) for q in questions])
    if importlib.util.find_spec("llama_cpp") is None:
        print("llama.cpp: not installed (pip install -e '.[local-llm]'), skipped")
        return 0
    local = Services(base.model_copy(update={"generator": "llamacpp"}))
    local.warm_up()
    time_stream(local, questions[0])  # loads the GGUF model
    report("local SmolLM2 (llama.cpp)", [time_stream(local, q) for q in questions])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
