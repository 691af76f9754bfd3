"""Prompts live in ``prompts/`` as files; this is the one place that reads them.

The prompt version recorded in every answer's receipt is a hash of all prompt files, so an
answer can be traced to the exact wording that shaped it.
"""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from assistant.answering.phrases import ComposedPhrases


@dataclass
class PromptLibrary:
    """Reads prompt files from one folder (text as is, ``.toml`` as tables)."""

    directory: Path

    def text(self, name: str) -> str:
        path = self.directory / name
        if not path.exists():
            raise FileNotFoundError(f"Prompt file {path} is missing.")
        return path.read_text(encoding="utf-8")

    def table(self, name: str) -> dict[str, Any]:
        return tomllib.loads(self.text(name))

    @cached_property
    def composed(self) -> ComposedPhrases:
        """Phrases used by the composed generator and the answer service."""
        return ComposedPhrases.model_validate(self.table("composed.toml"))

    @cached_property
    def version(self) -> str:
        digest = hashlib.sha256()
        for path in sorted(self.directory.glob("*")):
            if path.is_file():
                digest.update(path.name.encode())
                digest.update(path.read_bytes())
        return digest.hexdigest()[:12]
