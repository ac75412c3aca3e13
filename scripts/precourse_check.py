#!/usr/bin/env python3
"""Before the first class: check this environment against the course profile (and, with --code, that the
course's code finds every module and API it uses), then write envcheck-report.md and envcheck-report.json
to hand in (secrets redacted).

  python3 scripts/precourse_check.py [PROFILE|REQUIREMENTS] [--code COURSE_DIR]... [--python PYTHON] [--out DIR]
  py scripts\\precourse_check.py [...]     (Windows PowerShell)
  scripts/precourse-check.sh [PROFILE|REQUIREMENTS] [--code COURSE_DIR]... [--python PYTHON] [--out DIR]
      (bash: runs this program)

PROFILE is a TOML file or a profile shipped with envcheck (default: cpu-course), or a requirements
file the course ships: a *.txt / *.in file in pip's format, or a pyproject.toml. envcheck is found
without activating anything: the project's .venv (here, or in this checkout), `envcheck` on PATH, or
$ENVCHECK. --python inspects another interpreter or environment instead of the one envcheck runs in.
--code runs `envcheck check-code` on the course's folder (repeatable): a line that will fail makes the
exit status 1. Exit status: 0 when every requirement is met, 1 when one is not (the reports are written
either way: hand them in), 2 for bad usage, a bad profile, a bad requirements file or a course folder
that does not exist.
"""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import Failure, envcheck_command, main_wrapper, run, say, verify_against  # noqa: E402

PROGRAM = "precourse-check"


def parse(argv: list[str]) -> dict:
    options = {"profile": "cpu-course", "out": ".", "python": [], "code": []}
    args = list(argv)
    while args:
        arg = args.pop(0)
        if arg in ("--python", "--out"):
            if not args:
                raise Failure(f"{arg} needs {'an interpreter' if arg == '--python' else 'a directory'}", 2)
            value = args.pop(0)
            options[arg[2:]] = ["--python", value] if arg == "--python" else value
        elif arg == "--code":
            if not args:
                raise Failure("--code needs the course's folder", 2)
            options["code"].append(args.pop(0))
        elif arg in ("-h", "--help"):
            options["help"] = True
        elif arg.startswith("-"):
            raise Failure(f"unknown option '{arg}' (see --help)", 2)
        else:
            options["profile"] = arg
    return options


def main(argv: list[str]) -> int:
    options = parse(argv)
    if options.get("help"):
        print(__doc__.strip())
        return 0
    envcheck = envcheck_command()
    out, profile, python = options["out"], options["profile"], options["python"]
    try:
        os.makedirs(out, exist_ok=True)
    except OSError as error:
        raise Failure(f"cannot create {out}: {error.strerror}", 2) from None

    say(PROGRAM, f"checking this environment against '{profile}'")
    status = run([*envcheck, "verify", *verify_against(profile), *python])
    if status not in (0, 1):
        return status
    if options["code"]:
        say(PROGRAM, f"checking the course's code in {' '.join(options['code'])}")
        code_status = run([*envcheck, "check-code", *options["code"], *python])
        if code_status not in (0, 1):
            return code_status
        status = max(status, code_status)
    json_report, markdown = os.path.join(out, "envcheck-report.json"), os.path.join(out, "envcheck-report.md")
    say(PROGRAM, f"writing {markdown} and {json_report}")
    for command in (
        [*envcheck, "report", "--format", "json", *python, "--output", json_report],
        [*envcheck, "report", "--from", json_report, "--format", "markdown", "--output", markdown],
    ):
        written = run(command)
        if written != 0:
            raise Failure(f"the report could not be written (exit {written})", written)
    if status == 0:
        say(PROGRAM, "ready for the course. Hand in envcheck-report.md and envcheck-report.json.")
    else:
        say(
            PROGRAM,
            "some requirements are not met (above, each with its fix). Fix what you can, rerun, and hand in the "
            "reports either way.",
        )
    return status


if __name__ == "__main__":
    sys.exit(main_wrapper(PROGRAM, main))
