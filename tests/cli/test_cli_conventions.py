"""The contract every command keeps (DESIGN.md): exit codes, one-line errors, pipes, terminals, start-up."""

from __future__ import annotations

import os
import pty
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from envcheck.cli import COMMANDS

from helpers import ROOT, assert_one_line_error, run_cli

ANSI = re.compile(r"\x1b\[[0-9;]*m")
PACKAGE_COMMANDS = ("list-tf-packages", "count-packages")
# inspect no local environment: summarize reads other hosts' JSON, fleet's checks take --python on the nodes
NO_LOCAL_ENVIRONMENT = ("summarize", "fleet")


@pytest.mark.parametrize("command", list(COMMANDS))
def test_every_command_has_help_and_a_readme_section(command):
    result = run_cli(command, "--help")
    assert result.returncode == 0 and "usage:" in result.stdout
    assert ("--python" in result.stdout) != (command in NO_LOCAL_ENVIRONMENT)
    readme = (ROOT / "README.md").read_text()
    assert re.search(rf"^## (envcheck )?`?{re.escape(command)}`?", readme, re.MULTILINE), (
        f"README.md has no '## {command}' section"
    )


def test_envcheck_lists_its_commands_and_rejects_unknown_ones():
    overview = run_cli("--help")
    assert overview.returncode == 0 and all(name in overview.stdout for name in COMMANDS)
    assert_one_line_error(run_cli("no-such-command"))
    assert run_cli().returncode == 2


@pytest.mark.parametrize("command", PACKAGE_COMMANDS)
def test_unknown_option_is_one_line_exit_2(command):
    assert_one_line_error(run_cli(command, "--no-such-option"))


def test_empty_prefix_is_bad_usage():
    assert_one_line_error(run_cli("list-tf-packages", "--prefix", ""))


def _script(path: Path, body: str) -> Path:
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(0o755)
    return path


@pytest.mark.parametrize("command", PACKAGE_COMMANDS)
def test_bad_python_is_one_line_exit_2(command, tmp_path):
    not_executable = tmp_path / "python-not-executable"
    not_executable.write_text("")
    cases = {
        "missing file": str(tmp_path / "missing" / "python"),
        "a directory that is no venv": str(tmp_path),
        "not executable": str(not_executable),
        "not Python": str(_script(tmp_path / "echo-python", 'echo "hello"\n')),
        "a Python that crashes": str(_script(tmp_path / "segv-python", "kill -SEGV $$\n")),
        "a Python that fails": str(_script(tmp_path / "failing-python", 'echo "ImportError: boom" >&2; exit 1\n')),
        "a name not on PATH": "no-such-python-3.99",
    }
    for case, value in cases.items():
        result = run_cli(command, "--python", value)
        assert_one_line_error(result)
        assert "--python" in result.stderr, case
    assert "crashed (SIGSEGV" in run_cli(command, "--python", cases["a Python that crashes"]).stderr


def test_python_accepts_a_venv_directory_and_a_name_on_path(tmp_path):
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(tmp_path / "v")], check=True)
    assert run_cli("count-packages", "--python", str(tmp_path / "v")).stdout.strip() == "0"
    on_path = run_cli("count-packages", "--python", "python3")
    assert on_path.returncode == 0 and on_path.stdout.strip().isdigit()


@pytest.mark.parametrize("pipeline", ["count-packages | head -0", "list-tf-packages --prefix '' | head -1",
                                      "list-tf-packages --prefix a --prefix n --prefix p --format json | head -1"])
def test_closed_pipe_exits_quietly(pipeline):
    shell = pipeline.replace("count-packages", f"{sys.executable} -m envcheck count-packages").replace(
        "list-tf-packages", f"{sys.executable} -m envcheck list-tf-packages"
    )
    result = subprocess.run(["bash", "-c", f"{shell}; echo \"status=${{PIPESTATUS[0]}}\" >&2"],
                            capture_output=True, text=True)
    if "--prefix ''" in pipeline:
        assert "status=2" in result.stderr  # bad usage stays bad usage
        return
    assert "status=0" in result.stderr, result.stderr
    assert "Traceback" not in result.stderr and "Error" not in result.stderr


def test_ctrl_c_gives_130(tmp_path):
    slow = _script(tmp_path / "slow-python", "sleep 30\n")
    process = subprocess.Popen([sys.executable, "-m", "envcheck", "count-packages", "--python", str(slow)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(1.5)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=20)
    assert process.returncode == 130, err
    assert "Traceback" not in err


def _on_terminal(*args: str, env: dict | None = None) -> str:
    """Run a command with stdout on a pseudo-terminal; return what it printed there."""
    leader, follower = pty.openpty()
    environment = {**os.environ, "COLUMNS": "120", "TERM": "xterm-256color", **(env or {})}
    environment.pop("NO_COLOR", None) if "NO_COLOR" not in (env or {}) else None
    process = subprocess.Popen([sys.executable, "-m", "envcheck", *args], stdout=follower,
                               stderr=subprocess.PIPE, env=environment)
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    process.wait(timeout=60)
    os.close(leader)
    return b"".join(chunks).decode("utf-8", "replace")


def test_terminal_gets_a_table_and_no_color_is_honoured():
    coloured = _on_terminal("list-tf-packages")
    assert "tensorflow" in coloured and ("─" in coloured or "━" in coloured)
    assert ANSI.search(coloured)
    plain = _on_terminal("list-tf-packages", env={"NO_COLOR": "1"})
    assert "tensorflow" in plain and not ANSI.search(plain)
    verbose = _on_terminal("count-packages", "-v")
    assert "site-packages" in verbose


def test_piped_output_is_plain():
    result = run_cli("list-tf-packages")
    assert not ANSI.search(result.stdout) and "─" not in result.stdout
    assert all(len(line.split()) == 2 for line in result.stdout.splitlines())


HEAVY = ("rich", "packaging", "psutil", "importlib.metadata", "numpy", "pynvml", "tensorflow")


@pytest.mark.parametrize("command", PACKAGE_COMMANDS)
def test_fast_paths_import_no_heavy_module(command):
    result = subprocess.run([sys.executable, "-X", "importtime", "-m", "envcheck", command],
                            capture_output=True, text=True)
    imported = {line.rsplit("|", 1)[-1].strip() for line in result.stderr.splitlines() if "|" in line}
    assert result.returncode == 0
    assert not {name for name in imported if name.split(".")[0] in HEAVY or name in HEAVY}, sorted(imported)
