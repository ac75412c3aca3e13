"""envcheck report: everything doctor gathers, as markdown (paste into an issue), json or text.

Made to be shared: the home directory becomes ~, user and host names are replaced, only
allow-listed environment variables appear and credentials in URLs are removed.
Exit 0 when the report was written (whatever it says); doctor's verdict is in the report.
"""

from __future__ import annotations

import argparse
import sys

from envcheck import exitcodes, render, target
from envcheck.cli._parser import add_format_option, add_python_option

DEFAULT_FORMAT = "markdown"  # a report is a document: the same on a terminal as in a file


def build_parser(parser: argparse.ArgumentParser) -> None:
    add_python_option(parser)
    add_format_option(parser, ("markdown", "json", "text"), default=DEFAULT_FORMAT)
    parser.add_argument("-o", "--output", metavar="FILE", help="write the report to FILE instead of stdout")
    parser.add_argument("--from", dest="source", metavar="JSON",
                        help="render a report saved with --format json (e.g. a student's) "
                             "instead of checking this environment")


def run(args: argparse.Namespace) -> int:
    from envcheck.render import report as render_report  # the renderer in use, imported when it runs

    fmt = args.format or DEFAULT_FORMAT
    if args.source:
        data = _load(args.source)
    else:
        from envcheck.checks import doctor, report  # the whole doctor run: not needed for --from

        python = target.resolve(args.python, cache=not args.no_cache)
        data = report.build(doctor.run(python))  # a document: no live view on the terminal
    ascii = False if args.output else render.ascii_marks()  # a file is UTF-8; stdout is what the console prints
    if fmt == "json":
        text = render.to_json(data, ascii=not (args.output or render.is_utf8(sys.stdout)))
    else:
        text = (render_report.markdown if fmt == "markdown" else render_report.text)(data, ascii=ascii)
    if args.output:
        render.write_file(args.output, text, "-o")
        render.say(args.prog, f"wrote {args.output}")
    else:
        render.write(text)
    return exitcodes.OK


def _load(path: str) -> dict:
    """A saved envcheck.report/1 JSON; UsageError (exit 2) for anything else. Redacted again on load:
    it may come from an older envcheck, and redacting twice changes nothing."""
    import json  # only for --from

    from envcheck.checks import report
    from envcheck.errors import UsageError
    from envcheck.probes.files import read_user_text

    try:
        data = json.loads(read_user_text(path, "--from"))
    except ValueError as error:
        raise UsageError(f"--from {path}: not JSON ({error})") from None
    if not isinstance(data, dict) or data.get("schema") != report.SCHEMA:
        raise UsageError(f"--from {path}: not an {report.SCHEMA} report "
                         "(write one with: envcheck report --format json)")
    return report.Redactor.for_this_machine().data(data)
