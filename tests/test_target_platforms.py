"""--python on Windows and macOS, simulated: venvs with Scripts\\python.exe, conda environments, paths with
backslashes and drive letters, and the py launcher's interpreters (`--python 3.11`)."""

from __future__ import annotations

import os
import sys

import pytest

from envcheck import runner, target
from envcheck.errors import UsageError
from envcheck.probes import cuda as cuda_probe


def _linked_python(path) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    os.symlink(sys.executable, path)
    return str(path)


def test_a_windows_venv_directory_means_its_scripts_python_exe(tmp_path):
    exe = _linked_python(tmp_path / "venv" / "Scripts" / "python.exe")
    assert target.find_executable(str(tmp_path / "venv"), platform="win32") == exe
    # and it is a working interpreter: ask() reads it as --python would
    assert target.ask(exe).version == tuple(sys.version_info[:3])


def test_a_windows_conda_environment_keeps_python_exe_at_its_top(tmp_path):
    exe = _linked_python(tmp_path / "envs" / "tf" / "python.exe")
    assert target.find_executable(str(tmp_path / "envs" / "tf"), platform="win32") == exe


def test_a_posix_venv_is_not_read_as_a_windows_one(tmp_path):
    _linked_python(tmp_path / "venv" / "bin" / "python")
    with pytest.raises(UsageError, match=r"not a virtual environment \(no Scripts\\python.exe inside\)"):
        target.find_executable(str(tmp_path / "venv"), platform="win32")
    assert target.find_executable(str(tmp_path / "venv"), platform="darwin").endswith(os.path.join("bin", "python"))


@pytest.mark.parametrize(
    "spec, win32, posix",
    [
        (r"C:\Users\kim\.venv\Scripts\python.exe", True, False),
        (r".venv\Scripts\python.exe", True, False),
        ("D:python.exe", True, False),
        ("C:/Python311/python.exe", True, True),
        ("python3.11", False, False),
        ("py", False, False),
    ],
)
def test_what_is_written_as_a_path_per_platform(spec, win32, posix):
    assert target.is_path(spec, "win32") is win32
    assert target.is_path(spec, "linux") is posix


def test_a_missing_windows_path_is_no_such_file_not_a_path_lookup():
    with pytest.raises(UsageError, match=r"no such file"):
        target.find_executable(r"C:\nowhere\python.exe", platform="win32")


def test_windows_has_no_execute_bit_to_check(tmp_path):
    exe = tmp_path / "python.exe"
    exe.write_text("")
    exe.chmod(0o644)
    assert target.find_executable(str(exe), platform="win32") == str(exe)
    with pytest.raises(UsageError, match="is not executable"):
        target.find_executable(str(exe), platform="linux")


# --- the py launcher ---------------------------------------------------------------------------


def _fake_py(tmp_path, body: str) -> str:
    """A `py` program: what the launcher does with `py -3.11 -c CODE`, played by a shell script."""
    py = tmp_path / "py"
    py.write_text("#!/bin/sh\n" + body)
    py.chmod(0o755)
    return str(py)


def test_a_version_on_windows_is_what_py_dash_version_runs(tmp_path):
    seen = tmp_path / "argv"
    py = _fake_py(tmp_path, f'echo "$1" > {seen}\nshift\nexec "{sys.executable}" "$@"\n')
    found = target.find_executable("3.11", platform="win32", which=lambda name, **kw: py if name == "py" else None)
    assert found == sys.executable
    assert seen.read_text().strip() == "-3.11"
    found = target.find_executable("py -3.12-64", platform="win32", which=lambda name, **kw: py)
    assert found == sys.executable and seen.read_text().strip() == "-3.12-64"


def test_py_without_that_version_is_one_line_with_its_words(tmp_path):
    py = _fake_py(tmp_path, 'echo "No suitable Python runtime found" >&2\nexit 103\n')
    with pytest.raises(UsageError) as raised:
        target.find_executable("3.9", platform="win32", which=lambda name, **kw: py)
    message = str(raised.value)
    assert "No suitable Python runtime found" in message and "py --list" in message and "\n" not in message


def test_no_py_launcher_says_where_python_comes_from():
    with pytest.raises(UsageError, match="py launcher is not installed.*python.org"):
        target.find_executable("3.11", platform="win32", which=lambda name, **kw: None)


def test_a_version_elsewhere_is_pythonX_Y_on_path(tmp_path):
    exe = _linked_python(tmp_path / "bin" / "python3.12")
    assert (
        target.find_executable(
            "3.12", platform="darwin", which=lambda name, **kw: exe if name == "python3.12" else None
        )
        == exe
    )
    with pytest.raises(UsageError, match="no python3.13 on PATH"):
        target.find_executable("3.13", platform="linux", which=lambda name, **kw: None)


def test_a_name_on_path_uses_pathext_on_windows(tmp_path, monkeypatch):
    exe = tmp_path / "python.exe"
    exe.write_text("")
    exe.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setenv("PATHEXT", ".COM;.EXE")
    assert target.find_executable("python", platform="win32") == str(exe)


def test_ldconfig_is_not_run_where_there_is_no_loader_cache():
    def must_not_run(argv, timeout):
        raise AssertionError(f"ran {argv}")

    for platform in ("win32", "darwin"):
        assert cuda_probe.ldconfig_libraries(run=must_not_run, platform=platform) == []
    ran = []
    cuda_probe.ldconfig_libraries(
        run=lambda argv, timeout: ran.append(argv) or runner.CommandResult(tuple(argv), runner.NOT_FOUND),
        platform="linux",
    )
    assert ran[0] == ["ldconfig", "-p"]


def test_a_venv_whose_python_is_gone_says_so_not_that_it_is_no_venv(tmp_path):
    """The Python a venv was made from was removed (pyenv uninstall, brew upgrade): bin/python dangles."""
    venv = tmp_path / "old-venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "pyvenv.cfg").write_text("home = /gone/bin\nversion = 3.10.4\n")
    os.symlink("/gone/bin/python3.10", venv / "bin" / "python")
    for spec in (str(venv), str(venv / "bin" / "python")):
        with pytest.raises(UsageError) as raised:
            target.find_executable(spec, "linux")
        message = str(raised.value)
        assert "not a virtual environment" not in message and "no such file" not in message, message
        assert "broken link to /gone/bin/python3.10" in message and f"python3 -m venv --clear {venv}" in message
