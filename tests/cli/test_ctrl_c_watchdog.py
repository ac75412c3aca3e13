"""Ctrl-C never turns into a hang: when KeyboardInterrupt cannot end what envcheck is waiting on (a library
that swallows it, a wait stuck at exit), the watchdog armed by Ctrl-C kills the children and exits 130."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
import time

import psutil

STUCK_COMMAND = textwrap.dedent('''
    import subprocess, sys, time
    from envcheck import runner

    def build_parser(parser):
        pass

    def run(args):
        child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
        runner._live.add(child)  # tracked like every child envcheck starts
        print("ready", child.pid, flush=True)
        while True:
            try:
                time.sleep(0.1)
            except KeyboardInterrupt:  # a library that swallows Ctrl-C
                pass
''')

DRIVER = textwrap.dedent('''
    import sys
    sys.path.insert(0, sys.argv[1])
    from envcheck import cli
    cli.FORCED_EXIT_AFTER = 1.0
    cli.COMMANDS["stuck"] = ("stuck_command", "a command that swallows Ctrl-C")
    sys.exit(cli.run_command("stuck", [], prog="envcheck stuck"))
''')


def test_ctrl_c_exits_130_even_when_keyboardinterrupt_is_swallowed(tmp_path):
    (tmp_path / "stuck_command.py").write_text(STUCK_COMMAND)
    process = subprocess.Popen([sys.executable, "-c", DRIVER, str(tmp_path)], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True)
    first = process.stdout.readline().split()
    assert first[0] == "ready", first
    child = psutil.Process(int(first[1]))
    started = time.monotonic()
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=30)
    assert process.returncode == 130, (out, err)
    assert err.strip() == "envcheck stuck: interrupted", err  # said once, by the watchdog
    assert time.monotonic() - started < 15
    child.wait(timeout=5)  # the tracked child was killed with it
