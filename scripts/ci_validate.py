#!/usr/bin/env python3
"""For a CI step: verify the environment against a profile or a requirements file, write JUnit XML.

  python3 scripts/ci_validate.py PROFILE|REQUIREMENTS [JUNIT_XML] [--python PYTHON]
  scripts/ci-validate.sh PROFILE|REQUIREMENTS [JUNIT_XML] [--python PYTHON]   (bash: runs this program)

A *.txt / *.in file or a pyproject.toml is a requirements file; anything else a profile. JUNIT_XML
defaults to envcheck-junit.xml. envcheck is found without activating anything: $ENVCHECK, the
project's .venv, `envcheck` on PATH, or this interpreter's. Exit status is verify's: 0 all
requirements met, 1 one is not (the step fails), 2 a bad profile, a bad requirements file or bad usage.
"""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import Failure, envcheck_command, main_wrapper, run, say, verify_against  # noqa: E402

PROGRAM = "ci-validate"


def main(argv: list[str]) -> int:
    positional, python = [], []
    args = list(argv)
    while args:
        arg = args.pop(0)
        if arg == "--python":
            if not args:
                raise Failure("--python needs an interpreter", 2)
            python = ["--python", args.pop(0)]
        elif arg in ("-h", "--help"):
            print(__doc__.strip())
            return 0
        elif arg.startswith("-"):
            raise Failure(f"unknown option '{arg}' (see --help)", 2)
        else:
            positional.append(arg)
    if not 1 <= len(positional) <= 2:
        raise Failure("usage: ci_validate.py PROFILE|REQUIREMENTS [JUNIT_XML] [--python PYTHON]", 2)
    profile, junit = positional[0], positional[1] if len(positional) > 1 else "envcheck-junit.xml"
    verify = [*envcheck_command(), "verify", *verify_against(profile), "--junit-xml", junit, "--format", "text"]
    status = run([*verify, *python])
    if status == 0:
        say(PROGRAM, f"all requirements of '{profile}' are met (JUnit report: {junit})")
    elif status == 1:
        say(PROGRAM, f"requirements of '{profile}' are not met (JUnit report: {junit})")
    else:
        say(PROGRAM, f"verify could not run (exit {status})")
    return status


if __name__ == "__main__":
    sys.exit(main_wrapper(PROGRAM, main))
