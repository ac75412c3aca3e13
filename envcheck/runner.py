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

# How a crash shows on Windows: no signal, an NTSTATUS exit code. Named like the POSIX signal it
# corresponds to, so one rule (e.g. SIGILL: a CPU without AVX) serves both.
WINDOWS_CRASHES = {
    0xC0000005: "SIGSEGV",  # STATUS_ACCESS_VIOLATION
    0xC00000FD: "SIGSEGV",  # STATUS_STACK_OVERFLOW
    0xC000001D: "SIGILL",  # STATUS_ILLEGAL_INSTRUCTION
    0xC0000409: "SIGABRT",  # STATUS_STACK_BUFFER_OVERRUN (fail-fast, what abort paths end in)
}

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
        if self.returncode in WINDOWS_CRASHES:
            return WINDOWS_CRASHES[self.returncode]
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


def which(name: str, path: str | None = None, os_name: str = os.name) -> str | None:
    """The first executable file `name` in PATH (or `path`), else None; on Windows also name + PATHEXT.

    What shutil.which does; shutil itself imports bz2 and lzma (~5 ms) on the fast paths.
    """
    suffixes = [""]
    if os_name == "nt" and not os.path.splitext(name)[1]:
        suffixes = [ext.lower() for ext in os.environ.get("PATHEXT", ".COM;.EXE;.BAT;.CMD").split(";") if ext] + [""]
    for directory in (os.environ.get("PATH", os.defpath) if path is None else path).split(os.pathsep):
        for suffix in suffixes:
            candidate = os.path.join(directory or ".", name + suffix)
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

    The child gets its own session (POSIX) or process group (Windows) so a timeout kills it with
    everything it started.
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
            **_new_group_options(),
        )
    except FileNotFoundError as error:
        return CommandResult(argv, NOT_FOUND, error=error.strerror, timeout=timeout)
    except (PermissionError, OSError) as error:
        return CommandResult(argv, NOT_EXECUTABLE, error=error.strerror or str(error), timeout=timeout)
    try:
        out, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        kill_tree(process)
        out, err = process.communicate()
        return CommandResult(
            argv, TIMED_OUT, None, _text(out), _text(err), time.monotonic() - started, timeout
        )
    except BaseException:  # Ctrl-C while waiting: take the child down with us
        kill_tree(process)
        raise
    seconds = time.monotonic() - started
    try:
        stdout, stderr = out.decode("utf-8"), err.decode("utf-8", "replace")
    except UnicodeDecodeError:
        return CommandResult(argv, UNDECODABLE, process.returncode, "", _text(err), seconds, timeout)
    code = process.returncode
    status = OK if code == 0 else SIGNALLED if code < 0 or code in WINDOWS_CRASHES else EXITED
    return CommandResult(argv, status, code, stdout, stderr, seconds, timeout)


def _text(data: bytes | None) -> str:
    return (data or b"").decode("utf-8", "replace")


def _new_group_options(os_name: str = os.name) -> dict:
    """Popen options that put the child in a group of its own, which kill_tree() can take down whole.

    POSIX: a new session (also keeps the terminal's Ctrl-C for envcheck, which then kills the group).
    Windows: a new process group (Ctrl-C in the console is likewise not sent to it).
    """
    if os_name == "posix":
        return {"start_new_session": True}
    return {"creationflags": getattr(subprocess, "CREATE_NEW_PROCESS_GROUP", 0)}


def kill_tree(process: subprocess.Popen, os_name: str = os.name) -> None:
    """Kill a child and everything it started, on every platform; never raises for a child already gone.

    The descendants are listed first (psutil walks the process table on Linux, macOS and Windows): once
    the child dies its children are re-parented and can no longer be found from it. On POSIX the
    child's session is then killed at once (what start_new_session is for); elsewhere the child itself.
    """
    import psutil  # only when a child must be killed: never on the paths where children just answer

    try:
        descendants = psutil.Process(process.pid).children(recursive=True)
    except psutil.Error:
        descendants = []  # already gone, or not ours to read
    if os_name == "posix":
        _kill_group_posix(process)
    else:
        _kill(process)
    for child in descendants:
        try:
            child.kill()
        except psutil.Error:
            pass  # it exited with its parent


def _kill_group_posix(process: subprocess.Popen) -> None:
    """POSIX only: SIGKILL the child's whole session (it was started with start_new_session)."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        _kill(process)


def _kill(process: subprocess.Popen) -> None:
    try:
        process.kill()  # TerminateProcess on Windows, SIGKILL on POSIX
    except OSError:
        pass  # it exited between the timeout and the kill


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
