"""What the scripts in scripts/ share: messages, running a step, and finding envcheck without activation.

Standard library only, any Python 3.8+: these run before envcheck (or anything else) is installed,
on Windows (`py scripts\\setup_venv.py`) as on Linux and macOS (`python3 scripts/setup_venv.py`).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
CHECKOUT = os.path.dirname(HERE)  # the project root when the scripts run from a checkout


class Failure(Exception):
    """Stop with this message and exit status (2: bad usage)."""

    def __init__(self, message: str, code: int = 1):
        super().__init__(message)
        self.code = code


def say(program: str, message: str) -> None:
    print(f"{program}: {message}", file=sys.stderr, flush=True)


def venv_python(venv: str, platform: str = sys.platform) -> str:
    """The interpreter inside a virtual environment: Scripts\\python.exe on Windows, bin/python elsewhere."""
    if platform == "win32":
        return os.path.join(venv, "Scripts", "python.exe")
    return os.path.join(venv, "bin", "python")


def activate_hint(venv: str, platform: str = sys.platform) -> str:
    if platform == "win32":
        return f"{venv}\\Scripts\\Activate.ps1  (PowerShell; cmd.exe: {venv}\\Scripts\\activate.bat)"
    return f"source {venv}/bin/activate"


def envcheck_command(environ=None, cwd: str | None = None, platform: str = sys.platform) -> list[str]:
    """How to run envcheck without an activated environment, first found first:

    $ENVCHECK (a command, as CI sets it); the project's .venv (in the current directory, then the
    checkout these scripts belong to) run as `<venv python> -m envcheck`; `envcheck` on PATH; this
    interpreter if it has envcheck. Failure (exit 2) when none has it.
    """
    environ = os.environ if environ is None else environ
    if environ.get("ENVCHECK"):
        return [environ["ENVCHECK"]]
    for root in dict.fromkeys((os.path.abspath(cwd or os.getcwd()), CHECKOUT)):
        python = venv_python(os.path.join(root, ".venv"), platform)
        if os.path.isfile(python):
            return [python, "-m", "envcheck"]
    found = shutil.which("envcheck", path=environ.get("PATH"))
    if found:
        return [found]
    try:
        import envcheck  # noqa: F401  (only asks whether this interpreter has it)
    except ImportError:
        raise Failure(
            "envcheck was not found (no .venv here, none on PATH): set up with `python3 scripts/setup_venv.py` "
            "(Windows: `py scripts\\setup_venv.py`) first",
            2,
        ) from None
    return [sys.executable, "-m", "envcheck"]


def verify_against(profile: str) -> list[str]:
    """verify's option for what a course or CI job ships: a requirements file (*.txt, *.in, a
    pyproject.toml) is --requirements, anything else (a TOML profile, a shipped profile's name) --profile."""
    if profile.endswith((".txt", ".in")) or os.path.basename(profile) == "pyproject.toml":
        return ["--requirements", profile]
    return ["--profile", profile]


def run(argv: list[str]) -> int:
    """Run one step, its output going straight to the user; its exit status (127: the program is missing)."""
    try:
        return subprocess.call(argv)
    except FileNotFoundError:
        return 127
    except OSError as error:
        raise Failure(f"could not run {argv[0]}: {error.strerror or error}") from None


def main_wrapper(program: str, main, argv=None) -> int:
    """Exit statuses every script shares: a Failure's code with one line, 130 for Ctrl-C."""
    try:
        return main(sys.argv[1:] if argv is None else argv)
    except Failure as failure:
        say(program, f"error: {failure}")
        return failure.code
    except KeyboardInterrupt:
        say(program, "interrupted")
        return 130
