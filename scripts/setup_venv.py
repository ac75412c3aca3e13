#!/usr/bin/env python3
"""Create (or reuse) a virtual environment with TensorFlow and envcheck, then run `envcheck doctor`.

  python3 scripts/setup_venv.py [--cpu | --gpu] [--venv DIR] [--python PYTHON] [--dry-run]
  py scripts\\setup_venv.py [...]          (Windows PowerShell; no bash needed)
  scripts/setup-venv.sh [--cpu | --gpu] [--venv DIR] [--python PYTHON] [--dry-run]   (bash: runs this program)

TensorFlow's GPU build is chosen when `check-cuda --no-tf` finds a working NVIDIA driver and GPU on
Linux (WSL2 included): tensorflow[and-cuda]; plain tensorflow otherwise. --gpu forces it; on macOS
--gpu means the Apple GPU (tensorflow plus tensorflow-metal); native Windows has no TensorFlow GPU
support (use WSL2). --python picks the interpreter for the environment (a path, a name on PATH, or a
version such as 3.12: `py -3.12` on Windows); default: the one running this program.
Safe to rerun: an existing environment is reused and pip only installs what is missing.
Exit status: doctor's (0 ready, 1 problems found), 2 for bad usage, or the failing step's.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import CHECKOUT, Failure, activate_hint, main_wrapper, run, say, venv_python  # noqa: E402

PROGRAM = "setup-venv"


def parse(argv: list[str]) -> dict:
    options = {"mode": "auto", "venv": ".venv", "python": None, "dry_run": False}
    args = list(argv)
    while args:
        arg = args.pop(0)
        if arg in ("--cpu", "--gpu"):
            options["mode"] = arg[2:]
        elif arg in ("--venv", "--python"):
            if not args:
                raise Failure(f"{arg} needs {'a directory' if arg == '--venv' else 'an interpreter'}", 2)
            options[arg[2:]] = args.pop(0)
        elif arg == "--dry-run":
            options["dry_run"] = True
        elif arg in ("-h", "--help"):
            options["help"] = True
        else:
            raise Failure(f"unknown option '{arg}' (see --help)", 2)
    return options


def python_command(spec: str | None, platform: str = sys.platform, environ=None) -> list[str]:
    """The command that runs the interpreter to build the environment with: [path], or [py, -3.12] on Windows."""
    environ = os.environ if environ is None else environ
    spec = spec or environ.get("PYTHON") or sys.executable
    if re.fullmatch(r"3\.\d+", spec):
        if platform == "win32":
            return ["py", f"-{spec}"]
        spec = f"python{spec}"
    if os.path.dirname(spec) or os.path.isfile(spec):
        return [spec]
    found = shutil.which(spec)
    if not found:
        raise Failure(f"no '{spec}' on PATH: install Python 3.10-3.13 first, or pass --python", 2)
    return [found]


def venv_version(venv: str) -> str | None:
    """The environment's Python as "3.11", from its pyvenv.cfg (`version` from venv, `version_info` from
    virtualenv and uv); None when the file or the key is missing."""
    try:
        with open(os.path.join(venv, "pyvenv.cfg"), encoding="utf-8") as stream:
            lines = stream.read().splitlines()
    except (OSError, UnicodeDecodeError):
        return None
    for line in lines:
        key, _, value = line.partition("=")
        if key.strip() in ("version", "version_info") and re.match(r"\d+\.\d+", value.strip()):
            return ".".join(value.strip().split(".")[:2])
    return None


def check_reuse(venv: str, spec: str, platform: str = sys.platform) -> None:
    """An existing environment is reused only when it has the Python that --python asks for: a rerun with
    --python 3.12 over a 3.11 .venv would otherwise quietly keep 3.11."""
    have = venv_version(venv)
    command = python_command(spec, platform)
    try:
        done = subprocess.run([*command, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                              capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return  # not a runnable interpreter: creating an environment with it would say so; reusing does not need it
    wanted = done.stdout.strip()
    if have and re.fullmatch(r"\d+\.\d+", wanted) and wanted != have:
        raise Failure(f"{venv} has Python {have}, not the {wanted} that --python {spec} runs: remove {venv} "
                      f"and rerun, or give the new environment another folder with --venv DIR", 2)


def tensorflow_requirements(mode: str, platform: str = sys.platform) -> list[str]:
    """What pip installs for TensorFlow: the CUDA build on Linux, the Metal plug-in for Apple GPUs."""
    if mode != "gpu":
        return ["tensorflow"]
    if platform == "win32":
        raise Failure(
            "--gpu: TensorFlow has no GPU support on native Windows since 2.11; run this program inside WSL2 "
            "(wsl --install -d Ubuntu), with the NVIDIA driver installed on Windows only",
            2,
        )
    if platform == "darwin":
        return ["tensorflow", "tensorflow-metal"]
    return ["tensorflow[and-cuda]"]


def envcheck_source(environ=None) -> str:
    """Where envcheck comes from: $ENVCHECK_SOURCE, this checkout when the program runs from one, else PyPI."""
    environ = os.environ if environ is None else environ
    if environ.get("ENVCHECK_SOURCE"):
        return environ["ENVCHECK_SOURCE"]
    return CHECKOUT if os.path.isfile(os.path.join(CHECKOUT, "pyproject.toml")) else "envcheck"


def main(argv: list[str]) -> int:
    options = parse(argv)
    if options.get("help"):
        print(__doc__.strip())
        return 0
    platform, venv, dry_run = sys.platform, options["venv"], options["dry_run"]
    vpy = venv_python(venv, platform)

    def step(*command: str) -> None:
        say(PROGRAM, " ".join(command))
        if not dry_run:
            status = run(list(command))
            if status != 0:
                raise Failure(f"this step failed with exit status {status}: {' '.join(command)}", status)

    requirements = tensorflow_requirements(options["mode"], platform) if options["mode"] != "auto" else None
    if os.path.isfile(vpy):
        if options["python"]:
            check_reuse(venv, options["python"], platform)
        say(PROGRAM, f"reusing the virtual environment in {venv}")
    else:
        step(*python_command(options["python"], platform), "-m", "venv", venv)
    step(vpy, "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    step(vpy, "-m", "pip", "install", "--quiet", envcheck_source())

    if requirements is None and dry_run:
        say(PROGRAM, f"(dry run: would choose with {vpy} -m envcheck check-cuda --no-tf -q; showing the CPU choice)")
        requirements = tensorflow_requirements("cpu", platform)
    elif requirements is None:
        if platform.startswith("linux") and run([vpy, "-m", "envcheck", "check-cuda", "--no-tf", "-q"]) == 0:
            say(PROGRAM, "found a working NVIDIA driver and GPU: installing TensorFlow with its CUDA libraries")
            requirements = tensorflow_requirements("gpu", platform)
        else:
            say(
                PROGRAM,
                "no usable NVIDIA GPU found (or not Linux): installing the CPU build of TensorFlow"
                + (" (--gpu installs tensorflow-metal for the Apple GPU)" if platform == "darwin" else ""),
            )
            requirements = tensorflow_requirements("cpu", platform)
    step(vpy, "-m", "pip", "install", "--quiet", *requirements)

    say(PROGRAM, "checking the result with envcheck doctor")
    if dry_run:
        say(PROGRAM, f"{vpy} -m envcheck doctor")
        return 0
    status = run([vpy, "-m", "envcheck", "doctor"])
    if status == 0:
        say(PROGRAM, f"done. Activate it with: {activate_hint(venv, platform)}")
    else:
        say(PROGRAM, "the environment is installed but doctor found problems (above); fix them and rerun this program")
    return status


if __name__ == "__main__":
    sys.exit(main_wrapper(PROGRAM, main))
