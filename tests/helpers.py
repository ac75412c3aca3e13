"""Helpers shared by the tests: paths to the captured hosts, and running envcheck as a user would.

Import them as `from helpers import ...` (pytest puts tests/ on sys.path; see pyproject.toml).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Captured outputs of real machines (copied from the project's shared fixtures): test data of this repo.
FIXTURES = ROOT / "tests" / "fixtures" / "hosts"
H200 = FIXTURES / "h200-driver580-cuda13"
CPU_HOST = FIXTURES / "cpu-debian12-tf221-cuda13-toolkit-nodriver"


def run_cli(*args: str, env: dict | None = None, timeout: float = 600, cwd: str | None = None, stdin=None):
    """Run `python -m envcheck <args>` with this interpreter; returns the CompletedProcess (text)."""
    merged = dict(os.environ)
    merged.pop("NO_COLOR", None)
    if env:
        merged.update(env)
    return subprocess.run(
        [sys.executable, "-m", "envcheck", *args],
        capture_output=True,
        text=True,
        env=merged,
        timeout=timeout,
        cwd=cwd,
        stdin=stdin if stdin is not None else subprocess.DEVNULL,
    )


def assert_one_line_error(result, code: int = 2) -> None:
    """Bad input: the documented exit code, one line on stderr, never a traceback."""
    assert result.returncode == code, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr


# A stand-in `tensorflow` package (first on PYTHONPATH) that is the real TensorFlow with
# GradientTape.gradient poisoned: it imports and lists devices fine, then trains on NaN gradients.
NAN_GRADIENTS_TENSORFLOW = """
import os, sys
here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != here]
del sys.modules["tensorflow"]
import tensorflow as real

_gradient = real.GradientTape.gradient

def gradient(self, target, sources, *args, **kwargs):
    return [None if g is None else g * float("nan") for g in _gradient(self, target, sources, *args, **kwargs)]

real.GradientTape.gradient = gradient
sys.modules["tensorflow"] = real
"""


def run_on_terminal(argv: list[str], env: dict | None = None, cwd=None, timeout: float = 600):
    """Run argv with stdout on a pseudo-terminal (what a user sees: rich output) and stderr piped.

    Returns (exit code, the terminal's bytes, stderr's bytes). POSIX only (pty).
    """
    import pty  # POSIX only: the tests that need a terminal

    leader, follower = pty.openpty()
    process = subprocess.Popen(argv, stdout=follower, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, env=env,
                               cwd=cwd)
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the terminal closed: the command has finished writing
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    err = process.stderr.read()
    process.stderr.close()
    return process.wait(timeout=timeout), b"".join(chunks), err
