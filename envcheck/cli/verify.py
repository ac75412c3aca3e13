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
    from envcheck import profile as profiles  # imported when the command runs, not for --help
    from envcheck.checks import verify

    profile = profiles.load(args.profile)  # ProfileError is a UsageError: one line, exit 2
    python = target.resolve(args.python)
    outcomes, seconds = verify.verify(python, profile)
    if args.junit_xml:
        with open(args.junit_xml, "wb") as stream:
            stream.write(verify.junit_xml(profile, outcomes, seconds))
    passed = sum(1 for o in outcomes if o.passed)
    fmt = render.output_format(args.format)
    tally = f"{passed} of {len(outcomes)} requirements met ({profile.name})."
    if fmt == "json":
        render.write_json({"schema": verify.SCHEMA, "profile": profile.name, "path": profile.path, "python": python.to_dict(),
                           "passed": passed == len(outcomes), "requirements": [o.to_dict() for o in outcomes]})
    elif fmt == render.RICH:
        render.console().print(_table(outcomes, profile, tally))
    else:
        width = max((len(o.requirement) for o in outcomes), default=0)
        lines = []
        for o in outcomes:
            lines.append(f"{'PASS' if o.passed else 'FAIL'}  {o.requirement.ljust(width)}  {o.detail}")
            if o.fix:
                lines.append(f"      {' ' * width}  Fix: {o.fix}")
        render.write_lines(lines + [tally])
    if args.junit_xml:
        render.say(args.prog, f"wrote {args.junit_xml}")
    return exitcodes.OK if passed == len(outcomes) else exitcodes.NOT_OK


def _table(outcomes, profile, tally):
    from rich.markup import escape  # terminal only
    from rich.table import Table

    table = Table(title=f"envcheck verify: {profile.name}", title_justify="left", caption=tally, caption_justify="left")
    table.add_column("")
    table.add_column("Requirement")
    table.add_column("Found / fix", overflow="fold")
    for o in outcomes:
        mark = "[green]✓ pass[/]" if o.passed else "[bold red]✗ fail[/]"
        text = escape(o.detail) + (f"\n[bold]Fix:[/] {escape(o.fix)}" if o.fix else "")
        table.add_row(mark, escape(o.requirement), text)
    return table
