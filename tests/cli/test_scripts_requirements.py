"""scripts/ci-validate.sh and precourse-check.sh take a requirements file as readily as a profile."""

from __future__ import annotations

import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

from helpers import ROOT

BIN = Path(sys.executable).parent


def _script(name: str, *args: str, cwd):
    env = dict(os.environ, ENVCHECK=str(BIN / "envcheck"))
    return subprocess.run(
        ["bash", str(ROOT / "scripts" / name), *args], capture_output=True, text=True, cwd=cwd, env=env, timeout=300
    )


def test_ci_validate_takes_a_requirements_file_and_a_pyproject(tmp_path):
    (tmp_path / "requirements.txt").write_text('tensorflow[and-cuda]>=2.16\npywin32; sys_platform == "win32"\n')
    done = _script("ci-validate.sh", "requirements.txt", "junit.xml", cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    assert done.stdout.startswith("FAIL  requirements.txt:1 tensorflow[and-cuda]>=2.16")
    suite = ET.parse(tmp_path / "junit.xml").getroot().find("testsuite")
    assert (suite.get("tests"), suite.get("failures"), suite.get("skipped")) == ("2", "1", "1")
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "c"\nversion = "1"\ndependencies = ["tensorflow>=2.16"]\n'
    )
    done = _script("ci-validate.sh", "pyproject.toml", cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "all requirements of 'pyproject.toml' are met" in done.stderr
    (tmp_path / "bad.txt").write_text("tensorflow=>2\n")
    done = _script("ci-validate.sh", "bad.txt", cwd=tmp_path)
    assert done.returncode == 2 and "bad.txt:1: not a valid requirement" in done.stderr


def test_precourse_check_takes_a_requirements_file(tmp_path):
    (tmp_path / "requirements.txt").write_text("numpy>=1.26\n")
    done = _script("precourse-check.sh", "requirements.txt", "--out", "handin", cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith("PASS  requirements.txt:1 numpy>=1.26")
    assert (tmp_path / "handin" / "envcheck-report.md").is_file()
