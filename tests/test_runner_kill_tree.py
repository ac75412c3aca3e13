"""A timed-out child is killed with everything it started, on POSIX and on the Windows route.

The Windows route (a new process group, then psutil's walk of the process table) runs here on Linux
with os_name="nt": the same code path a Windows machine takes, minus CREATE_NEW_PROCESS_GROUP.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

import psutil
import pytest

from envcheck import runner

# A child that starts a grandchild which leaves the child's session (setsid) and sleeps: only a
# walk of the process table finds it once the child is gone. The grandchild's pid goes to stdout.
_ESCAPING_TREE = (
    "import os, subprocess, sys, time\n"
    "kw = {'start_new_session': True} if os.name == 'posix' else {}\n"
    "g = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'], stdout=subprocess.DEVNULL, "
    "stderr=subprocess.DEVNULL, **kw)\n"
    "print(g.pid, flush=True)\n"
    "time.sleep(60)\n"
)


def _wait_gone(pid: int, seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if psutil.Process(pid).status() == psutil.STATUS_ZOMBIE:
                return True
        except psutil.NoSuchProcess:
            return True
        time.sleep(0.05)
    return False


@pytest.mark.parametrize("os_name", ["posix", "nt"])
def test_kill_tree_kills_a_grandchild_that_left_the_group(os_name):
    options = runner._new_group_options(os_name)
    assert ("start_new_session" in options) == (os_name == "posix")
    process = subprocess.Popen([sys.executable, "-c", _ESCAPING_TREE], stdout=subprocess.PIPE, **options)
    grandchild = int(process.stdout.readline())
    assert psutil.pid_exists(grandchild)
    runner.kill_tree(process, os_name=os_name)
    process.wait(timeout=10)
    process.stdout.close()
    assert _wait_gone(grandchild), f"grandchild {grandchild} outlived kill_tree({os_name!r})"


def test_a_timed_out_run_leaves_no_process_behind():
    started = time.monotonic()
    result = runner.run([sys.executable, "-c", _ESCAPING_TREE], timeout=1.5)
    assert result.status == runner.TIMED_OUT
    grandchild = int(result.stdout.split()[0])
    assert _wait_gone(grandchild)
    assert time.monotonic() - started < 30  # communicate() after the kill did not wait for the grandchild's 60 s


def test_kill_tree_of_a_child_already_gone_does_not_raise():
    process = subprocess.Popen([sys.executable, "-c", "pass"], **runner._new_group_options())
    process.wait(timeout=30)
    for os_name in ("posix", "nt"):
        runner.kill_tree(process, os_name=os_name)


def test_windows_crash_codes_read_as_the_signal_they_correspond_to():
    crashed = runner.CommandResult(("python.exe",), runner.SIGNALLED, 0xC000001D)
    assert crashed.signal_name == "SIGILL"
    assert "often a CPU without AVX" in crashed.describe()
    code = (
        "import sys; sys.exit(0xC0000005)"
        if os.name == "nt"
        else "import os, signal; os.kill(os.getpid(), signal.SIGSEGV)"
    )
    result = runner.run([sys.executable, "-c", code], timeout=30)
    assert result.status == runner.SIGNALLED and result.signal_name == "SIGSEGV"


def test_which_finds_windows_programs_by_pathext(tmp_path, monkeypatch):
    exe = tmp_path / "nvidia-smi.exe"
    exe.write_text("")
    exe.chmod(0o755)
    monkeypatch.setenv("PATHEXT", ".COM;.EXE;.BAT")
    assert runner.which("nvidia-smi", path=str(tmp_path), os_name="nt") == str(exe)
    assert runner.which("nvidia-smi", path=str(tmp_path), os_name="posix") is None
