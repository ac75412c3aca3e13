"""Shared test helpers: run envcheck's commands as a user would, in a child process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

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


@pytest.fixture(scope="session")
def shared_fixtures() -> Path:
    """The captured host outputs; they live in the repository, so their absence is a failure, not a skip."""
    assert FIXTURES.is_dir(), f"captured host outputs missing from the repository: {FIXTURES}"
    return FIXTURES


# Skips CI accepts: the test needs hardware or privileges this machine may lack. Any other skip fails the
# run under ENVCHECK_STRICT_SKIPS=1 (set by .ci/run), so a test cannot quietly stop running.
ALLOWED_SKIP_WORDS = ("GPU", "root", "CUDA toolkit", "PYTHONNOUSERSITE", "loader cache")


def _unexpected_skips(reporter) -> list:
    found = []
    for report in reporter.stats.get("skipped", []) if reporter else []:
        reason = str(report.longrepr[-1]) if isinstance(report.longrepr, tuple) else str(report.longrepr)
        if not any(word in reason for word in ALLOWED_SKIP_WORDS):
            found.append(f"{report.nodeid}: {reason}")
    return found


def pytest_sessionfinish(session, exitstatus):
    if os.environ.get("ENVCHECK_STRICT_SKIPS") != "1":
        return
    unexpected = _unexpected_skips(session.config.pluginmanager.get_plugin("terminalreporter"))
    if unexpected:
        sys.stderr.write("skips not allowed in CI (ENVCHECK_STRICT_SKIPS=1):\n  " + "\n  ".join(unexpected) + "\n")
        if session.exitstatus == 0:
            session.exitstatus = 1
