"""Where the time of ``assistant check`` goes on a two-page brief (about 1,000 words, 61
sentences: the first 60 rows of dev.jsonl in paragraphs of four, as tests/checking/
test_check_speed.py builds it), in one process, then for the whole command.

    python evals/attribution/speed.py [--runs 3]

Prints the phases of one in-process run (imports, services, model load, clause vectors, the
check itself, a second check) and the wall time of ``assistant check BRIEF --json`` run
``--runs`` times with the corpus vectors cached and once without (a fresh cache folder).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def brief() -> str:
    rows = (Path(__file__).parent / "dev.jsonl").read_text(encoding="utf-8").splitlines()
    sentences = [json.loads(row)["sentence"] for row in rows[:60]]
    paragraphs = [" ".join(sentences[i : i + 4]) for i in range(0, len(sentences), 4)]
    return "# Brief\n\n" + "\n\n".join(paragraphs)


def in_process(text: str) -> dict[str, float]:
    started = time.perf_counter()
    import assistant.cli  # noqa: F401  (what the command imports before it runs)

    imported = time.perf_counter()
    from assistant.checking.factory import attribution_engine
    from assistant.settings import Settings

    engine = attribution_engine(Settings())
    built = time.perf_counter()
    engine.vectors.other(["load the model"])
    loaded = time.perf_counter()
    engine.check_sentences([])  # the clause vectors (from the cache file when it exists)
    vectors = time.perf_counter()
    engine.check_text(text)
    checked = time.perf_counter()
    engine.check_text(text)
    again = time.perf_counter()
    return {
        "import assistant.cli": imported - started,
        "corpus and engine": built - imported,
        "load the model": loaded - built,
        "clause vectors": vectors - loaded,
        "check (first)": checked - vectors,
        "check (again)": again - checked,
    }


def whole_command(path: Path, env: dict[str, str]) -> float:
    executable = Path(sys.executable).with_name("assistant")
    started = time.perf_counter()
    subprocess.run(
        [str(executable), "check", str(path), "--json"],
        check=True,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    runs = parser.parse_args().runs
    text = brief()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "brief.md"
        path.write_text(text, encoding="utf-8")
        print(f"brief: {len(text.split())} words, {os.cpu_count()} cores")
        for phase, seconds in in_process(text).items():
            print(f"  in process  {phase:22} {seconds:6.2f} s")
        from assistant.settings import Settings

        data_dir = Settings().data_dir
        cold_dir = Path(folder) / "data"
        shutil.copytree(data_dir / "models", cold_dir / "models")  # the model, not the cache
        cold = whole_command(path, {**os.environ, "ASSISTANT_DATA_DIR": str(cold_dir)})
        print(f"  command     no cached clause vectors   {cold:6.2f} s")
        for run in range(runs):
            warm = whole_command(path, dict(os.environ))
            print(f"  command     cached clause vectors #{run + 1}  {warm:6.2f} s")


if __name__ == "__main__":
    main()
