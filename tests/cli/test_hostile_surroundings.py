"""Hostile surroundings, as a new user's machine has them: each gets its exit code and one line, never a
traceback, never a hang, never an `internal error`, never exit 0 when the answer was lost.

- outputs that cannot be written: stdout on a full disk (/dev/full), `-o` / `--junit-xml` in a missing
  directory, on a full disk, onto a directory;
- inputs that are not regular files or are too large: /dev/zero, /dev/urandom, a FIFO, a directory,
  a 17 MiB file, an empty profile, bytes that are not UTF-8, JSON that is not a report;
- a child that floods its output (200 MB from nvidia-smi or from --python): memory stays flat;
- Ctrl-C while children run (TensorFlow imports included): exit 130 and no process left behind;
- --python naming a hung, crashing, garbage-printing or non-executable "interpreter";
- consoles that are not UTF-8.

The cases of the matrix run concurrently (the hung interpreters take ASK_TIMEOUT each, in parallel),
each inside a small wrapper that reports the exit code, stderr and the peak memory of the process tree.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import NamedTuple

import psutil
import pytest

from cuda_fakes import TF_STAND_INS, hanging_nvidia_smi, stand_in_package
from helpers import ROOT

FLOOD_BYTES = 200_000_000
PEAK_LIMIT_MIB = 400


class Case(NamedTuple):
    argv: tuple  # envcheck's arguments; "{p}" is the folder of prepared inputs
    code: int | tuple  # the exit code (or the codes) it must give
    message: str | None = None  # what its one line on stderr must contain (None: a normal answer, no error)
    stdout: str | None = None  # a file stdout goes to ("/dev/full"), else a pipe
    env: dict | None = None  # "{p}" expanded too
    peak_mib: int | None = None  # the most memory the whole tree may use


FULL = "cannot write stdout: No space left on device"
NOSUCH = "No such file or directory"
BARE = "{p}/bare"  # a venv with nothing installed: doctor answers in about a second

CASES = {
    # --- outputs that cannot be written: exit 2, one line naming the file and the OS error
    "count-packages > /dev/full": Case(("count-packages",), 2, FULL, "/dev/full"),
    "count-packages >&- (stdout closed)": Case(
        ("count-packages",), 2, "cannot write stdout: Bad file descriptor", "closed"
    ),
    "list-tf-packages --format json >&-": Case(
        ("list-tf-packages", "--format", "json"), 2, "Bad file descriptor", "closed"
    ),
    "check-cuda --no-tf -q >&- (nothing to write)": Case(("check-cuda", "--no-tf", "-q"), (0, 1), None, "closed"),
    "count-packages -v --format json > /dev/full": Case(
        ("count-packages", "-v", "--format", "json"), 2, FULL, "/dev/full"
    ),
    "list-tf-packages > /dev/full": Case(("list-tf-packages",), 2, FULL, "/dev/full"),
    "list-tf-packages --format json > /dev/full": Case(("list-tf-packages", "--format", "json"), 2, FULL, "/dev/full"),
    "list-tf-packages --format freeze > /dev/full": Case(
        ("list-tf-packages", "--format", "freeze"), 2, FULL, "/dev/full"
    ),
    "check-cuda --no-tf > /dev/full": Case(("check-cuda", "--no-tf"), 2, FULL, "/dev/full"),
    "check-cuda --no-tf --format json > /dev/full": Case(
        ("check-cuda", "--no-tf", "--format", "json"), 2, FULL, "/dev/full"
    ),
    "smoke-train --backend numpy > /dev/full": Case(("smoke-train", "--backend", "numpy"), 2, FULL, "/dev/full"),
    "smoke-train --format json > /dev/full": Case(
        ("smoke-train", "--backend", "numpy", "--format", "json"), 2, FULL, "/dev/full"
    ),
    "doctor > /dev/full": Case(("doctor", "--python", BARE), 2, FULL, "/dev/full"),
    "verify > /dev/full": Case(("verify", "--profile", "{p}/ok.toml"), 2, FULL, "/dev/full"),
    "report --from > /dev/full": Case(("report", "--from", "{p}/r.json"), 2, FULL, "/dev/full"),
    "report -o in a missing directory": Case(
        ("report", "--from", "{p}/r.json", "-o", "/nonexistent/dir/r.md"),
        2,
        f"cannot write -o /nonexistent/dir/r.md: {NOSUCH}",
    ),
    "report (doctor) -o in a missing directory": Case(
        ("report", "--python", BARE, "-o", "/nonexistent/dir/r.md"),
        2,
        f"cannot write -o /nonexistent/dir/r.md: {NOSUCH}",
    ),
    "report -o /dev/full": Case(
        ("report", "--from", "{p}/r.json", "-o", "/dev/full"), 2, "cannot write -o /dev/full: No space left on device"
    ),
    "report -o a directory": Case(
        ("report", "--from", "{p}/r.json", "-o", "{p}/dir"), 2, "cannot write -o {p}/dir: Is a directory"
    ),
    "verify --junit-xml in a missing directory": Case(
        ("verify", "--profile", "{p}/ok.toml", "--junit-xml", "/nonexistent/dir/j.xml"),
        2,
        f"cannot write --junit-xml /nonexistent/dir/j.xml: {NOSUCH}",
    ),
    "verify --junit-xml /dev/full": Case(
        ("verify", "--profile", "{p}/ok.toml", "--junit-xml", "/dev/full"),
        2,
        "cannot write --junit-xml /dev/full: No space left on device",
    ),
    "verify --junit-xml a directory": Case(
        ("verify", "--profile", "{p}/ok.toml", "--junit-xml", "{p}/dir"),
        2,
        "cannot write --junit-xml {p}/dir: Is a directory",
    ),
    # --- inputs that are not regular files, too large, empty or not what they claim: exit 2 at once
    "verify --profile /dev/zero": Case(
        ("verify", "--profile", "/dev/zero"), 2, "--profile /dev/zero: not a regular file (a character device)"
    ),
    "verify --profile /dev/urandom": Case(
        ("verify", "--profile", "/dev/urandom"), 2, "not a regular file (a character device)"
    ),
    "verify --profile a FIFO": Case(
        ("verify", "--profile", "{p}/fifo"), 2, "--profile {p}/fifo: not a regular file (a FIFO)"
    ),
    "verify --profile a directory": Case(("verify", "--profile", "{p}/dir"), 2, "not a regular file (a directory)"),
    "verify --profile 17 MiB": Case(("verify", "--profile", "{p}/big.toml"), 2, "too large (17 MiB; at most 16 MiB)"),
    "verify --profile empty": Case(("verify", "--profile", "{p}/empty.toml"), 2, "no requirements"),
    "verify --profile comments only": Case(("verify", "--profile", "{p}/comments.toml"), 2, "no requirements"),
    "verify --profile not UTF-8": Case(("verify", "--profile", "{p}/binary.toml"), 2, "not UTF-8 text"),
    "verify --profile numpy on gpu": Case(
        ("verify", "--profile", "{p}/numpy-gpu.toml"), 2, 'needs backend = "tensorflow"'
    ),
    "verify --profile missing": Case(("verify", "--profile", "{p}/missing.toml"), 2, "no such file"),
    "verify --requirements empty": Case(("verify", "--requirements", "{p}/empty.txt"), 2, "no requirements"),
    "verify --requirements with only comments and options": Case(
        ("verify", "-r", "{p}/options-only.txt"), 2, "{p}/options-only.txt: no requirements"
    ),
    "verify without --profile": Case(("verify",), 2, "give --profile FILE, --requirements FILE, or both"),
    "verify --requirements /dev/zero": Case(
        ("verify", "--requirements", "/dev/zero"),
        2,
        "--requirements /dev/zero: not a regular file (a character device)",
    ),
    "verify --requirements a FIFO": Case(("verify", "--requirements", "{p}/fifo"), 2, "not a regular file (a FIFO)"),
    "doctor --code a FIFO": Case(("doctor", "--code", "{p}/fifo"), 2, "--code {p}/fifo: not a regular file or folder"),
    "verify --profile with [code] naming a FIFO": Case(
        ("verify", "--profile", "{p}/code-fifo.toml"), 2, "[code] paths: fifo is not a regular file or folder"
    ),
    "report --from /dev/zero": Case(
        ("report", "--from", "/dev/zero"), 2, "--from /dev/zero: not a regular file (a character device)"
    ),
    "report --from a FIFO": Case(("report", "--from", "{p}/fifo"), 2, "not a regular file (a FIFO)"),
    "report --from a directory": Case(("report", "--from", "{p}/dir"), 2, "not a regular file (a directory)"),
    "report --from 17 MiB": Case(("report", "--from", "{p}/big.json"), 2, "too large"),
    "report --from not JSON": Case(("report", "--from", "{p}/notjson.json"), 2, "not JSON"),
    "report --from another schema": Case(("report", "--from", "{p}/other.json"), 2, "not an envcheck.report/1 report"),
    "report --from missing": Case(("report", "--from", "{p}/missing.json"), 2, f"cannot read: {NOSUCH}"),
    "smoke-train --backend numpy --device gpu": Case(
        ("smoke-train", "--backend", "numpy", "--device", "gpu"), 2, "--device gpu needs --backend tensorflow"
    ),
    # --- children that flood: the answer still comes, memory stays flat
    "check-cuda --no-tf, nvidia-smi prints 200 MB": Case(
        ("check-cuda", "--no-tf"), (0, 1), None, None, {"PATH": "{p}/flood-out:" + os.environ["PATH"]}, PEAK_LIMIT_MIB
    ),
    "check-cuda --no-tf, nvidia-smi prints 200 MB on stderr": Case(
        ("check-cuda", "--no-tf"), (0, 1), None, None, {"PATH": "{p}/flood-err:" + os.environ["PATH"]}, PEAK_LIMIT_MIB
    ),
    "--python prints 200 MB": Case(
        ("count-packages", "--python", "{p}/py-flood"),
        2,
        "does not look like a Python interpreter",
        peak_mib=PEAK_LIMIT_MIB,
    ),
    # --- --python names something that is not a working interpreter
    "count-packages --python hangs": Case(
        ("count-packages", "--python", "{p}/py-hang"), 2, "did not finish within 30 s"
    ),
    "check-cuda --python hangs": Case(("check-cuda", "--python", "{p}/py-hang"), 2, "did not finish within 30 s"),
    "doctor --python hangs": Case(("doctor", "--python", "{p}/py-hang"), 2, "did not finish within 30 s"),
    "list-tf-packages --python prints text": Case(
        ("list-tf-packages", "--python", "{p}/py-text"), 2, "does not look like a Python interpreter"
    ),
    "count-packages --python prints bytes": Case(
        ("count-packages", "--python", "{p}/py-bytes"), 2, "does not look like"
    ),
    "check-cuda --python crashes": Case(("check-cuda", "--python", "{p}/py-segv"), 2, "crashed (SIGSEGV"),
    "smoke-train --python exits 1": Case(("smoke-train", "--python", "{p}/py-exit"), 2, "(python: broken install)"),
    "doctor --python not executable": Case(("doctor", "--python", "{p}/py-noexec"), 2, "is not executable"),
    "verify --python a directory": Case(
        ("verify", "--profile", "{p}/ok.toml", "--python", "{p}/dir"), 2, "is a directory and not a virtual environment"
    ),
    "count-packages --python /dev/zero": Case(("count-packages", "--python", "/dev/zero"), 2, "is not executable"),
    # --- consoles that are not UTF-8: the answer, no error
    "doctor on cp949": Case(("doctor", "--python", BARE), 1, env={"PYTHONIOENCODING": "cp949"}),
    "report on cp949": Case(("report", "--from", "{p}/r.json"), 0, env={"PYTHONIOENCODING": "cp949"}),
    "check-cuda --no-tf on ascii": Case(("check-cuda", "--no-tf"), (0, 1), env={"PYTHONIOENCODING": "ascii"}),
    "verify on latin-1": Case(("verify", "--profile", "{p}/ok.toml"), 0, env={"PYTHONIOENCODING": "latin-1"}),
    "count-packages on LC_ALL=C": Case(("count-packages", "-v"), 0, env={"LC_ALL": "C", "PYTHONUTF8": "0"}),
}

# Runs one case and reports, as JSON: its exit code, stdout, stderr, and the peak memory (MiB) of the
# largest process in its tree (every descendant is waited for, so RUSAGE_CHILDREN covers them all).
WRAPPER = """
import json, os, resource, subprocess, sys
spec = json.loads(sys.argv[1])
closed = spec["stdout"] == "closed"  # started as `cmd >&-`: no stdout at all
out = None if closed else open(spec["stdout"], "w") if spec["stdout"] else subprocess.PIPE
done = subprocess.run(spec["argv"], stdout=out, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, env=spec["env"],
                      timeout=300, preexec_fn=(lambda: os.close(1)) if closed else None)
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print(json.dumps({"code": done.returncode, "stdout": (done.stdout or b"").decode("utf-8", "replace")[-4000:],
                  "stderr": done.stderr.decode("utf-8", "replace"), "peak_mib": peak}))
"""


def _script(path: Path, body: str, mode: int = 0o755) -> None:
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(mode)


@pytest.fixture(scope="module")
def place(tmp_path_factory) -> Path:
    p = tmp_path_factory.mktemp("hostile")
    (p / "dir").mkdir()
    os.mkfifo(p / "fifo")  # nobody ever writes to it
    for name in ("big.toml", "big.json"):
        with open(p / name, "wb") as stream:
            stream.truncate(17 * 1024 * 1024)  # sparse
    (p / "ok.toml").write_text('[python]\nversion = ">=3.9"\n[packages]\nnumpy = ""\n')
    (p / "empty.toml").write_text("")
    (p / "comments.toml").write_text("# a profile someone meant to fill in\n[profile]\nname = 'todo'\n")
    (p / "binary.toml").write_bytes(b"\xff\xfe[\x00p\x00]\x00")
    (p / "numpy-gpu.toml").write_text('[smoke]\nrequired = true\ndevice = "gpu"\nbackend = "numpy"\n')
    (p / "empty.txt").write_text("")
    (p / "options-only.txt").write_text("# the course's packages, to be listed\n--index-url https://pypi.org/simple\n")
    (p / "code-fifo.toml").write_text('[code]\npaths = ["fifo"]\n')
    (p / "notjson.json").write_text("{not json")
    (p / "other.json").write_text('{"schema": "envcheck.doctor/1"}')
    for name, stream in (("flood-out", ""), ("flood-err", " >&2")):
        (p / name).mkdir()
        _script(
            p / name / "nvidia-smi", f"yes 'GPU 0: NVIDIA flood 0123456789' | head -c {FLOOD_BYTES}{stream}\nexit 9\n"
        )
    _script(p / "py-flood", f"yes 'not python at all' | head -c {FLOOD_BYTES}\n")
    _script(p / "py-hang", "exec sleep 600\n")
    _script(p / "py-text", "echo 'hello, I am not python'\n")
    _script(p / "py-bytes", "printf '\\377\\376\\000garbage'\nexit 1\n")
    _script(p / "py-segv", "kill -SEGV $$\n")
    _script(p / "py-exit", "echo 'python: broken install' >&2\nexit 1\n")
    _script(p / "py-noexec", "echo never\n", mode=0o644)
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(p / "bare")], check=True, timeout=120)
    saved = subprocess.run(
        [sys.executable, "-m", "envcheck", "report", "--format", "json", "--python", str(p / "bare")],
        capture_output=True,
        cwd=ROOT,
        timeout=300,
    )
    assert saved.returncode == 0, saved.stderr
    (p / "r.json").write_bytes(saved.stdout)
    return p


def _run(case: Case, place: Path) -> dict:
    def expand(text: str) -> str:
        return text.replace("{p}", str(place))

    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "PYTHONIOENCODING")}
    env.update({k: expand(v) for k, v in (case.env or {}).items()})
    spec = {"argv": [sys.executable, "-m", "envcheck", *map(expand, case.argv)], "stdout": case.stdout, "env": env}
    done = subprocess.run(
        [sys.executable, "-c", WRAPPER, json.dumps(spec)], capture_output=True, text=True, cwd=ROOT, timeout=400
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.fixture(scope="module")
def outcomes(place) -> dict:
    """Every case, run concurrently: most of them sleep (hung interpreters) or wait on a child."""
    with ThreadPoolExecutor(max_workers=8) as pool:
        futures = {name: pool.submit(_run, case, place) for name, case in CASES.items()}
        return {name: future.result() for name, future in futures.items()}


@pytest.mark.parametrize("name", list(CASES))
def test_hostile_surroundings(name, outcomes, place):
    case, got = CASES[name], outcomes[name]
    codes = case.code if isinstance(case.code, tuple) else (case.code,)
    assert got["code"] in codes, got
    assert "Traceback" not in got["stderr"] and "internal error" not in got["stderr"], got["stderr"]
    if case.message is not None:
        lines = got["stderr"].strip().splitlines()
        assert len(lines) == 1, got["stderr"]
        assert case.message.replace("{p}", str(place)) in lines[0], lines[0]
        assert lines[0].startswith("envcheck "), lines[0]  # it names the command that failed
    if case.peak_mib is not None:
        assert got["peak_mib"] <= case.peak_mib, f"peak {got['peak_mib']:.0f} MiB"


def test_the_matrix_has_at_least_40_cases():
    assert len(CASES) + len(CTRL_C) >= 40


# --- Ctrl-C: exit 130, one line, and no process of the tree left behind

CTRL_C = {
    # doctor imports TensorFlow once, in tf_stages.py (the TensorFlow facts, the GPUs, the training)
    "doctor, real TensorFlow importing": (("doctor",), None, ("tf_stages.py",)),
    "doctor, TensorFlow hangs on import": (("doctor",), "hang", ("tf_stages.py",)),
    "smoke-train, TensorFlow importing": (("smoke-train",), None, ("smoke_net.py",)),
    "check-cuda, nvidia-smi hangs": (("check-cuda", "--no-tf"), "smi-hang", ("nvidia-smi", "sleep 600")),
    "verify cpu-course, TensorFlow hangs": (("verify", "--profile", "cpu-course"), "hang", ("smoke_net.py",)),
}


@pytest.mark.parametrize("name", list(CTRL_C))
def test_ctrl_c_leaves_nothing_behind(name, tmp_path):
    args, fake, wait_for = CTRL_C[name]
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    if fake == "hang":
        env["PYTHONPATH"] = str(stand_in_package(tmp_path / "stand-in", "tensorflow", TF_STAND_INS["hang"]))
    elif fake == "smi-hang":
        env["PATH"] = f"{hanging_nvidia_smi(tmp_path / 'bin').parent}{os.pathsep}{env['PATH']}"
    process = subprocess.Popen(
        [sys.executable, "-m", "envcheck", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        env=env,
        cwd=ROOT,
    )
    tree, seen, commands = psutil.Process(process.pid), {}, {}
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        for child in tree.children(recursive=True):
            try:
                seen.setdefault(child.pid, child)
                commands[child.pid] = " ".join(child.cmdline())  # again: a fork shows its parent's until it execs
            except psutil.Error:
                pass  # gone already
        if any(word in command for command in commands.values() for word in wait_for):
            break
        time.sleep(0.05)
    assert process.poll() is None, ("finished before the child it waits for was seen", process.communicate(), commands)
    assert any(word in command for command in commands.values() for word in wait_for), commands
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 130, (err, commands)
    assert err.decode().strip() == f"envcheck {args[0]}: interrupted", (err, commands)
    _, alive = psutil.wait_procs(list(seen.values()), timeout=5)  # killed ones vanish within milliseconds
    left = [commands[child.pid] for child in alive if child.status() != psutil.STATUS_ZOMBIE]
    assert not left, (left, commands)
