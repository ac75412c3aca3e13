"""envcheck summarize [PATH...|-]: many hosts' envcheck JSON -> who is ready, findings with counts, drift.

Each input is one host: a file, every *.json under a folder, or `-` for documents on standard input
(JSON lines or documents back to back, as `srun … check-cuda --format json | envcheck summarize -`
gives). Reads report, doctor, check-cuda, smoke-train and verify JSON. A file that cannot be read is a
named row, not the end. Exit 0 when every host is ready, 1 when any is not, 2 for a path that does
not exist.
"""

from __future__ import annotations

import argparse

from envcheck import render
from envcheck.cli._parser import add_format_option, add_output_option
from envcheck.i18n import N_
from envcheck.render.summary import FORMATS


def build_parser(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="*", metavar="PATH",
                        help=N_("envcheck JSON files, folders of them, or - for standard input (default: -)"))
    add_format_option(parser, FORMATS)
    add_output_option(parser, "the summary")


def run(args: argparse.Namespace) -> int:
    from envcheck.checks import summary  # the engine, once the command runs
    from envcheck.render import summary as view

    if not args.paths and _stdin_is_terminal():
        from envcheck.errors import UsageError  # bad usage only
        from envcheck.i18n import _

        raise UsageError(_("name envcheck JSON files or folders, or pipe documents in and name - (see --help)"))
    result = summary.summarize(args.paths or ["-"])
    render.deliver(args.prog, view.view(result, render.output_format(args.format, bool(args.output))),
                   args.output)
    return summary.exit_code(result)


def _stdin_is_terminal() -> bool:
    import sys  # only to look at standard input

    try:
        return sys.stdin is not None and sys.stdin.isatty()
    except (AttributeError, ValueError):  # closed or replaced: not a terminal
        return False
