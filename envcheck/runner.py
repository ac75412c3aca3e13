"""One helper runs every external program: list argv, an explicit timeout, a distinct status.

Nothing here raises for a program that is missing, hangs, crashes or prints garbage: those are
facts about the environment, returned as a status a probe can turn into a finding.
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading  # subprocess imports it anyway: no start-up cost
import time
from collections.abc import Mapping, Sequence  # not typing or pathlib: start-up cost on every command
from typing import NamedTuple  # not dataclasses: ~15 ms less start-up on the fast paths

from envcheck.i18n import N_, _
from envcheck.i18n import gettext as translate

OK = "ok"
NOT_FOUND = "not-found"  # no such program
NOT_EXECUTABLE = "not-executable"  # found but may not be run
TIMED_OUT = "timed-out"
SIGNALLED = "signalled"  # killed by a signal: SIGSEGV, SIGILL, SIGABRT ...
EXITED = "exited"  # non-zero exit status
UNDECODABLE = "undecodable"  # output is not text
INTERRUPTED = "interrupted"  # not started, or stopped, because envcheck itself was interrupted (Ctrl-C)

# What is kept of each output stream of a child: its head and its tail, so a child that floods
# (an nvidia-smi printing 200 MB) costs at most this much memory; the cut is marked in the text.
HEAD_BYTES = 4 * 1024 * 1024
TAIL_BYTES = 1024 * 1024

# How a crash shows on Windows: no signal, an NTSTATUS exit code. Named like the POSIX signal it
# corresponds to, so one rule (e.g. SIGILL: a CPU without AVX) serves both.
WINDOWS_CRASHES = {
    0xC0000005: "SIGSEGV",  # STATUS_ACCESS_VIOLATION
    0xC00000FD: "SIGSEGV",  # STATUS_STACK_OVERFLOW
    0xC000001D: "SIGILL",  # STATUS_ILLEGAL_INSTRUCTION
    0xC0000409: "SIGABRT",  # STATUS_STACK_BUFFER_OVERRUN (fail-fast, what abort paths end in)
}

# The longest wait the platform's thread locks accept (threading.TIMEOUT_MAX: about 49 days on Windows,
# 292 years elsewhere), halved for the deadline arithmetic: a longer --timeout (1e300, inf) means no limit.
LONGEST_WAIT = threading.TIMEOUT_MAX / 2
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
    cut: int = 0  # bytes of output dropped from the middle (stdout and stderr together): the child flooded

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
        # the name comes first in every language: checks/smoke.py cuts it off
        name = os.path.basename(self.argv[0]) if self.argv else "program"
        if self.status == OK:
            return _("{name} succeeded").format(name=name)
        if self.status == NOT_FOUND:
            return _("{name} was not found").format(name=name)
        if self.status == NOT_EXECUTABLE:
            return _("{name} could not be run ({error})").format(name=name, error=self.error)
        if self.status == TIMED_OUT:
            return _("{name} did not finish within {seconds} s and was stopped").format(
                name=name, seconds=f"{self.timeout:g}")
        if self.status == SIGNALLED:
            hint = _SIGNAL_HINTS.get(self.signal_name)
            return _("{name} crashed ({signal}{hint})").format(
                name=name, signal=self.signal_name, hint=": " + translate(hint) if hint else "")
        if self.status == UNDECODABLE:
            return _("{name} printed output that is not text").format(name=name)
        if self.status == INTERRUPTED:
            return _("{name} was stopped because envcheck was interrupted").format(name=name)
        last = last_line(self.stderr) or last_line(self.stdout)
        if last:
            return _("{name} exited with status {code}: {last}").format(name=name, code=self.returncode, last=last)
        return _("{name} exited with status {code}").format(name=name, code=self.returncode)


_SIGNAL_HINTS = {
    "SIGILL": N_("illegal instruction, often a CPU without AVX"),
    "SIGSEGV": N_("segmentation fault"),
    "SIGABRT": N_("aborted"),
    "SIGKILL": N_("killed, often by the out-of-memory killer"),
    "SIGBUS": N_("bus error"),
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
    timeout = min(timeout, LONGEST_WAIT)
    if not _starting():
        return CommandResult(argv, INTERRUPTED, timeout=timeout)
    process = None
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
    finally:
        tracked = _started(process)
    if not tracked:
        return CommandResult(argv, INTERRUPTED, timeout=timeout)
    try:
        timed_out, out, err, cut = _communicate(process, timeout)
    except BaseException:  # Ctrl-C while waiting: take the child down with us
        kill_tree(process)
        raise
    finally:
        _untrack(process)
    seconds = time.monotonic() - started
    if timed_out:
        return CommandResult(argv, TIMED_OUT, None, _text(out), _text(err), seconds, timeout, cut=cut)
    try:
        stdout, stderr = out.decode("utf-8"), err.decode("utf-8", "replace")
    except UnicodeDecodeError:
        return CommandResult(argv, UNDECODABLE, process.returncode, "", _text(err), seconds, timeout, cut=cut)
    code = process.returncode
    status = OK if code == 0 else SIGNALLED if code < 0 or code in WINDOWS_CRASHES else EXITED
    return CommandResult(argv, status, code, stdout, stderr, seconds, timeout, cut=cut)


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


# ------------------------------------------------------------------ reading a child's output, capped

def _communicate(process: subprocess.Popen, timeout: float) -> tuple[bool, bytes, bytes, int]:
    """Wait for `process` at most `timeout` s while reading both pipes, keeping at most a head and a tail
    of each. Returns (timed out, stdout, stderr, bytes cut). A timed-out child is killed with its group."""
    readers = [_CappedReader(process.stdout), _CappedReader(process.stderr)]
    deadline = time.monotonic() + timeout
    timed_out = False
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
        kill_tree(process)
    for reader in readers:  # EOF comes once every process holding the pipes has gone
        reader.join(max(0.0, deadline - time.monotonic()) if not timed_out else 5.0)
    if any(reader.is_alive() for reader in readers):  # something it started still holds the pipes
        kill_tree(process)
        for reader in readers:
            reader.join(5.0)
    process.wait()
    (out, out_cut), (err, err_cut) = (reader.result() for reader in readers)
    return timed_out, out, err, out_cut + err_cut


class _CappedReader(threading.Thread):
    """Reads one pipe to its end, keeping the first HEAD_BYTES and the last TAIL_BYTES."""

    def __init__(self, pipe) -> None:
        super().__init__(daemon=True, name="envcheck-runner-reader")
        self.pipe = pipe
        self.head = bytearray()
        self.tail = bytearray()
        self.cut = 0
        self.start()

    def run(self) -> None:
        try:
            while True:
                chunk = self.pipe.read1(65536)
                if not chunk:
                    break
                room = HEAD_BYTES - len(self.head)
                if room > 0:
                    self.head += chunk[:room]
                    chunk = chunk[room:]
                self.tail += chunk
                if len(self.tail) > 2 * TAIL_BYTES:  # trim now and then, not on every chunk
                    self.cut += len(self.tail) - TAIL_BYTES
                    del self.tail[:-TAIL_BYTES]
        except (OSError, ValueError):
            pass  # the pipe was closed under us (the child was killed): keep what was read
        finally:
            self.pipe.close()

    def result(self) -> tuple[bytes, int]:
        """The output, with a marked cut (at line and character boundaries) when the middle was dropped."""
        if len(self.tail) > TAIL_BYTES:
            self.cut += len(self.tail) - TAIL_BYTES
            del self.tail[:-TAIL_BYTES]
        if not self.cut:
            return bytes(self.head + self.tail), 0
        head, tail = bytes(self.head), bytes(self.tail)
        newline = head.rfind(b"\n")
        head = head[: newline + 1] if newline >= 0 else _whole_utf8(head)
        newline = tail.find(b"\n")
        tail = tail[newline + 1:] if newline >= 0 else tail.lstrip(bytes(range(0x80, 0xC0)))
        cut = self.cut + (len(self.head) - len(head)) + (len(self.tail) - len(tail))
        marker = f"\n[envcheck: {cut} bytes of this output were cut here]\n".encode()
        return head + marker + tail, cut


def _whole_utf8(data: bytes) -> bytes:
    """`data` without a UTF-8 character cut in two at its end."""
    for back in range(1, min(4, len(data)) + 1):
        byte = data[-back]
        if byte < 0x80:
            return data
        if byte >= 0xC0:  # a lead byte: keep it only if its whole sequence is there
            need = 2 if byte < 0xE0 else 3 if byte < 0xF0 else 4
            return data if back >= need else data[:-back]
    return data


# ------------------------------------------------------------------ Ctrl-C: no child left behind

_live: set[subprocess.Popen] = set()
_state = threading.Condition()  # guards _live, _launching and _stopping
_launching = 0  # threads between "may I start a child?" and having it in _live
_stopping = False


def _starting() -> bool:
    """Called before starting a child: False once envcheck is stopping (start nothing more)."""
    global _launching
    with _state:
        if _stopping:
            return False
        _launching += 1
        return True


def _started(process: subprocess.Popen | None) -> bool:
    """Called after starting (or failing to start) a child: remember it, or kill it at once when envcheck
    began stopping meanwhile. The kill happens under the lock, so stop_all() returns only after it."""
    global _launching
    with _state:
        _launching -= 1
        _state.notify_all()
        if process is None:
            return False
        if not _stopping:
            _live.add(process)
            return True
        kill_tree(process)
    process.wait()
    return False


def _untrack(process: subprocess.Popen) -> None:
    with _state:
        _live.discard(process)


def stop_all(grace: float = 5.0) -> None:
    """Kill every child still running (with what it started) and start no more: envcheck was interrupted.

    Other threads may be waiting on those children (doctor runs its checks concurrently); they get
    their answers at once. A thread that is starting a child right now is waited for (at most `grace`
    seconds), so no child starts after this returns and the process can exit with nothing left behind.
    """
    global _stopping
    with _state:
        _stopping = True
        _state.wait_for(lambda: _launching == 0, timeout=grace)
        running = list(_live)
    for process in running:
        kill_tree(process)
    for process in running:  # SIGKILL is asynchronous: return once they are gone, not merely signalled
        try:
            process.wait(grace)
        except subprocess.TimeoutExpired:
            pass  # stuck in the kernel (uninterruptible I/O): nothing more a signal can do


def kill_all_now() -> None:
    """Kill every tracked child tree without taking the lock: for the Ctrl-C watchdog, whose main thread
    may be stuck holding it. A set changing while it is copied is retried; a child already gone is skipped."""
    for _attempt in range(3):
        try:
            running = list(_live)
            break
        except RuntimeError:  # "Set changed size during iteration": another thread was adding one
            continue
    else:
        running = []
    for process in running:
        kill_tree(process)


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
            return TargetResult(result, None, _("{script} printed no JSON answer").format(script=script))
    return TargetResult(result, None, result.describe())


# ---------------------------------------------------------------- a child read while it runs

MAX_OUTPUT = HEAD_BYTES  # per stream: past it a child's output is read and dropped, so it never blocks
_exit_hook = []  # stop_all registered with atexit once a child is streamed (see Stream)


class Stream:
    """A child whose stdout lines are handed over as they come (see `stream`).

    The same discipline as `run`: list argv, its own session or process group (kill_tree takes
    everything it started), a deadline, statuses not exceptions, tracked for stop_all (Ctrl-C: nothing
    left behind). A stream is often read by a daemon thread, which dies with envcheck without leaving
    its `with` block: stop_all also runs at exit once a child has been streamed. And a cap: past
    `max_output` bytes on a stream the rest is read and dropped (the child never blocks on a full pipe;
    `truncated` says so, the result's `cut` counts the bytes).
    """

    def __init__(self, argv: Sequence[str], timeout: float, env: Mapping[str, str] | None = None,
                 cwd: str | None = None, max_output: int = MAX_OUTPUT) -> None:
        import queue  # only where a child is streamed

        self.argv = tuple(str(part) for part in argv)
        self.timeout = timeout = min(timeout, LONGEST_WAIT)
        self.max_output = max_output
        self.started = time.monotonic()
        self.deadline = self.started + timeout
        self.truncated = False
        self._lines: queue.Queue = queue.Queue()
        self._stdout: list[str] = []
        self._stderr = bytearray()
        self._stderr_changed = threading.Condition()
        self._killed_at: float | None = None  # the limit that was passed, when this side stopped the child
        self._result: CommandResult | None = None
        self._error: CommandResult | None = None
        self._undecodable = False
        self._stderr_closed = False
        self._eof = False
        self._cut = 0
        self.process: subprocess.Popen | None = None
        if not _exit_hook:
            import atexit  # once, with the first streamed child

            _exit_hook.append(atexit.register(stop_all))
        if not _starting():
            self._error = CommandResult(self.argv, INTERRUPTED, timeout=timeout)
        else:
            try:
                self.process = subprocess.Popen(
                    self.argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                    env=dict(env) if env is not None else None, cwd=cwd, **_new_group_options())
            except FileNotFoundError as error:
                self._error = CommandResult(self.argv, NOT_FOUND, error=error.strerror, timeout=timeout)
            except OSError as error:
                self._error = CommandResult(self.argv, NOT_EXECUTABLE, error=error.strerror or str(error),
                                            timeout=timeout)
            finally:
                if not _started(self.process) and self.process is not None:  # stop_all began meanwhile
                    self._error = CommandResult(self.argv, INTERRUPTED, timeout=timeout)
                    self.process = None
        if self.process is None:
            self._lines.put(None)
            return
        self._readers = [threading.Thread(target=self._read_stdout, daemon=True),
                         threading.Thread(target=self._read_stderr, daemon=True)]
        for reader in self._readers:
            reader.start()

    def _read_stdout(self) -> None:
        size = 0
        for raw in iter(lambda: self.process.stdout.readline(self.max_output + 1), b""):  # bounded, even without "\n"
            size += len(raw)
            if size > self.max_output:
                self.truncated = True
                self._cut += len(raw)
                continue  # drained, not kept
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError:
                self._undecodable = True
                line = raw.decode("utf-8", "replace")
            self._stdout.append(line)
            self._lines.put(line.rstrip("\r\n"))
        self._lines.put(None)

    def _read_stderr(self) -> None:
        for chunk in iter(lambda: self.process.stderr.read1(65536), b""):
            with self._stderr_changed:
                room = self.max_output - len(self._stderr)
                if len(chunk) > room:
                    self.truncated = True
                    self._cut += len(chunk) - max(0, room)
                self._stderr += chunk[:max(0, room)]
                self._stderr_changed.notify_all()
        with self._stderr_changed:
            self._stderr_closed = True
            self._stderr_changed.notify_all()

    def next_line(self, limit: float | None = None) -> str | None:
        """The next line of stdout (without its newline); None at the end of stdout, or once `limit`
        seconds (or the stream's own deadline) pass first — then the child is stopped."""
        import queue  # only where a child is streamed

        if self._eof:
            return None
        now = time.monotonic()
        until = self.deadline if limit is None else min(self.deadline, now + limit)
        try:
            line = self._lines.get(timeout=max(0.0, until - now))
        except queue.Empty:
            self.kill(limit if limit is not None and now + limit < self.deadline else self.timeout)
            return None
        self._eof = line is None
        return line

    def wait_stderr(self, marker: str, limit: float) -> bool:
        """Wait (at most `limit` s) until `marker` has been written to stderr; False if it never was.

        A child writes a marker after its answer, so everything it logged before is read by then.
        """
        needle = marker.encode()
        until = time.monotonic() + limit
        with self._stderr_changed:
            while needle not in self._stderr:
                left = until - time.monotonic()
                if self._stderr_closed or left <= 0:
                    return False
                self._stderr_changed.wait(left)
        return True

    @property
    def stderr(self) -> str:
        with self._stderr_changed:
            return bytes(self._stderr).decode("utf-8", "replace")

    def kill(self, limit: float | None = None) -> None:
        """Stop the child and all it started; `limit`: the time limit it ran past (its status becomes timed-out)."""
        if self.process is None or self.process.poll() is not None:
            return
        if self._killed_at is None:
            self._killed_at = self.timeout if limit is None else limit
        kill_tree(self.process)

    def finish(self, limit: float | None = None) -> CommandResult:
        """Wait for the child to end (stopping it at the deadline, or after `limit` more seconds) and
        read what is left: its CommandResult."""
        if self._error is not None:
            return self._error
        if self._result is not None:
            return self._result
        wait = max(0.0, self.deadline - time.monotonic())
        try:
            self.process.wait(timeout=wait if limit is None else min(wait, limit))
        except subprocess.TimeoutExpired:
            self.kill(self.timeout if limit is None or wait <= limit else limit)
            self.process.wait()
        for reader in self._readers:
            reader.join()
        _untrack(self.process)
        seconds = time.monotonic() - self.started
        code = self.process.returncode
        stdout, stderr = "".join(self._stdout), self.stderr
        if self._killed_at is not None:
            self._result = CommandResult(self.argv, TIMED_OUT, None, stdout, stderr, seconds, self._killed_at,
                                         cut=self._cut)
        elif self._undecodable:
            self._result = CommandResult(self.argv, UNDECODABLE, code, "", stderr, seconds, self.timeout, cut=self._cut)
        else:
            status = OK if code == 0 else SIGNALLED if code < 0 or code in WINDOWS_CRASHES else EXITED
            self._result = CommandResult(self.argv, status, code, stdout, stderr, seconds, self.timeout, cut=self._cut)
        return self._result

    def __enter__(self) -> "Stream":
        return self

    def __exit__(self, *exc_info) -> None:
        if self.process is None:
            return
        self.kill()  # still running on the way out (an exception or Ctrl-C here): take it down
        self.process.wait()
        _untrack(self.process)
        for reader in self._readers:
            reader.join(5.0)  # the pipes reach their end once the process group is gone
        for pipe in (self.process.stdout, self.process.stderr):
            pipe.close()


def stream(argv: Sequence[str], timeout: float, env: Mapping[str, str] | None = None, cwd: str | None = None,
           max_output: int = MAX_OUTPUT) -> Stream:
    """Start argv and read its stdout line by line while it runs; use as a context manager:

        with runner.stream([python, script], timeout=90) as child:
            while (line := child.next_line(limit=30)) is not None: ...
            result = child.finish()
    """
    return Stream(argv, timeout, env, cwd, max_output)


def stream_target_script(python: str, script: str, args: Sequence[str] = (), timeout: float = 60.0,
                         env: Mapping[str, str] | None = None) -> Stream:
    """stream() for envcheck/probes/inside/<script> run by the target interpreter."""
    return stream([python, os.path.join(INSIDE_DIR, script), *args], timeout=timeout, env=env)
