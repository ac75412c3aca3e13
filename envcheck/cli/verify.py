"""envcheck verify --profile FILE / --requirements FILE: check this environment against what a course or CI asks.

A PASS / FAIL / SKIP / NOT CHECKED line per requirement with the fix for each failure. Exit 0 when no
requirement fails, 1 when one does, 2 when a profile or requirement file is wrong (file, line and what is
wrong) or neither is given. --profile takes a path or a shipped profile's name: cpu-course, gpu-course.
"""

from __future__ import annotations

import argparse

from envcheck import exitcodes, render, target
from envcheck.cli._parser import add_format_option, add_python_option
from envcheck.errors import UsageError
from envcheck.probes import system


def build_parser(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--profile", metavar="FILE", help="a TOML requirement profile, or a shipped one: cpu-course, gpu-course"
    )
    parser.add_argument(
        "--requirements",
        "-r",
        action="append",
        default=[],
        metavar="FILE",
        help="a requirements file in pip's format, or a pyproject.toml (repeatable; with or without --profile)",
    )
    parser.add_argument(
        "--extra",
        action="append",
        default=[],
        metavar="NAME",
        help="also check this [project.optional-dependencies] group of the pyproject.toml (repeatable)",
    )
    parser.add_argument(
        "--junit-xml", metavar="PATH", help="also write a JUnit XML report (one test case per requirement)"
    )
    add_python_option(parser)
    add_format_option(parser)


def run(args: argparse.Namespace) -> int:
    from envcheck import profile as profiles  # imported when the command runs, not for --help
    from envcheck.checks import verify

    if not args.profile and not args.requirements:
        raise UsageError("give --profile FILE, --requirements FILE, or both")
    profile = profiles.load(args.profile) if args.profile else None  # ProfileError is a UsageError: one line, exit 2
    report = verify.verify(target.resolve(args.python, cache=not args.no_cache), profile, args.requirements, args.extra)
    if args.junit_xml:
        from envcheck.render.junit import junit_xml  # only the renderers in use

        render.write_file(args.junit_xml, junit_xml(report), "--junit-xml")
    fmt = render.output_format(args.format)
    if fmt == "json":
        render.write_json(report.to_dict(), host=system.host_name())
    elif fmt == render.RICH:
        from envcheck.render.verify import table  # only the renderer in use

        render.console().print(table(report, render.ascii_marks()))
    else:
        from envcheck.render.verify import text  # only the renderer in use

        render.write(text(report))
    if args.junit_xml:
        render.say(args.prog, f"wrote {args.junit_xml}")
    return exitcodes.OK if report.passed else exitcodes.NOT_OK
