"""The argument parser every command shares: one-line errors and the common options."""

from __future__ import annotations

import argparse

from envcheck import __version__
from envcheck.errors import UsageError


class Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors become one line and exit 2, never a usage dump."""

    def error(self, message: str):  # type: ignore[override]
        raise UsageError(f"{message} (see --help)")


def make_parser(prog: str, summary: str, doc: str | None) -> Parser:
    epilog = (
        "Exit codes: 0 the answer is yes, 1 it is no (the output says why), "
        "2 bad usage or input, 3 envcheck itself failed, 130 interrupted."
    )
    parser = Parser(
        prog=prog,
        description=summary[0].upper() + summary[1:] + ".",
        epilog=epilog,
    )
    parser.add_argument("--version", action="version", version=f"envcheck {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks of envcheck's own errors")
    return parser


def add_python_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--python",
        metavar="PATH",
        help="inspect this interpreter's environment (a python executable, a name on PATH, "
        "or a virtual environment's directory); default: the interpreter running envcheck",
    )


def add_format_option(parser: argparse.ArgumentParser, formats: tuple[str, ...] = ("text", "json")) -> None:
    parser.add_argument(
        "--format",
        choices=formats,
        help="output format (default: a table on a terminal, plain text lines when piped)",
    )
