"""envcheck doctor: every check at once, one summary with a fix beneath each problem, one exit code.

The checks: Python, packages, NumPy, TensorFlow, GPU, smoke training and the system, concurrently.

Exit 0 when nothing is an error (warnings allowed, e.g. no GPU); 1 otherwise, or with --strict when
anything is a warning. Each check is isolated: one that crashes, hangs or raises is a named ✗.
"""

from __future__ import annotations

import argparse
import sys

from envcheck import render, target
from envcheck.cli._parser import add_format_option, add_python_option


def build_parser(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-v", "--verbose", action="store_true", help="show the facts behind each line")
    parser.add_argument("--strict", action="store_true", help="warnings count as failures (exit 1)")
    add_python_option(parser)
    add_format_option(parser)


def _run(args: argparse.Namespace, live: bool = True):
    """Run doctor for args.python; with `live` and stderr on a terminal, a live line per running check
    there (stdout may be piped: the summary is data, the live view is talk)."""
    from envcheck.checks import doctor  # the engine, with its threads: not needed for --help

    python = target.resolve(args.python)
    if not (live and render._isatty(sys.stderr)):
        return doctor.run(python)
    from rich.live import Live  # terminal only

    from envcheck.render.doctor import LiveView

    view = LiveView(doctor.AREAS)
    render.console(stderr=True).print(f"Checking Python {python.version_text} at {python.executable} …")
    with Live(view, console=render.console(stderr=True), refresh_per_second=8, transient=True):
        return doctor.run(python, on_event=view.event)


def run(args: argparse.Namespace) -> int:
    from envcheck.render import doctor as render_doctor  # the renderer in use, imported when it runs

    result = _run(args, live=args.format is None)
    fmt = render.output_format(args.format)
    if fmt == "json":
        render.write_json(result.to_dict())
    elif fmt == render.RICH:
        out = render.console()
        for line in render_doctor.rich_lines(result, args.verbose):
            out.print(line)
    else:
        render.write(render_doctor.text(result, args.verbose))
    return result.exit_code(args.strict)
