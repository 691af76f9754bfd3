"""Keep every library off the network: no model downloads, no telemetry.

Called once by each entry point (CLI, web app, test session) before the heavy libraries are
imported, because several of them read these variables at import time.
"""

from __future__ import annotations

import os
from pathlib import Path

OFFLINE_ENVIRONMENT = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "HF_DATASETS_OFFLINE": "1",
    "ORT_DISABLE_TELEMETRY": "1",
    "ANONYMIZED_TELEMETRY": "False",
    "CHROMA_TELEMETRY": "False",
    "GRADIO_ANALYTICS_ENABLED": "False",
    "DO_NOT_TRACK": "1",
    "TOKENIZERS_PARALLELISM": "false",
}


def configure_offline(data_dir: Path) -> None:
    """Set the offline and no-telemetry switches, and keep library caches inside ``data_dir``."""
    for name, value in OFFLINE_ENVIRONMENT.items():
        os.environ.setdefault(name, value)
    caches = {
        "TIKTOKEN_CACHE_DIR": data_dir / "cache" / "tiktoken",
        "GRADIO_TEMP_DIR": data_dir / "cache" / "gradio",
        "HF_HOME": data_dir / "cache" / "huggingface",
        "MPLCONFIGDIR": data_dir / "cache" / "matplotlib",
    }
    for name, path in caches.items():
        path.mkdir(parents=True, exist_ok=True)
        os.environ.setdefault(name, str(path))
