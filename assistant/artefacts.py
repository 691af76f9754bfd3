"""Learned artefacts (a query adapter, classifiers): arrays and their metadata, stored so that
they are reproducible and auditable. An artefact is a folder under ``assistant/learned/`` with
``meta.json`` (what it was trained on: the training data's hash, the seed, library versions,
dev-split figures, the chosen operating point) and one ``.npy`` file per array (``np.save`` is
byte-for-byte deterministic, unlike a zip archive). Loading needs only NumPy, never the network.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from assistant.settings import PROJECT_ROOT

LEARNED_DIR = PROJECT_ROOT / "assistant" / "learned"


@dataclass(frozen=True)
class ArtefactInfo:
    """What a learned artefact was built from and how it was chosen."""

    name: str
    data_hash: str
    seed: int
    versions: dict[str, str] = field(default_factory=dict)
    params: dict[str, Any] = field(default_factory=dict)
    metrics: dict[str, Any] = field(default_factory=dict)

    @property
    def short_hash(self) -> str:
        return self.data_hash[:12]


def data_hash(texts: Iterable[str]) -> str:
    """One hash over the training texts, in order (what the receipt records)."""
    digest = hashlib.sha256()
    for text in texts:
        digest.update(text.encode("utf-8"))
        digest.update(b"\0")
    return digest.hexdigest()


def save_artefact(
    info: ArtefactInfo, arrays: dict[str, np.ndarray], root: Path = LEARNED_DIR
) -> Path:
    """Write ``root/<name>/meta.json`` and one ``.npy`` per array; returns the folder."""
    folder = root / info.name
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob("*.npy"):
        if stale.stem not in arrays:
            stale.unlink()
    for key, array in arrays.items():
        np.save(folder / f"{key}.npy", np.ascontiguousarray(array), allow_pickle=False)
    meta = asdict(info) | {"arrays": sorted(arrays)}
    (folder / "meta.json").write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n")
    return folder


def _read_meta(name: str, root: Path) -> dict[str, Any]:
    """``meta.json`` of an artefact; FileNotFoundError names what to run when it is missing."""
    meta_path = root / name / "meta.json"
    if not meta_path.exists():
        raise FileNotFoundError(
            f"Learned artefact {name!r} is missing ({meta_path}); build it with `assistant train`."
        )
    meta: dict[str, Any] = json.loads(meta_path.read_text())
    return meta


def read_info(name: str, root: Path = LEARNED_DIR) -> ArtefactInfo:
    """An artefact's metadata alone (what a receipt records), without its arrays."""
    meta = _read_meta(name, root)
    meta.pop("arrays", None)
    return ArtefactInfo(**meta)


def load_artefact(
    name: str, root: Path = LEARNED_DIR
) -> tuple[ArtefactInfo, dict[str, np.ndarray]]:
    """The artefact's metadata and arrays."""
    meta = _read_meta(name, root)
    folder = root / name
    arrays = {key: np.load(folder / f"{key}.npy", allow_pickle=False) for key in meta.pop("arrays")}
    return ArtefactInfo(**meta), arrays
