"""The package's shape, checked: the import-linter contracts (layers, vendors only in the
backends layer, no cycles) and the size limits that keep modules and functions readable."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

from assistant.settings import PROJECT_ROOT

PACKAGE = PROJECT_ROOT / "assistant"
MAX_MODULE_LINES = 300
MAX_FUNCTION_LINES = 60
# Exceptions, each with its reason. Empty: every module and function is within the limits.
MODULE_EXCEPTIONS: dict[str, str] = {}
FUNCTION_EXCEPTIONS: dict[str, str] = {}


def modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def test_import_contracts_hold() -> None:
    linter = shutil.which("lint-imports") or str(Path(sys.executable).parent / "lint-imports")
    result = subprocess.run(
        [linter, "--no-cache"], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_modules_stay_small() -> None:
    long = {
        str(path.relative_to(PROJECT_ROOT)): lines
        for path in modules()
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
    }
    assert set(long) <= set(MODULE_EXCEPTIONS), f"modules over {MAX_MODULE_LINES} lines: {long}"


def test_functions_stay_short() -> None:
    long: dict[str, int] = {}
    for path in modules():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                lines = (node.end_lineno or node.lineno) - node.lineno + 1
                if lines > MAX_FUNCTION_LINES:
                    long[f"{path.relative_to(PROJECT_ROOT)}:{node.name}"] = lines
    unexplained = set(long) - set(FUNCTION_EXCEPTIONS)
    assert not unexplained, f"functions over {MAX_FUNCTION_LINES} lines: {long}"


def test_the_product_never_imports_the_test_fakes() -> None:
    users = []
    for path in modules():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module == "assistant.testing":
                users.append(str(path.relative_to(PROJECT_ROOT)))
    assert not users
