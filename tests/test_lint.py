"""The house's walls and style, checked rather than assumed: import-linter's contracts and ruff.

Both read their configuration from pyproject.toml. A new import that crosses a layer (diagnose
reading a probe, a renderer calling a check, one command importing another) or a style slip fails here.
"""

from __future__ import annotations

import os
import subprocess
import sys

from helpers import ROOT

BIN = os.path.dirname(sys.executable)  # the venv's scripts sit beside its interpreter


def _run(*argv: str) -> subprocess.CompletedProcess:
    return subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=300)


def test_import_contracts_hold():
    done = _run(os.path.join(BIN, "lint-imports"), "--no-cache")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout


def test_ruff_finds_nothing():
    done = _run(sys.executable, "-m", "ruff", "check", "--no-cache", "--output-format", "concise", ".")
    assert done.returncode == 0, done.stdout + done.stderr


def _local_imports_without_a_reason(path: str) -> list[str]:
    """Function-local imports whose block carries no comment saying why the import is local.

    A block is a run of consecutive import statements; its comment sits on its first line (after the
    code) or on the line above it.
    """
    import ast  # only this test parses the source
    import tokenize

    with tokenize.open(path) as stream:
        source = stream.read()
    lines = source.splitlines()
    commented = {n for n, line in enumerate(lines, 1) if "#" in line}  # rough, but strings with # are rare here
    missing = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        for block in _import_blocks(node.body):
            first = block[0].lineno
            if not ({first, first - 1} & commented):
                missing.append(f"{os.path.relpath(path, ROOT)}:{first}: {lines[first - 1].strip()}")
    return missing


def _import_blocks(body):
    import ast  # only this test parses the source

    blocks, current = [], []
    for statement in body:
        if isinstance(statement, (ast.Import, ast.ImportFrom)):
            current.append(statement)
            continue
        if current:
            blocks.append(current)
            current = []
        for child in (getattr(statement, field, None) for field in ("body", "orelse", "finalbody", "handlers")):
            if isinstance(child, list):
                blocks += _import_blocks(child)
    if current:
        blocks.append(current)
    return blocks


def test_every_function_local_import_says_why_it_is_local():
    missing = []
    for folder, _, files in os.walk(ROOT / "envcheck"):
        missing += [m for name in sorted(files) if name.endswith(".py")
                    for m in _local_imports_without_a_reason(os.path.join(folder, name))]
    assert not missing, "function-local imports need a short comment saying why:\n" + "\n".join(missing)
