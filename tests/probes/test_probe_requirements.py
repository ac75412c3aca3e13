"""Broken requirements as `pip check` finds them, compared with real pip on real environments."""

from __future__ import annotations

import subprocess
import sys
import venv
from pathlib import Path

import pytest

from envcheck import target
from envcheck.probes import packages, requirements


def _pip_check(python: str) -> set[str]:
    """Real `pip check` for another interpreter (pip --python runs pip against it)."""
    done = subprocess.run([sys.executable, "-m", "pip", "--python", python, "check"], capture_output=True, text=True, timeout=120)
    lines = {line.strip() for line in done.stdout.splitlines() if line.strip()}
    return set() if lines == {"No broken requirements found."} else lines


def _ours(python: str) -> set[str]:
    facts = target.resolve(python)
    installed = requirements.read_installed(packages.scan(facts.path))
    broken, problems = requirements.check(installed, requirements.marker_environment(facts.version, facts.platform))
    assert problems == []
    return {b.line() for b in broken}


def _dist(site: Path, name: str, version: str, requires: list[str]) -> None:
    info = site / f"{name.replace('-', '_')}-{version}.dist-info"
    info.mkdir()
    lines = ["Metadata-Version: 2.1", f"Name: {name}", f"Version: {version}", *(f"Requires-Dist: {r}" for r in requires)]
    (info / "METADATA").write_text("\n".join(lines) + "\n\nA long description: Requires-Dist: not-a-header\n")
    (info / "RECORD").write_text("")


@pytest.fixture(scope="module")
def broken_env(tmp_path_factory) -> str:
    """A venv whose distributions have a missing dependency, a version conflict, and requirements
    that must be ignored (another platform's marker, an extra that was not asked for)."""
    root = tmp_path_factory.mktemp("broken") / "venv"
    venv.EnvBuilder(with_pip=False).create(root)
    python = str(root / "bin" / "python")
    site = Path(target.resolve(python).path[-1])
    assert site.name == "site-packages"
    _dist(site, "course-tools", "1.0", [
        "numpy-that-is-not-here>=1",     # missing
        "helper<2",                      # conflicting: helper 2.5 is installed
        "helper[fast]>=1",               # satisfied
        'winonly>=1; sys_platform == "win32"',  # ignored on Linux
        'extra-dep; extra == "docs"',    # ignored: no extra asked for
        'OldPy; python_version < "3.8"',  # ignored on this Python
    ])
    _dist(site, "helper", "2.5", ["course-tools==0.9"])  # conflicting the other way
    _dist(site, "Pre.Release", "3.0rc1", [])
    _dist(site, "needs-pre", "1.0", ["pre-release>=3.0rc1"])  # satisfied: pip allows pre-releases here
    return python


def test_broken_requirements_match_real_pip_check(broken_env):
    expected = _pip_check(broken_env)
    assert expected == {
        "course-tools 1.0 requires numpy-that-is-not-here, which is not installed.",
        "course-tools 1.0 has requirement helper<2, but you have helper 2.5.",
        "helper 2.5 has requirement course-tools==0.9, but you have course-tools 1.0.",
    }
    assert _ours(broken_env) == expected


def test_a_healthy_environment_with_tensorflow_matches_real_pip_check():
    assert _ours(sys.executable) == _pip_check(sys.executable) == set()


def test_egg_info_requires_txt_sections_become_markers(tmp_path):
    info = tmp_path / "old.egg-info"
    info.mkdir()
    (info / "requires.txt").write_text("six>=1\n\n[docs]\nsphinx\n\n[:python_version < \"3\"]\nfutures\n")
    assert requirements._egg_requires(str(info)) == ["six>=1", 'sphinx; extra == "docs"', 'futures; (python_version < "3")']


def test_folded_metadata_headers_are_joined():
    headers = packages.parse_headers("Name: x\nRequires-Dist: a\nRequires-Dist: b (>=1,\n  <2)\n\nbody: no\n")
    assert headers["requires-dist"] == ["a", "b (>=1, <2)"] and "body" not in headers
