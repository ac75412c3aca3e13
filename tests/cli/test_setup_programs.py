"""scripts/*.py: the one stdlib-only implementation behind scripts/*.sh, which Windows runs with `py`.

End to end here (real pip, real doctor, run twice to prove a rerun changes nothing), and for win32 and
darwin by simulation (sys.platform set around an in-process dry run; the pure helpers take the platform).
"""

from __future__ import annotations

import importlib.util
import os
import site
import subprocess
import sys
import venv
from pathlib import Path

import pytest

from helpers import ROOT

SCRIPTS = ROOT / "scripts"


def _load(name: str):
    sys.path.insert(0, str(SCRIPTS))
    try:
        spec = importlib.util.spec_from_file_location(f"scripts_{name}", SCRIPTS / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path.remove(str(SCRIPTS))


setup_venv = _load("setup_venv")
common = sys.modules[setup_venv.Failure.__module__]  # the _common setup_venv itself uses


def _program(name: str, *args: str, cwd, env_extra=None, timeout=600):
    env = dict(os.environ)
    for key in ("NO_COLOR", "ENVCHECK", "VIRTUAL_ENV", "PYTHON"):
        env.pop(key, None)
    env.update(env_extra or {})
    return subprocess.run(
        [sys.executable, str(SCRIPTS / name), *args], capture_output=True, text=True, cwd=cwd, env=env, timeout=timeout
    )


def _venv_sharing_this_one(path: Path, with_pip: bool = False) -> Path:
    """A real venv (with pip) whose site-packages also sees this test venv's: envcheck and TensorFlow are
    'already satisfied' there, so pip runs for real without downloading anything."""
    venv.EnvBuilder(with_pip=with_pip).create(path)
    lib = next((path / "lib").glob("python3*/site-packages"))
    (lib / "share-test-venv.pth").write_text(
        "import site; " + "; ".join(f"site.addsitedir({p!r})" for p in site.getsitepackages()) + "\n"
    )
    return path


def test_setup_runs_end_to_end_and_a_rerun_changes_nothing(tmp_path):
    _venv_sharing_this_one(tmp_path / "v", with_pip=True)
    listing = sorted(p.name for p in next((tmp_path / "v" / "lib").glob("python3*/site-packages")).iterdir())
    runs = [
        _program("setup_venv.py", "--cpu", "--venv", "v", cwd=tmp_path, env_extra={"ENVCHECK_SOURCE": "envcheck"})
        for _ in range(2)
    ]
    for done in runs:
        assert done.returncode == 0, done.stderr[-3000:]
        assert "setup-venv: reusing the virtual environment in v" in done.stderr
        assert "v/bin/python -m pip install --quiet tensorflow\n" in done.stderr
        assert "done. Activate it with: source v/bin/activate" in done.stderr
        assert "[✓] Python" in done.stdout or "Python" in done.stdout  # doctor's report went to stdout
    after = sorted(p.name for p in next((tmp_path / "v" / "lib").glob("python3*/site-packages")).iterdir())
    assert [name for name in after if not name.startswith("pip")] == [
        name for name in listing if not name.startswith("pip")
    ]


def test_a_failing_step_stops_with_its_exit_status(tmp_path):
    _venv_sharing_this_one(tmp_path / "v", with_pip=True)
    done = _program(
        "setup_venv.py",
        "--cpu",
        "--venv",
        "v",
        cwd=tmp_path,
        env_extra={"ENVCHECK_SOURCE": str(tmp_path / "no-such-dir")},
    )
    assert done.returncode not in (0, 2)
    assert "setup-venv: error: this step failed with exit status" in done.stderr and "no-such-dir" in done.stderr
    assert "envcheck doctor" not in done.stderr.split("error:")[-1]


@pytest.mark.parametrize("flag, expected", [("--cpu", ["tensorflow"]), ("--gpu", ["tensorflow[and-cuda]"])])
def test_dry_run_of_the_python_program_matches_the_shell_one(tmp_path, flag, expected):
    py = _program("setup_venv.py", flag, "--dry-run", "--venv", "v", cwd=tmp_path)
    sh = subprocess.run(
        ["bash", str(SCRIPTS / "setup-venv.sh"), flag, "--dry-run", "--venv", "v"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={k: v for k, v in os.environ.items() if k != "PYTHON"} | {"PYTHON": sys.executable},
    )
    assert py.returncode == sh.returncode == 0
    assert py.stderr == sh.stderr  # the shell script is the same program
    assert f"install --quiet {' '.join(expected)}\n" in py.stderr and not (tmp_path / "v").exists()


@pytest.mark.parametrize(
    "platform, mode, expected",
    [
        ("linux", "gpu", ["tensorflow[and-cuda]"]),
        ("linux", "cpu", ["tensorflow"]),
        ("darwin", "gpu", ["tensorflow", "tensorflow-metal"]),
        ("darwin", "cpu", ["tensorflow"]),
        ("win32", "cpu", ["tensorflow"]),
    ],
)
def test_what_each_platform_installs(platform, mode, expected):
    assert setup_venv.tensorflow_requirements(mode, platform) == expected


def test_gpu_on_native_windows_is_bad_usage_pointing_to_wsl2():
    with pytest.raises(common.Failure) as raised:
        setup_venv.tensorflow_requirements("gpu", "win32")
    assert raised.value.code == 2 and "WSL2" in str(raised.value) and "Windows only" in str(raised.value)


def test_a_windows_dry_run_uses_scripts_python_exe_and_the_py_launcher(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "platform", "win32")
    status = setup_venv.main(["--cpu", "--dry-run", "--python", "3.12"])
    monkeypatch.undo()
    err = capsys.readouterr().err
    assert status == 0
    vpy = os.path.join(".venv", "Scripts", "python.exe")
    assert err.splitlines()[0] == "setup-venv: py -3.12 -m venv .venv"
    assert f"setup-venv: {vpy} -m pip install --quiet tensorflow" in err and f"{vpy} -m envcheck doctor" in err


def test_a_windows_gpu_request_stops_before_any_step(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "platform", "win32")
    status = common.main_wrapper("setup-venv", setup_venv.main, ["--gpu", "--dry-run"])
    monkeypatch.undo()
    err = capsys.readouterr().err
    assert status == 2 and len(err.strip().splitlines()) == 1 and "WSL2" in err


@pytest.mark.parametrize(
    "platform, venv_dir, python, hint",
    [
        ("win32", ".venv", os.path.join(".venv", "Scripts", "python.exe"), ".venv\\Scripts\\Activate.ps1"),
        ("darwin", ".venv", os.path.join(".venv", "bin", "python"), "source .venv/bin/activate"),
        ("linux", "env", os.path.join("env", "bin", "python"), "source env/bin/activate"),
    ],
)
def test_venv_paths_and_activation_per_platform(platform, venv_dir, python, hint):
    assert common.venv_python(venv_dir, platform) == python
    assert common.activate_hint(venv_dir, platform).startswith(hint)


def test_python_for_the_environment_per_platform(tmp_path):
    assert setup_venv.python_command("3.12", "win32") == ["py", "-3.12"]
    assert setup_venv.python_command(sys.executable, "linux") == [sys.executable]
    with pytest.raises(common.Failure, match="no 'python3.99' on PATH") as raised:
        setup_venv.python_command("3.99", "darwin")
    assert raised.value.code == 2  # an interpreter the user named that is not there: bad usage


def test_an_existing_venv_of_another_python_than_asked_for_is_not_silently_reused(tmp_path, monkeypatch, capsys):
    venv.EnvBuilder(with_pip=False).create(tmp_path / ".venv")  # this Python's version
    other = tmp_path / "python-other"
    other.write_text("#!/bin/sh\necho 2.7\n")  # answers the version question as another Python would
    other.chmod(0o755)
    monkeypatch.chdir(tmp_path)
    status = common.main_wrapper("setup-venv", setup_venv.main, ["--cpu", "--dry-run", "--python", str(other)])
    err = capsys.readouterr().err
    mine = "%d.%d" % sys.version_info[:2]
    assert status == 2 and len(err.strip().splitlines()) == 1, err
    assert f".venv has Python {mine}, not the 2.7 that --python {other} runs" in err and "--venv" in err
    # the same Python as the environment's: reused, as a rerun should be
    assert setup_venv.main(["--cpu", "--dry-run", "--python", sys.executable]) == 0
    assert "reusing the virtual environment in .venv" in capsys.readouterr().err


# --- precourse-check and ci-validate find the project's .venv without activation -----------------------


def test_envcheck_is_found_in_the_projects_venv_without_activation(tmp_path):
    _venv_sharing_this_one(tmp_path / ".venv")
    found = common.envcheck_command(environ={"PATH": "/usr/bin:/bin"}, cwd=str(tmp_path))
    assert found == [str(tmp_path / ".venv" / "bin" / "python"), "-m", "envcheck"]
    assert common.envcheck_command(environ={"ENVCHECK": "/ci/envcheck"}, cwd=str(tmp_path)) == ["/ci/envcheck"]
    windows = tmp_path / "win" / ".venv" / "Scripts"
    windows.mkdir(parents=True)
    (windows / "python.exe").write_text("")
    assert common.envcheck_command(environ={}, cwd=str(tmp_path / "win"), platform="win32")[0] == str(
        windows / "python.exe"
    )


def test_precourse_check_straight_after_setup_with_nothing_activated(tmp_path):
    _venv_sharing_this_one(tmp_path / ".venv")
    (tmp_path / "light.toml").write_text('[packages]\nnumpy = ">=1.26"\n')
    done = _program(
        "precourse_check.py", "light.toml", "--out", "handin", cwd=tmp_path, env_extra={"PATH": "/usr/bin:/bin"}
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "handin" / "envcheck-report.md").read_text().startswith("### envcheck report")
    assert "ready for the course" in done.stderr


def test_ci_validate_straight_after_setup_with_nothing_activated(tmp_path):
    _venv_sharing_this_one(tmp_path / ".venv")
    (tmp_path / "p.toml").write_text('[packages]\ntensorflow = "<2"\n')
    done = _program("ci_validate.py", "p.toml", "j.xml", cwd=tmp_path, env_extra={"PATH": "/usr/bin:/bin"})
    assert done.returncode == 1 and (tmp_path / "j.xml").is_file()
    assert "requirements of 'p.toml' are not met" in done.stderr


def test_no_envcheck_anywhere_is_one_line_and_exit_2(tmp_path):
    import shutil

    copy = tmp_path / "bare" / "scripts"  # a copy with no project .venv beside it, run by the base interpreter
    copy.mkdir(parents=True)
    for name in ("_common.py", "ci_validate.py"):
        shutil.copy(SCRIPTS / name, copy / name)
    base = getattr(sys, "_base_executable", None) or sys.executable
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    done = subprocess.run(
        [base, "-I", str(copy / "ci_validate.py"), "cpu-course"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=60,
    )
    assert done.returncode == 2, done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and "setup_venv.py" in done.stderr
