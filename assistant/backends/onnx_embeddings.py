"""Sentence vectors through ONNX Runtime: the serving path with no torch in the process.

The graph is exported once from the packaged weights into the data folder
(``<data_dir>/models/<model>-onnx/``) by a child process, checked against the hashes in its
``manifest.json`` on every load (a changed source model or a damaged file means a new export),
and run with the model's own fast tokenizer (``tokenizers``, no torch either).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any, Literal

from assistant.backends.onnx_export import (
    FLOAT_FILE,
    INT8_FILE,
    MANIFEST_FILE,
    sha256_file,
    source_hash,
)

Precision = Literal["float", "int8"]
MAX_TOKENS_FALLBACK = 256
EXPORT_TIMEOUT_S = 600


class ExportFailed(RuntimeError):
    """The ONNX export did not produce a complete, matching folder."""


def export_dir(data_dir: Path, model_name: str) -> Path:
    """``<data_dir>/models/<model name, path characters replaced>-onnx``."""
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", model_name).strip("_") or "model"
    return data_dir / "models" / f"{safe}-onnx"


def _read_manifest(folder: Path) -> dict[str, str] | None:
    try:
        data = json.loads((folder / MANIFEST_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _is_valid(folder: Path, model_dir: Path, precision: Precision) -> dict[str, str] | None:
    manifest = _read_manifest(folder)
    if manifest is None or manifest.get("source_hash") != source_hash(model_dir):
        return None
    name, key = (FLOAT_FILE, "float_sha256") if precision == "float" else (INT8_FILE, "int8_sha256")
    path = folder / name
    if key not in manifest or not path.is_file() or sha256_file(path) != manifest[key]:
        return None
    return manifest


def ensure_export(
    data_dir: Path, model_name: str, model_dir: Path, precision: Precision
) -> tuple[Path, str]:
    """The ONNX file for ``precision`` and its sha256, exported first when missing or stale.
    The export runs in a child process so that this one never imports torch."""
    folder = export_dir(data_dir, model_name)
    manifest = _is_valid(folder, model_dir, precision)
    if manifest is None:
        command = [sys.executable, "-m", "assistant.backends.onnx_export"]
        command += ["--model-dir", str(model_dir), "--out-dir", str(folder)]
        command += ["--int8"] if precision == "int8" else []
        done = subprocess.run(command, capture_output=True, text=True, timeout=EXPORT_TIMEOUT_S)
        manifest = _is_valid(folder, model_dir, precision)
        if done.returncode != 0 or manifest is None:
            raise ExportFailed(f"ONNX export into {folder} failed:\n{done.stderr[-2000:]}")
    name, key = (FLOAT_FILE, "float_sha256") if precision == "float" else (INT8_FILE, "int8_sha256")
    return folder / name, manifest[key]


def _max_tokens(model_dir: Path) -> int:
    """sentence-transformers' own truncation length for the model (256 for MiniLM)."""
    try:
        config = json.loads((model_dir / "sentence_bert_config.json").read_text(encoding="utf-8"))
        return int(config.get("max_seq_length", MAX_TOKENS_FALLBACK))
    except (OSError, ValueError):
        return MAX_TOKENS_FALLBACK


class OnnxEncoder:
    """Texts -> normalised vectors with one ONNX Runtime session and the model's fast
    tokenizer, both safe to call from several threads at once (the tokenizer's padding and
    truncation are set once, here; encoding only reads them). One of each per process: a
    tokenizer per request thread cost about 8 MB each under load."""

    def __init__(self, model_path: Path, model_dir: Path, threads: int = 0) -> None:
        import onnxruntime
        from tokenizers import Tokenizer

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.log_severity_level = 3
        options.enable_cpu_mem_arena = False  # the arena keeps a large batch's peak for ever
        # Idle pool threads sleep instead of spinning: under load, spinning burnt the CPU that
        # other requests needed (same vectors; only the scheduling differs).
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self._session = onnxruntime.InferenceSession(
            str(model_path), options, providers=["CPUExecutionProvider"]
        )
        self._tokenizer: Any = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self._tokenizer.enable_truncation(_max_tokens(model_dir))
        self._tokenizer.enable_padding()

    def encode(self, texts: list[str]) -> Any:
        """An array (len(texts), dim) of unit vectors."""
        import numpy as np

        encodings = self._tokenizer.encode_batch(texts)
        feeds = {
            "input_ids": np.array([e.ids for e in encodings], dtype=np.int64),
            "attention_mask": np.array([e.attention_mask for e in encodings], dtype=np.int64),
            "token_type_ids": np.array([e.type_ids for e in encodings], dtype=np.int64),
        }
        return self._session.run(None, feeds)[0]
