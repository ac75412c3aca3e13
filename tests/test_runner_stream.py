"""runner.stream: a child's stdout lines as they come, with run()'s deadline, kill and statuses, and a cap."""

from __future__ import annotations

import os
import sys
import time

import pytest

from envcheck import runner

PY = sys.executable


def test_lines_arrive_while_the_child_still_runs():
    code = "import sys, time\nfor i in range(3):\n    print(i, flush=True); time.sleep(0.2)\ntime.sleep(1)"
    with runner.stream([PY, "-c", code], timeout=30) as child:
        first = child.next_line()
        assert first == "0" and child.process.poll() is None  # read before the child ended
        assert [child.next_line(), child.next_line(), child.next_line(), child.next_line()] == ["1", "2", None, None]
        result = child.finish()
    assert (result.status, result.stdout) == (runner.OK, "0\n1\n2\n")


def test_a_line_that_does_not_come_in_time_stops_the_child_as_timed_out():
    with runner.stream([PY, "-c", "print('a', flush=True); import time; time.sleep(60)"], timeout=30) as child:
        assert child.next_line(5) == "a"
        started = time.monotonic()
        assert child.next_line(0.5) is None
        result = child.finish()
    assert time.monotonic() - started < 10
    assert result.status == runner.TIMED_OUT and result.timeout == 0.5 and "within 0.5 s" in result.describe()


def test_the_stream_s_own_deadline_kills_the_whole_group():
    code = ("import subprocess, sys, time; subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)']); "
            "time.sleep(60)")
    with runner.stream([PY, "-c", code], timeout=1) as child:
        assert child.next_line() is None
        result = child.finish()
    assert result.status == runner.TIMED_OUT and result.seconds < 10


def test_a_crash_is_a_status_and_the_lines_before_it_are_kept():
    code = "import os, signal; print('before', flush=True); os.kill(os.getpid(), signal.SIGSEGV)"
    with runner.stream([PY, "-c", code], timeout=30) as child:
        assert child.next_line() == "before" and child.next_line() is None
        result = child.finish()
    assert result.status == runner.SIGNALLED and result.signal_name == "SIGSEGV" and result.stdout == "before\n"


def test_a_missing_program_is_not_found_not_an_exception(tmp_path):
    with runner.stream([str(tmp_path / "nothing")], timeout=30) as child:
        assert child.next_line() is None
        assert child.finish().status == runner.NOT_FOUND


def test_stderr_markers_order_the_log_against_the_answers():
    code = ("import sys\nsys.stderr.write('log line\\n'); sys.stderr.flush()\nprint('answer', flush=True)\n"
            "sys.stderr.write('done-1\\n'); sys.stderr.flush()")
    with runner.stream([PY, "-c", code], timeout=30) as child:
        assert child.next_line() == "answer"
        assert child.wait_stderr("done-1\n", 5) and "log line" in child.stderr
        assert not child.wait_stderr("never", 0.2)
        child.finish()


def test_output_past_the_cap_is_dropped_without_blocking_the_child():
    code = "import sys; sys.stdout.write('x' * 3_000_000 + '\\nlast\\n'); sys.stderr.write('e' * 3_000_000)"
    with runner.stream([PY, "-c", code], timeout=30, max_output=100_000) as child:
        assert child.next_line() is None  # the one long line and what follows are past the cap
        result = child.finish()
    assert result.status == runner.OK and child.truncated and len(result.stderr) == 100_000


def test_leaving_the_block_early_takes_the_child_down():
    with pytest.raises(KeyboardInterrupt):
        with runner.stream([PY, "-c", "print(1, flush=True); import time; time.sleep(60)"],
                           timeout=60) as child:
            pid = child.process.pid
            raise KeyboardInterrupt
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_finish_with_a_limit_stops_a_child_that_lingers_after_its_answer():
    with runner.stream([PY, "-c", "print('answer', flush=True); import time; time.sleep(60)"], timeout=60) as child:
        assert child.next_line() == "answer"
        started = time.monotonic()
        result = child.finish(0.5)
    assert time.monotonic() - started < 10 and result.status == runner.TIMED_OUT and result.timeout == 0.5


def test_a_child_read_by_a_daemon_thread_does_not_outlive_envcheck(tmp_path):
    """Ctrl-C or an error ends envcheck while a daemon thread still reads a child: the child goes too."""
    script = tmp_path / "leave.py"
    script.write_text(
        "import sys, threading, time\n"
        "from envcheck import runner\n"
        "def read():\n"
        "    with runner.stream([sys.executable, '-c', 'import time; time.sleep(60)'], timeout=60) as child:\n"
        "        print(child.process.pid, flush=True)\n"
        "        child.next_line()\n"
        "threading.Thread(target=read, daemon=True).start()\n"
        "time.sleep(1)\n"
        "raise SystemExit(130)\n")
    import subprocess

    done = subprocess.run([PY, str(script)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 130, done.stderr
    pid = int(done.stdout)
    for _ in range(50):  # the kill is sent at exit; give init a moment to reap it
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    raise AssertionError(f"the child {pid} outlived envcheck")


def test_stop_all_takes_streamed_children_and_starts_no_more(tmp_path):
    """Ctrl-C: envcheck calls runner.stop_all(); a streamed child dies with the rest, a new one never starts."""
    script = tmp_path / "interrupt.py"
    script.write_text(
        "import sys, threading, time\n"
        "from envcheck import runner\n"
        "child = runner.stream([sys.executable, '-c', 'import time; time.sleep(60)'], timeout=60)\n"
        "time.sleep(0.5)\n"
        "runner.stop_all()\n"
        "first = child.finish()\n"
        "second = runner.stream([sys.executable, '-c', 'pass'], timeout=60).finish()\n"
        "print(first.status, first.seconds < 30, second.status)\n")
    import subprocess

    done = subprocess.run([PY, str(script)], capture_output=True, text=True, timeout=60)
    assert done.stdout.split() == [runner.SIGNALLED, "True", runner.INTERRUPTED], done.stderr
