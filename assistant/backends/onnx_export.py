"""Export of the sentence-transformers model to ONNX, so that serving needs no torch.

The export runs offline from the model's own folder (the packaged weights), with pinned
settings, so the same weights and library versions give the same bytes. It is run in a child
process (``python -m assistant.backends.onnx_export``) by ``onnx_cache.ensure_export``: torch is
imported there, never in the process that serves. The graph includes the mean pooling and the
L2 normalisation of sentence-transformers, so it returns the finished sentence vectors.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
from pathlib import Path
from typing import Any

OPSET = 17
INPUTS = ("input_ids", "attention_mask", "token_type_ids")
FLOAT_FILE = "model.onnx"
INT8_FILE = "model-int8.onnx"
MANIFEST_FILE = "manifest.json"


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def source_hash(model_dir: Path) -> str:
    """One hash over the files that decide the vectors (weights, configuration, tokenizer)."""
    digest = hashlib.sha256()
    for path in sorted(p for p in model_dir.rglob("*") if p.is_file() and p.suffix != ".md"):
        digest.update(str(path.relative_to(model_dir)).encode())
        digest.update(sha256_file(path).encode())
    return digest.hexdigest()


def _export_float(model_dir: Path, target: Path) -> None:
    import torch
    from transformers import AutoModel

    torch.manual_seed(0)
    model = AutoModel.from_pretrained(str(model_dir), local_files_only=True).eval()

    class SentenceVectors(torch.nn.Module):
        """The transformer, then mean pooling over real tokens and L2 normalisation."""

        def __init__(self, encoder: Any) -> None:
            super().__init__()
            self.encoder = encoder

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            hidden = self.encoder(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(pooled, p=2.0, dim=1)

    sample = torch.ones(2, 8, dtype=torch.long)
    axes = {name: {0: "batch", 1: "tokens"} for name in INPUTS}
    with torch.no_grad():
        torch.onnx.export(
            SentenceVectors(model),
            (sample, sample, torch.zeros_like(sample)),
            str(target),
            input_names=list(INPUTS),
            output_names=["sentence_embedding"],
            dynamic_axes={**axes, "sentence_embedding": {0: "batch"}},
            opset_version=OPSET,
            dynamo=False,
        )


def _quantise(source: Path, target: Path) -> None:
    """Dynamic int8 weights, per output channel, matrix products only (the variant that kept
    the vectors nearest the float model's when measured)."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(
        str(source),
        str(target),
        weight_type=QuantType.QInt8,
        per_channel=True,
        op_types_to_quantize=["MatMul"],
    )


def export(model_dir: Path, out_dir: Path, int8: bool = False) -> dict[str, str]:
    """Write the float graph, with ``int8`` also the int8 one, and ``manifest.json`` (their
    hashes and the source's) into ``out_dir``; the manifest is written last, so a folder with
    one is complete. The int8 graph is made only when asked for: quantising took a third of
    the export (about 3 s of a first start) for a variant that is not the default."""
    out_dir.mkdir(parents=True, exist_ok=True)
    _export_float(model_dir, out_dir / FLOAT_FILE)
    if int8:
        _quantise(out_dir / FLOAT_FILE, out_dir / INT8_FILE)
    import onnx
    import torch

    manifest = {
        "source_hash": source_hash(model_dir),
        "float_sha256": sha256_file(out_dir / FLOAT_FILE),
        "opset": str(OPSET),
        "torch": torch.__version__,
        "onnx": onnx.__version__,
    }
    if int8:
        manifest["int8_sha256"] = sha256_file(out_dir / INT8_FILE)
    tmp = out_dir / (MANIFEST_FILE + ".tmp")
    tmp.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, out_dir / MANIFEST_FILE)
    return manifest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model-dir", type=Path, required=True)
    parser.add_argument("--out-dir", type=Path, required=True)
    parser.add_argument("--int8", action="store_true", help="Also write the int8 graph.")
    args = parser.parse_args()
    print(json.dumps(export(args.model_dir, args.out_dir, args.int8)))


if __name__ == "__main__":
    main()
