"""envcheck report: everything doctor gathers, as markdown (paste into an issue), json or text.

Made to be shared: the home directory becomes ~, user and host names are replaced, only
allow-listed environment variables appear and credentials in URLs are removed.
Exit 0 when the report was written (whatever it says); doctor's verdict is in the report.
"""

from __future__ import annotations

import argparse

from envcheck import exitcodes, render
from envcheck.cli._parser import add_format_option, add_python_option


def build_parser(parser: argparse.ArgumentParser) -> None:
    add_python_option(parser)
    add_format_option(parser, ("markdown", "json", "text"))
    parser.add_argument("-o", "--output", metavar="FILE", help="write the report to FILE instead of stdout")


def run(args: argparse.Namespace) -> int:
    from envcheck import report
    from envcheck.cli.doctor import gather

    fmt = args.format or "markdown"
    data = report.build(gather(args, live=False))  # a document: no live view mixed into the terminal
    text = render.to_json(data) if fmt == "json" else report.markdown(data) if fmt == "markdown" else report.text(data)
    if args.output:
        with open(args.output, "w", encoding="utf-8") as stream:
            stream.write(text)
        render.say(args.prog, f"wrote {args.output}")
    else:
        render.write(text)
    return exitcodes.OK
