"""envcheck verify --profile FILE: check this environment against a course's or CI's requirements.

A pass/fail line per requirement with the fix for each failure. Exit 0 only when every requirement
passes, 1 when one does not, 2 when the profile itself is wrong (file, line and what is wrong).
--profile takes a path or a shipped profile's name: cpu-course, gpu-course.
"""

from __future__ import annotations

import argparse

from envcheck import exitcodes, render, target
from envcheck.cli._parser import add_format_option, add_python_option


def build_parser(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--profile", required=True, metavar="FILE", help="a TOML requirement profile, or a shipped one: cpu-course, gpu-course")
    parser.add_argument("--junit-xml", metavar="PATH", help="also write a JUnit XML report (one test case per requirement)")
    add_python_option(parser)
    add_format_option(parser)


def run(args: argparse.Namespace) -> int:
    from envcheck import profile as profiles
    from envcheck.checks import verify

    profile = profiles.load(args.profile)  # ProfileError is a UsageError: one line, exit 2
    report = verify.verify(target.resolve(args.python), profile)
    if args.junit_xml:
        from envcheck.render.junit import junit_xml

        with open(args.junit_xml, "wb") as stream:
            stream.write(junit_xml(report))
    fmt = render.output_format(args.format)
    if fmt == "json":
        render.write_json(report.to_dict())
    elif fmt == render.RICH:
        from envcheck.render.verify import table

        render.console().print(table(report))
    else:
        from envcheck.render.verify import text

        render.write(text(report))
    if args.junit_xml:
        render.say(args.prog, f"wrote {args.junit_xml}")
    return exitcodes.OK if report.passed else exitcodes.NOT_OK
