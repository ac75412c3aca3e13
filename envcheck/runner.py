"""One helper runs every external program: list argv, an explicit timeout, a distinct status.

Nothing here raises for a program that is missing, hangs, crashes or prints garbage: those are
facts about the environment, returned as a status a probe can turn into a finding.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Mapping, Sequence  # not typing or pathlib: start-up cost on every command
from typing import NamedTuple  # not dataclasses: ~15 ms less start-up on the fast paths

OK = "ok"
NOT_FOUND = "not-found"  # no such program
NOT_EXECUTABLE = "not-executable"  # found but may not be run
TIMED_OUT = "timed-out"
SIGNALLED = "signalled"  # killed by a signal: SIGSEGV, SIGILL, SIGABRT ...
EXITED = "exited"  # non-zero exit status
UNDECODABLE = "undecodable"  # output is not text

INSIDE_DIR = os.path.join(os.path.dirname(__file__), "probes", "inside")


class CommandResult(NamedTuple):
    argv: tuple[str, ...]
    status: str
    returncode: int | None = None
    stdout: str = ""
    stderr: str = ""
    seconds: float = 0.0
    timeout: float | None = None
    error: str | None = None  # the OS error, for NOT_FOUND / NOT_EXECUTABLE

    @property
    def ok(self) -> bool:
        return self.status == OK

    @property
    def signal_name(self) -> str | None:
        if self.status != SIGNALLED or self.returncode is None:
            return None
        try:
            return signal.Signals(-self.returncode).name
        except ValueError:
            return f"signal {-self.returncode}"

    def describe(self) -> str:
        """What happened, in words, naming the program: for findings and error lines."""
        name = os.path.basename(self.argv[0]) if self.argv else "program"
        if self.status == OK:
            return f"{name} succeeded"
        if self.status == NOT_FOUND:
            return f"{name} was not found"
        if self.status == NOT_EXECUTABLE:
            return f"{name} could not be run ({self.error})"
        if self.status == TIMED_OUT:
            return f"{name} did not finish within {self.timeout:g} s and was stopped"
        if self.status == SIGNALLED:
            return f"{name} crashed ({self.signal_name}{_SIGNAL_HINTS.get(self.signal_name, '')})"
        if self.status == UNDECODABLE:
            return f"{name} printed output that is not text"
        last = last_line(self.stderr) or last_line(self.stdout)
        return f"{name} exited with status {self.returncode}" + (f": {last}" if last else "")


_SIGNAL_HINTS = {
    "SIGILL": ": illegal instruction, often a CPU without AVX",
    "SIGSEGV": ": segmentation fault",
    "SIGABRT": ": aborted",
    "SIGKILL": ": killed, often by the out-of-memory killer",
    "SIGBUS": ": bus error",
}


def which(name: str, path: str | None = None) -> str | None:
    """The first executable file `name` in PATH (or `path`), else None.

    What shutil.which does on POSIX; shutil itself imports bz2 and lzma (~5 ms) on the fast paths.
    """
    for directory in (os.environ.get("PATH", os.defpath) if path is None else path).split(os.pathsep):
        candidate = os.path.join(directory or ".", name)
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    return None


def last_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else ""


def run(
    argv: Sequence[str],
    timeout: float,
    env: Mapping[str, str] | None = None,
    cwd: str | None = None,
) -> CommandResult:
    """Run argv (never through a shell) and wait at most `timeout` seconds.

    The child gets its own session so a timeout kills it with everything it started.
    """
    argv = tuple(str(part) for part in argv)
    started = time.monotonic()
    try:
        process = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=dict(env) if env is not None else None,
            cwd=cwd,
            start_new_session=True,
        )
    except FileNotFoundError as error:
        return CommandResult(argv, NOT_FOUND, error=error.strerror, timeout=timeout)
    except (PermissionError, OSError) as error:
        return CommandResult(argv, NOT_EXECUTABLE, error=error.strerror or str(error), timeout=timeout)
    try:
        out, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(process)
        out, err = process.communicate()
        return CommandResult(
            argv, TIMED_OUT, None, _text(out), _text(err), time.monotonic() - started, timeout
        )
    except BaseException:  # Ctrl-C while waiting: take the child down with us
        _kill_group(process)
        raise
    seconds = time.monotonic() - started
    try:
        stdout, stderr = out.decode("utf-8"), err.decode("utf-8", "replace")
    except UnicodeDecodeError:
        return CommandResult(argv, UNDECODABLE, process.returncode, "", _text(err), seconds, timeout)
    code = process.returncode
    status = OK if code == 0 else SIGNALLED if code < 0 else EXITED
    return CommandResult(argv, status, code, stdout, stderr, seconds, timeout)


def _text(data: bytes | None) -> str:
    return (data or b"").decode("utf-8", "replace")


def _kill_group(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        process.kill()


class TargetResult(NamedTuple):
    """What a target-side script answered: its JSON object, or why there is none."""

    command: CommandResult
    data: dict | None
    problem: str | None  # set exactly when data is None

    @property
    def ok(self) -> bool:
        return self.data is not None


def run_target_script(
    python: str,
    script: str,
    args: Sequence[str] = (),
    timeout: float = 60.0,
    env: Mapping[str, str] | None = None,
) -> TargetResult:
    """Run envcheck/probes/inside/<script> with the target interpreter; read one JSON object.

    The script prints its answer as the last line of stdout. Anything else — a crash, a hang,
    an exit, a line that is not JSON — comes back as `problem`, in words.
    """
    result = run([python, os.path.join(INSIDE_DIR, script), *args], timeout=timeout, env=env)
    if result.status in (OK, EXITED):
        line = last_line(result.stdout)
        if line.startswith("{"):
            import json  # only once a child answered: not on the paths that run no target script

            try:
                return TargetResult(result, json.loads(line), None)
            except ValueError:
                pass  # falls through to the problem below
        if result.status == OK:
            return TargetResult(result, None, f"{script} printed no JSON answer")
    return TargetResult(result, None, result.describe())
