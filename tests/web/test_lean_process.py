"""A serving process with the ONNX backend never imports torch or sentence-transformers: the
web app is imported, started over a built index and answers, in a fresh interpreter, and its
modules are listed. Import time and memory are printed for the record (not asserted: they
depend on the machine's load)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from assistant.services import Services
from assistant.settings import PROJECT_ROOT, Settings

pytestmark = pytest.mark.integration

HEAVY = ("torch", "sentence_transformers", "transformers")
PROBE = """
import json, sys, time
started = time.perf_counter()
import app
from assistant.services import Services
from assistant.settings import Settings
from assistant.web.app_factory import create_app
imported = time.perf_counter() - started
services = Services(Settings())
services.warm_up()
create_app(services)
answer = services.answers.ask("How should governments justify the funding of digital projects?")
status = dict(line.split(":", 1) for line in open("/proc/self/status") if ":" in line)
print(json.dumps({
    "heavy": sorted({m.split(".")[0] for m in sys.modules} & set(sys.argv[1:])),
    "cited": [c.clause_id for c in answer.citations],
    "import_s": round(imported, 2),
    "ready_s": round(time.perf_counter() - started, 2),
    "peak_rss_mb": int(status["VmHWM"].split()[0]) // 1024,
}))
"""


def test_the_onnx_serving_process_imports_no_torch(
    real_services: Services, real_settings: Settings
) -> None:
    real_services.index.ensure()  # the index exists, as when a server restarts
    env = {
        **os.environ,
        "ASSISTANT_DATA_DIR": str(real_settings.data_dir),
        "ASSISTANT_EMBEDDING_BACKEND": "onnx",
    }
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *HEAVY],
        cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=240, check=True,
    )  # fmt: skip
    result = json.loads(done.stdout.strip().splitlines()[-1])
    print(f"\n[lean] {result}")
    assert result["heavy"] == []
    assert result["cited"], "the probe's question got no cited answer"
