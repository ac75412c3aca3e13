"""runner: a child that floods its output costs bounded memory; Ctrl-C leaves no child behind."""

from __future__ import annotations

import sys
import threading
import time

import pytest

from envcheck import runner

FLOOD = (
    "import sys\nline = b'x' * 99 + b'\\n'\nfor _ in range({n}): sys.stdout.buffer.write(line)\n"
    "sys.stdout.buffer.write(b'the end\\n')\n"
)


def test_a_flood_keeps_its_head_and_tail_and_says_it_was_cut():
    result = runner.run([sys.executable, "-c", FLOOD.format(n=300_000)], timeout=60)  # 30 MB
    assert result.status == runner.OK
    assert len(result.stdout) < runner.HEAD_BYTES + runner.TAIL_BYTES + 200
    marker = f"\n[envcheck: {result.cut} bytes of this output were cut here]\n"
    assert result.cut + len(result.stdout) - len(marker) == 300_000 * 100 + len("the end\n")  # nothing else lost
    assert result.stdout.startswith("x" * 99 + "\n")
    assert result.stdout.endswith("the end\n")
    assert f"[envcheck: {result.cut} bytes of this output were cut here]" in result.stdout
    lines = result.stdout.splitlines()  # cut at line boundaries: no half lines around the marker
    assert {len(line) for line in lines if not line.startswith("[envcheck")} <= {0, 99, 7}


def test_a_flood_on_stderr_is_cut_too_and_the_json_answer_on_stdout_survives():
    code = (
        "import sys, json\nfor _ in range(200_000): sys.stderr.write('W tensorflow noise ' * 5 + '\\n')\n"
        "print(json.dumps({'answer': 42}))\n"
    )
    result = runner.run([sys.executable, "-c", code], timeout=60)
    assert result.status == runner.OK and result.stdout == '{"answer": 42}\n'
    assert result.cut > 0 and "bytes of this output were cut here" in result.stderr


def test_small_output_is_untouched():
    result = runner.run([sys.executable, "-c", "print('héllo ✓')"], timeout=30)
    assert (result.status, result.stdout, result.cut) == (runner.OK, "héllo ✓\n", 0)


def test_a_cut_inside_one_long_line_of_utf8_keeps_whole_characters():
    code = "import sys\nsys.stdout.write('가' * 3_000_000)\n"  # 9 MB, no newline, 3-byte characters
    result = runner.run([sys.executable, "-c", code], timeout=60)
    assert result.status == runner.OK  # still valid UTF-8 on both sides of the cut
    head, _, tail = result.stdout.partition("\n[envcheck:")
    assert set(head) == {"가"} and set(tail.split("\n", 1)[1]) == {"가"}


def test_stop_all_kills_running_children_and_starts_no_more(monkeypatch):
    monkeypatch.setattr(runner, "_stopping", False)  # restored after the test: other tests run children
    results = []
    worker = threading.Thread(target=lambda: results.append(runner.run(["sleep", "60"], timeout=120)))
    worker.start()
    for _ in range(100):
        if runner._live:
            break
        time.sleep(0.05)
    started = time.monotonic()
    runner.stop_all()
    worker.join(10)
    assert not worker.is_alive() and time.monotonic() - started < 10
    assert results[0].status == runner.SIGNALLED and results[0].signal_name == "SIGKILL"
    later = runner.run(["sleep", "60"], timeout=120)
    assert later.status == runner.INTERRUPTED and "interrupted" in later.describe()
    assert not runner._live


@pytest.mark.parametrize("timeout", [1e300, float("inf")])
def test_a_timeout_too_large_for_the_platforms_clock_means_no_limit_not_a_crash(timeout):
    """`--timeout 1e300` (or inf) overflowed the thread waits (OverflowError: exit 3): it is simply no limit."""
    done = runner.run([sys.executable, "-c", "print('answer')"], timeout=timeout)
    assert done.status == runner.OK and done.stdout.strip() == "answer"
    with runner.stream([sys.executable, "-c", "print('line')"], timeout=timeout) as child:
        assert child.next_line().strip() == "line"
        assert child.finish().status == runner.OK
