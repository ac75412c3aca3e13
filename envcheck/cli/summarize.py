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

FORMATS = ("text", "markdown", "json", "html")


def build_parser(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="*", metavar="PATH",
                        help="envcheck JSON files, folders of them, or - for standard input (default: -)")
    add_summary_options(parser)


def add_summary_options(parser) -> None:
    """The output options summarize and fleet share."""
    parser.add_argument("--format", choices=FORMATS,
                        help="output format (default: a table on a terminal, plain text lines when piped)")
    parser.add_argument("-o", "--output", metavar="FILE", help="write the summary to FILE instead of stdout")


def run(args: argparse.Namespace) -> int:
    from envcheck.checks import summary

    if not args.paths and _stdin_is_terminal():
        from envcheck.errors import UsageError

        raise UsageError("name envcheck JSON files or folders, or pipe documents in and name - (see --help)")
    result = summary.summarize(args.paths or ["-"])
    show(args, result)
    return summary.exit_code(result)


def show(args: argparse.Namespace, result) -> None:
    """Print (or write to --output) the summary in the chosen format; used by fleet too."""
    from envcheck.render import summary as view

    fmt = args.format or ("text" if args.output else render.output_format(None))
    shown = view.view(result, fmt)
    if args.output:
        from envcheck.errors import UsageError

        try:
            with open(args.output, "w", encoding="utf-8") as stream:
                stream.write(shown)
        except OSError as error:
            raise UsageError(f"--output {args.output}: cannot write: {error.strerror}") from None
        render.say(args.prog, f"wrote {args.output}")
    elif fmt == render.RICH:
        render.console().print(shown)
    else:
        render.write(shown)


def _stdin_is_terminal() -> bool:
    import sys

    try:
        return sys.stdin is not None and sys.stdin.isatty()
    except (AttributeError, ValueError):  # closed or replaced: not a terminal
        return False
