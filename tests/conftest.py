"""pytest fixtures and hooks; plain helpers live in helpers.py."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from helpers import FIXTURES


@pytest.fixture(scope="session", autouse=True)
def private_user_cache(tmp_path_factory):
    """Every test, and every envcheck it starts, keeps its interpreter cache in a folder of this run:
    never the user's own ~/.cache/envcheck."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("xdg-cache")))
        yield


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


@pytest.fixture(scope="session")
def summary_worlds(tmp_path_factory) -> dict:
    """label -> a real envcheck JSON file from one of summarize's test worlds (see summary_worlds.py)."""
    import summary_worlds as worlds  # only the summarize and fleet tests need these runs

    return worlds.make(tmp_path_factory.mktemp("worlds"))
